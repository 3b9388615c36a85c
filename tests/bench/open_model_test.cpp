// The open model against real servers: arrivals on schedule whatever the latency, latency from the
// intended start (a server that pauses shows in the corrected p99 but not in the uncorrected one —
// the coordinated-omission test), ramps, and arrivals that start late or never, counted.
#include "engine_test_support.hpp"

#include "support/nginx_instance.hpp"

#include <gtest/gtest.h>

using namespace fp::bench;
using namespace fp::bench::enginetest;
using namespace std::chrono_literals;

TEST(OpenModel, APauseOfTheServerShowsInTheCorrectedLatencyOnly) {
  // 300 arrivals/s over 2 connections; the 300th request (about 1 s in) pauses the whole server
  // for 1 s. The two requests it holds see the pause either way; the ~300 arrivals due meanwhile
  // queue for a connection and are answered at once afterwards: short from their actual send,
  // long from their intended one. The margins leave room for a loaded machine's own stalls.
  ScriptedServer server([](const SeenRequest&, std::size_t index) {
    Reply reply;
    if (index == 300) reply.pause_all = 1000ms;
    return reply;
  });
  auto options = open_run(server.url(), get_only("/"), 300, 2);
  options.threads = 1;
  options.run_time = 3500ms;
  const RunResult result = run(options);
  EXPECT_EQ(result.aggregate.failures, 0u);
  EXPECT_NEAR(static_cast<double>(result.aggregate.requests), 1050, 15);
  const auto corrected_p99 = result.aggregate.latency.value_at_quantile(0.99);
  const auto uncorrected_p99 = result.aggregate.uncorrected.value_at_quantile(0.99);
  EXPECT_GE(corrected_p99, 500'000u) << "uncorrected p99 " << uncorrected_p99;
  EXPECT_LT(uncorrected_p99, 250'000u) << "corrected p99 " << corrected_p99;
  EXPECT_GE(result.aggregate.latency.max(), 900'000u);
  EXPECT_GE(result.aggregate.uncorrected.max(), 900'000u); // the two requests the pause held
  EXPECT_GE(result.generator.late_starts, 200u);
  EXPECT_EQ(result.generator.dropped_starts, 0u);
}

TEST(OpenModel, ArrivalsFollowTheRateWhateverTheLatency) {
  ScriptedServer server([](const SeenRequest&, std::size_t) {
    Reply reply;
    reply.delay = 50ms; // 10 connections at 50 ms each could carry 200/s: 100/s needs 5
    return reply;
  });
  auto options = open_run(server.url(), get_only("/"), 100, 10);
  options.threads = 2;
  options.run_time = 2s;
  const RunResult result = run(options);
  EXPECT_NEAR(static_cast<double>(result.aggregate.requests), 200, 3);
  EXPECT_EQ(result.aggregate.failures, 0u);
  EXPECT_GE(result.aggregate.latency.min(), 49'000u);
  EXPECT_EQ(result.generator.dropped_starts, 0u);
  // Spread evenly: arrivals 10 ms apart, each on a connection of its own thread's pool.
  const auto seen = server.requests();
  ASSERT_GE(seen.size(), 190u);
  const double span = std::chrono::duration<double>(seen.back().at - seen.front().at).count();
  EXPECT_NEAR(span, 1.99, 0.1);
  EXPECT_LE(server.connections(), 10u);
}

TEST(OpenModel, RampingArrivalRate) {
  fp::test::NginxInstance nginx;
  auto options = open_run(nginx.url(), get_only("/static"), 0, 8);
  auto& model = std::get<OpenModel>(options.model);
  model.stages = {{400, 2s}}; // 0 → 400/s over 2 s: 400 arrivals, a quarter of them in the first second
  options.run_time = 2s;
  const RunResult result = run(options);
  EXPECT_NEAR(static_cast<double>(result.aggregate.requests), 400, 6);
  ASSERT_GE(result.timeline.size(), 2u);
  EXPECT_NEAR(static_cast<double>(result.timeline[0].requests), 100, 20);
  EXPECT_NEAR(static_cast<double>(result.timeline[1].requests), 300, 20);
}

TEST(OpenModel, ArrivalsThatNeverStartAreCountedNotDropped) {
  ScriptedServer server([](const SeenRequest&, std::size_t) { return misbehave(Reply::Kind::stall); });
  auto options = open_run(server.url(), get_only("/"), 100, 2);
  options.threads = 1;
  options.run_time = 1s;
  options.request_timeout = 500ms;
  CollectingObserver observer;
  const RunResult result = run(options, &observer);
  // Each connection times out after 500 ms and takes the next waiting arrival: about 4 requests,
  // all timeouts; the other ~96 arrivals waited for a connection until the end.
  EXPECT_EQ(result.aggregate.requests, result.aggregate.failures);
  EXPECT_EQ(failures_of(result, FailureKind::timeout), result.aggregate.failures);
  EXPECT_GE(result.aggregate.requests, 2u);
  EXPECT_LE(result.aggregate.requests, 6u);
  EXPECT_GE(result.generator.dropped_starts, 90u);
  EXPECT_LE(result.generator.dropped_starts + result.aggregate.requests, 102u);
  bool warned = false;
  for (const auto& warning : observer.warnings) warned = warned || warning.find("never started") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(OpenModel, OnStartRunsOncePerConnection) {
  ScriptedServer server([](const SeenRequest&, std::size_t) { return Reply{}; });
  auto options = open_run(server.url(),
                          scenario({task({request("GET", "/task")})}, {}, {request("GET", "/setup")}), 200, 3);
  options.threads = 1;
  options.max_requests = 60;
  const RunResult result = run(options);
  EXPECT_EQ(result.aggregate.requests, 60u);
  const auto setups = stats_of(result, "GET", "/setup").requests;
  EXPECT_GE(setups, 1u);
  EXPECT_LE(setups, 3u);
  EXPECT_EQ(setups, server.connections());
}
