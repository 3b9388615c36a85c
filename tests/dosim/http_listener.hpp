// dosim's HTTP/1.1 front: one thread, one io_context, requests parsed by Boost.Beast (as in
// server/http_server.cpp), keep-alive. Each request is handed to a callback that answers
// synchronously; the simulator's state is touched by this thread only.
#pragma once

#include "api.hpp"

#include <functional>
#include <memory>
#include <string>
#include <tl/expected.hpp>

namespace boost::asio {
class io_context;
}

namespace fp::dosim {

using RequestHandler = std::function<ApiResponse(const ApiRequest&)>;

class HttpListener {
public:
  // Binds host:port (port 0: any free port) on `io`; serving starts when io runs.
  static tl::expected<std::unique_ptr<HttpListener>, std::string> start(boost::asio::io_context& io,
                                                                        const std::string& host, unsigned short port,
                                                                        RequestHandler handler);
  ~HttpListener();
  unsigned short port() const;
  // Stops accepting and closes every connection (in-flight answers are dropped).
  void stop();

  struct Impl;

private:
  explicit HttpListener(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}
  std::shared_ptr<Impl> m_impl;
};

} // namespace fp::dosim
