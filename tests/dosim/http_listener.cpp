#include "http_listener.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <ctime>
#include <optional>
#include <set>

namespace fp::dosim {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto k_idle_timeout = std::chrono::minutes(5);
constexpr std::size_t k_max_body = 1024 * 1024; // user_data alone may be 64 KiB
constexpr std::uint32_t k_max_header = 16 * 1024;

std::string http_date() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[64];
  return std::string(text, std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc));
}

} // namespace

class Session;

struct HttpListener::Impl : std::enable_shared_from_this<HttpListener::Impl> {
  explicit Impl(net::io_context& context) : io(context), acceptor(context) {}
  net::io_context& io;
  tcp::acceptor acceptor;
  RequestHandler handler;
  std::set<std::shared_ptr<Session>> sessions;
  bool stopped = false;
  void accept();
};

class Session : public std::enable_shared_from_this<Session> {
public:
  Session(HttpListener::Impl& owner, tcp::socket socket) : m_owner(owner), m_stream(std::move(socket)) {}

  void read() {
    m_parser.emplace();
    m_parser->header_limit(k_max_header);
    m_parser->body_limit(k_max_body);
    m_stream.expires_after(k_idle_timeout);
    http::async_read_header(m_stream, m_buffer, *m_parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || self->m_parser->is_done()) return self->on_read(ec);
      // libcurl asks before sending a body over 1 KiB and would otherwise wait a second.
      const auto expect = self->m_parser->get()[http::field::expect];
      if (beast::iequals(expect, "100-continue")) {
        static constexpr std::string_view k_continue = "HTTP/1.1 100 Continue\r\n\r\n";
        net::async_write(self->m_stream, net::buffer(k_continue.data(), k_continue.size()),
                         [self](beast::error_code write_ec, std::size_t) {
                           if (write_ec) return self->finish();
                           self->read_body();
                         });
        return;
      }
      self->read_body();
    });
  }

  void read_body() {
    http::async_read(m_stream, m_buffer, *m_parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void close() {
    beast::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    m_stream.socket().close(ignored);
  }

private:
  void on_read(beast::error_code ec) {
    if (ec) {
      if (ec == http::error::body_limit) return send(plain(413, "request body too large (limit 1 MiB)"), false);
      if (ec.category() == http::make_error_code(http::error::bad_target).category() && ec != http::error::end_of_stream &&
          ec != http::error::partial_message) {
        return send(plain(400, "malformed HTTP request"), false);
      }
      return finish();
    }
    auto& message = m_parser->get();
    ApiRequest request;
    request.method = std::string(message.method_string());
    const std::string target(message.target());
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    request.authorization = std::string(message[http::field::authorization]);
    request.body = message.body();
    ApiResponse response;
    try {
      response = m_owner.handler(request);
    } catch (const std::exception& e) {
      // One exception boundary per request: answer 500 and keep serving.
      response = error_response(500, "server_error", std::string("dosim internal error: ") + e.what());
    }
    send(std::move(response), message.keep_alive());
  }

  static ApiResponse plain(unsigned status, const std::string& message) {
    return error_response(status, error_id(status), message);
  }

  void send(ApiResponse response, bool keep_alive) {
    const std::string body = response.body ? response.body->dump() : std::string();
    m_out = "HTTP/1.1 " + std::to_string(response.status) + " " +
            std::string(http::obsolete_reason(http::int_to_status(response.status))) + "\r\n";
    m_out += "Server: dosim\r\nDate: " + http_date() + "\r\n";
    m_out += "Content-Type: application/json; charset=utf-8\r\n";
    for (const auto& [name, value] : response.headers) m_out += name + ": " + value + "\r\n";
    if (!keep_alive) m_out += "Connection: close\r\n";
    m_out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    m_keep_alive = keep_alive;
    net::async_write(m_stream, net::buffer(m_out), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || !self->m_keep_alive || self->m_owner.stopped) return self->finish();
      self->read();
    });
  }

  void finish() {
    close();
    m_owner.sessions.erase(shared_from_this());
  }

  HttpListener::Impl& m_owner;
  beast::tcp_stream m_stream;
  beast::flat_buffer m_buffer;
  std::optional<http::request_parser<http::string_body>> m_parser;
  std::string m_out;
  bool m_keep_alive = true;
};

void HttpListener::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped || !self->acceptor.is_open()) return;
    if (!ec) {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto session = std::make_shared<Session>(*self, std::move(socket));
      self->sessions.insert(session);
      session->read();
    }
    self->accept();
  });
}

tl::expected<std::unique_ptr<HttpListener>, std::string> HttpListener::start(net::io_context& io, const std::string& host,
                                                                             unsigned short port, RequestHandler handler) {
  auto impl = std::make_shared<Impl>(io);
  impl->handler = std::move(handler);
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) return tl::unexpected("invalid listen address '" + host + "': expected an IP address such as 127.0.0.1");
  const tcp::endpoint endpoint(address, port);
  if (impl->acceptor.open(endpoint.protocol(), ec); ec) return tl::unexpected("cannot open socket: " + ec.message());
  impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (impl->acceptor.bind(endpoint, ec); ec) {
    return tl::unexpected("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  }
  if (impl->acceptor.listen(net::socket_base::max_listen_connections, ec); ec) {
    return tl::unexpected("cannot listen: " + ec.message());
  }
  impl->accept();
  return std::unique_ptr<HttpListener>(new HttpListener(impl));
}

HttpListener::~HttpListener() { stop(); }

unsigned short HttpListener::port() const {
  beast::error_code ec;
  const auto endpoint = m_impl->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void HttpListener::stop() {
  if (m_impl->stopped) return;
  m_impl->stopped = true;
  beast::error_code ignored;
  m_impl->acceptor.close(ignored);
  // Copy: closing makes pending operations finish, which erases sessions from the set.
  const auto sessions = m_impl->sessions;
  for (const auto& s : sessions) s->close();
}

} // namespace fp::dosim
