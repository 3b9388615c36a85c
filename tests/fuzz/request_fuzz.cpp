// libFuzzer target for fp-order-server's request path: the input bytes are parsed the way the
// server parses a connection (Boost.Beast request_parser with the server's header and body limits,
// several pipelined requests in one input), and each parsed request goes to OrderApi::handle over a
// real SQLite store. It aborts when a request gets a 500, gets no response at all, or gets an
// application/json body that is not valid JSON ending in Flask's "\n" — the contract's "never a
// 500" and "a clear JSON answer" for every input. ASan and UBSan catch the rest.
//
//   request_fuzz tests/fuzz/corpus -max_total_time=60
#include "order_api.hpp"
#include "store.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace fp::server;

// The server's limits (ServerConfig::max_header_bytes, max_body_bytes).
constexpr std::uint32_t k_max_header_bytes = 16 * 1024;
constexpr std::uint64_t k_max_body_bytes = 64 * 1024;
// Requests taken from one input, as if pipelined on one connection.
constexpr int k_max_requests = 4;
// GET /orders streams in pages; the database here never holds more than a few, so this is slack.
constexpr int k_max_stream_parts = 64;

// Orders present before every input, so GET/PUT/DELETE of these ids (used in the corpus) reach
// real rows instead of always answering 404.
const std::vector<Order> k_seed_orders = {
  {"5f1d7a3b2c4e6f8091a2b3c4", "Laptop", 2, "Budi Santoso", "Jl. Merdeka 1"},
  {"5f1d7a3b2c4e6f8091a2b3c5", "Phone", 1, "Siti Rahma", "Jl. Sudirman 5"},
  {"5f1d7a3b2c4e6f8091a2b3c6", "Desk", 7, "Andi Wijaya", "Jl. Thamrin 9"},
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "request_fuzz: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// One database file, store and API for the whole run, as one server worker would have them.
class Harness {
public:
  Harness() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/fp-request-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) fail("mkdtemp failed");
    m_dir = pattern;
    auto database = open_database("sqlite://" + (m_dir / "orders.db").string());
    if (!database) fail("open_database: " + database.error().message);
    m_database = std::move(*database);
    auto store = m_database->make_store(m_io, 1);
    if (!store) fail("make_store: " + store.error().message);
    m_store = std::move(*store);
    m_api = std::make_unique<OrderApi>(
      *m_store, [](std::function<void(std::string)> done) { done("# metrics\n"); },
      [this](std::string_view message) { m_last_error = std::string(message); });
    reset_orders();
  }

  ~Harness() {
    m_api.reset();
    m_store->close();
    m_io.restart();
    m_io.run();
    m_store.reset();
    m_database.reset();
    std::error_code ignored;
    std::filesystem::remove_all(m_dir, ignored);
  }

  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // Back to the seed orders, so an input behaves the same whatever ran before it (a crash found
  // by libFuzzer must reproduce from that input alone). Only after inputs that could write.
  void reset_orders() {
    if (auto deleted = m_database->reset(); !deleted) fail("reset: " + deleted.error().message);
    if (auto inserted = m_database->insert_batch(k_seed_orders); !inserted) fail("seed: " + inserted.error().message);
  }

  // Answers one request as the server would, and checks the answer.
  void handle(const http::request<http::string_body>& message) {
    Request request;
    request.method = parse_method(message.method_string());
    request.target = message.target();
    request.content_type = message[http::field::content_type];
    request.body = message.body();
    if (request.method == Method::post || request.method == Method::put || request.method == Method::del) {
      m_dirty = true;
    }

    std::optional<Response> response;
    m_last_error.clear();
    m_api->handle(request, [&response](Response r) {
      if (response) fail("handle answered twice");
      response = std::move(r);
    });
    m_io.restart();
    m_io.run(); // a store may reply on the loop rather than at once
    if (!response) fail("no response to " + std::string(message.method_string()) + " " + std::string(message.target()));

    std::string body = response->body;
    if (response->stream) {
      bool ended = false;
      for (int i = 0; i < k_max_stream_parts && !ended; ++i) {
        std::optional<StoreResult<std::optional<std::string>>> part;
        response->stream->next([&part](StoreResult<std::optional<std::string>> p) { part = std::move(p); });
        m_io.restart();
        m_io.run();
        if (!part) fail("body stream gave no part");
        if (!*part) fail("body stream failed: " + part->error().message);
        if (!**part) ended = true;
        else body += ***part;
      }
      if (!ended) fail("body stream did not end");
    }
    check(message, *response, body);
  }

  void clean() {
    if (m_dirty) reset_orders();
    m_dirty = false;
  }

private:
  void check(const http::request<http::string_body>& message, const Response& response, const std::string& body) {
    const std::string what = std::string(message.method_string()) + " " + std::string(message.target()) + " -> " +
                             std::to_string(response.status) + " " + body.substr(0, 200);
    if (response.status == 500) fail("500 Internal Server Error (" + m_last_error + "): " + what);
    if (response.status < 100 || response.status > 599) fail("status out of range: " + what);
    if (response.status == 405 && response.allow.empty()) fail("405 without an Allow header: " + what);
    if (response.content_type.starts_with("application/json")) {
      if (body.empty() || body.back() != '\n') fail("JSON body without the trailing newline: " + what);
      if (!nlohmann::json::accept(body)) fail("invalid JSON body: " + what);
    }
  }

  std::filesystem::path m_dir;
  std::unique_ptr<Database> m_database;
  net::io_context m_io{1};
  std::unique_ptr<Store> m_store;
  std::unique_ptr<OrderApi> m_api;
  std::string m_last_error;
  bool m_dirty = false;
};

Harness& harness() {
  static Harness instance; // destroyed at exit: the temporary database goes with it
  return instance;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& h = harness();
  h.clean();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (int i = 0; i < k_max_requests && !input.empty(); ++i) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(k_max_header_bytes);
    parser.body_limit(k_max_body_bytes);
    parser.eager(true);
    beast::error_code ec;
    while (!parser.is_done() && !input.empty()) {
      const auto used = parser.put(net::buffer(input.data(), input.size()), ec);
      input.remove_prefix(used);
      if (ec == http::error::need_more) {
        ec = {};
        if (used == 0) break; // the rest of the request never came: the server would time out
        continue;
      }
      if (ec) break;
    }
    // Unparseable: the server answers 400/413/431 itself without reaching the API.
    if (ec || !parser.is_done()) return 0;
    const auto& message = parser.get();
    // The server answers other versions with 505 before the API sees them.
    if (message.version() != 10 && message.version() != 11) return 0;
    h.handle(message);
    if (!message.keep_alive()) return 0; // the server closes the connection after this one
  }
  return 0;
}
