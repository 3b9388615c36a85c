// The HTTP/1.1 front of fp-order-server: one event loop per worker thread (Boost.Asio), requests
// parsed by Boost.Beast, each worker with its own store and metrics shard so nothing is shared on
// the request path. Connections are spread over the workers round-robin as they are accepted.
#pragma once

#include "access_log.hpp"
#include "order_api.hpp"
#include "store.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <tl/expected.hpp>

namespace fp::server {

struct ServerConfig {
  std::string host = "0.0.0.0";
  unsigned short port = 8000;
  std::size_t threads = 1;
  std::size_t db_pool = 0;                    // total database connections; 0: 4 per thread
  std::chrono::milliseconds idle_timeout{60'000}; // a connection waiting for (the rest of) a request
  std::chrono::milliseconds drain_timeout{30'000}; // SIGTERM: how long in-flight requests may take
  // SIGTERM: how long an idle keep-alive connection may still bring requests (each answered with
  // Connection: close). A load balancer may be sending on it already; 0 closes it at once.
  // drain_timeout still bounds the whole drain.
  std::chrono::milliseconds drain_idle{0};
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  AccessLog* access_log = nullptr;            // optional
  ErrorLog log;                               // server-side faults
};

class HttpServer {
public:
  // Binds, opens one store per worker and starts the worker threads.
  static tl::expected<std::unique_ptr<HttpServer>, std::string> start(Database& database, ServerConfig config);
  ~HttpServer(); // drains (if not yet) and joins

  std::string local_address() const; // host:port actually bound (the port when 0 was asked)
  std::size_t db_connections() const;

  // Thread-safe, idempotent: stop accepting, close idle connections (after drain_idle), let
  // in-flight requests finish (up to drain_timeout), close the stores. wait() returns when that is
  // done, as soon as no connection is left.
  void drain();
  void wait();

  struct Impl;

private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace fp::server
