#include "http_connection.hpp"
#include "text.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace fp::bench {
namespace {

// Timer tokens: a deadline check carries its due time (steady-clock ns, below 2^63); a failure
// met inside send() carries this flag and the connection's generation.
constexpr std::uint64_t k_deferred_flag = 1ull << 63;

// A keep-alive connection idle for longer than this is checked (one nonblocking peek) before it is
// reused: the server may have closed it meanwhile, as urllib3 checks a pooled connection. Servers
// close idle connections after seconds, so a connection used within the last second is not checked.
constexpr std::chrono::seconds k_stale_check_after{1};

constexpr std::uint32_t k_readable = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;

// Random source ports tried before leaving the choice to the kernel: with the range three-quarters
// in use, 16 tries all fail once in a hundred.
constexpr int k_bind_attempts = 16;

std::string errno_text(int error) { return std::strerror(error); }

} // namespace

const http_parser_settings& HttpConnection::parser_settings() {
  static const http_parser_settings settings = [] {
    http_parser_settings s{};
    s.on_headers_complete = &HttpConnection::on_headers_complete_callback;
    s.on_body = &HttpConnection::on_body_callback;
    s.on_message_complete = &HttpConnection::on_message_complete_callback;
    return s;
  }();
  return settings;
}

SourcePorts::SourcePorts(std::uint16_t low, std::uint16_t high, std::uint64_t seed)
  : m_low(low), m_high(high), m_state(seed | 1) {}

bool SourcePorts::bind(int fd, int family) {
  if (m_high <= m_low) return false;
  const std::uint32_t span = static_cast<std::uint32_t>(m_high - m_low) + 1;
  for (int attempt = 0; attempt < k_bind_attempts; ++attempt) {
    // xorshift64: cheap, and any spread will do.
    m_state ^= m_state << 13;
    m_state ^= m_state >> 7;
    m_state ^= m_state << 17;
    const auto port = static_cast<std::uint16_t>(m_low + static_cast<std::uint32_t>(m_state % span));
    int result = -1;
    if (family == AF_INET6) {
      sockaddr_in6 address{};
      address.sin6_family = AF_INET6;
      address.sin6_addr = in6addr_any;
      address.sin6_port = htons(port);
      result = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    } else {
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_ANY);
      address.sin_port = htons(port);
      result = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    }
    if (result == 0) return true;
    if (errno != EADDRINUSE && errno != EACCES) return false;
  }
  return false;
}

std::pair<std::uint16_t, std::uint16_t> SourcePorts::ephemeral_range() {
  std::pair<std::uint16_t, std::uint16_t> range{32768, 60999}; // Linux's default
  if (std::FILE* file = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    unsigned low = 0, high = 0;
    if (std::fscanf(file, "%u %u", &low, &high) == 2 && low > 0 && low <= high && high <= 65535)
      range = {static_cast<std::uint16_t>(low), static_cast<std::uint16_t>(high)};
    std::fclose(file);
  }
  return range;
}

HttpConnection::HttpConnection(const ConnectionSettings& settings, ConnectionListener& listener)
  : m_settings(&settings), m_listener(&listener) {}

HttpConnection::~HttpConnection() {
  // The run is over: end with a reset rather than a FIN, so the connection leaves no TIME_WAIT
  // behind on this side. A search (`fpctl bench find`) runs trial after trial with thousands of
  // connections each; 60 s of TIME_WAIT apiece would use up the ephemeral ports between trials.
  if (m_fd) {
    const linger reset{1, 0};
    ::setsockopt(m_fd.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  }
}

void HttpConnection::send(std::string_view request, bool head_request, bool keep_body, TimePoint now) {
  m_request = request;
  m_written = 0;
  m_head = head_request;
  m_keep_body = keep_body;
  m_body.clear();
  m_body_bytes = 0;
  m_complete = false;
  m_received = false;
  m_in_send = true;
  if (m_state == State::idle && now - m_last_send > k_stale_check_after) {
    char byte = 0;
    const ssize_t n = ::recv(m_fd.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) close_socket(); // closed, or bytes nobody asked for
  }
  m_last_send = now;
  if (m_state == State::closed) {
    start_connect(now);
  } else {
    m_state = State::writing;
    arm_deadline(now + m_settings->request_timeout);
    write_some();
  }
  m_in_send = false;
}

void HttpConnection::close() {
  ++m_generation;
  close_socket();
}

void HttpConnection::close_socket() {
  m_fd.reset();
  m_state = State::closed;
}

void HttpConnection::start_connect(TimePoint now) {
  const Target& target = *m_settings->target;
  const int fd = ::socket(target.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) return fail(FailureKind::connect, "connect: " + errno_text(errno));
  m_fd.reset(fd);
  // Requests are written whole; never hold one back waiting for an ACK.
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (m_settings->source_ports != nullptr) m_settings->source_ports->bind(fd, target.address.ss_family);
  // Registered once, edge-triggered, for both directions: no epoll_ctl per request (wrk makes two).
  if (const int error = m_settings->loop->add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, *this); error != 0)
    return fail(FailureKind::connect, "connect: " + errno_text(error));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&target.address), target.address_length) == 0) {
    connected_now(now); // the response's EPOLLIN edge is still to come
    return;
  }
  if (errno != EINPROGRESS) return fail(FailureKind::connect, "connect: " + errno_text(errno));
  m_state = State::connecting;
  arm_deadline(now + m_settings->connect_timeout);
}

bool HttpConnection::connected_now(TimePoint now) {
  m_state = State::writing;
  arm_deadline(now + m_settings->request_timeout);
  return write_some();
}

bool HttpConnection::write_some() {
  while (m_written < m_request.size()) {
    const ssize_t n = ::send(m_fd.get(), m_request.data() + m_written, m_request.size() - m_written, MSG_NOSIGNAL);
    if (n > 0) {
      m_written += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false; // the EPOLLOUT edge resumes
    fail(FailureKind::write, "write: " + errno_text(n < 0 ? errno : EPIPE));
    return false;
  }
  m_state = State::reading;
  http_parser_init(&m_parser, HTTP_RESPONSE);
  m_parser.data = this;
  return true;
}

void HttpConnection::on_io(std::uint32_t events) {
  switch (m_state) {
  case State::connecting: {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    int error = 0;
    socklen_t length = sizeof(error);
    if (::getsockopt(m_fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error != 0) return fail(FailureKind::connect, "connect: " + errno_text(error));
    if ((events & EPOLLOUT) == 0) return fail(FailureKind::connect, "connect: connection closed");
    // Anything the listener might do happens in fail(); after it, this object may serve a new request.
    if (connected_now(EventLoop::now()) && (events & k_readable) != 0) read_some(events);
    return;
  }
  case State::writing:
    if (write_some() && (events & k_readable) != 0) read_some(events);
    return;
  case State::reading:
    if ((events & k_readable) != 0) read_some(events);
    return;
  case State::idle:
    // The server closed the kept-alive connection (or sent bytes nobody asked for): reconnect next time.
    if ((events & k_readable) != 0) close_socket();
    return;
  case State::closed:
    return;
  }
}

void HttpConnection::read_some(std::uint32_t events) {
  const std::span<char> buffer = m_settings->read_buffer;
  // The peer's FIN came with this event: no further edge will announce it, so read up to the EOF.
  const bool peer_closed = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
  for (;;) {
    const ssize_t n = ::recv(m_fd.get(), buffer.data(), buffer.size(), 0);
    if (n > 0) {
      m_received = true;
      const auto length = static_cast<std::size_t>(n);
      const std::size_t parsed = http_parser_execute(&m_parser, &parser_settings(), buffer.data(), length);
      if (m_complete) return complete(parsed == length && http_should_keep_alive(&m_parser) != 0);
      if (HTTP_PARSER_ERRNO(&m_parser) != HPE_OK)
        return fail(FailureKind::read, std::string("read: invalid HTTP response (") +
                                           http_errno_description(HTTP_PARSER_ERRNO(&m_parser)) + ")");
      // A short read drained the socket; with edge triggering, the next bytes (or the FIN) that
      // arrive bring a new event, so there is no need to read on until EAGAIN.
      if (length < buffer.size() && !peer_closed) return;
      continue;
    }
    if (n == 0) {
      http_parser_execute(&m_parser, &parser_settings(), nullptr, 0); // a body that ends at EOF ends here
      if (m_complete) return complete(false);
      return fail(FailureKind::read, m_received ? "read: connection closed before the response was complete"
                                                : "read: connection closed before any response");
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    return fail(FailureKind::read, "read: " + errno_text(errno));
  }
}

void HttpConnection::complete(bool reusable) {
  if (reusable) {
    m_state = State::idle;
  } else {
    close_socket();
  }
  m_listener->on_response(m_parser.status_code, m_body_bytes, m_body);
}

void HttpConnection::fail(FailureKind kind, std::string error) {
  close_socket();
  if (m_in_send) {
    m_deferred_kind = kind;
    m_deferred_error = std::move(error);
    m_settings->loop->schedule(EventLoop::now(), *this, k_deferred_flag | m_generation);
    return;
  }
  m_listener->on_failure(kind, error);
}

void HttpConnection::arm_deadline(TimePoint deadline) {
  m_deadline = deadline;
  if (deadline < m_timer_due) {
    m_timer_due = deadline;
    m_settings->loop->schedule(deadline, *this, static_cast<std::uint64_t>(deadline.time_since_epoch().count()));
  }
}

void HttpConnection::on_timer(std::uint64_t token) {
  if ((token & k_deferred_flag) != 0) {
    if ((token & ~k_deferred_flag) != m_generation) return; // close() was called meanwhile
    const std::string error = std::move(m_deferred_error);
    m_listener->on_failure(m_deferred_kind, error);
    return;
  }
  // Deadlines are checked lazily: one scheduled check per connection, re-armed when the request it
  // was for has finished and a later one is running, so a request costs no timer operation.
  if (token != static_cast<std::uint64_t>(m_timer_due.time_since_epoch().count())) return; // superseded
  m_timer_due = TimePoint::max();
  if (!busy()) return;
  if (EventLoop::now() < m_deadline) return arm_deadline(m_deadline);
  if (m_state == State::connecting) return fail(FailureKind::timeout, m_settings->connect_timeout_error);
  fail(FailureKind::timeout, m_settings->request_timeout_error);
}

int HttpConnection::on_headers_complete_callback(http_parser* parser) {
  // 1 tells http_parser that no body follows (the answer to HEAD has Content-Length but no body).
  return static_cast<HttpConnection*>(parser->data)->m_head ? 1 : 0;
}

int HttpConnection::on_body_callback(http_parser* parser, const char* at, std::size_t length) {
  auto* self = static_cast<HttpConnection*>(parser->data);
  self->m_body_bytes += length;
  if (self->m_keep_body) self->m_body.append(at, length);
  return 0;
}

int HttpConnection::on_message_complete_callback(http_parser* parser) {
  static_cast<HttpConnection*>(parser->data)->m_complete = true;
  // Stop at the end of this response: anything after it was not asked for.
  http_parser_pause(parser, 1);
  return 0;
}

void append_request_bytes(std::string& out, const RenderedRequest& request, const Target& target) {
  bool has_host = false, has_agent = false, has_type = false;
  for (const auto& [name, value] : request.headers) {
    has_host = has_host || equals_ci(name, "host");
    has_agent = has_agent || equals_ci(name, "user-agent");
    has_type = has_type || equals_ci(name, "content-type");
  }
  out.append(request.method).append(" ").append(target.path_prefix);
  out.append(request.target.empty() ? std::string_view("/") : std::string_view(request.target));
  out.append(" HTTP/1.1\r\n");
  if (!has_host) out.append("Host: ").append(target.host_header).append("\r\n");
  if (!has_agent) out.append("User-Agent: fpctl-bench\r\n");
  for (const auto& [name, value] : request.headers) {
    if (equals_ci(name, "content-length")) continue; // computed below from the body we send
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (request.body) {
    if (!has_type) out.append("Content-Type: application/json\r\n");
    out.append("Content-Length: ").append(std::to_string(request.body->size())).append("\r\n\r\n");
    out.append(*request.body);
  } else {
    out.append("\r\n");
  }
}

} // namespace fp::bench
