#include "thresholds.hpp"

#include <gtest/gtest.h>

using namespace fp::bench;
using namespace std::chrono_literals;
using Sense = Threshold::Sense;

namespace {

Threshold parse(std::string_view text, Sense sense = Sense::fail_when_false) {
  auto parsed = parse_threshold(text, sense);
  EXPECT_TRUE(parsed) << text << ": " << (parsed ? "" : parsed.error());
  return parsed ? *parsed : Threshold{};
}

std::string parse_error(std::string_view text) {
  auto parsed = parse_threshold(text, Sense::fail_when_true);
  EXPECT_FALSE(parsed) << text << " was accepted";
  return parsed ? "" : parsed.error();
}

// GET /orders: 100 requests of 1..100 ms, 2 failed; POST /orders: 50 of 200 ms; 10 s run.
RunResult result_fixture() {
  RunResult result;
  result.keys = {{"GET", "/orders"}, {"POST", "/orders"}, {"GET", "/orders/[id]"}};
  StatsRecorder recorder(3);
  for (int ms = 1; ms <= 100; ++ms) {
    const auto latency = std::chrono::microseconds(ms * 1000);
    if (ms > 98) recorder.record_failure(0, latency, latency, FailureKind::http_status, "HTTP 503");
    else recorder.record(0, latency, latency, 10);
  }
  for (int i = 0; i < 50; ++i) recorder.record(1, 200ms, 200ms, 10);
  merge_recorders({&recorder}, result);
  result.elapsed = 10s;
  return result;
}

std::vector<Breach> evaluate(std::initializer_list<std::pair<std::string_view, Sense>> specs) {
  std::vector<Threshold> thresholds;
  for (const auto& [text, sense] : specs) thresholds.push_back(parse(text, sense));
  return evaluate_thresholds(thresholds, result_fixture());
}

bool passes(std::string_view text, Sense sense = Sense::fail_when_false) { return evaluate({{text, sense}}).empty(); }

} // namespace

TEST(ParseThreshold, ReadsMetricOperatorValueAndScope) {
  auto t = parse("p95<500ms");
  EXPECT_FALSE(t.scope);
  EXPECT_EQ(t.metric, "p95");
  EXPECT_EQ(t.op, "<");
  EXPECT_DOUBLE_EQ(t.value, 500'000); // µs
  EXPECT_EQ(t.source, "p95<500ms");
  EXPECT_EQ(t.sense, Sense::fail_when_false);

  t = parse("  GET /orders/[id] : p99.9 >= 1.5s ", Sense::fail_when_true);
  ASSERT_TRUE(t.scope);
  EXPECT_EQ(t.scope->method, "GET");
  EXPECT_EQ(t.scope->name, "/orders/[id]");
  EXPECT_EQ(t.metric, "p99.9");
  EXPECT_EQ(t.op, ">=");
  EXPECT_DOUBLE_EQ(t.value, 1'500'000);
  EXPECT_EQ(t.sense, Sense::fail_when_true);

  EXPECT_DOUBLE_EQ(parse("failure_rate<1%").value, 0.01);
  EXPECT_DOUBLE_EQ(parse("failure_rate<=0.05").value, 0.05);
  EXPECT_EQ(parse("fail_ratio==0").metric, "failure_rate");
  EXPECT_DOUBLE_EQ(parse("failures>0").value, 0);
  EXPECT_DOUBLE_EQ(parse("requests>=10k").value, 10'000);
  EXPECT_DOUBLE_EQ(parse("rps>=250.5").value, 250.5);
  EXPECT_DOUBLE_EQ(parse("avg<250us").value, 250);
  EXPECT_DOUBLE_EQ(parse("MAX<2s").value, 2'000'000);
  EXPECT_EQ(parse("Aggregated:min>1ms").scope, std::nullopt);
  EXPECT_EQ(parse("GET http://host/x:p50<1s").scope->name, "http://host/x"); // a name may hold ':'
  for (const char* metric : {"p50", "p66", "p75", "p80", "p90", "p95", "p98", "p99", "p99.9", "p99.99", "p100"}) {
    EXPECT_EQ(parse(std::string(metric) + "<1s").metric, metric);
  }
}

TEST(ParseThreshold, ErrorsSayWhatToWrite) {
  EXPECT_NE(parse_error("p95<500").find("a duration needs a unit: write e.g. 'p95<500ms'"), std::string::npos);
  EXPECT_NE(parse_error("p96.5x<1s").find("unknown metric 'p96.5x'; write one of failures, failure_rate"),
            std::string::npos);
  EXPECT_NE(parse_error("latency<1s").find("unknown metric 'latency'"), std::string::npos);
  EXPECT_NE(parse_error("failures=0").find("write '==' to compare for equality"), std::string::npos);
  EXPECT_NE(parse_error("failures!=0").find("'!=' is not supported"), std::string::npos);
  EXPECT_NE(parse_error("failures=>0").find("unknown comparison '=>'"), std::string::npos);
  EXPECT_NE(parse_error("p95").find("no comparison; write [METHOD NAME:]METRIC OP VALUE"), std::string::npos);
  EXPECT_NE(parse_error("<5").find("no metric"), std::string::npos);
  EXPECT_NE(parse_error("p95<").find("no value after '<'"), std::string::npos);
  EXPECT_NE(parse_error("failure_rate<5").find("a fraction from 0 to 1 or a percentage"), std::string::npos);
  EXPECT_NE(parse_error("failure_rate<150%").find("failure_rate<1%"), std::string::npos);
  EXPECT_NE(parse_error("failures>1.5").find("failures is a count of requests"), std::string::npos);
  EXPECT_NE(parse_error("rps>fast").find("rps is requests per second"), std::string::npos);
  EXPECT_NE(parse_error("/orders:p95<1s").find("must be a METHOD and a NAME"), std::string::npos);
  EXPECT_NE(parse_error("get /orders:p95<1s").find("must be a METHOD and a NAME"), std::string::npos);
  EXPECT_NE(parse_error("p95<-1ms").find("'p95<-1ms'"), std::string::npos); // errors quote the input
}

TEST(EvaluateThresholds, EachMetricOnTheAggregate) {
  // Aggregate: 150 requests, 2 failures, 15 rps; latencies 1..100 ms and 50 x 200 ms.
  EXPECT_TRUE(passes("requests==150"));
  EXPECT_FALSE(passes("requests>150"));
  EXPECT_TRUE(passes("failures<=2"));
  EXPECT_FALSE(passes("failures==0"));
  EXPECT_TRUE(passes("failure_rate<1.5%"));
  EXPECT_FALSE(passes("failure_rate<1.3%"));
  EXPECT_TRUE(passes("rps>=15"));
  EXPECT_FALSE(passes("rps>15"));
  EXPECT_TRUE(passes("min==1ms"));
  EXPECT_TRUE(passes("max==200ms"));
  EXPECT_TRUE(passes("avg>100ms")); // (5050 + 10000) / 150 = 100.33 ms
  EXPECT_FALSE(passes("avg>101ms"));
  EXPECT_TRUE(passes("p50<80ms"));  // rank 75 of 150: 76 ms
  EXPECT_FALSE(passes("p50<70ms"));
  EXPECT_TRUE(passes("p66>=99ms")); // rank 99: 100 ms
  EXPECT_TRUE(passes("p75>150ms")); // rank 112: 200 ms
  for (const char* p : {"p80", "p90", "p95", "p98", "p99", "p99.9", "p99.99", "p100"}) {
    EXPECT_TRUE(passes(std::string(p) + ">199ms")) << p;
    EXPECT_FALSE(passes(std::string(p) + "<199ms")) << p;
  }
}

TEST(EvaluateThresholds, PerNameScopeAndSense) {
  EXPECT_TRUE(passes("GET /orders:failures==2"));
  EXPECT_TRUE(passes("POST /orders:failures==0"));
  EXPECT_TRUE(passes("POST /orders:p99<=200ms"));
  EXPECT_TRUE(passes("GET /orders:p99<=100ms"));
  EXPECT_FALSE(passes("GET /orders:p50>60ms")); // 51 ms for this name alone
  EXPECT_TRUE(passes("GET /orders:failure_rate==2%"));
  EXPECT_TRUE(passes("GET /orders:rps==10"));

  // --fail-on: the run fails when the expression holds.
  EXPECT_FALSE(passes("failures>0", Sense::fail_when_true));
  EXPECT_TRUE(passes("POST /orders:failures>0", Sense::fail_when_true));
  const auto breaches = evaluate({{"GET /orders:failures>0", Sense::fail_when_true},
                                  {"p95<100ms", Sense::fail_when_false},
                                  {"POST /orders:p95<1s", Sense::fail_when_false}});
  ASSERT_EQ(breaches.size(), 2u);
  EXPECT_EQ(breaches[0].threshold, "GET /orders:failures>0");
  EXPECT_EQ(breaches[0].observed, "GET /orders: failures = 2");
  EXPECT_EQ(breaches[1].threshold, "p95<100ms");
  EXPECT_EQ(breaches[1].observed, "p95 = 200ms");
}

TEST(EvaluateThresholds, UnknownNamesAndEmptyStatsNeverPassSilently) {
  // A misspelt name is a breach whatever the sense (k6's silently ignored thresholds, #1526).
  for (auto sense : {Sense::fail_when_true, Sense::fail_when_false}) {
    const auto breaches = evaluate({{"GET /order:failures>0", sense}});
    ASSERT_EQ(breaches.size(), 1u);
    EXPECT_NE(breaches[0].observed.find("no requests named 'GET /order'"), std::string::npos);
    EXPECT_NE(breaches[0].observed.find("GET /orders, POST /orders, GET /orders/[id]"), std::string::npos);
  }
  // A key that saw no requests: its latency is undefined, so a required bound cannot be met...
  const auto breaches = evaluate({{"GET /orders/[id]:p95<1s", Sense::fail_when_false}});
  ASSERT_EQ(breaches.size(), 1u);
  EXPECT_EQ(breaches[0].observed, "GET /orders/[id]: p95 = undefined, no requests");
  // ...and a --fail-on condition on it does not fire; its counts are zeros.
  EXPECT_TRUE(passes("GET /orders/[id]:p95>1s", Sense::fail_when_true));
  EXPECT_TRUE(passes("GET /orders/[id]:requests==0"));
  EXPECT_TRUE(passes("GET /orders/[id]:failure_rate==0"));
}
