// The engine's pure parts: the target URL, request bytes, the open model's schedule, the
// generator's verdict on itself, and the event loop's timers.
#include "event_loop.hpp"
#include "http_connection.hpp"
#include "open_model.hpp"
#include "self_monitor.hpp"
#include "target_url.hpp"

#include "engine_test_support.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

using namespace fp::bench;
using namespace std::chrono_literals;
namespace et = fp::bench::enginetest;

namespace {

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

} // namespace

TEST(TargetUrl, HostPortAndPrefix) {
  auto target = parse_target("http://127.0.0.1:8080");
  ASSERT_TRUE(target) << target.error();
  EXPECT_EQ(target->host, "127.0.0.1");
  EXPECT_EQ(target->port, 8080);
  EXPECT_EQ(target->host_header, "127.0.0.1:8080");
  EXPECT_EQ(target->path_prefix, "");

  target = parse_target("HTTP://example.com/api/v1/");
  ASSERT_TRUE(target) << target.error();
  EXPECT_EQ(target->port, 80);
  EXPECT_EQ(target->host_header, "example.com");
  EXPECT_EQ(target->path_prefix, "/api/v1");
  EXPECT_EQ(target->base_url(), "http://example.com:80/api/v1");

  target = parse_target("http://[::1]:9000/x");
  ASSERT_TRUE(target) << target.error();
  EXPECT_EQ(target->host, "::1");
  EXPECT_EQ(target->host_header, "[::1]:9000");
}

TEST(TargetUrl, RefusesWhatItCannotDo) {
  const auto https = parse_target("https://127.0.0.1:8443");
  ASSERT_FALSE(https);
  EXPECT_NE(https.error().find("https is not supported yet"), std::string::npos) << https.error();
  for (const char* bad : {"ftp://host", "127.0.0.1:80", "http://", "http://:80", "http://h:0", "http://h:70000",
                          "http://h:8x", "http://h:", "http://h/p?q=1", "http://user:pw@h/", "http://[::1"}) {
    EXPECT_FALSE(parse_target(bad)) << bad;
  }
}

TEST(TargetUrl, ResolvesOnceAndPrefersIpv4) {
  auto target = parse_target("http://localhost:1");
  ASSERT_TRUE(target);
  ASSERT_TRUE(resolve_target(*target));
  EXPECT_GT(target->address_length, 0u);
  EXPECT_EQ(target->address.ss_family, AF_INET);

  auto unknown = parse_target("http://no-such-host.invalid:80");
  ASSERT_TRUE(unknown);
  const auto resolved = resolve_target(*unknown);
  ASSERT_FALSE(resolved);
  EXPECT_NE(resolved.error().find("cannot resolve"), std::string::npos);
}

TEST(RunLoad, HttpsIsAClearError) {
  const auto s = et::scenario({et::task({et::request("GET", "/")})});
  auto options = et::closed_run("https://127.0.0.1:8443", s, 1, 1);
  options.max_requests = 1;
  et::CollectingObserver observer;
  const std::atomic<bool> stop{false};
  const auto result = run_load(options, observer, stop);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().find("https is not supported yet"), std::string::npos) << result.error();
}

TEST(RunLoad, RefusesRunsThatWouldNotEnd) {
  const auto s = et::scenario({et::task({et::request("GET", "/")})});
  et::CollectingObserver observer;
  const std::atomic<bool> stop{false};
  auto unbounded = et::closed_run("http://127.0.0.1:9", s, 1, 1);
  EXPECT_FALSE(run_load(unbounded, observer, stop)); // neither run_time nor max_requests
  auto no_users = et::closed_run("http://127.0.0.1:9", s, 0, 1);
  no_users.run_time = 1s;
  EXPECT_FALSE(run_load(no_users, observer, stop));
  auto zero_rate = et::open_run("http://127.0.0.1:9", s, 0, 4);
  zero_rate.run_time = 1s;
  EXPECT_FALSE(run_load(zero_rate, observer, stop));
  auto no_tasks = et::closed_run("http://127.0.0.1:9", et::scenario({}), 1, 1);
  no_tasks.run_time = 1s;
  EXPECT_FALSE(run_load(no_tasks, observer, stop));
}

TEST(RequestBytes, LiteralRequestsAreFormattedOnce) {
  auto target = parse_target("http://127.0.0.1:8080/api");
  ASSERT_TRUE(target);
  RenderedRequest get{"GET", "/orders", {}, std::nullopt};
  std::string bytes;
  append_request_bytes(bytes, get, *target);
  EXPECT_EQ(bytes, "GET /api/orders HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: fpctl-bench\r\n\r\n");

  RenderedRequest post{"POST", "/orders", {{"X-Trace", "1"}, {"Content-Length", "999"}}, std::string(R"({"a":1})")};
  bytes.clear();
  append_request_bytes(bytes, post, *target);
  EXPECT_EQ(bytes, "POST /api/orders HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: fpctl-bench\r\nX-Trace: 1\r\n"
                   "Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}");

  RenderedRequest own_host{"GET", "/", {{"Host", "example.org"}, {"content-type", "text/plain"}}, std::string("x")};
  bytes.clear();
  append_request_bytes(bytes, own_host, *target);
  EXPECT_EQ(bytes, "GET /api/ HTTP/1.1\r\nUser-Agent: fpctl-bench\r\nHost: example.org\r\ncontent-type: text/plain\r\n"
                   "Content-Length: 1\r\n\r\nx");
}

TEST(ArrivalSchedule, ConstantRate) {
  OpenModel model;
  model.start_rate = 100;
  const ArrivalSchedule schedule(model);
  EXPECT_EQ(schedule.due(0), 0ns);
  EXPECT_NEAR(seconds(*schedule.due(1)), 0.01, 1e-9);
  EXPECT_NEAR(seconds(*schedule.due(100)), 1.0, 1e-9);
  EXPECT_NEAR(seconds(*schedule.due(12345)), 123.45, 1e-6);
  EXPECT_NEAR(schedule.expected(2s), 200, 1e-9);
}

TEST(ArrivalSchedule, RampsAreLinearAndInvertible) {
  OpenModel model;
  model.start_rate = 0;
  model.stages = {{100, 10s}, {100, 5s}, {0, 10s}}; // up, hold, down
  const ArrivalSchedule schedule(model);
  EXPECT_NEAR(schedule.expected(10s), 500, 1e-6);
  EXPECT_NEAR(schedule.expected(15s), 1000, 1e-6);
  EXPECT_NEAR(schedule.expected(25s), 1500, 1e-6);
  EXPECT_NEAR(schedule.expected(5s), 125, 1e-6); // a quarter of the ramp's arrivals in its first half
  for (std::uint64_t n : {1u, 10u, 125u, 499u, 500u, 750u, 1001u, 1250u, 1499u}) {
    const auto due = schedule.due(n);
    ASSERT_TRUE(due) << n;
    EXPECT_NEAR(schedule.expected(*due), static_cast<double>(n), 1e-3) << n;
  }
  EXPECT_FALSE(schedule.due(1501)); // the rate ends at 0
  EXPECT_EQ(schedule.final_rate(), 0);
}

TEST(ArrivalSchedule, LastRateHolds) {
  OpenModel model;
  model.start_rate = 10;
  model.stages = {{20, 1s}};
  const ArrivalSchedule schedule(model);
  EXPECT_NEAR(schedule.expected(1s), 15, 1e-9);
  EXPECT_NEAR(seconds(*schedule.due(35)), 2.0, 1e-9); // 15 in the ramp, then 20 per second
}

TEST(GeneratorHealth, CpuAndLagMakeItGeneratorBound) {
  Histogram lag;
  for (int i = 0; i < 1000; ++i) lag.record(200);
  HealthInputs inputs;
  inputs.elapsed = 10s;
  inputs.cores = 1;
  inputs.lag = &lag;
  inputs.cpu = 5s;
  auto health = judge_generator(inputs);
  EXPECT_FALSE(health.generator_bound) << health.reason;
  EXPECT_NEAR(health.cpu_percent, 50, 1e-6);
  EXPECT_EQ(health.p99_loop_lag.count(), 200);

  inputs.cpu = 9'700ms;
  health = judge_generator(inputs);
  EXPECT_TRUE(health.generator_bound);
  EXPECT_NE(health.reason.find("CPU"), std::string::npos) << health.reason;

  inputs.cpu = 9'700ms;
  inputs.cores = 2; // 97 % of two cores is half of them
  EXPECT_FALSE(judge_generator(inputs).generator_bound);

  for (int i = 0; i < 100; ++i) lag.record(50'000);
  inputs.cpu = 1s;
  health = judge_generator(inputs);
  EXPECT_TRUE(health.generator_bound);
  EXPECT_NE(health.reason.find("lag"), std::string::npos) << health.reason;
  EXPECT_GE(health.max_loop_lag.count(), 49'000);
}

namespace {

struct Recorder final : TimerHandler {
  std::vector<std::uint64_t> fired;
  EventLoop* loop = nullptr;
  void on_timer(std::uint64_t token) override {
    fired.push_back(token);
    if (token == 3) {
      // Due at once, yet not run in this pass: the loop must go on to its sockets.
      loop->schedule(EventLoop::now(), *this, 4);
    }
    if (token == 4) loop->stop();
  }
};

} // namespace

TEST(EventLoop, TimersRunInOrderAndLagIsMeasured) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  Recorder recorder;
  recorder.loop = &*loop;
  const auto start = EventLoop::now();
  loop->schedule(start + 30ms, recorder, 3);
  loop->schedule(start + 10ms, recorder, 1);
  loop->schedule(start + 20ms, recorder, 2);
  loop->run();
  EXPECT_EQ(recorder.fired, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_GE(EventLoop::now() - start, 30ms);
  EXPECT_GE(loop->lag().count(), 2u); // the probe ran every 10 ms
}
