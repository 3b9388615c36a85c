#include "http_server.hpp"

#include "metrics.hpp"

#include <atomic>
#include <ctime>
#include <deque>
#include <list>
#include <optional>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>

namespace fp::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto k_linger_time = std::chrono::seconds(2); // reading what a refused client still sends
constexpr std::size_t k_linger_bytes = 256 * 1024;
constexpr auto k_accept_retry = std::chrono::milliseconds(100); // after EMFILE and friends
constexpr std::size_t k_backlog_accepts = 4096; // at most, from the kernel's accept queue at drain start

class Session;

// The RFC 7231 Date header, formatted once a second per worker.
class DateCache {
public:
  std::string_view get() {
    const std::time_t now = std::time(nullptr);
    if (now != m_second) {
      m_second = now;
      std::tm utc{};
      gmtime_r(&now, &utc);
      m_text.resize(std::strftime(m_buffer, sizeof m_buffer, "%a, %d %b %Y %H:%M:%S GMT", &utc));
      m_text.assign(m_buffer);
    }
    return m_text;
  }

private:
  std::time_t m_second = 0;
  char m_buffer[64] = {};
  std::string m_text;
};

struct Worker {
  std::list<Session*> sessions; // before io: outlives handlers destroyed with the io_context
  bool draining = false;
  bool idle_grace = false; // draining, and idle connections may still bring requests (drain_idle)
  bool closed = false;
  std::atomic<bool> stopped{false};
  net::io_context io{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard;
  std::optional<net::steady_timer> drain_timer;
  std::optional<net::steady_timer> idle_timer; // ends idle_grace
  std::unique_ptr<Store> store;
  std::unique_ptr<OrderApi> api;
  MetricsShard* metrics = nullptr;
  DateCache date;
  std::thread thread;
};

} // namespace

struct HttpServer::Impl {
  ServerConfig config;
  Database& database;
  std::string store_kind;
  Metrics metrics;
  std::deque<Worker> workers;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_retry;
  std::size_t next_worker = 0;
  std::size_t connections_per_worker = 1;
  std::atomic<bool> draining{false};
  std::mutex join_mutex;
  bool joined = false;

  Impl(ServerConfig c, Database& db)
    : config(std::move(c)), database(db), store_kind(db.describe().starts_with("sqlite") ? "sqlite" : "postgresql"),
      metrics(config.threads), workers(config.threads) {}

  void do_accept();
  void accept_backlog();
  void close_acceptor();
  void drain_worker(Worker& worker);
  void hand_over(Worker& worker, tcp::socket socket);
  void start_session(Worker& worker, tcp::socket socket);
  void maybe_finish(Worker& worker);
  void gather_metrics(Worker& origin, std::function<void(std::string)> done);
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
public:
  Session(HttpServer::Impl& server, Worker& worker, tcp::socket socket)
    : m_server(server), m_worker(worker), m_stream(std::move(socket)) {
    boost::system::error_code ec;
    auto endpoint = m_stream.socket().remote_endpoint(ec);
    if (!ec) m_remote = endpoint.address().to_string();
    m_registration = m_worker.sessions.insert(m_worker.sessions.end(), this);
    m_worker.metrics->connection_opened();
  }

  ~Session() {
    m_worker.metrics->connection_closed();
    m_worker.sessions.erase(m_registration);
    if (m_worker.draining && !m_worker.stopped) {
      net::post(m_worker.io, [server = &m_server, worker = &m_worker] { server->maybe_finish(*worker); });
    }
  }

  void start() { read_header(); }

  // Draining: a connection waiting for a request is closed now, unless the idle grace lets a load
  // balancer that may be sending on it already be answered; one mid-request finishes first.
  void on_drain() {
    if (m_state == State::reading && !m_worker.idle_grace) abort();
  }

  // The idle grace is over: a connection on which nothing of a next request has arrived is closed;
  // one that has begun a request is answered (bounded by the drain timeout).
  void on_idle_grace_over() {
    if (m_state == State::reading && !request_begun()) abort();
  }

  void abort() {
    boost::system::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    m_stream.socket().close(ignored);
  }

private:
  enum class State { reading, processing, writing, closing };

  // Only meaningful while reading: bytes of the next request have arrived (parsed, buffered, or
  // still in the kernel's receive buffer: a request that arrived just as the grace ended counts).
  bool request_begun() {
    if (m_buffer.size() > 0 || (m_parser && m_parser->got_some())) return true;
    boost::system::error_code ec;
    return m_stream.socket().available(ec) > 0 && !ec;
  }

  void read_header() {
    m_state = State::reading;
    m_parser.emplace();
    m_parser->header_limit(static_cast<std::uint32_t>(m_server.config.max_header_bytes));
    m_parser->body_limit(m_server.config.max_body_bytes);
    m_stream.expires_after(m_server.config.idle_timeout);
    http::async_read_header(m_stream, m_buffer, *m_parser,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    if (m_parser->is_done()) return on_request();
    auto& request = m_parser->get();
    const auto expect = request[http::field::expect];
    if (!expect.empty() && request.version() >= 11) { // HTTP/1.0 clients do not expect it (RFC 9110 10.1.1)
      if (!beast::iequals(expect, "100-continue")) {
        return refuse(417, "Unsupported Expect header");
      }
      // curl sends this for bodies over 1 KiB and would otherwise wait a second before sending.
      static constexpr std::string_view k_continue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(m_stream, net::buffer(k_continue.data(), k_continue.size()),
                       [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                         if (write_ec) return self->abort();
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(m_stream, m_buffer, *m_parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->on_read_error(ec);
      self->on_request();
    });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::header_limit) return refuse(431, "Request header fields too large");
    if (ec == http::error::body_limit) {
      return refuse(413, "Request body too large: the limit is " + std::to_string(m_server.config.max_body_bytes) +
                           " bytes");
    }
    // A stalled client (idle, or sending slower than the idle timeout allows) is simply closed:
    // tcp_stream has already closed the socket when its timer fired.
    if (ec == beast::error::timeout) return abort();
    if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset || ec == net::error::bad_descriptor) {
      return abort();
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return refuse(400, "Malformed HTTP request");
    }
    abort();
  }

  void on_request() {
    m_state = State::processing;
    m_started = Clock::now();
    auto& request = m_parser->get();
    // HTTP/1.x with x > 1 is answered as HTTP/1.1 (RFC 9110 2.5); other majors are refused.
    m_version = request.version() > 11 && request.version() < 20 ? 11 : request.version();
    m_keep_alive = request.keep_alive();
    m_method = parse_method(request.method_string());
    if (m_version != 10 && m_version != 11) {
      m_version = 11;
      return refuse(505, "HTTP version not supported: use HTTP/1.1");
    }
    if (m_server.config.access_log) {
      m_log_method = request.method_string();
      m_log_target = request.target();
    }
    Request api_request;
    api_request.method = m_method;
    api_request.target = request.target();
    api_request.content_type = request[http::field::content_type];
    api_request.body = request.body();
    m_route = m_worker.api->handle(api_request, [self = shared_from_this()](Response response) {
      self->send(std::move(response));
    });
  }

  // Answers a request we could not read and closes the connection.
  void refuse(unsigned status, const std::string& message) {
    m_keep_alive = false;
    if (m_state == State::reading) {
      m_started = Clock::now();
      m_method = Method::other;
      m_route = Route::other;
    }
    send(message_response(status, message));
  }

  void send(Response response) {
    m_state = State::writing;
    m_status = response.status;
    // HEAD gets the framing GET would get (RFC 9110 8.6), without the body.
    const bool streamed = response.stream != nullptr;
    m_body_stream = m_method == Method::head ? nullptr : std::move(response.stream);
    const bool http10 = m_version == 10;
    if (m_server.draining || (streamed && http10)) m_keep_alive = false;

    m_out.clear();
    m_out.reserve(response.body.size() + 256);
    m_out += http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    m_out += std::to_string(response.status);
    m_out += ' ';
    m_out += http::obsolete_reason(http::int_to_status(response.status));
    m_out += "\r\nServer: fp-order-server\r\nDate: ";
    m_out += m_worker.date.get();
    m_out += "\r\nContent-Type: ";
    m_out += response.content_type;
    if (!response.allow.empty()) {
      m_out += "\r\nAllow: ";
      m_out += response.allow;
    }
    if (response.retry_later) m_out += "\r\nRetry-After: 1";
    if (!m_keep_alive) m_out += "\r\nConnection: close";
    else if (http10) m_out += "\r\nConnection: keep-alive";
    if (streamed && !http10) {
      m_out += "\r\nTransfer-Encoding: chunked\r\n\r\n";
      if (m_body_stream) append_chunk(response.body);
    } else if (streamed) {
      m_out += "\r\n\r\n"; // HTTP/1.0: the body ends when the connection closes
      if (m_body_stream) m_out += response.body;
    } else {
      m_out += "\r\nContent-Length: ";
      m_out += std::to_string(response.body.size());
      m_out += "\r\n\r\n";
      if (m_method != Method::head) m_out += response.body;
    }
    write_out();
  }

  void append_chunk(std::string_view data) {
    if (m_version == 10) {
      m_out += data;
      return;
    }
    if (data.empty()) return; // an empty chunk would end the body
    char size[20];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    m_out += size;
    m_out += data;
    m_out += "\r\n";
  }

  void write_out() {
    m_stream.expires_after(m_server.config.idle_timeout);
    net::async_write(m_stream, net::buffer(m_out), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->on_write(ec, n);
    });
  }

  void on_write(beast::error_code ec, std::size_t written) {
    m_bytes += written;
    if (ec) return abort();
    if (!m_body_stream) return finish();
    m_body_stream->next([self = shared_from_this()](StoreResult<std::optional<std::string>> part) {
      self->m_out.clear();
      if (!part) {
        // Too late for an error status: cut the connection so the client sees an incomplete body.
        if (self->m_server.config.log) self->m_server.config.log("GET /orders stopped: " + part.error().message);
        return self->abort();
      }
      if (!*part) {
        self->m_body_stream.reset();
        if (self->m_version == 10) return self->finish();
        self->m_out = "0\r\n\r\n";
      } else {
        self->append_chunk(**part);
      }
      self->write_out();
    });
  }

  void finish() {
    const auto elapsed = Clock::now() - m_started;
    m_worker.metrics->record(m_route, m_method, m_status, elapsed);
    if (m_server.config.access_log) {
      m_server.config.access_log->write(
        AccessRecord{m_remote, m_log_method, m_log_target, m_status, m_bytes, elapsed});
    }
    m_bytes = 0;
    // A response that promised keep-alive (sent just before the drain) leaves the connection open
    // during the idle grace: the client may reuse it at once.
    if (!m_keep_alive || (m_worker.draining && !m_worker.idle_grace)) return linger_close();
    read_header();
  }

  // Half-close and read what the client still sends before closing, so it reads our answer
  // instead of a connection reset (the lingering close nginx and Apache do).
  void linger_close() {
    m_state = State::closing;
    boost::system::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    m_stream.expires_after(k_linger_time);
    m_linger_left = k_linger_bytes;
    linger_read();
  }

  void linger_read() {
    m_buffer.clear();
    m_stream.async_read_some(m_buffer.prepare(16 * 1024), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec || n >= self->m_linger_left) return self->abort();
      self->m_linger_left -= n;
      self->linger_read();
    });
  }

  HttpServer::Impl& m_server;
  Worker& m_worker;
  beast::tcp_stream m_stream;
  beast::flat_buffer m_buffer;
  std::optional<http::request_parser<http::string_body>> m_parser;
  std::list<Session*>::iterator m_registration;
  std::string m_remote;
  State m_state = State::reading;

  // The request being answered.
  Method m_method = Method::other;
  Route m_route = Route::other;
  unsigned m_version = 11;
  bool m_keep_alive = true;
  Clock::time_point m_started;
  std::string m_log_method;
  std::string m_log_target;

  // The response being written.
  unsigned m_status = 0;
  std::string m_out;
  std::unique_ptr<BodyStream> m_body_stream;
  std::size_t m_bytes = 0;
  std::size_t m_linger_left = 0;
};

} // namespace

void HttpServer::Impl::do_accept() {
  Worker& target = workers[next_worker++ % workers.size()];
  acceptor->async_accept(target.io, [this, &target](boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    // Accepted even as the drain closed the acceptor: the client may be sending already, so the
    // session decides (it is answered during an idle grace).
    if (!ec) hand_over(target, std::move(socket));
    if (!acceptor->is_open()) return;
    if (ec) {
      // Out of file descriptors or similar: wait a moment instead of spinning on the error.
      if (config.log) config.log("accept failed: " + ec.message());
      accept_retry->expires_after(k_accept_retry);
      accept_retry->async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec) do_accept();
      });
      return;
    }
    do_accept();
  });
}

// Connections the kernel completed but we have not accepted yet would be reset when the acceptor
// closes, after their clients may have sent a request (a POST nginx does not retry): take them.
void HttpServer::Impl::accept_backlog() {
  boost::system::error_code ec;
  acceptor->non_blocking(true, ec);
  if (ec) return;
  for (std::size_t i = 0; i < k_backlog_accepts; ++i) {
    Worker& target = workers[next_worker++ % workers.size()];
    tcp::socket socket(target.io);
    acceptor->accept(socket, ec);
    if (ec) return; // would_block: the backlog is empty
    hand_over(target, std::move(socket));
  }
}

// From the acceptor's thread to the worker that serves the connection.
void HttpServer::Impl::hand_over(Worker& worker, tcp::socket socket) {
  net::post(worker.io, [this, &worker, s = std::move(socket)]() mutable { start_session(worker, std::move(s)); });
}

// On the first worker, which owns the acceptor.
void HttpServer::Impl::close_acceptor() {
  if (config.drain_idle.count() > 0) accept_backlog();
  boost::system::error_code ignored;
  acceptor->close(ignored);
  accept_retry->cancel();
  // The workers start draining only after every socket accepted so far has been handed to them
  // (posted before this), so none arrives at a worker that has already closed its store.
  net::post(workers.front().io, [this] {
    for (auto& worker : workers) net::post(worker.io, [this, &worker] { drain_worker(worker); });
  });
}

void HttpServer::Impl::drain_worker(Worker& worker) {
  worker.draining = true;
  worker.idle_grace = config.drain_idle.count() > 0;
  // Copy: on_drain() may end a session, which unregisters itself from the list.
  std::vector<Session*> sessions(worker.sessions.begin(), worker.sessions.end());
  for (auto* session : sessions) session->on_drain();
  worker.drain_timer.emplace(worker.io);
  worker.drain_timer->expires_after(config.drain_timeout);
  worker.drain_timer->async_wait([&worker](boost::system::error_code ec) {
    if (ec) return;
    worker.idle_grace = false;
    std::vector<Session*> left(worker.sessions.begin(), worker.sessions.end());
    for (auto* session : left) session->abort();
  });
  // A grace as long as the drain timeout needs no timer of its own: the drain timer ends both.
  if (worker.idle_grace && config.drain_idle < config.drain_timeout) {
    worker.idle_timer.emplace(worker.io);
    worker.idle_timer->expires_after(config.drain_idle);
    worker.idle_timer->async_wait([&worker](boost::system::error_code ec) {
      if (ec) return;
      worker.idle_grace = false;
      std::vector<Session*> left(worker.sessions.begin(), worker.sessions.end());
      for (auto* session : left) session->on_idle_grace_over();
    });
  }
  maybe_finish(worker);
}

void HttpServer::Impl::start_session(Worker& worker, tcp::socket socket) {
  // Closing it is the answer once the worker drains without a grace, or has finished.
  if (worker.closed || (worker.draining && !worker.idle_grace)) return;
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  std::make_shared<Session>(*this, worker, std::move(socket))->start();
}

void HttpServer::Impl::maybe_finish(Worker& worker) {
  if (!worker.draining || worker.closed || !worker.sessions.empty()) return;
  worker.closed = true;
  if (worker.drain_timer) worker.drain_timer->cancel();
  if (worker.idle_timer) worker.idle_timer->cancel();
  if (accept_retry && &worker == &workers.front()) accept_retry->cancel();
  worker.store->close();
  worker.guard.reset();
}

void HttpServer::Impl::gather_metrics(Worker& origin, std::function<void(std::string)> done) {
  if (draining) {
    done(metrics.render({origin.store->pool_stats()}, store_kind));
    return;
  }
  // Each store belongs to its worker's thread: ask every worker for its pool figures on its own
  // thread, and render on the asking worker once all have answered.
  struct Gathering {
    std::mutex mutex;
    std::vector<PoolStats> pools;
    std::size_t remaining;
  };
  auto gathering = std::make_shared<Gathering>();
  gathering->remaining = workers.size();
  auto shared_done = std::make_shared<std::function<void(std::string)>>(std::move(done));
  for (auto& worker : workers) {
    net::post(worker.io, [this, &worker, &origin, gathering, shared_done] {
      std::lock_guard lock(gathering->mutex);
      gathering->pools.push_back(worker.store->pool_stats());
      if (--gathering->remaining == 0) {
        net::post(origin.io, [this, gathering, shared_done] {
          (*shared_done)(metrics.render(gathering->pools, store_kind));
        });
      }
    });
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

HttpServer::~HttpServer() {
  drain();
  wait();
}

tl::expected<std::unique_ptr<HttpServer>, std::string> HttpServer::start(Database& database, ServerConfig config) {
  if (config.threads == 0) config.threads = 1;
  auto impl = std::make_unique<Impl>(std::move(config), database);
  auto& cfg = impl->config;
  const std::size_t pool = cfg.db_pool ? cfg.db_pool : 4 * cfg.threads;
  impl->connections_per_worker = std::max<std::size_t>(1, (pool + cfg.threads - 1) / cfg.threads);

  boost::system::error_code ec;
  const auto address = net::ip::make_address(cfg.host, ec);
  if (ec) return tl::unexpected("invalid listen address '" + cfg.host + "': expected an IP address such as 0.0.0.0");
  const tcp::endpoint endpoint(address, cfg.port);
  auto& first = impl->workers.front();
  impl->acceptor.emplace(first.io);
  impl->accept_retry.emplace(first.io);
  auto& acceptor = *impl->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec) return tl::unexpected("cannot open socket: " + ec.message());
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec) {
    return tl::unexpected("cannot listen on " + cfg.host + ":" + std::to_string(cfg.port) + ": " + ec.message());
  }
  if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec) {
    return tl::unexpected("cannot listen: " + ec.message());
  }

  for (std::size_t i = 0; i < impl->workers.size(); ++i) {
    auto& worker = impl->workers[i];
    auto store = database.make_store(worker.io, impl->connections_per_worker);
    if (!store) return tl::unexpected(store.error().message);
    worker.store = std::move(*store);
    worker.metrics = &impl->metrics.shard(i);
    worker.guard.emplace(worker.io.get_executor());
    worker.api = std::make_unique<OrderApi>(
      *worker.store,
      [raw = impl.get(), &worker](std::function<void(std::string)> done) { raw->gather_metrics(worker, std::move(done)); },
      cfg.log);
  }
  impl->do_accept();
  for (auto& worker : impl->workers) {
    worker.thread = std::thread([&worker] {
      worker.io.run();
      worker.stopped = true;
    });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::string HttpServer::local_address() const {
  boost::system::error_code ec;
  const auto endpoint = m_impl->acceptor->local_endpoint(ec);
  if (ec) return m_impl->config.host + ":" + std::to_string(m_impl->config.port);
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

std::size_t HttpServer::db_connections() const { return m_impl->connections_per_worker * m_impl->workers.size(); }

void HttpServer::drain() {
  auto& impl = *m_impl;
  if (impl.draining.exchange(true)) return;
  net::post(impl.workers.front().io, [&impl] { impl.close_acceptor(); });
}

void HttpServer::wait() {
  std::lock_guard lock(m_impl->join_mutex);
  if (m_impl->joined) return;
  for (auto& worker : m_impl->workers) {
    if (worker.thread.joinable()) worker.thread.join();
  }
  m_impl->joined = true;
}

} // namespace fp::server
