// An HTTP/1.1 keep-alive client connection on an engine thread's event loop: wrk's four states
// (connect → write → read → complete), nonblocking, one request at a time. Responses are parsed by
// http_parser (the parser wrk uses) straight out of the thread's shared read buffer, so a
// connection holds no buffer of its own unless the scenario needs the response body.
#pragma once

#include "event_loop.hpp"
#include "scenario.hpp"
#include "stats.hpp"
#include "target_url.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <http_parser.h>

namespace fp::bench {

// Source ports picked at random from the ephemeral range and bound explicitly before connect().
// The kernel's own choice scans the ports in use towards the same destination one by one: past
// about 14,000 connections to one server (half the range, which connect() prefers) a connect costs
// hundreds of µs and a ramp of 20,000 users stalls the loop for seconds. A random port is free at
// the first or second try. One per engine thread, not shared.
class SourcePorts {
public:
  SourcePorts(std::uint16_t low, std::uint16_t high, std::uint64_t seed);
  // Binds `fd` (of `family`) to a free port; false when a few tries found none (connect() then
  // lets the kernel choose).
  bool bind(int fd, int family);
  // The range the kernel uses for ephemeral ports (net.ipv4.ip_local_port_range).
  static std::pair<std::uint16_t, std::uint16_t> ephemeral_range();

private:
  std::uint16_t m_low;
  std::uint16_t m_high;
  std::uint64_t m_state;
};

// What every connection of one engine thread shares.
struct ConnectionSettings {
  EventLoop* loop = nullptr;
  const Target* target = nullptr;
  std::chrono::nanoseconds connect_timeout{0};
  std::chrono::nanoseconds request_timeout{0};
  std::string connect_timeout_error; // "connect: timeout after 5s", formatted once
  std::string request_timeout_error; // "timeout after 30s"
  std::span<char> read_buffer;       // the thread's: a connection parses what it reads at once
  SourcePorts* source_ports = nullptr; // the thread's; none: the kernel picks
};

// Told exactly once per send(), and never from inside send() itself (a refused connect on loopback
// fails synchronously; reporting it later keeps a user without think time from recursing).
class ConnectionListener {
public:
  // A complete response; `body` holds the body only when send() asked to keep it.
  virtual void on_response(unsigned status, std::uint64_t body_bytes, std::string_view body) = 0;
  virtual void on_failure(FailureKind kind, const std::string& error) = 0;

protected:
  ~ConnectionListener() = default;
};

class HttpConnection final : private IoHandler, private TimerHandler {
public:
  HttpConnection(const ConnectionSettings& settings, ConnectionListener& listener);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends `request` (whole request bytes, which must stay valid until the listener is told),
  // connecting first when there is no open connection. `now` is the caller's clock reading.
  void send(std::string_view request, bool head_request, bool keep_body, TimePoint now);
  // Closes the socket; a request in flight is dropped without telling the listener.
  void close();
  bool busy() const { return m_state != State::closed && m_state != State::idle; }
  bool connected() const { return m_state != State::closed; }

private:
  enum class State : std::uint8_t { closed, connecting, writing, reading, idle };

  void on_io(std::uint32_t events) override;
  void on_timer(std::uint64_t token) override;

  void close_socket();
  void start_connect(TimePoint now);
  bool connected_now(TimePoint now); // true when the request is written and the response awaited
  bool write_some();                 // the same
  void read_some(std::uint32_t events);
  void complete(bool reusable);
  void fail(FailureKind kind, std::string error);
  void arm_deadline(TimePoint deadline);

  static const http_parser_settings& parser_settings();
  static int on_headers_complete_callback(http_parser* parser);
  static int on_body_callback(http_parser* parser, const char* at, std::size_t length);
  static int on_message_complete_callback(http_parser* parser);

  const ConnectionSettings* m_settings;
  ConnectionListener* m_listener;
  Fd m_fd;
  std::string_view m_request;
  std::size_t m_written = 0;
  http_parser m_parser{};
  std::uint64_t m_body_bytes = 0;
  std::string m_body;                 // only when keep_body
  std::string m_deferred_error;       // a failure met inside send(), reported from the loop
  TimePoint m_deadline{};
  TimePoint m_last_send{};
  TimePoint m_timer_due = TimePoint::max(); // the deadline check scheduled last (max: none)
  std::uint32_t m_generation = 0;     // bumped by close(): a deferred report of an older request is stale
  State m_state = State::closed;
  FailureKind m_deferred_kind = FailureKind::connect;
  bool m_head = false;
  bool m_keep_body = false;
  bool m_complete = false;
  bool m_received = false;            // some bytes of the response arrived
  bool m_in_send = false;
};

// Appends the request's bytes: request line (the target's path prefix first), Host, User-Agent,
// the scenario's headers, and for a body Content-Type (when not given) and Content-Length.
void append_request_bytes(std::string& out, const RenderedRequest& request, const Target& target);

} // namespace fp::bench
