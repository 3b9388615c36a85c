// An order answered 200 is in the database after any clean stop (and, on SQLite, after a crash);
// a PostgreSQL restarted underneath a running server is reconnected to.
#include "support/databases.hpp"
#include "support/http_client.hpp"
#include "support/postgres_instance.hpp"
#include "support/server_process.hpp"

#include <atomic>
#include <gtest/gtest.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

using namespace fp::test;
using nlohmann::json;

namespace {

constexpr const char* k_order = R"({"product":"Laptop","quantity":2,"customer_name":"Budi","customer_address":"Jl. 1"})";

std::set<std::string> stored_ids(unsigned short port) {
  HttpClient client(port);
  auto response = client.get("/orders");
  EXPECT_EQ(response.status, 200u);
  std::set<std::string> ids;
  const auto body = json::parse(response.body); // named: a temporary would die before the loop
  for (const auto& order : body["orders"]) ids.insert(order["_id"].get<std::string>());
  return ids;
}

// Polls GET /healthz until it answers `status` or the limit passes.
bool wait_for_health(unsigned short port, unsigned status, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      HttpClient client(port, std::chrono::seconds(5));
      if (client.get("/healthz").status == status) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

class Durability : public ::testing::TestWithParam<std::string> {};

} // namespace

TEST_P(Durability, WritesSurviveStopAndRestart) {
  const auto url = fresh_database_url(GetParam());
  std::set<std::string> created;
  {
    ServerProcess server(url);
    HttpClient client(server.port());
    for (int i = 0; i < 100; ++i) {
      auto response = client.post("/orders", k_order);
      ASSERT_EQ(response.status, 200u);
      created.insert(json::parse(response.body)["order"]["_id"].get<std::string>());
    }
    client.close();
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.output();
  }
  ServerProcess again(url);
  EXPECT_EQ(stored_ids(again.port()), created) << again.output();
  EXPECT_EQ(again.stop(), 0);
}

TEST_P(Durability, OrdersAnsweredDuringSigtermAreKept) {
  const auto url = fresh_database_url(GetParam());
  ServerProcess server(url);
  std::mutex mutex;
  std::set<std::string> acknowledged;
  std::atomic<int> answered{0};
  std::vector<std::thread> writers;
  // Writers keep posting until the server goes away (bounded by count and time either way).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, port = server.port()] {
      try {
        HttpClient client(port, std::chrono::seconds(10));
        for (int i = 0; i < 20'000 && std::chrono::steady_clock::now() < deadline; ++i) {
          auto response = client.post("/orders", k_order);
          if (response.status != 200) continue;
          ++answered;
          std::lock_guard lock(mutex);
          acknowledged.insert(json::parse(response.body)["order"]["_id"].get<std::string>());
        }
      } catch (const std::exception&) {
        // The server closed this connection while draining: expected.
      }
    });
  }
  while (answered < 300 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server.stop(SIGTERM), 0) << server.output();
  for (auto& writer : writers) writer.join();
  ASSERT_GE(acknowledged.size(), 300u);

  ServerProcess again(url);
  const auto stored = stored_ids(again.port());
  for (const auto& id : acknowledged) ASSERT_TRUE(stored.count(id)) << "acknowledged order lost: " << id;
  EXPECT_EQ(again.stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Stores, Durability, ::testing::ValuesIn(store_kinds()),
                         [](const auto& param_info) { return param_info.param; });

TEST(SqliteDurability, AcknowledgedWritesSurviveAKilledProcess) {
  const auto url = fresh_database_url("sqlite");
  std::set<std::string> created;
  {
    ServerProcess server(url);
    HttpClient client(server.port());
    for (int i = 0; i < 100; ++i) {
      auto response = client.post("/orders", k_order);
      ASSERT_EQ(response.status, 200u);
      created.insert(json::parse(response.body)["order"]["_id"].get<std::string>());
    }
    EXPECT_EQ(server.stop(SIGKILL), 128 + SIGKILL);
  }
  ServerProcess again(url);
  EXPECT_EQ(stored_ids(again.port()), created);
}

TEST(PostgresRestart, ServerReconnectsAndHealthRecovers) {
  PostgresInstance postgres;
  ServerProcess server(postgres.url());
  HttpClient client(server.port(), std::chrono::seconds(15));
  auto created = client.post("/orders", k_order);
  ASSERT_EQ(created.status, 200u);
  const auto id = json::parse(created.body)["order"]["_id"].get<std::string>();

  postgres.stop();
  // While the database is down: clear 503s, quickly, not hangs or 500s.
  ASSERT_TRUE(wait_for_health(server.port(), 503, std::chrono::seconds(30))) << server.output();
  auto refused = client.post("/orders", k_order);
  EXPECT_EQ(refused.status, 503u) << refused.body;
  EXPECT_EQ(refused.header("retry-after"), "1");
  EXPECT_EQ(client.get("/orders/" + id).status, 503u);

  postgres.start();
  ASSERT_TRUE(wait_for_health(server.port(), 200, std::chrono::seconds(30))) << server.output();
  // Every connection of the pool comes back, not just the one /healthz used.
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(client.get("/orders/" + id).status, 200u) << i;
    ASSERT_EQ(client.post("/orders", k_order).status, 200u) << i;
  }
  EXPECT_EQ(server.stop(), 0) << server.output();
}
