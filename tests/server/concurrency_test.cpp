// Thousands of POSTs at once from thousands of keep-alive connections against a real
// fp-order-server, on each store: every answer is a 200 for the order that connection sent, every
// id is a well-formed ObjectId seen once, and the database ends up holding exactly the orders that
// were acknowledged — nothing lost, nothing doubled — read back over HTTP and, after a SIGTERM, by
// `fp-order-server reset`.
//
// The client is one Asio io_context on this thread, each connection a small state machine
// (connect, then write/read a POST several times) in the manner of wrk; the whole run has one
// deadline, and failures are counted by kind so a failure says what went wrong.
#include "support/databases.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <sys/resource.h>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

using namespace fp::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr std::size_t k_connections = 2000;
constexpr std::size_t k_posts_per_connection = 5;
constexpr std::size_t k_total_posts = k_connections * k_posts_per_connection;
constexpr auto k_deadline = 240s;      // the whole load phase; it takes seconds when all is well
constexpr std::size_t k_fd_margin = 64; // our own files, the server log, the HTTP client after the run

struct Tally {
  std::size_t connected = 0;
  std::size_t connect_errors = 0;
  std::size_t write_errors = 0;
  std::size_t read_errors = 0;
  std::size_t finished_connections = 0;
  std::size_t ok = 0;
  std::size_t wrong_body = 0;           // 200, but not the order this connection sent
  std::map<unsigned, std::size_t> statuses;
  std::vector<std::string> ids;
  std::vector<std::string> problems;    // the first few, verbatim

  void problem(std::string text) {
    if (problems.size() < 10) problems.push_back(std::move(text));
  }
  std::string summary() const {
    std::string s = "connected=" + std::to_string(connected) + " connect_errors=" + std::to_string(connect_errors) +
                    " write_errors=" + std::to_string(write_errors) + " read_errors=" +
                    std::to_string(read_errors) + " finished_connections=" + std::to_string(finished_connections) +
                    " ok=" + std::to_string(ok) + " wrong_body=" + std::to_string(wrong_body) + " statuses={";
    for (const auto& [status, n] : statuses) s += std::to_string(status) + ":" + std::to_string(n) + " ";
    s += "}";
    for (const auto& p : problems) s += "\n  " + p;
    return s;
  }
};

bool is_object_id(const std::string& id) {
  return id.size() == 24 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

class Load;

// One client connection: connect, then (once every connection is up) POST, read, repeat.
class Connection : public std::enable_shared_from_this<Connection> {
public:
  Connection(net::io_context& io, Load& load, std::size_t index) : m_socket(io), m_load(load), m_index(index) {}
  void connect(const tcp::endpoint& endpoint);
  void send_next();

private:
  void on_read(beast::error_code ec);

  tcp::socket m_socket;
  Load& m_load;
  std::size_t m_index;
  std::size_t m_sent = 0;
  std::string m_product;
  beast::flat_buffer m_buffer;
  http::request<http::string_body> m_request;
  http::response<http::string_body> m_response;
};

// Opens every connection first and starts the POSTs only when all are up (or failed), so the
// server really holds thousands of connections with requests in flight at the same moment.
class Load {
public:
  Load(net::io_context& io, unsigned short port) : m_io(io), m_endpoint(net::ip::make_address("127.0.0.1"), port) {}

  void start() {
    for (std::size_t i = 0; i < k_connections; ++i) {
      auto connection = std::make_shared<Connection>(m_io, *this, i);
      m_connections.push_back(connection);
      connection->connect(m_endpoint);
    }
  }

  void connect_done(bool ok) {
    ok ? ++tally.connected : ++tally.connect_errors;
    if (tally.connected + tally.connect_errors < k_connections) return;
    for (auto& connection : m_connections) connection->send_next();
    m_connections.clear(); // from here each connection is kept alive by its own pending operation
  }

  Tally tally;

private:
  net::io_context& m_io;
  tcp::endpoint m_endpoint;
  std::vector<std::shared_ptr<Connection>> m_connections;
};

void Connection::connect(const tcp::endpoint& endpoint) {
  m_socket.async_connect(endpoint, [this, self = shared_from_this()](beast::error_code ec) {
    if (ec) {
      m_load.tally.problem("connect " + std::to_string(m_index) + ": " + ec.message());
      m_socket.close(ec);
    }
    m_load.connect_done(!ec);
  });
}

void Connection::send_next() {
  if (!m_socket.is_open()) return; // its connect failed: counted already
  if (m_sent == k_posts_per_connection) {
    ++m_load.tally.finished_connections;
    beast::error_code ignored;
    m_socket.shutdown(tcp::socket::shutdown_both, ignored);
    m_socket.close(ignored);
    return;
  }
  // A product name unique to this connection and request, so each answer can be matched to the
  // request it is for: a response given to the wrong connection would show here.
  m_product = "c" + std::to_string(m_index) + "-r" + std::to_string(m_sent);
  m_request = {};
  m_request.method(http::verb::post);
  m_request.target("/orders");
  m_request.version(11);
  m_request.set(http::field::host, "127.0.0.1");
  m_request.set(http::field::content_type, "application/json");
  m_request.body() = json{{"product", m_product},
                          {"quantity", m_sent + 1},
                          {"customer_name", "Load " + std::to_string(m_index)},
                          {"customer_address", "Jl. Beban " + std::to_string(m_sent)}}
                       .dump();
  m_request.prepare_payload();
  ++m_sent;
  http::async_write(m_socket, m_request, [this, self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) {
      ++m_load.tally.write_errors;
      m_load.tally.problem("write " + std::to_string(m_index) + ": " + ec.message());
      return;
    }
    m_response = {};
    http::async_read(m_socket, m_buffer, m_response,
                     [this, self2 = shared_from_this()](beast::error_code read_ec, std::size_t) { on_read(read_ec); });
  });
}

void Connection::on_read(beast::error_code ec) {
  auto& tally = m_load.tally;
  if (ec) {
    ++tally.read_errors;
    tally.problem("read " + std::to_string(m_index) + ": " + ec.message());
    return;
  }
  const unsigned status = m_response.result_int();
  ++tally.statuses[status];
  if (status != 200) {
    tally.problem("status " + std::to_string(status) + ": " + m_response.body());
  } else {
    const auto body = json::parse(m_response.body(), nullptr, false);
    if (body.is_discarded() || !body.contains("order") || !body["order"].is_object() || !body["order"].contains("_id") ||
        !body["order"]["_id"].is_string() || body["order"].value("product", "") != m_product) {
      ++tally.wrong_body;
      tally.problem("for " + m_product + ": " + m_response.body());
    } else {
      ++tally.ok;
      tally.ids.push_back(body["order"]["_id"].get<std::string>());
    }
  }
  if (!m_response.keep_alive()) {
    tally.problem("server closed connection " + std::to_string(m_index) + " after a POST");
    return;
  }
  send_next();
}

// Every descriptor the load needs, and then some; the hard limit is as far as we may go.
void raise_file_limit() {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  }
  ASSERT_GE(limit.rlim_cur, k_connections + k_fd_margin)
    << "RLIMIT_NOFILE hard limit too low for " << k_connections << " connections";
}

// Every order in the store, read over HTTP the way a client would (GET /orders, all of them).
std::vector<std::string> stored_ids(unsigned short port) {
  HttpClient client(port, 60s);
  const auto response = client.get("/orders");
  EXPECT_EQ(response.status, 200u);
  const auto body = json::parse(response.body); // named: a temporary would die before the loop
  std::vector<std::string> ids;
  for (const auto& order : body["orders"]) ids.push_back(order["_id"].get<std::string>());
  return ids;
}

// The same, in pages (limit/after), which reads the store by another query.
std::vector<std::string> stored_ids_paged(unsigned short port) {
  HttpClient client(port, 60s);
  std::vector<std::string> ids;
  std::string after;
  for (std::size_t page = 0; page <= k_total_posts / 1000 + 2; ++page) { // bounded: pages needed plus slack
    const auto response = client.get("/orders?limit=1000" + (after.empty() ? "" : "&after=" + after));
    EXPECT_EQ(response.status, 200u) << response.body;
    const auto body = json::parse(response.body);
    for (const auto& order : body["orders"]) ids.push_back(order["_id"].get<std::string>());
    if (!body.contains("next")) return ids;
    after = body["next"].get<std::string>();
  }
  ADD_FAILURE() << "pagination did not end";
  return ids;
}

class Concurrency : public ::testing::TestWithParam<std::string> {};

TEST_P(Concurrency, ThousandsOfConcurrentPostsAreAllStoredOnceWithUniqueIds) {
  raise_file_limit();
  if (HasFatalFailure()) return;
  const std::string url = fresh_database_url(GetParam());
  ServerProcess server(url);

  net::io_context io(1);
  Load load(io, server.port());
  load.start();
  const auto started = std::chrono::steady_clock::now();
  io.run_for(k_deadline);
  const bool finished = io.stopped();
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  const Tally& tally = load.tally;
  std::cout << "[ load     ] " << GetParam() << ": " << tally.ok << " POSTs answered 200 in " << elapsed.count()
            << " ms over " << tally.connected << " connections\n";

  EXPECT_TRUE(finished) << "the load did not finish within the deadline: " << tally.summary();
  // Loopback, a server with room for every connection: nothing may fail at all.
  EXPECT_EQ(tally.connected, k_connections) << tally.summary();
  EXPECT_EQ(tally.finished_connections, k_connections) << tally.summary();
  EXPECT_EQ(tally.ok, k_total_posts) << tally.summary();
  EXPECT_EQ(tally.write_errors + tally.read_errors + tally.wrong_body, 0u) << tally.summary();
  for (const auto& [status, n] : tally.statuses) EXPECT_EQ(status, 200u) << n << " answers " << status;

  std::set<std::string> unique;
  std::size_t malformed = 0;
  for (const auto& id : tally.ids) {
    if (!is_object_id(id) && ++malformed <= 5) ADD_FAILURE() << "not 24 lowercase hex: " << id;
    unique.insert(id);
  }
  EXPECT_EQ(malformed, 0u);
  EXPECT_EQ(unique.size(), tally.ids.size()) << "duplicate ids among " << tally.ids.size() << " orders";

  // The store holds exactly the acknowledged orders: as many, and the same ones.
  const auto listed = stored_ids(server.port());
  EXPECT_EQ(listed.size(), tally.ok);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), unique);
  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end())) << "GET /orders is not in id order";
  const auto paged = stored_ids_paged(server.port());
  EXPECT_EQ(paged, listed);

  EXPECT_EQ(server.stop(SIGTERM), 0) << server.output();
  // And after a clean stop, the database itself (not the server) counts the same number.
  const auto reset = run_server_command({"reset", "--database", url});
  EXPECT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_NE(reset.output.find("deleted " + std::to_string(tally.ok) + " orders"), std::string::npos) << reset.output;
}

INSTANTIATE_TEST_SUITE_P(Stores, Concurrency, ::testing::ValuesIn(store_kinds()),
                         [](const ::testing::TestParamInfo<std::string>& kind) { return kind.param; });

} // namespace
