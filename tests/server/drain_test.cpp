// How fp-order-server leaves a load balancer (issue 6): on SIGTERM the listener closes at once, and
// with --drain-idle an idle keep-alive connection (one nginx caches to the worker) is still answered
// for a while — each answer with `Connection: close` — instead of being closed under a request nginx
// may be sending on it (a POST nginx would not retry). Real server processes on SQLite.
//
// No wall-clock time is asserted: where the server must not wait out its grace, the grace is far
// longer (10 minutes) than the bounded wait that expects the exit.
#include "support/databases.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace fp::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

constexpr const char* k_order =
  R"({"product":"Laptop","quantity":2,"customer_name":"Budi","customer_address":"Jl. Merdeka 1"})";
constexpr auto k_wait = 60s;       // upper bound of every wait; generous for sanitizer builds
constexpr auto k_client_timeout = 10s;
// A grace no test waits out: an exit within k_wait proves the server did not wait for it. Shorter
// than the drain timeout, so the grace has a timer of its own (which must not hold the exit up).
const std::vector<std::string> k_long_grace = {"--drain-idle", "10m", "--drain-timeout", "20m",
                                               "--idle-timeout", "20m"};

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit = k_wait) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// Sends SIGTERM without waiting for the exit, then waits (bounded) for the drain to have begun:
// the log line says so and the listener refuses new connections.
void start_drain(ServerProcess& server) {
  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
  ASSERT_TRUE(wait_until([&] { return server.output().find("msg=\"draining\"") != std::string::npos; }))
    << server.output();
  ASSERT_TRUE(wait_until([&] { return !accepts(server.port()); })) << "the listener still accepts";
}

// The exit code once the server has exited by itself within k_wait; nullopt if it is still running.
std::optional<int> exit_code(ServerProcess& server) {
  if (!wait_until([&] { return !server.running(); })) return std::nullopt;
  return server.stop(SIGTERM); // already exited: only reads the status
}

// A plain keep-alive connection: HttpClient closes its own side on `Connection: close`, which would
// hide whether the server closed. Every read has a deadline.
class RawConnection {
public:
  explicit RawConnection(unsigned short port) : m_fd(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (m_fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      const int error = errno;
      ::close(m_fd);
      throw std::runtime_error(std::string("connect: ") + std::strerror(error));
    }
  }
  ~RawConnection() { close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // One response with a Content-Length body (head and body as received); empty when the server
  // closed or nothing complete came within k_wait.
  std::string read_response() {
    for (;;) {
      const auto head_end = m_pending.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const auto length_at = m_pending.find("\r\nContent-Length: ");
        if (length_at == std::string::npos || length_at > head_end) throw std::runtime_error("no Content-Length");
        const auto total = head_end + 4 + std::stoul(m_pending.substr(length_at + 18));
        if (m_pending.size() >= total) {
          std::string response = m_pending.substr(0, total);
          m_pending.erase(0, total);
          return response;
        }
      }
      if (!fill()) return {};
    }
  }

  // True when the server ends the connection (end of stream or reset) within k_wait, with no
  // further bytes before it.
  bool closed_by_server() {
    const std::size_t before = m_pending.size();
    while (fill()) {
    }
    return m_eof && m_pending.size() == before;
  }

  void close() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

private:
  // Reads what arrives within k_wait; false at end of stream, on error or timeout.
  bool fill() {
    if (m_eof) return false;
    pollfd p{m_fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(k_wait).count()));
    if (ready <= 0) return false;
    char buffer[16384];
    const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      m_eof = true;
      return false;
    }
    m_pending.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  int m_fd;
  std::string m_pending;
  bool m_eof = false;
};

constexpr const char* k_get = "GET /orders HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(Drain, IdleConnectionIsAnsweredDuringTheGraceWithConnectionClose) {
  ServerProcess server(fresh_database_url("sqlite"), k_long_grace);
  RawConnection connection(server.port());
  connection.send(k_get);
  const auto before = connection.read_response(); // keep-alive: the connection stays open, idle
  ASSERT_TRUE(before.starts_with("HTTP/1.1 200 ")) << before;
  EXPECT_EQ(before.find("Connection: close"), std::string::npos) << before;
  ASSERT_NO_FATAL_FAILURE(start_drain(server));
  EXPECT_NE(server.output().find("idle_grace_ms=600000"), std::string::npos) << server.output();

  connection.send(k_get);
  const auto during = connection.read_response();
  EXPECT_TRUE(during.starts_with("HTTP/1.1 200 ")) << during;
  EXPECT_NE(during.find("\r\nConnection: close\r\n"), std::string::npos) << during;
  EXPECT_TRUE(connection.closed_by_server()) << "the server kept the connection after Connection: close";
  connection.close(); // ends the server's lingering close
  // No connection is left: the server exits without waiting out its 10-minute grace.
  EXPECT_EQ(exit_code(server), 0) << server.output();
  EXPECT_EQ(server.output().find("level=error"), std::string::npos) << server.output();
}

TEST(Drain, ServerExitsOnceTheClientClosesItsIdleConnection) {
  ServerProcess server(fresh_database_url("sqlite"), k_long_grace);
  HttpClient client(server.port(), k_client_timeout);
  ASSERT_EQ(client.get("/healthz").status, 200u);
  ASSERT_NO_FATAL_FAILURE(start_drain(server));
  // The server keeps the idle connection for its grace...
  EXPECT_FALSE(client.peer_closed(300ms));
  EXPECT_TRUE(server.running());
  // ...and exits as soon as the peer closes it (nginx does after its keepalive_timeout).
  client.close();
  EXPECT_EQ(exit_code(server), 0) << server.output();
}

TEST(Drain, PostOnAnIdleConnectionDuringTheGraceIsStored) {
  const auto url = fresh_database_url("sqlite");
  std::string id;
  {
    ServerProcess server(url, k_long_grace);
    HttpClient client(server.port(), k_client_timeout);
    ASSERT_EQ(client.get("/healthz").status, 200u);
    ASSERT_NO_FATAL_FAILURE(start_drain(server));
    const auto created = client.post("/orders", k_order);
    ASSERT_EQ(created.status, 200u) << created.body;
    EXPECT_EQ(created.header("connection"), "close");
    id = json::parse(created.body)["order"]["_id"];
    client.close();
    ASSERT_EQ(exit_code(server), 0) << server.output();
  }
  ServerProcess again(url);
  HttpClient client(again.port(), k_client_timeout);
  const auto stored = client.get("/orders/" + id);
  ASSERT_EQ(stored.status, 200u) << stored.body;
  EXPECT_EQ(json::parse(stored.body)["order"]["product"], "Laptop");
}

TEST(Drain, WithoutAGraceAnIdleConnectionIsClosedAtDrainStart) {
  ServerProcess server(fresh_database_url("sqlite"), {"--drain-timeout", "10m", "--idle-timeout", "10m"});
  HttpClient client(server.port(), k_client_timeout);
  ASSERT_EQ(client.get("/healthz").status, 200u);
  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
  EXPECT_TRUE(client.peer_closed(k_wait)) << "the idle connection stayed open";
  EXPECT_EQ(exit_code(server), 0) << server.output();
  EXPECT_NE(server.output().find("idle_grace_ms=0"), std::string::npos) << server.output();
}

TEST(Drain, IdleConnectionsAreClosedWhenTheGraceEnds) {
  // Neither the idle timeout nor the drain timeout could close them within k_wait: only the grace.
  ServerProcess server(fresh_database_url("sqlite"), {"--drain-idle", "300ms", "--drain-timeout", "10m",
                                                      "--idle-timeout", "10m"});
  HttpClient used(server.port(), k_client_timeout);
  ASSERT_EQ(used.get("/healthz").status, 200u);
  HttpClient silent(server.port(), k_client_timeout);
  silent.send_raw(""); // connects and never sends a byte
  // A request begun before the grace ends is still answered once it is complete.
  HttpClient slow(server.port(), k_client_timeout);
  slow.send_raw("GET /healthz HTTP/1.1\r\n");
  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);

  EXPECT_TRUE(used.peer_closed(k_wait)) << "the idle connection outlived the grace";
  EXPECT_TRUE(silent.peer_closed(k_wait)) << "the silent connection outlived the grace";
  slow.send_raw("Host: 127.0.0.1\r\n\r\n");
  const auto answer = slow.read_response();
  ASSERT_TRUE(answer.has_value()) << server.output();
  EXPECT_EQ(answer->status, 200u);
  EXPECT_EQ(answer->header("connection"), "close");
  EXPECT_EQ(exit_code(server), 0) << server.output();
}

TEST(Drain, TheDrainTimeoutCapsALongerGrace) {
  ServerProcess server(fresh_database_url("sqlite"), {"--drain-idle", "10m", "--drain-timeout", "300ms",
                                                      "--idle-timeout", "10m"});
  HttpClient client(server.port(), k_client_timeout);
  ASSERT_EQ(client.get("/healthz").status, 200u);
  ASSERT_NO_FATAL_FAILURE(start_drain(server));
  EXPECT_NE(server.output().find("idle_grace_ms=300 "), std::string::npos) << server.output();
  EXPECT_TRUE(client.peer_closed(k_wait)) << "the idle connection outlived the drain timeout";
  EXPECT_EQ(exit_code(server), 0) << server.output();
}

TEST(Drain, BadValuesAreUsageErrors) {
  for (const auto& [args, environment] :
       std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>>{
         {{"serve", "--drain-idle", "abc"}, {}},
         {{"serve", "--drain-idle=-1s"}, {}},
         {{"serve"}, {"FP_DRAIN_IDLE=abc"}},
       }) {
    const auto result = run_server_command(
      with(args, {"--listen", "127.0.0.1:0", "--database", fresh_database_url("sqlite")}), environment);
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find("--drain-idle"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("is not a duration"), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("terminate called"), std::string::npos) << result.output;
  }
  const auto help = run_server_command({"serve", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* word : {"--drain-idle", "FP_DRAIN_IDLE", "Connection: close", "--drain-timeout still caps"}) {
    EXPECT_NE(help.output.find(word), std::string::npos) << word << "\n" << help.output;
  }
}

} // namespace
