// Malformed, hostile and unusual HTTP against a real fp-order-server on SQLite: every case gets a
// clear answer (or a bounded close), never a hang or a crash, and the server keeps serving others.
// One server (idle timeout 1 s, so the timeout cases finish quickly) is shared by the whole
// program; every test checks afterwards that it still answers, and the last suite stops it with
// SIGTERM and expects exit code 0.
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <optional>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

using namespace fp::test;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

namespace http = boost::beast::http;

constexpr auto k_idle_timeout = 1000ms;           // what the shared server is started with
constexpr auto k_wait = 5s;                       // for an answer or a close that should come at once
constexpr auto k_close_wait = k_idle_timeout + 4s; // for a close that comes with the idle timeout
// A timer may fire a little early relative to our clock (it started at accept, before we measured).
constexpr auto k_idle_tolerance = 250ms;

constexpr const char* k_order = R"({"product":"Laptop","quantity":2,"customer_name":"Budi","customer_address":"Jl. Merdeka 1"})";

// The server every test talks to; started on first use, and again after the shutdown test stopped
// it. Never restarted behind a test's back: a server that died stays dead and the tests say so.
struct SharedServer {
  TempDir dir{"fp-malformed"};
  std::string url = "sqlite://" + (dir / "orders.db").string();
  ServerProcess process{url, {"--idle-timeout", "1s"}};
};

std::unique_ptr<SharedServer>& shared_slot() {
  static std::unique_ptr<SharedServer> server;
  return server;
}

SharedServer& shared() {
  auto& slot = shared_slot();
  if (!slot) slot = std::make_unique<SharedServer>();
  return *slot;
}

unsigned short port() { return shared().process.port(); }

// A plain socket for the cases HttpClient hides on purpose: it closes its side as soon as a
// response says `Connection: close`, so it cannot show whether the *server* closed, and it always
// sends whole requests. Every wait here has a deadline.
class RawConnection {
public:
  explicit RawConnection(unsigned short to_port) {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (m_fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(to_port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      const int error = errno;
      ::close(m_fd);
      throw std::runtime_error(std::string("connect: ") + std::strerror(error));
    }
    int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    m_connected_at = Clock::now();
  }
  ~RawConnection() { ::close(m_fd); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // False when the server has already closed or reset the connection.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads what arrives within `limit`, returning early only when the server closes.
  std::string read_for(std::chrono::milliseconds limit) { return read(limit); }
  // The same, for a caller that expects the close: closed() tells whether it came in time.
  std::string read_until_closed(std::chrono::milliseconds limit) { return read(limit); }

  bool closed() const { return m_closed_at.has_value(); }
  // From connect() to the end of stream (or reset) seen from the server.
  std::chrono::milliseconds open_for() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(m_closed_at.value_or(Clock::now()) - m_connected_at);
  }

private:
  std::string read(std::chrono::milliseconds limit) {
    std::string out;
    const auto deadline = Clock::now() + limit;
    while (!m_closed_at) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left <= 0ms) break;
      pollfd p{m_fd, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) break;
      char buffer[16384];
      const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
      if (n > 0) {
        out.append(buffer, static_cast<std::size_t>(n));
        continue; // keep reading: a response may come in several segments
      }
      if (n < 0 && errno == EINTR) continue;
      m_closed_at = Clock::now(); // 0: orderly close; < 0: reset. Both end the connection.
      break;
    }
    return out;
  }

  int m_fd = -1;
  Clock::time_point m_connected_at;
  std::optional<Clock::time_point> m_closed_at;
};

struct ParsedResponse {
  unsigned version = 0;
  unsigned status = 0;
  std::map<std::string, std::string> headers; // names in lowercase
  std::string body;
  bool keep_alive = false;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Splits bytes read from a connection (until it closed) into responses. Fails the test on bytes
// that are not a complete HTTP response: a server that writes half a response is a bug too.
std::vector<ParsedResponse> parse_responses(std::string_view bytes) {
  std::vector<ParsedResponse> out;
  while (!bytes.empty()) {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(std::uint64_t{1} << 26);
    boost::beast::error_code ec;
    while (!parser.is_done() && !bytes.empty()) {
      const auto used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
      bytes.remove_prefix(used);
      if (ec == http::error::need_more) {
        ec = {};
        if (used == 0) break;
        continue;
      }
      if (ec) break;
    }
    if (!ec && !parser.is_done()) parser.put_eof(ec); // a body that ends with the connection
    if (ec || !parser.is_done()) {
      ADD_FAILURE() << "not a complete HTTP response (" << ec.message() << "); left: " << std::string(bytes.substr(0, 200));
      break;
    }
    auto& message = parser.get();
    ParsedResponse response;
    response.version = message.version();
    response.status = message.result_int();
    response.keep_alive = message.keep_alive();
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      response.headers[name] = std::string(field.value());
    }
    response.body = std::move(message.body());
    out.push_back(std::move(response));
  }
  return out;
}

// The error body the contract promises: a JSON object with a non-empty "message", Flask's newline.
void expect_json_message(const std::string& body, const std::string& content_type) {
  EXPECT_EQ(content_type, "application/json");
  ASSERT_FALSE(body.empty());
  EXPECT_EQ(body.back(), '\n') << body;
  ASSERT_TRUE(json::accept(body)) << body;
  const auto parsed = json::parse(body);
  ASSERT_TRUE(parsed.is_object()) << body;
  ASSERT_TRUE(parsed.contains("message") && parsed["message"].is_string()) << body;
  EXPECT_FALSE(parsed["message"].get<std::string>().empty()) << body;
}

// Sends `request` on a new connection and expects exactly one error response with `status`, a
// JSON message, and the server closing the connection after it.
void expect_refused_and_closed(const std::string& request, unsigned status) {
  RawConnection connection(port());
  ASSERT_TRUE(connection.send(request));
  const std::string bytes = connection.read_until_closed(k_wait);
  EXPECT_TRUE(connection.closed()) << "the server kept the connection open after answering " << status;
  const auto responses = parse_responses(bytes);
  ASSERT_EQ(responses.size(), 1u) << bytes;
  EXPECT_EQ(responses[0].status, status) << bytes;
  EXPECT_EQ(responses[0].header("connection"), "close") << bytes;
  EXPECT_FALSE(responses[0].keep_alive);
  expect_json_message(responses[0].body, responses[0].header("content-type"));
}

std::string post_request(const std::string& body, const std::string& extra_headers = {}) {
  return "POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

class MalformedHttp : public ::testing::Test {
protected:
  // Whatever the test did, the server must still be up and answering a normal request.
  void TearDown() override {
    auto& slot = shared_slot();
    ASSERT_TRUE(slot && slot->process.running()) << (slot ? slot->process.output() : "no server");
    HttpClient client(port(), k_wait);
    const auto health = client.get("/healthz");
    EXPECT_EQ(health.status, 200u) << health.body;
  }
};

TEST_F(MalformedHttp, GarbageRequestLinesGet400AndTheConnectionClosed) {
  const std::vector<std::string> garbage = {
    std::string("\x00\x01\x02\xff garbage\r\n\r\n", 15),
    "NOT A REQUEST\r\n\r\n",                                 // not a version
    "GET /orders HTTP/1.1 trailing\r\nHost: x\r\n\r\n",      // a fourth word
    "GET  /orders HTTP/1.1\r\nHost: x\r\n\r\n",              // two spaces: empty target
    "GET /orders HTTP/1.x\r\nHost: x\r\n\r\n",               // version not digits
    "G(T /orders HTTP/1.1\r\nHost: x\r\n\r\n",               // a separator in the method
    "GET /orders HTTP/1.1\r\nBad Header: x\r\n\r\n",         // a space in a field name
    "GET /orders HTTP/1.1\r\n: no name\r\n\r\n",             // an empty field name
  };
  for (const auto& request : garbage) {
    SCOPED_TRACE(json(request).dump(-1, ' ', false, json::error_handler_t::replace));
    expect_refused_and_closed(request, 400);
  }
}

TEST_F(MalformedHttp, ContradictoryOrBrokenFramingGets400) {
  // Both Content-Length and chunked: the classic request-smuggling ambiguity; refuse, never guess.
  expect_refused_and_closed("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                            400);
  expect_refused_and_closed("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Content-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef",
                            400);
  expect_refused_and_closed("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Content-Length: -1\r\n\r\n",
                            400);
  expect_refused_and_closed("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                            400);
}

TEST_F(MalformedHttp, HeadersOver16KiBGet431) {
  // One huge field, and many ordinary ones adding up to more than the limit.
  expect_refused_and_closed("GET /orders HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17 * 1024, 'a') + "\r\n\r\n",
                            431);
  std::string many = "GET /orders HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 400; ++i) many += "X-Field-" + std::to_string(i) + ": " + std::string(40, 'b') + "\r\n";
  many += "\r\n";
  ASSERT_GT(many.size(), 16u * 1024);
  expect_refused_and_closed(many, 431);

  // Just under the limit is an ordinary request: the limit is 16 KiB, not something smaller.
  HttpClient client(port(), k_wait);
  const auto response = client.request("GET", "/healthz", {}, {{"X-Big", std::string(15 * 1024, 'c')}});
  EXPECT_EQ(response.status, 200u) << response.body;
}

TEST_F(MalformedHttp, ContentLengthOver64KiBGets413BeforeTheBodyIsSent) {
  // Only the header goes out: a server that waited for the body would time out and send nothing.
  RawConnection connection(port());
  ASSERT_TRUE(connection.send("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              "Content-Length: 65537\r\n\r\n"));
  const std::string bytes = connection.read_until_closed(k_wait);
  EXPECT_TRUE(connection.closed());
  EXPECT_LT(connection.open_for(), k_idle_timeout) << "answered only when the idle timeout fired";
  const auto responses = parse_responses(bytes);
  ASSERT_EQ(responses.size(), 1u) << bytes;
  EXPECT_EQ(responses[0].status, 413u) << bytes;
  expect_json_message(responses[0].body, responses[0].header("content-type"));

  // Exactly 64 KiB is allowed: the limit is inclusive and the body is read and used.
  const std::string head = R"({"product":"Limit","quantity":1,"customer_name":"Budi","customer_address":"Jl. Merdeka 1","pad":")";
  const std::string body = head + std::string(64 * 1024 - head.size() - 2, 'x') + "\"}";
  ASSERT_EQ(body.size(), 64u * 1024);
  HttpClient client(port(), k_wait);
  const auto created = client.post("/orders", body);
  EXPECT_EQ(created.status, 200u) << created.body;
  EXPECT_EQ(json::parse(created.body)["order"]["product"], "Limit");
}

TEST_F(MalformedHttp, ChunkedBodyOver64KiBGets413) {
  RawConnection connection(port());
  std::string request = "POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 17; ++i) request += "1000\r\n" + std::string(4096, ' ') + "\r\n"; // 68 KiB of spaces
  request += "0\r\n\r\n";
  ASSERT_TRUE(connection.send(request));
  const std::string bytes = connection.read_until_closed(k_wait);
  EXPECT_TRUE(connection.closed());
  const auto responses = parse_responses(bytes);
  ASSERT_EQ(responses.size(), 1u) << bytes.substr(0, 500);
  EXPECT_EQ(responses[0].status, 413u);
  expect_json_message(responses[0].body, responses[0].header("content-type"));
}

TEST_F(MalformedHttp, TruncatedBodyGetsNoAnswerAndIsClosedAfterTheIdleTimeoutWhileOthersAreServed) {
  RawConnection stalled(port());
  ASSERT_TRUE(stalled.send("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Content-Length: 100\r\n\r\n{\"product\""));
  // Half the idle timeout: the server must still be waiting for the rest, saying nothing.
  EXPECT_EQ(stalled.read_for(k_idle_timeout / 2), "");
  EXPECT_FALSE(stalled.closed()) << "closed after " << stalled.open_for().count() << " ms, before the idle timeout";

  // Meanwhile the server answers everyone else at once.
  HttpClient other(port(), k_wait);
  const auto started = Clock::now();
  EXPECT_EQ(other.get("/healthz").status, 200u);
  EXPECT_EQ(other.post("/orders", k_order).status, 200u);
  EXPECT_LT(Clock::now() - started, k_idle_timeout / 2) << "other clients waited for the stalled one";

  const std::string after = stalled.read_until_closed(k_close_wait);
  EXPECT_EQ(after, "") << "the server answered a request it never fully received";
  ASSERT_TRUE(stalled.closed()) << "still open after " << stalled.open_for().count() << " ms";
  EXPECT_GE(stalled.open_for(), k_idle_timeout - k_idle_tolerance);
}

TEST_F(MalformedHttp, SlowHeaderSentByteByByteIsClosedAtTheIdleTimeout) {
  // Every byte arrives well within the timeout, but the header as a whole takes far longer: the
  // deadline must cover the whole request, or one client could hold a connection for ever.
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(40, 's') + "\r\n\r\n";
  constexpr auto k_gap = 100ms;
  ASSERT_GT(k_gap * request.size(), 3 * k_idle_timeout);
  RawConnection connection(port());
  std::size_t sent = 0;
  std::string received;
  for (; sent < request.size() && !connection.closed(); ++sent) {
    if (!connection.send(request.substr(sent, 1))) break;
    received += connection.read_for(k_gap); // the pause between bytes, watching for a close
  }
  if (!connection.closed()) received += connection.read_until_closed(k_close_wait);
  ASSERT_TRUE(connection.closed()) << "sent all " << sent << " bytes without being closed";
  EXPECT_LT(sent, request.size()) << "the whole header got through";
  EXPECT_GE(sent, 5u) << "closed before the client was slow at all";
  EXPECT_EQ(received, "");
  EXPECT_GE(connection.open_for(), k_idle_timeout - k_idle_tolerance);
  EXPECT_LT(connection.open_for(), k_close_wait);
}

TEST_F(MalformedHttp, SilentClientIsClosedAfterTheIdleTimeout) {
  RawConnection connection(port());
  const std::string received = connection.read_until_closed(k_close_wait);
  ASSERT_TRUE(connection.closed()) << "still open after " << connection.open_for().count() << " ms";
  EXPECT_EQ(received, "");
  EXPECT_GE(connection.open_for(), k_idle_timeout - k_idle_tolerance);
}

TEST_F(MalformedHttp, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  HttpClient client(port(), k_wait);
  ASSERT_EQ(client.get("/healthz").status, 200u);
  const auto answered = Clock::now();
  EXPECT_FALSE(client.peer_closed(k_idle_timeout / 2)) << "keep-alive connection closed early";
  EXPECT_TRUE(client.peer_closed(k_close_wait));
  EXPECT_GE(Clock::now() - answered, k_idle_timeout - k_idle_tolerance);
}

TEST_F(MalformedHttp, PipelinedRequestsAreAnsweredInOrder) {
  HttpClient client(port(), k_wait);
  const auto first = R"({"product":"First","quantity":1,"customer_name":"A","customer_address":"X"})";
  const auto second = R"({"product":"Second","quantity":2,"customer_name":"B","customer_address":"Y"})";
  // All in one write: the server finds the next request already in its buffer each time.
  client.send_raw(post_request(first) + "GET /orders/000000000000000000000000 HTTP/1.1\r\nHost: x\r\n\r\n" +
                  post_request(second) + "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n" +
                  "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  std::vector<HttpResponse> responses;
  for (int i = 0; i < 5; ++i) {
    auto response = client.read_response();
    ASSERT_TRUE(response) << "no response " << i + 1 << " of 5";
    responses.push_back(std::move(*response));
  }
  EXPECT_EQ(responses[0].status, 200u);
  EXPECT_EQ(json::parse(responses[0].body)["order"]["product"], "First");
  EXPECT_EQ(responses[1].status, 404u);
  EXPECT_EQ(json::parse(responses[1].body)["message"], "Order not found");
  EXPECT_EQ(responses[2].status, 200u);
  EXPECT_EQ(json::parse(responses[2].body)["order"]["product"], "Second");
  EXPECT_EQ(responses[3].status, 404u);
  EXPECT_EQ(json::parse(responses[3].body)["message"], "Not found");
  EXPECT_EQ(responses[4].status, 200u);
  EXPECT_EQ(responses[4].body, "{\"status\":\"ok\"}\n");
  // And the connection is still usable afterwards.
  EXPECT_EQ(client.get("/healthz").status, 200u);
}

TEST_F(MalformedHttp, Http10WithoutKeepAliveIsAnsweredAndClosed) {
  RawConnection connection(port());
  ASSERT_TRUE(connection.send("GET /healthz HTTP/1.0\r\n\r\n"));
  const std::string bytes = connection.read_until_closed(k_wait);
  EXPECT_TRUE(connection.closed()) << "an HTTP/1.0 connection without keep-alive stayed open";
  const auto responses = parse_responses(bytes);
  ASSERT_EQ(responses.size(), 1u) << bytes;
  EXPECT_EQ(responses[0].status, 200u);
  EXPECT_EQ(responses[0].body, "{\"status\":\"ok\"}\n");
  EXPECT_FALSE(responses[0].keep_alive) << bytes;
  EXPECT_NE(responses[0].header("connection"), "keep-alive");
}

TEST_F(MalformedHttp, Http10WithKeepAliveStaysOpen) {
  HttpClient client(port(), k_wait);
  for (int i = 0; i < 2; ++i) {
    client.send_raw("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const auto response = client.read_response();
    ASSERT_TRUE(response) << "request " << i + 1;
    EXPECT_EQ(response->status, 200u);
    EXPECT_EQ(response->header("connection"), "keep-alive");
    EXPECT_EQ(response->header("content-length"), std::to_string(response->body.size()));
  }
  EXPECT_FALSE(client.peer_closed(k_idle_timeout / 4));
}

TEST_F(MalformedHttp, Expect100ContinueGetsContinueBeforeTheFinalResponse) {
  HttpClient client(port(), k_wait);
  const std::string body = k_order;
  client.send_raw("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\nExpect: 100-continue\r\n\r\n");
  // The body has not been sent: only the interim response can be here.
  const auto interim = client.read_response();
  ASSERT_TRUE(interim) << "no 100 Continue";
  EXPECT_EQ(interim->status, 100u);
  EXPECT_EQ(interim->body, "");
  client.send_raw(body);
  const auto final_response = client.read_response();
  ASSERT_TRUE(final_response);
  EXPECT_EQ(final_response->status, 200u) << final_response->body;
  const auto order = json::parse(final_response->body)["order"];
  EXPECT_EQ(order["product"], "Laptop");
  // The order is really stored.
  EXPECT_EQ(client.get("/orders/" + order["_id"].get<std::string>()).status, 200u);
}

TEST_F(MalformedHttp, Expect100ContinueWithATooLargeBodyGets413Only) {
  RawConnection connection(port());
  ASSERT_TRUE(connection.send("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              "Content-Length: 1000000\r\nExpect: 100-continue\r\n\r\n"));
  const std::string bytes = connection.read_until_closed(k_wait);
  EXPECT_TRUE(connection.closed());
  const auto responses = parse_responses(bytes);
  ASSERT_EQ(responses.size(), 1u) << bytes; // no "100 Continue" inviting a body we would refuse
  EXPECT_EQ(responses[0].status, 413u);
}

TEST_F(MalformedHttp, UnknownExpectationGets417) {
  expect_refused_and_closed(post_request(k_order, "Expect: 200-ok\r\n"), 417);
}

TEST_F(MalformedHttp, HeadSendsTheHeadersOfGetWithoutTheBody) {
  HttpClient client(port(), k_wait);
  const auto created = client.post("/orders", k_order);
  ASSERT_EQ(created.status, 200u);
  const std::string id = json::parse(created.body)["order"]["_id"];
  for (const std::string& target : std::vector<std::string>{"/healthz", "/orders/" + id, "/orders/" + std::string(24, 'f')}) {
    SCOPED_TRACE(target);
    const auto get = client.get(target);
    const auto head = client.request("HEAD", target);
    EXPECT_EQ(head.status, get.status);
    EXPECT_EQ(head.header("content-type"), get.header("content-type"));
    EXPECT_EQ(head.header("content-length"), std::to_string(get.body.size()));
    EXPECT_EQ(head.body, "");
    // Any body bytes after the HEAD response would be taken for the start of the next response.
    EXPECT_EQ(client.get("/healthz").body, "{\"status\":\"ok\"}\n");
  }
}

TEST_F(MalformedHttp, HeadOfALongOrderListDoesNotPromiseAWrongLength) {
  // More orders than one page of GET /orders (256): the GET body is streamed in chunks, and a HEAD
  // must not announce the length of the first page only.
  const auto seeded = run_server_command({"seed", "--database", shared().url, "--count", "300"});
  ASSERT_EQ(seeded.exit_code, 0) << seeded.output;
  HttpClient client(port(), k_wait);
  const auto get = client.get("/orders");
  ASSERT_EQ(get.status, 200u);
  ASSERT_GT(json::parse(get.body)["orders"].size(), 256u);
  const auto head = client.request("HEAD", "/orders");
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.body, "");
  if (!head.header("content-length").empty()) {
    EXPECT_EQ(head.header("content-length"), std::to_string(get.body.size()))
      << "HEAD announces a Content-Length the GET body does not have";
  }
  EXPECT_EQ(client.get("/healthz").body, "{\"status\":\"ok\"}\n");
}

TEST_F(MalformedHttp, ChunkedRequestBodyIsAccepted) {
  HttpClient client(port(), k_wait);
  const std::string body = R"({"product":"Chunky","quantity":3,"customer_name":"Siti","customer_address":"Jl. Sudirman 5"})";
  std::string request = "POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n";
  // Three chunks of uneven sizes, one with a chunk extension, then a trailer field.
  const std::size_t cuts[] = {0, 7, 50, body.size()};
  for (std::size_t i = 0; i + 1 < std::size(cuts); ++i) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx", cuts[i + 1] - cuts[i]);
    request += size;
    request += i == 1 ? ";name=value\r\n" : "\r\n";
    request += body.substr(cuts[i], cuts[i + 1] - cuts[i]) + "\r\n";
  }
  request += "0\r\nX-Trailer: yes\r\n\r\n";
  client.send_raw(request);
  const auto response = client.read_response();
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200u) << response->body;
  const auto order = json::parse(response->body)["order"];
  EXPECT_EQ(order["product"], "Chunky");
  EXPECT_EQ(order["quantity"], 3);
  EXPECT_EQ(order["customer_address"], "Jl. Sudirman 5");
  const auto stored = client.get("/orders/" + order["_id"].get<std::string>());
  EXPECT_EQ(stored.status, 200u);
  EXPECT_EQ(json::parse(stored.body)["order"], order);
}

TEST_F(MalformedHttp, Http2PrefaceAndUnsupportedVersionsGetAnErrorNotACrash) {
  const std::vector<std::string> requests = {
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",              // what an HTTP/2 client with prior knowledge sends
    "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n",
    "GET /healthz HTTP/3.0\r\nHost: x\r\n\r\n",
    "GET /healthz HTTP/0.9\r\nHost: x\r\n\r\n",
  };
  for (const auto& request : requests) {
    SCOPED_TRACE(request);
    RawConnection connection(port());
    ASSERT_TRUE(connection.send(request));
    const std::string bytes = connection.read_until_closed(k_wait);
    EXPECT_TRUE(connection.closed());
    const auto responses = parse_responses(bytes);
    ASSERT_EQ(responses.size(), 1u) << bytes;
    EXPECT_TRUE(responses[0].status == 505 || responses[0].status == 400) << bytes;
    expect_json_message(responses[0].body, responses[0].header("content-type"));
  }
}

// Runs after the abuse above (suites run in the order written; if run alone, it starts its own
// server): the server still answers, then drains and exits 0 on SIGTERM, having logged no fault.
TEST(MalformedHttpShutdown, StillServingThenExitsZeroOnSigterm) {
  auto& server = shared();
  {
    HttpClient client(server.process.port(), k_wait);
    EXPECT_EQ(client.get("/healthz").status, 200u);
    const auto created = client.post("/orders", k_order);
    EXPECT_EQ(created.status, 200u);
    const std::string id = json::parse(created.body)["order"]["_id"];
    EXPECT_EQ(client.get("/orders/" + id).status, 200u);
  }
  // An idle keep-alive connection must not hold the drain up.
  HttpClient idle(server.process.port(), k_wait);
  ASSERT_EQ(idle.get("/healthz").status, 200u);
  const auto stopping = Clock::now();
  EXPECT_EQ(server.process.stop(SIGTERM), 0) << server.process.output();
  EXPECT_LT(Clock::now() - stopping, 10s);
  const std::string log = server.process.output();
  EXPECT_EQ(log.find("level=error"), std::string::npos) << log;
  EXPECT_NE(log.find("msg=\"stopped\""), std::string::npos) << log;
  shared_slot().reset();
}

} // namespace
