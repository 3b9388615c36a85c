// The engine's HTTP/1.1 client against servers that misbehave: every failure classified by kind
// (connect, read, write, timeout, HTTP status, check) with Locust's notion of failure, and the
// framings a real server may use (keep-alive, Connection: close, chunked, close-delimited, HEAD)
// read correctly, including a kept-alive connection the server closes while the user thinks.
#include "engine_test_support.hpp"

#include "support/nginx_instance.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>
#include <set>

using namespace fp::bench;
using namespace fp::bench::enginetest;
using namespace std::chrono_literals;

namespace {

RunOptions bounded(const std::string& url, Scenario s, std::uint64_t requests, std::uint32_t users = 1) {
  auto options = closed_run(url, std::move(s), users, 100);
  options.max_requests = requests;
  options.run_time = 20s; // a safety net: each of these ends by its request count long before
  options.threads = 1;
  return options;
}

std::string only_error(const RunResult& result) {
  if (result.errors.size() != 1) return "(" + std::to_string(result.errors.size()) + " distinct errors)";
  return result.errors.begin()->first.error;
}

} // namespace

TEST(HttpConnection, StatusFailuresAsLocustDefinesThem) {
  fp::test::NginxInstance nginx;
  const RunResult result = run(bounded(nginx.url(), scenario({task({request("GET", "/status/503")}),
                                                              task({request("GET", "/static")})}),
                                       40, 2));
  const auto& failing = stats_of(result, "GET", "/status/503");
  const auto& fine = stats_of(result, "GET", "/static");
  EXPECT_EQ(failing.requests + fine.requests, 40u);
  EXPECT_EQ(failing.failures, failing.requests);
  EXPECT_EQ(fine.failures, 0u);
  EXPECT_EQ(failures_of(result, FailureKind::http_status), failing.requests);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors.begin()->first.name, "/status/503");
  EXPECT_NE(result.errors.begin()->first.error.find("503"), std::string::npos) << result.errors.begin()->first.error;
}

TEST(HttpConnection, FailedChecksAreTheirOwnKind) {
  fp::test::NginxInstance nginx;
  Scenario s = get_only("/static");
  s.tasks[0].requests[0].check.body_contains = "not in the body";
  const RunResult result = run(bounded(nginx.url(), s, 5));
  EXPECT_EQ(result.aggregate.failures, 5u);
  EXPECT_EQ(failures_of(result, FailureKind::check), 5u);

  Scenario expect_404 = get_only("/status/404");
  expect_404.tasks[0].requests[0].check.status_in = {404};
  const RunResult expected = run(bounded(nginx.url(), expect_404, 5));
  EXPECT_EQ(expected.aggregate.failures, 0u);

  Scenario expect_201 = get_only("/static");
  expect_201.tasks[0].requests[0].check.status_in = {201};
  const RunResult unexpected = run(bounded(nginx.url(), expect_201, 5));
  EXPECT_EQ(failures_of(unexpected, FailureKind::http_status), 5u);
}

TEST(HttpConnection, RefusedConnectsAreConnectFailures) {
  const unsigned short nobody = fp::test::free_port();
  const auto started = std::chrono::steady_clock::now();
  const RunResult result = run(bounded("http://127.0.0.1:" + std::to_string(nobody), get_only("/"), 50));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(result.aggregate.requests, 50u);
  EXPECT_EQ(failures_of(result, FailureKind::connect), 50u);
  EXPECT_NE(only_error(result).find("connect: Connection refused"), std::string::npos) << only_error(result);
}

TEST(HttpConnection, ResetsAreReadFailures) {
  ScriptedServer server([](const SeenRequest&, std::size_t) { return misbehave(Reply::Kind::reset); });
  const RunResult result = run(bounded(server.url(), get_only("/reset"), 10));
  EXPECT_EQ(failures_of(result, FailureKind::read), 10u);
  EXPECT_NE(only_error(result).find("read: Connection reset by peer"), std::string::npos) << only_error(result);
  EXPECT_EQ(server.connections(), 10u); // a failed connection is never reused
}

TEST(HttpConnection, ClosesAndBrokenResponsesAreReadFailures) {
  ScriptedServer closes([](const SeenRequest&, std::size_t) { return misbehave(Reply::Kind::close); });
  RunResult result = run(bounded(closes.url(), get_only("/close"), 5));
  EXPECT_EQ(failures_of(result, FailureKind::read), 5u);
  EXPECT_EQ(only_error(result), "read: connection closed before any response");

  ScriptedServer partial([](const SeenRequest&, std::size_t) { return misbehave(Reply::Kind::partial); });
  result = run(bounded(partial.url(), get_only("/partial"), 5));
  EXPECT_EQ(failures_of(result, FailureKind::read), 5u);
  EXPECT_EQ(only_error(result), "read: connection closed before the response was complete");

  ScriptedServer garbage([](const SeenRequest&, std::size_t) { return misbehave(Reply::Kind::garbage); });
  result = run(bounded(garbage.url(), get_only("/garbage"), 5));
  EXPECT_EQ(failures_of(result, FailureKind::read), 5u);
  EXPECT_NE(only_error(result).find("read: invalid HTTP response"), std::string::npos) << only_error(result);
}

TEST(HttpConnection, StallsAreTimeouts) {
  ScriptedServer server([](const SeenRequest&, std::size_t) { return misbehave(Reply::Kind::stall); });
  auto options = bounded(server.url(), get_only("/stall"), 3);
  options.request_timeout = 300ms;
  const auto started = std::chrono::steady_clock::now();
  const RunResult result = run(options);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(failures_of(result, FailureKind::timeout), 3u);
  EXPECT_EQ(only_error(result), "timeout after 300ms");
  // Each timed out after 300 ms (the deadline check is lazy but never early).
  EXPECT_GE(result.aggregate.latency.min(), 299'000u);
  EXPECT_LT(result.aggregate.latency.max(), 2'000'000u);
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 10s);
}

TEST(HttpConnection, SlowButInTimeIsNoTimeout) {
  ScriptedServer server([](const SeenRequest&, std::size_t) {
    Reply reply;
    reply.delay = 150ms;
    return reply;
  });
  auto options = bounded(server.url(), get_only("/slow"), 4);
  options.request_timeout = 1s;
  const RunResult result = run(options);
  EXPECT_EQ(result.aggregate.failures, 0u);
  EXPECT_GE(result.aggregate.latency.min(), 149'000u);
  EXPECT_EQ(server.connections(), 1u); // one keep-alive connection for all of them
}

TEST(HttpConnection, EveryFramingIsRead) {
  const std::string body(3000, 'b');
  ScriptedServer server([&body](const SeenRequest& seen, std::size_t) {
    Reply reply;
    reply.body = body;
    if (seen.target == "/chunked") reply.chunked = true;
    if (seen.target == "/close-delimited") reply.close_delimited = true;
    if (seen.target == "/connection-close") reply.connection_close = true;
    if (seen.method == "HEAD") reply.head_length = 12345;
    return reply;
  });
  for (const std::string path : {"/length", "/chunked", "/close-delimited", "/connection-close"}) {
    const RunResult result = run(bounded(server.url(), get_only(path), 6));
    EXPECT_EQ(result.aggregate.failures, 0u) << path << ": " << only_error(result);
    EXPECT_EQ(result.aggregate.content_bytes, 6u * body.size()) << path;
  }
  const RunResult head = run(bounded(server.url(), scenario({task({request("HEAD", "/head")})}), 6));
  EXPECT_EQ(head.aggregate.failures, 0u) << only_error(head);
  EXPECT_EQ(head.aggregate.content_bytes, 0u);
  // Keep-alive where the server allows it: /length and /chunked and /head on one connection each;
  // /close-delimited and /connection-close on a new connection per request.
  EXPECT_EQ(server.connections(), 1u + 1u + 6u + 6u + 1u);
}

TEST(HttpConnection, AKeptAliveConnectionClosedDuringThinkTimeIsReplacedQuietly) {
  ScriptedServer server([](const SeenRequest&, std::size_t) {
    Reply reply;
    reply.close_idle_after = 50ms; // as a server's keep-alive timeout would, without saying so
    return reply;
  });
  const RunResult result = run(bounded(server.url(), get_only("/idle", think(ThinkTime::Kind::constant, 0.2)), 5));
  EXPECT_EQ(result.aggregate.failures, 0u) << only_error(result);
  EXPECT_EQ(server.connections(), 5u);
}

TEST(HttpConnection, CapturedValuesFlowIntoLaterRequests) {
  ScriptedServer server([](const SeenRequest& seen, std::size_t index) {
    Reply reply;
    if (seen.method == "POST") reply.body = R"({"order":{"_id":"id)" + std::to_string(index) + R"("}})";
    return reply;
  });
  RequestSpec create = request("POST", "/orders", R"({"product":"x"})");
  create.captures.push_back(Capture{"order_id", "order._id"});
  RequestSpec read = request("GET", "/orders/{{order_id}}");
  read.name = "/orders/[id]";
  const RunResult result = run(bounded(server.url(), scenario({task({create, read})}), 10));
  EXPECT_EQ(result.aggregate.failures, 0u) << only_error(result);
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 10u);
  for (std::size_t i = 0; i + 1 < seen.size(); i += 2) {
    EXPECT_EQ(seen[i].method, "POST");
    EXPECT_EQ(seen[i].body, R"({"product":"x"})");
    EXPECT_EQ(seen[i + 1].target, "/orders/id" + std::to_string(i));
  }
  EXPECT_EQ(stats_of(result, "GET", "/orders/[id]").requests, 5u);
}

TEST(HttpConnection, AVariableNobodyCapturedFailsTheTaskNotTheRun) {
  ScriptedServer server([](const SeenRequest&, std::size_t) { return Reply{}; });
  RequestSpec read = request("GET", "/orders/{{order_id}}");
  const RunResult result = run(bounded(server.url(), scenario({task({read, request("GET", "/after")})}), 4));
  EXPECT_EQ(result.aggregate.requests, 4u);
  EXPECT_EQ(failures_of(result, FailureKind::check), 4u);
  EXPECT_NE(only_error(result).find("order_id"), std::string::npos) << only_error(result);
  EXPECT_TRUE(server.requests().empty()); // the task ended at the request it could not build
}
