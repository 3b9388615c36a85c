// What the client tests share: a dosim per test (started on a free loopback port, stopped by pid),
// a Client pointed at it with short retry delays, and the client's verbose log captured.
#pragma once

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "cloud/client.hpp"
#include "dosim_process.hpp"

namespace fp::cloud::test {

// A token that must never show up in any log line.
inline const std::string k_secret = "dop_v1_7e57c0ffee5ecre7do_not_print_me";

struct CapturedLog {
  std::mutex mutex;
  std::vector<LogEntry> entries;
  LogSink sink() {
    return [this](const LogEntry& entry) {
      std::lock_guard lock(mutex);
      entries.push_back(entry);
    };
  }
  std::string text() {
    std::lock_guard lock(mutex);
    std::string all;
    for (const auto& entry : entries) all += format_log_entry(entry) + "\n";
    return all;
  }
  std::size_t count(LogEntry::Kind kind) {
    std::lock_guard lock(mutex);
    std::size_t n = 0;
    for (const auto& entry : entries) n += entry.kind == kind ? 1 : 0;
    return n;
  }
};

// dosim with a faults document, or with a required token (designated initializers would trip
// -Wmissing-field-initializers on GCC 12).
inline fp::test::DosimOptions faults_options(nlohmann::json faults) {
  fp::test::DosimOptions options;
  options.faults = std::move(faults);
  return options;
}
inline fp::test::DosimOptions token_options(std::string token) {
  fp::test::DosimOptions options;
  options.token = std::move(token);
  return options;
}

// Short, bounded retries so failure paths take milliseconds, not minutes.
inline RetryPolicy fast_retries() {
  RetryPolicy policy;
  policy.max_attempts = 4;
  policy.base_delay = std::chrono::milliseconds(20);
  policy.max_delay = std::chrono::milliseconds(200);
  policy.max_total = std::chrono::milliseconds(20'000);
  return policy;
}

inline ClientOptions options_for(const std::string& url, CapturedLog& log) {
  ClientOptions options;
  options.base_url = url;
  options.token = Token(k_secret);
  options.retry = fast_retries();
  options.connect_timeout = std::chrono::milliseconds(2'000);
  options.request_timeout = std::chrono::milliseconds(10'000);
  options.log = log.sink();
  return options;
}

inline Client make_client(const ClientOptions& options) {
  auto client = Client::create(options);
  if (!client) throw std::runtime_error(client.error().describe());
  return std::move(*client);
}

// The simulator's request log entries for `method` whose path starts with `path`.
inline std::size_t requests_to(fp::test::DosimProcess& dosim, const std::string& method, const std::string& path) {
  std::size_t n = 0;
  for (const auto& request : dosim.requests())
    if (request.value("method", "") == method && request.value("path", "").rfind(path, 0) == 0) ++n;
  return n;
}

} // namespace fp::cloud::test
