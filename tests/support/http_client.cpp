#include "http_client.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <strings.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace fp::test {

namespace http = boost::beast::http;

struct HttpClient::Impl {
  unsigned short port;
  std::chrono::milliseconds timeout;
  int fd = -1;
  std::string pending; // bytes read past the previous response

  void connect() {
    close();
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      const int error = errno;
      close();
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(error));
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pending.clear();
  }

  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  void write_all(std::string_view bytes) {
    if (fd < 0) connect();
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // Reads into `pending`; returns false on EOF, error or timeout.
  bool fill(std::chrono::milliseconds limit) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(limit.count()));
    if (ready <= 0) return false;
    char buffer[16384];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    pending.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  std::optional<HttpResponse> read_response(bool head_request) {
    if (fd < 0) return std::nullopt;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);
    parser.eager(true);
    if (head_request) parser.skip(true);
    boost::beast::error_code ec;
    for (;;) {
      if (!pending.empty()) {
        const auto used = parser.put(boost::asio::buffer(pending), ec);
        pending.erase(0, used);
        if (ec && ec != http::error::need_more) throw std::runtime_error("malformed response: " + ec.message());
        ec = {};
        if (parser.is_done()) break;
      }
      if (!fill(timeout)) {
        // Beast asserts on put_eof before any byte: a connection closed between responses.
        if (parser.got_some()) {
          parser.put_eof(ec);
          if (!ec && parser.is_done()) break; // a body delimited by the connection closing
        }
        close();
        return std::nullopt;
      }
    }
    HttpResponse response;
    auto& message = parser.get();
    response.status = message.result_int();
    response.chunked = message.chunked();
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      response.headers[name] = std::string(field.value());
    }
    response.body = std::move(message.body());
    if (!message.keep_alive()) close();
    return response;
  }
};

HttpClient::HttpClient(unsigned short port, std::chrono::milliseconds timeout)
  : m_impl(std::make_unique<Impl>(Impl{port, timeout, -1, {}})) {}
HttpClient::~HttpClient() {
  if (m_impl) m_impl->close();
}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

HttpResponse HttpClient::request(std::string_view method, std::string_view target, std::optional<std::string_view> body,
                                 const Headers& headers) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  bool has_type = false;
  for (const auto& [name, value] : headers) {
    out.append(name).append(": ").append(value).append("\r\n");
    if (name.size() == 12 && strncasecmp(name.c_str(), "content-type", 12) == 0) has_type = true;
  }
  if (body) {
    if (!has_type) out += "Content-Type: application/json\r\n";
    out += "Content-Length: " + std::to_string(body->size()) + "\r\n";
  }
  out += "\r\n";
  if (body) out.append(*body);
  if (m_impl->fd < 0) m_impl->connect();
  m_impl->write_all(out);
  auto response = m_impl->read_response(method == "HEAD");
  if (!response) throw std::runtime_error("no response to " + std::string(method) + " " + std::string(target));
  return *response;
}

void HttpClient::send_raw(std::string_view bytes) { m_impl->write_all(bytes); }

std::optional<HttpResponse> HttpClient::read_response(bool head_request) { return m_impl->read_response(head_request); }

bool HttpClient::peer_closed(std::chrono::milliseconds wait) {
  if (m_impl->fd < 0) return true;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{m_impl->fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      char buffer[4096];
      const ssize_t n = ::recv(m_impl->fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        m_impl->close();
        return true;
      }
    }
  }
  return false;
}

void HttpClient::close() { m_impl->close(); }

} // namespace fp::test
