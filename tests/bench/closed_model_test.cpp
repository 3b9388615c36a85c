// Locust's closed model, timed against a server that records when each request arrived on which
// connection: users start at the spawn rate (one connection each), run on_start once, then
// task → think time → task with Locust's wait functions; the users summary says how many were
// reached, when, and for how long. Tolerances are generous: they check semantics, not speed.
#include "engine_test_support.hpp"

#include <gtest/gtest.h>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

using namespace fp::bench;
using namespace fp::bench::enginetest;
using namespace std::chrono_literals;

namespace {

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

ScriptedServer answering(std::chrono::milliseconds delay = 0ms) {
  return ScriptedServer([delay](const SeenRequest&, std::size_t) {
    Reply reply;
    reply.delay = delay;
    return reply;
  });
}

// The times between one connection's consecutive requests, over all connections, in seconds.
std::vector<double> gaps(const std::vector<SeenRequest>& seen) {
  std::map<std::size_t, std::vector<SteadyTime>> by_connection;
  for (const SeenRequest& request : seen) by_connection[request.connection].push_back(request.at);
  std::vector<double> result;
  for (const auto& [connection, times] : by_connection) {
    for (std::size_t i = 1; i < times.size(); ++i) result.push_back(seconds(times[i] - times[i - 1]));
  }
  return result;
}

} // namespace

TEST(ClosedModel, UsersStartAtTheSpawnRateEachOnItsOwnConnection) {
  ScriptedServer server([](const SeenRequest&, std::size_t) { return Reply{}; });
  auto options = closed_run(server.url(), get_only("/", think(ThinkTime::Kind::constant, 10)), 10, 5);
  options.threads = 2;
  options.run_time = 3s;
  const RunResult result = run(options);

  // One connection per user; each user's first request when it was spawned: k / 5 s.
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 10u); // 10 s of think time: one request each
  std::map<std::size_t, SteadyTime> first;
  for (const SeenRequest& request : seen) first.emplace(request.connection, request.at);
  ASSERT_EQ(first.size(), 10u);
  std::vector<SteadyTime> starts;
  for (const auto& [connection, at] : first) starts.push_back(at);
  std::sort(starts.begin(), starts.end());
  for (std::size_t k = 0; k < starts.size(); ++k)
    EXPECT_NEAR(seconds(starts[k] - starts[0]), 0.2 * static_cast<double>(k), 0.15) << "user " << k;

  EXPECT_EQ(result.users.target, 10u);
  EXPECT_EQ(result.users.peak, 10u);
  EXPECT_NEAR(seconds(result.users.peak_reached_after), 1.8, 0.3);
  EXPECT_NEAR(seconds(result.users.peak_held_for), 1.2, 0.4);
  EXPECT_TRUE(result.warnings.empty() || result.warnings.front().find("generator") != std::string::npos);
}

TEST(ClosedModel, ARampLongerThanTheRunTimeIsReportedAndCounted) {
  ScriptedServer server([](const SeenRequest&, std::size_t) { return Reply{}; });
  auto options = closed_run(server.url(), get_only("/", think(ThinkTime::Kind::constant, 10)), 100, 10);
  options.run_time = 1500ms;
  CollectingObserver observer;
  const RunResult result = run(options, &observer);
  ASSERT_FALSE(observer.warnings.empty());
  EXPECT_NE(observer.warnings.front().find("100 users at 10/s"), std::string::npos) << observer.warnings.front();
  EXPECT_EQ(result.warnings.front(), observer.warnings.front());
  EXPECT_GE(result.users.peak, 14u);
  EXPECT_LE(result.users.peak, 16u);
  EXPECT_EQ(result.users.target, 100u);
}

TEST(ClosedModel, BetweenThinkTimeIsUniformOverItsRange) {
  auto server = answering();
  auto options = closed_run(server.url(), get_only("/", think(ThinkTime::Kind::between, 0.1, 0.3)), 6, 100);
  options.threads = 2;
  options.run_time = 4s;
  run(options);
  const auto measured = gaps(server.requests());
  ASSERT_GT(measured.size(), 60u);
  const double mean = std::accumulate(measured.begin(), measured.end(), 0.0) / static_cast<double>(measured.size());
  const auto [low, high] = std::minmax_element(measured.begin(), measured.end());
  EXPECT_GE(*low, 0.099);
  EXPECT_LE(*high, 0.4); // 0.3 at most, plus whatever a loaded machine adds
  EXPECT_NEAR(mean, 0.2, 0.03);
  const auto below = std::count_if(measured.begin(), measured.end(), [](double gap) { return gap < 0.2; });
  EXPECT_NEAR(static_cast<double>(below) / static_cast<double>(measured.size()), 0.5, 0.15);
}

TEST(ClosedModel, ConstantPacingCountsTheTaskTime) {
  auto server = answering(100ms);
  auto options = closed_run(server.url(), get_only("/", think(ThinkTime::Kind::constant_pacing, 0.3)), 2, 100);
  options.run_time = 2500ms;
  run(options);
  // A task of 100 ms followed by a 200 ms wait: one request every 300 ms, start to start (a wait
  // that ignored the task's time would make it 400 ms).
  auto measured = gaps(server.requests());
  ASSERT_GE(measured.size(), 8u);
  std::sort(measured.begin(), measured.end());
  EXPECT_NEAR(measured[measured.size() / 2], 0.3, 0.03);
  const auto close =
    std::count_if(measured.begin(), measured.end(), [](double gap) { return std::abs(gap - 0.3) < 0.05; });
  EXPECT_GE(static_cast<double>(close), 0.8 * static_cast<double>(measured.size()));
}

TEST(ClosedModel, OnStartRunsOnceBeforeTheTasks) {
  auto server = answering();
  auto options = closed_run(server.url(),
                            scenario({task({request("GET", "/work")})}, think(ThinkTime::Kind::constant, 0.05),
                                     {request("POST", "/login", R"({"user":"u"})")}),
                            3, 100);
  options.run_time = 1s;
  const RunResult result = run(options);
  std::map<std::size_t, std::vector<std::string>> by_connection;
  for (const SeenRequest& request : server.requests()) by_connection[request.connection].push_back(request.target);
  ASSERT_EQ(by_connection.size(), 3u);
  for (const auto& [connection, targets] : by_connection) {
    ASSERT_GE(targets.size(), 3u);
    EXPECT_EQ(targets.front(), "/login");
    EXPECT_EQ(std::count(targets.begin(), targets.end(), "/login"), 1);
  }
  EXPECT_EQ(stats_of(result, "POST", "/login").requests, 3u);
}

TEST(ClosedModel, TasksAreDrawnByWeight) {
  auto server = answering();
  const auto weighted = scenario({task({request("GET", "/heavy")}, 3), task({request("GET", "/light")}, 1)});
  auto options = closed_run(server.url(), weighted, 4, 100);
  options.max_requests = 4000;
  options.run_time = 30s;
  const RunResult result = run(options);
  const double heavy = static_cast<double>(stats_of(result, "GET", "/heavy").requests);
  EXPECT_EQ(result.aggregate.requests, 4000u);
  EXPECT_NEAR(heavy / 4000.0, 0.75, 0.03);
}

TEST(ClosedModel, TheSameSeedMakesTheSameChoices) {
  const auto targets = [](std::uint64_t seed) {
    ScriptedServer server([](const SeenRequest&, std::size_t) { return Reply{}; });
    const auto two = scenario({task({request("GET", "/a")}), task({request("GET", "/b")})});
    auto options = closed_run(server.url(), two, 1, 100);
    options.max_requests = 50;
    options.run_time = 30s;
    options.seed = seed;
    run(options);
    std::string sequence;
    for (const SeenRequest& request : server.requests()) sequence += request.target;
    return sequence;
  };
  EXPECT_EQ(targets(7), targets(7));
  EXPECT_NE(targets(7), targets(8));
}
