// run_load end to end against real servers on loopback: exact request counts (the orders
// fp-order-server stored are exactly the successful POSTs), max_requests exact in both models, the
// stop flag, the per-second timeline and observer, the generator's health in the result.
#include "engine_test_support.hpp"

#include "support/http_client.hpp"
#include "support/nginx_instance.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace fp::bench;
using namespace fp::bench::enginetest;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_order = R"({"product":"ProductX","quantity":5,"customer_name":"John Doe",)"
                                R"("customer_address":"123 Main St"})";

std::size_t stored_orders(unsigned short port) {
  fp::test::HttpClient client(port);
  const auto response = client.get("/orders");
  EXPECT_EQ(response.status, 200u);
  return nlohmann::json::parse(response.body).at("orders").size();
}

class EngineTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() { s_nginx = std::make_unique<fp::test::NginxInstance>(); }
  static void TearDownTestSuite() { s_nginx.reset(); }
  static std::unique_ptr<fp::test::NginxInstance> s_nginx;
};
std::unique_ptr<fp::test::NginxInstance> EngineTest::s_nginx;

} // namespace

TEST_F(EngineTest, OrdersStoredAreExactlyTheSuccessfulPosts) {
  fp::test::TempDir dir;
  fp::test::ServerProcess server("sqlite://" + (dir / "orders.db").string());
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  auto options = closed_run(url,
                            scenario({task({request("GET", "/orders?limit=5")}),
                                      task({request("POST", "/orders", k_order)})}),
                            8, 100);
  options.threads = 2;
  options.run_time = 2s;
  const RunResult result = run(options);
  const EndpointStats& posts = stats_of(result, "POST", "/orders");
  EXPECT_GT(posts.requests, 50u);
  EXPECT_EQ(result.aggregate.failures, 0u);
  EXPECT_EQ(stored_orders(server.port()), posts.requests - posts.failures);
}

TEST_F(EngineTest, MaxRequestsIsExactInTheClosedModel) {
  fp::test::TempDir dir;
  fp::test::ServerProcess server("sqlite://" + (dir / "orders.db").string());
  auto options = closed_run("http://127.0.0.1:" + std::to_string(server.port()),
                            scenario({task({request("POST", "/orders", k_order)})}), 7, 1000);
  options.threads = 2;
  options.max_requests = 301; // not a multiple of the threads or the users
  const RunResult result = run(options);
  EXPECT_EQ(result.aggregate.requests, 301u);
  EXPECT_EQ(result.aggregate.failures, 0u);
  EXPECT_EQ(stored_orders(server.port()), 301u);
  EXPECT_FALSE(result.stopped_early);
}

TEST_F(EngineTest, MaxRequestsIsExactInTheOpenModel) {
  auto options = open_run(s_nginx->url(), get_only("/static"), 2000, 8);
  options.threads = 2;
  options.max_requests = 777;
  const RunResult result = run(options);
  EXPECT_EQ(result.aggregate.requests, 777u);
  EXPECT_EQ(result.aggregate.failures, 0u);
  EXPECT_EQ(result.aggregate.content_bytes, 777u * fp::test::NginxInstance::static_body().size());
  // 777 arrivals at 2000/s take about 0.39 s; generous for slow builds.
  EXPECT_LT(result.elapsed, 5s);
}

TEST_F(EngineTest, MaxRequestsAndRunTimeTogetherEndAtTheFirst) {
  auto options = closed_run(s_nginx->url(), get_only("/static", think(ThinkTime::Kind::constant, 0.1)), 2, 100);
  options.max_requests = 1'000'000;
  options.run_time = 1s;
  const RunResult result = run(options);
  EXPECT_GT(result.aggregate.requests, 5u);
  EXPECT_LT(result.aggregate.requests, 50u);
  EXPECT_GE(result.elapsed, 1s);
  EXPECT_LT(result.elapsed, 4s);
}

TEST_F(EngineTest, StopFlagEndsTheRunAndKeepsWhatWasRecorded) {
  auto options = closed_run(s_nginx->url(), get_only("/static"), 4, 100);
  options.run_time = 60s;
  CollectingObserver observer;
  std::atomic<bool> stop{false};
  std::thread stopper([&stop] {
    std::this_thread::sleep_for(500ms);
    stop = true;
  });
  const auto started = std::chrono::steady_clock::now();
  const auto result = run_load(options, observer, stop);
  const auto took = std::chrono::steady_clock::now() - started;
  stopper.join();
  ASSERT_TRUE(result) << result.error();
  EXPECT_TRUE(result->stopped_early);
  EXPECT_LT(took, 5s);
  EXPECT_GT(result->aggregate.requests, 10u);
  EXPECT_EQ(result->aggregate.failures, 0u);
  EXPECT_FALSE(result->timeline.empty());
}

TEST_F(EngineTest, TimelineAndObserverOnceASecond) {
  auto options = closed_run(s_nginx->url(), get_only("/static", think(ThinkTime::Kind::constant, 0.01)), 4, 100);
  options.threads = 2;
  options.run_time = 3500ms;
  CollectingObserver observer;
  const RunResult result = run(options, &observer);
  EXPECT_GE(observer.seconds.size(), 2u);
  EXPECT_LE(observer.seconds.size(), 4u);
  for (std::size_t i = 1; i < observer.seconds.size(); ++i)
    EXPECT_GT(observer.seconds[i].unix_second, observer.seconds[i - 1].unix_second);
  ASSERT_GE(result.timeline.size(), 3u);
  ASSERT_LE(result.timeline.size(), 5u);
  std::uint64_t total = 0;
  for (const SecondSample& sample : result.timeline) total += sample.requests;
  EXPECT_EQ(total, result.aggregate.requests);
  EXPECT_EQ(result.timeline[1].users, 4u);
  EXPECT_EQ(result.timeline.front().unix_second,
            std::chrono::duration_cast<std::chrono::seconds>(result.started.time_since_epoch()).count());
}

TEST_F(EngineTest, GeneratorWatchesItself) {
  auto options = closed_run(s_nginx->url(), get_only("/static"), 16, 1000);
  options.threads = 1;
  options.run_time = 1s;
  const RunResult result = run(options);
  EXPECT_GT(result.aggregate.requests, 100u);
  EXPECT_GT(result.generator.cpu_percent, 1.0);
  EXPECT_LT(result.generator.cpu_percent, 150.0); // one thread
  EXPECT_GE(result.generator.max_loop_lag, result.generator.p99_loop_lag);
  EXPECT_EQ(result.generator.generator_bound, !result.generator.reason.empty());
}

TEST_F(EngineTest, ManyThinkingUsersShareFewThreads) {
  auto options =
    closed_run(s_nginx->url(), get_only("/static", think(ThinkTime::Kind::between, 0.5, 1.0)), 2000, 4000);
  options.threads = 2;
  options.run_time = 2s;
  const RunResult result = run(options);
  EXPECT_EQ(result.users.peak, 2000u);
  EXPECT_EQ(result.aggregate.failures, 0u);
  // Each user sends at once, then every 0.5–1 s: about 2000 + 2000 · 1.5 / 0.75 requests.
  EXPECT_GT(result.aggregate.requests, 4000u);
  EXPECT_LT(result.aggregate.requests, 8000u);
}
