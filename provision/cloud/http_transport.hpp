// One HTTP exchange over libcurl, nothing more: no retries, no JSON (the client adds those).
// Easy handles are pooled and share one connection cache, so sequential and parallel requests
// reuse TCP/TLS connections. Private to fp_cloud.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "curl_handles.hpp"
#include "token.hpp"

namespace fp::cloud::detail {

struct HttpRequest {
  std::string method; // GET, POST, PUT, DELETE
  std::string url;    // absolute
  std::optional<std::string> body;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers; // names lowercased (HTTP/1.1 and HTTP/2 spell them differently)
  std::string body;
  std::chrono::milliseconds elapsed{0};

  std::string header(const std::string& lowercase_name) const;
};

struct TransportFailure {
  std::string message;       // curl's words, plus its error buffer when it says more
  bool request_sent = false; // false only when the request certainly never reached the server
  bool timed_out = false;
  std::chrono::milliseconds elapsed{0};
};

struct TransportOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{60'000};
  std::string user_agent;
};

class HttpTransport {
public:
  HttpTransport(TransportOptions options, Token token);
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Thread-safe: each call borrows its own easy handle from the pool.
  tl::expected<HttpResponse, TransportFailure> perform(const HttpRequest& request);
  // New TCP connections made so far (reuse keeps this well below the number of requests).
  long connections_opened() const { return m_connections; }

private:
  CurlEasy acquire();
  void release(CurlEasy handle);

  TransportOptions m_options;
  Token m_token;
  CurlShare m_share; // declared before the pool: handles that use it are destroyed first
  std::mutex m_mutex;
  std::vector<CurlEasy> m_idle;
  std::atomic<long> m_connections{0};
};

} // namespace fp::cloud::detail
