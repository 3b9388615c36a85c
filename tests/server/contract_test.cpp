// The API contract of ORDER-API.md over real HTTP, run against both stores: every route, every row
// of the bad-input table, the JSON byte for byte as app.py (Flask jsonify) wrote it.
#include "support/databases.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

using namespace fp::test;
using nlohmann::json;

namespace {

constexpr const char* k_order = R"({"product":"Laptop","quantity":2,"customer_name":"Budi","customer_address":"Jl. Merdeka 1"})";

class Contract : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    m_url = fresh_database_url(GetParam());
    m_server = std::make_unique<ServerProcess>(m_url);
    m_client = std::make_unique<HttpClient>(m_server->port());
  }
  void TearDown() override {
    m_client.reset();
    EXPECT_EQ(m_server->stop(), 0) << m_server->output();
  }

  HttpClient& client() { return *m_client; }

  std::string create(const std::string& body = k_order) {
    auto response = client().post("/orders", body);
    EXPECT_EQ(response.status, 200u) << response.body;
    return json::parse(response.body)["order"]["_id"].get<std::string>();
  }

  std::size_t count() { return json::parse(client().get("/orders").body)["orders"].size(); }

  void expect_message(const HttpResponse& response, unsigned status, const std::string& message) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.body, json({{"message", message}}).dump() + "\n");
    EXPECT_EQ(response.header("content-type"), "application/json");
  }

  std::string m_url;
  std::unique_ptr<ServerProcess> m_server;
  std::unique_ptr<HttpClient> m_client;
};

std::string order_json(const std::string& id, const std::string& address, const std::string& name,
                       const std::string& product, long long quantity) {
  return R"({"_id":")" + id + R"(","customer_address":")" + address + R"(","customer_name":")" + name +
         R"(","product":")" + product + R"(","quantity":)" + std::to_string(quantity) + "}";
}

} // namespace

TEST_P(Contract, EmptyListIsAnEmptyOrdersArray) {
  auto response = client().get("/orders");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "{\"orders\":[]}\n");
  EXPECT_EQ(response.header("content-type"), "application/json");
}

TEST_P(Contract, CreateAnswers200WithTheOrderAsAppPyDid) {
  auto response = client().post("/orders", k_order);
  ASSERT_EQ(response.status, 200u) << response.body;
  const auto id = json::parse(response.body)["order"]["_id"].get<std::string>();
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{24}"))) << id;
  EXPECT_EQ(response.body, R"({"message":"Order created successfully","order":)" +
                             order_json(id, "Jl. Merdeka 1", "Budi", "Laptop", 2) + "}\n");
  EXPECT_EQ(response.header("content-type"), "application/json");
}

TEST_P(Contract, IdsCarryTheCreationSecondAndNeverRepeat) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.insert(create());
  EXPECT_EQ(ids.size(), 200u);
  for (const auto& id : ids) {
    const long long seconds = std::stoll(id.substr(0, 8), nullptr, 16);
    EXPECT_LE(std::llabs(seconds - now), 60) << id;
  }
}

TEST_P(Contract, GetOneByIdByteForByte) {
  const auto id = create();
  auto response = client().get("/orders/" + id);
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, R"({"order":)" + order_json(id, "Jl. Merdeka 1", "Budi", "Laptop", 2) + "}\n");
}

TEST_P(Contract, UppercaseIdIsAcceptedAndNormalised) {
  const auto id = create();
  std::string upper = id;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto response = client().get("/orders/" + upper);
  ASSERT_EQ(response.status, 200u);
  EXPECT_EQ(json::parse(response.body)["order"]["_id"], id);
}

TEST_P(Contract, UnknownIdIs404) {
  expect_message(client().get("/orders/0123456789abcdef01234567"), 404, "Order not found");
  expect_message(client().put("/orders/0123456789abcdef01234567", R"({"quantity":1})"), 404, "Order not found");
  expect_message(client().del("/orders/0123456789abcdef01234567"), 404, "Order not found");
}

TEST_P(Contract, MalformedIdIs400ForEveryMethod) {
  for (const std::string bad : {"xyz", "0123456789abcdef0123456", "0123456789abcdef012345678",
                                "0123456789abcdef0123456g", "%30123456789abcdef0123456"}) {
    expect_message(client().get("/orders/" + bad), 400, "Invalid order id");
    expect_message(client().put("/orders/" + bad, R"({"quantity":1})"), 400, "Invalid order id");
    expect_message(client().del("/orders/" + bad), 400, "Invalid order id");
  }
}

TEST_P(Contract, ListIsOldestFirstWithSortedKeys) {
  std::vector<std::string> ids;
  for (int i = 1; i <= 3; ++i) {
    ids.push_back(create(R"({"product":"P)" + std::to_string(i) +
                         R"(","quantity":)" + std::to_string(i) + R"(,"customer_name":"N","customer_address":"A"})"));
  }
  auto response = client().get("/orders");
  ASSERT_EQ(response.status, 200u);
  std::string expected = R"({"orders":[)";
  for (int i = 0; i < 3; ++i) {
    if (i) expected += ',';
    expected += order_json(ids[static_cast<std::size_t>(i)], "A", "N", "P" + std::to_string(i + 1), i + 1);
  }
  EXPECT_EQ(response.body, expected + "]}\n");
  EXPECT_FALSE(response.chunked);
}

TEST_P(Contract, PartialUpdateKeepsTheOtherFields) {
  const auto id = create();
  auto response = client().put("/orders/" + id, R"({"quantity":5})");
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(response.body, R"({"message":"Order updated successfully","order":)" +
                             order_json(id, "Jl. Merdeka 1", "Budi", "Laptop", 5) + "}\n");
  response = client().put("/orders/" + id, R"({"product":"Phone","customer_name":"Siti","customer_address":"Jl. 2","x":1})");
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(client().get("/orders/" + id).body, R"({"order":)" + order_json(id, "Jl. 2", "Siti", "Phone", 5) + "}\n");
}

TEST_P(Contract, UpdateRefusesBadBodiesAndChangesNothing) {
  const auto id = create();
  const std::string before = client().get("/orders/" + id).body;
  expect_message(client().put("/orders/" + id, R"({"unknown":1})"), 400,
                 "No field to update: give at least one of product, quantity, customer_name, customer_address");
  expect_message(client().put("/orders/" + id, R"({"quantity":"5"})"), 400,
                 "Invalid field: quantity must be a positive integer");
  expect_message(client().put("/orders/" + id, R"({"product":"ok","customer_name":""})"), 400,
                 "Invalid field: customer_name must be a non-empty string");
  expect_message(client().put("/orders/" + id, "not json"), 400, "Request body must be a JSON object");
  expect_message(client().request("PUT", "/orders/" + id, R"({"quantity":1})", {{"Content-Type", "text/plain"}}), 415,
                 "Content-Type must be application/json");
  EXPECT_EQ(client().get("/orders/" + id).body, before);
}

TEST_P(Contract, DeleteThenGone) {
  const auto id = create();
  expect_message(client().del("/orders/" + id), 200, "Order deleted successfully");
  expect_message(client().get("/orders/" + id), 404, "Order not found");
  expect_message(client().del("/orders/" + id), 404, "Order not found");
  EXPECT_EQ(count(), 0u);
}

TEST_P(Contract, EveryBadCreateIsRefusedAndNothingIsStored) {
  create();
  const std::vector<std::pair<std::string, std::string>> cases = {
    {"", "Request body must be a JSON object"},
    {"not json", "Request body must be a JSON object"},
    {"[1,2]", "Request body must be a JSON object"},
    {"\"order\"", "Request body must be a JSON object"},
    {R"({"product":"p","quantity":1,"customer_name":"n"})", "Missing field: customer_address"},
    {R"({"quantity":1,"customer_name":"n","customer_address":"a"})", "Missing field: product"},
    {R"({"product":"p","customer_name":"n","customer_address":"a"})", "Missing field: quantity"},
    {R"({"product":"p","quantity":0,"customer_name":"n","customer_address":"a"})",
     "Invalid field: quantity must be a positive integer"},
    {R"({"product":"p","quantity":-3,"customer_name":"n","customer_address":"a"})",
     "Invalid field: quantity must be a positive integer"},
    {R"({"product":"p","quantity":1.5,"customer_name":"n","customer_address":"a"})",
     "Invalid field: quantity must be a positive integer"},
    {R"({"product":"p","quantity":"2","customer_name":"n","customer_address":"a"})",
     "Invalid field: quantity must be a positive integer"},
    {R"({"product":"p","quantity":true,"customer_name":"n","customer_address":"a"})",
     "Invalid field: quantity must be a positive integer"},
    {R"({"product":"","quantity":1,"customer_name":"n","customer_address":"a"})",
     "Invalid field: product must be a non-empty string"},
    {R"({"product":42,"quantity":1,"customer_name":"n","customer_address":"a"})",
     "Invalid field: product must be a non-empty string"},
    {R"({"product":"p","quantity":1,"customer_name":null,"customer_address":"a"})",
     "Invalid field: customer_name must be a non-empty string"},
    {R"({"product":"p","quantity":1,"customer_name":"n","customer_address":")" + std::string(1001, 'a') + "\"}",
     "Invalid field: customer_address must be at most 1000 bytes"},
    {R"({"product":"a\u0000b","quantity":1,"customer_name":"n","customer_address":"a"})",
     "Invalid field: product must not contain NUL characters"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body.substr(0, 80));
    expect_message(client().post("/orders", body), 400, message);
  }
  expect_message(client().request("POST", "/orders", k_order, {{"Content-Type", "text/plain"}}), 415,
                 "Content-Type must be application/json");
  // No Content-Type at all: the raw request, since the client would add one.
  client().send_raw(std::string("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: ") +
                    std::to_string(std::strlen(k_order)) + "\r\n\r\n" + k_order);
  auto untyped = client().read_response();
  ASSERT_TRUE(untyped);
  expect_message(*untyped, 415, "Content-Type must be application/json");
  auto too_big = client().post("/orders", std::string(R"({"product":")") + std::string(70 * 1024, 'x') + "\"}");
  EXPECT_EQ(too_big.status, 413u);
  EXPECT_EQ(count(), 1u);
}

TEST_P(Contract, JsonMediaTypeVariantsAreAccepted) {
  for (const char* type : {"application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json"}) {
    EXPECT_EQ(client().request("POST", "/orders", k_order, {{"Content-Type", type}}).status, 200u) << type;
  }
}

TEST_P(Contract, ExtraFieldsAreIgnoredNotStored) {
  auto response = client().post(
    "/orders", R"({"product":"p","quantity":1,"customer_name":"n","customer_address":"a","admin":true,"_id":"x"})");
  ASSERT_EQ(response.status, 200u);
  const auto order = json::parse(response.body)["order"];
  EXPECT_EQ(order.size(), 5u);
  EXPECT_NE(order["_id"], "x");
  EXPECT_EQ(json::parse(client().get("/orders/" + order["_id"].get<std::string>()).body)["order"].size(), 5u);
}

TEST_P(Contract, UnicodeIsStoredAndEscapedAsPythonDoes) {
  const std::string product = "Caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x98\x80 \"q\" \\ / \n\t";
  const auto id = create(json({{"product", product}, {"quantity", 1}, {"customer_name", "n"}, {"customer_address", "a"}}).dump());
  auto response = client().get("/orders/" + id);
  EXPECT_NE(response.body.find(R"("product":"Caf\u00e9 \u2615 \ud83d\ude00 \"q\" \\ / \n\t")"), std::string::npos)
    << response.body;
  EXPECT_EQ(json::parse(response.body)["order"]["product"], product);
}

TEST_P(Contract, TextOfExactly1000BytesIsAccepted) {
  const auto id = create(json({{"product", std::string(1000, 'p')}, {"quantity", 1}, {"customer_name", "n"},
                               {"customer_address", "a"}}).dump());
  EXPECT_EQ(json::parse(client().get("/orders/" + id).body)["order"]["product"].get<std::string>().size(), 1000u);
}

TEST_P(Contract, PaginationWithLimitAndAfter) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(create());
  auto page = json::parse(client().get("/orders?limit=2").body);
  ASSERT_EQ(page["orders"].size(), 2u);
  EXPECT_EQ(page["orders"][0]["_id"], ids[0]);
  EXPECT_EQ(page["next"], ids[1]);
  page = json::parse(client().get("/orders?limit=2&after=" + page["next"].get<std::string>()).body);
  ASSERT_EQ(page["orders"].size(), 2u);
  EXPECT_EQ(page["orders"][0]["_id"], ids[2]);
  EXPECT_EQ(page["next"], ids[3]);
  auto last = client().get("/orders?after=" + page["next"].get<std::string>() + "&limit=2");
  page = json::parse(last.body);
  ASSERT_EQ(page["orders"].size(), 1u);
  EXPECT_EQ(page["orders"][0]["_id"], ids[4]);
  EXPECT_FALSE(page.contains("next"));
  // Exactly `limit` left: no "next" either.
  EXPECT_FALSE(json::parse(client().get("/orders?limit=5").body).contains("next"));
  // `next` sorts before "orders", as Flask's sorted keys would put it.
  EXPECT_TRUE(client().get("/orders?limit=1").body.starts_with(R"({"next":")"));
}

TEST_P(Contract, PaginationRefusesBadParameters) {
  for (const char* query : {"limit=0", "limit=10001", "limit=abc", "limit=", "limit=-1", "limit=1.5"}) {
    expect_message(client().get(std::string("/orders?") + query), 400,
                   "Invalid limit: expected an integer from 1 to 10000");
  }
  expect_message(client().get("/orders?limit=2&after=nope"), 400, "Invalid after: expected an order id (24 hex digits)");
  EXPECT_EQ(client().get("/orders?limit=10000").status, 200u);
  EXPECT_EQ(client().get("/orders?unrelated=1").status, 200u);
}

TEST_P(Contract, LargeListsStreamInOrderWithoutDuplicates) {
  auto seeded = run_server_command({"seed", "--database", m_url, "1500"});
  ASSERT_EQ(seeded.exit_code, 0) << seeded.output;
  create();
  auto response = client().get("/orders");
  ASSERT_EQ(response.status, 200u);
  EXPECT_TRUE(response.chunked); // more than one page: streamed, not buffered whole
  EXPECT_TRUE(response.body.ends_with("]}\n"));
  const auto orders = json::parse(response.body)["orders"];
  ASSERT_EQ(orders.size(), 1501u);
  for (std::size_t i = 1; i < orders.size(); ++i) {
    ASSERT_LT(orders[i - 1]["_id"].get<std::string>(), orders[i]["_id"].get<std::string>()) << i;
  }
  // The same list through HTTP/1.0 (no chunked encoding): the body ends when the connection closes.
  HttpClient old(m_server->port());
  old.send_raw("GET /orders HTTP/1.0\r\n\r\n");
  auto old_response = old.read_response();
  ASSERT_TRUE(old_response);
  EXPECT_EQ(old_response->body, response.body);
}

TEST_P(Contract, UnknownRoutesAndMethods) {
  expect_message(client().get("/nope"), 404, "Not found");
  expect_message(client().get("/orders/"), 404, "Not found");
  expect_message(client().get("/orders/0123456789abcdef01234567/x"), 404, "Not found");
  auto response = client().request("PATCH", "/orders");
  expect_message(response, 405, "Method not allowed");
  EXPECT_EQ(response.header("allow"), "GET, HEAD, OPTIONS, POST");
  response = client().request("POST", "/orders/0123456789abcdef01234567", "{}");
  expect_message(response, 405, "Method not allowed");
  EXPECT_EQ(response.header("allow"), "DELETE, GET, HEAD, OPTIONS, PUT");
  response = client().request("DELETE", "/healthz");
  EXPECT_EQ(response.status, 405u);
  EXPECT_EQ(response.header("allow"), "GET, HEAD, OPTIONS");
  response = client().request("OPTIONS", "/orders");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.header("allow"), "GET, HEAD, OPTIONS, POST");
}

TEST_P(Contract, HeadHasHeadersButNoBody) {
  create();
  const auto full = client().get("/orders");
  auto head = client().request("HEAD", "/orders");
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.header("content-length"), std::to_string(full.body.size()));
  EXPECT_EQ(client().get("/healthz").status, 200u); // the connection is still in step
}

TEST_P(Contract, HealthAndMetrics) {
  auto health = client().get("/healthz");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.body, "{\"status\":\"ok\"}\n");
  create();
  client().get("/orders/zz");
  auto metrics = client().get("/metrics");
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_TRUE(metrics.header("content-type").starts_with("text/plain; version=0.0.4"));
  const auto& text = metrics.body;
  EXPECT_NE(text.find("# TYPE fp_http_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find(R"(fp_http_requests_total{route="/orders",method="POST",status="200"} 1)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(fp_http_requests_total{route="/orders/{id}",method="GET",status="400"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(fp_http_request_duration_seconds_bucket{route="/orders",le="+Inf"} 1)"), std::string::npos);
  EXPECT_NE(text.find("# TYPE fp_db_pool_connections gauge"), std::string::npos);
  EXPECT_NE(text.find("fp_db_pool_connections{store=\"" + GetParam() + "\",state=\"open\"}"), std::string::npos);
}

TEST_P(Contract, KeepAliveServesManyRequestsOnOneConnection) {
  for (int i = 0; i < 50; ++i) ASSERT_EQ(client().get("/healthz").status, 200u);
  EXPECT_FALSE(client().peer_closed(std::chrono::milliseconds(100)));
}

INSTANTIATE_TEST_SUITE_P(Stores, Contract, ::testing::ValuesIn(store_kinds()),
                         [](const auto& param_info) { return param_info.param; });
