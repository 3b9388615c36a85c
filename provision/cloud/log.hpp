// The verbose log: every request, response, transport failure and wait, handed to an optional
// sink. Everything in an entry is already redacted (token, database passwords); the sink decides
// where it goes (fpctl --verbose prints it on stderr).
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace fp::cloud {

struct LogEntry {
  enum class Kind { request, response, failure, wait };
  Kind kind = Kind::request;
  std::string method;
  std::string url;
  int attempt = 1;
  long status = 0;                      // response
  std::chrono::milliseconds elapsed{0}; // response, failure: time of the exchange; wait: how long
  std::string body;                     // request and response bodies (empty when none)
  std::string note;                     // request: headers sent; response: rate-limit and request id;
                                        // failure: curl's message; wait: why
};

using LogSink = std::function<void(const LogEntry&)>;

// "-> GET https://api.digitalocean.com/v2/sizes?per_page=200 (attempt 1)" and the like, with the
// body on the following lines.
std::string format_log_entry(const LogEntry& entry);

} // namespace fp::cloud
