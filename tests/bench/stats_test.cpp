#include "stats.hpp"

#include <gtest/gtest.h>
#include <thread>

using namespace fp::bench;
using namespace std::chrono_literals;

namespace {

EndpointStats second_of(std::initializer_list<std::uint64_t> latencies_us, std::uint64_t failures = 0,
                        std::uint64_t bytes_each = 100) {
  EndpointStats stats;
  for (auto us : latencies_us) {
    ++stats.requests;
    stats.content_bytes += bytes_each;
    stats.latency.record(us);
    stats.uncorrected.record(us);
  }
  stats.failures = failures;
  return stats;
}

// What the histogram reports for a sample that is neither the minimum nor the maximum: the middle
// of its bucket.
std::uint64_t rep(std::uint64_t us) {
  const auto bucket = Histogram::bucket_of(us);
  return Histogram::bucket_lowest(bucket) + (Histogram::bucket_highest(bucket) - Histogram::bucket_lowest(bucket)) / 2;
}

} // namespace

TEST(FailureKind, LabelsAreStable) {
  EXPECT_EQ(failure_kind_label(FailureKind::connect), "connect");
  EXPECT_EQ(failure_kind_label(FailureKind::read), "read");
  EXPECT_EQ(failure_kind_label(FailureKind::write), "write");
  EXPECT_EQ(failure_kind_label(FailureKind::timeout), "timeout");
  EXPECT_EQ(failure_kind_label(FailureKind::http_status), "http_status");
  EXPECT_EQ(failure_kind_label(FailureKind::check), "check");
}

TEST(StatsRecorder, CountsRequestsFailuresAndErrorsPerKey) {
  StatsRecorder recorder(2);
  recorder.record(0, 1500us, 1200us, 158);
  recorder.record(0, 2500us, 2500us, 158);
  recorder.record_failure(1, 30ms, 30ms, FailureKind::http_status, "HTTP 503");
  recorder.record_failure(1, 10ms, 10ms, FailureKind::http_status, "HTTP 503");
  recorder.record_failure(1, 5s, 5s, FailureKind::timeout, "timeout after 5s");
  recorder.record(1, -5us, -5us, 0); // a clock step back must not become a huge latency

  const auto& get = recorder.per_key()[0];
  EXPECT_EQ(get.requests, 2u);
  EXPECT_EQ(get.failures, 0u);
  EXPECT_EQ(get.content_bytes, 316u);
  EXPECT_EQ(get.latency.min(), 1500u);
  EXPECT_EQ(get.uncorrected.min(), 1200u);
  const auto& post = recorder.per_key()[1];
  EXPECT_EQ(post.requests, 4u); // failures are requests too, as in Locust
  EXPECT_EQ(post.failures, 3u);
  EXPECT_EQ(post.latency.max(), 5'000'000u);
  EXPECT_EQ(post.latency.min(), 0u);
  EXPECT_EQ((recorder.errors().at({1, "HTTP 503"})), 2u);
  EXPECT_EQ((recorder.errors().at({1, "timeout after 5s"})), 1u);
  EXPECT_EQ(recorder.failures_by_kind().at(FailureKind::http_status), 2u);
  EXPECT_EQ(recorder.failures_by_kind().at(FailureKind::timeout), 1u);

  const auto second = recorder.take_second();
  EXPECT_EQ(second.requests, 6u);
  EXPECT_EQ(second.failures, 3u);
  EXPECT_EQ(second.latency.count(), 6u);
  const auto next = recorder.take_second();
  EXPECT_EQ(next.requests, 0u);
  EXPECT_EQ(next.latency.count(), 0u);
  EXPECT_EQ(recorder.per_key()[0].requests, 2u); // the run's totals are not taken
}

TEST(MergeRecorders, SumsThreadsPerKeyAndNamesErrors) {
  StatsRecorder a(2), b(2);
  a.record(0, 1ms, 1ms, 10);
  b.record(0, 3ms, 3ms, 30);
  b.record(1, 2ms, 2ms, 20);
  a.record_failure(1, 4ms, 4ms, FailureKind::connect, "connect: Connection refused");
  b.record_failure(1, 4ms, 4ms, FailureKind::connect, "connect: Connection refused");

  RunResult result;
  result.keys = {{"GET", "/orders"}, {"POST", "/orders"}};
  merge_recorders({&a, &b}, result);
  ASSERT_EQ(result.per_key.size(), 2u);
  EXPECT_EQ(result.per_key[0].requests, 2u);
  EXPECT_EQ(result.per_key[0].content_bytes, 40u);
  EXPECT_EQ(result.per_key[0].latency.max(), 3000u);
  EXPECT_EQ(result.per_key[1].requests, 3u);
  EXPECT_EQ(result.per_key[1].failures, 2u);
  EXPECT_EQ(result.aggregate.requests, 5u);
  EXPECT_EQ(result.aggregate.failures, 2u);
  EXPECT_EQ(result.aggregate.latency.count(), 5u);
  EXPECT_EQ(result.aggregate.latency.min(), 1000u);
  EXPECT_EQ((result.errors.at({"POST", "/orders", "connect: Connection refused"})), 2u);
  EXPECT_EQ(result.failures_by_kind.at(FailureKind::connect), 2u);
}

TEST(Timeline, CompletesASecondWhenEveryThreadHandedItOver) {
  Timeline timeline(2);
  timeline.add(0, 100, second_of({1000, 2000}), 3);
  EXPECT_FALSE(timeline.latest().has_value());
  timeline.add(1, 100, second_of({3000}, 1), 4);
  ASSERT_TRUE(timeline.latest().has_value());
  const auto first = *timeline.latest();
  EXPECT_EQ(first.unix_second, 100);
  EXPECT_EQ(first.users, 7u); // summed over threads
  EXPECT_EQ(first.requests, 3u);
  EXPECT_EQ(first.failures, 1u);
  EXPECT_EQ(first.p50_us, rep(2000));
  EXPECT_EQ(first.p99_us, 3000u); // the maximum, exact
  EXPECT_EQ(first.total_requests, 3u);
  EXPECT_EQ(first.total_p50_us, rep(2000));
  EXPECT_DOUBLE_EQ(first.total_avg_us, 2000.0);
  EXPECT_DOUBLE_EQ(first.total_avg_content, 100.0);

  timeline.add(0, 101, second_of({10000, 20000, 30000, 40000}), 3);
  timeline.add(1, 101, second_of({}), 4);
  const auto series = timeline.finish();
  ASSERT_EQ(series.size(), 2u);
  const auto& second = series[1];
  EXPECT_EQ(second.requests, 4u);
  EXPECT_EQ(second.p50_us, rep(30000)); // this second only
  EXPECT_EQ(second.total_requests, 7u);
  EXPECT_EQ(second.total_failures, 1u);
  EXPECT_EQ(second.total_min_us, 1000u);
  EXPECT_EQ(second.total_max_us, 40000u);
  // Running totals as Locust's history rows carry them: 7 samples, median at rank 3.
  EXPECT_EQ(second.total_p50_us, rep(10000));
  EXPECT_EQ(second.total_percentiles_us.front(), rep(10000)); // 50%: rank floor(3.5) = 3
  EXPECT_EQ(second.total_percentiles_us.back(), 40000u);  // 100%
}

TEST(Timeline, FinishCompletesPendingSecondsAndFillsGaps) {
  Timeline timeline(2);
  timeline.add(0, 10, second_of({1000}), 5);
  timeline.add(1, 10, second_of({1000}), 5);
  timeline.add(0, 13, second_of({2000}), 6); // thread 1 never hands over 13: the run stopped
  const auto series = timeline.finish();
  ASSERT_EQ(series.size(), 4u);
  EXPECT_EQ(series[1].unix_second, 11);
  EXPECT_EQ(series[1].requests, 0u);
  EXPECT_EQ(series[1].users, 10u);         // carried over
  EXPECT_EQ(series[2].total_requests, 2u); // carried over
  EXPECT_EQ(series[3].unix_second, 13);
  EXPECT_EQ(series[3].requests, 1u);
  EXPECT_EQ(series[3].total_requests, 3u);
  EXPECT_EQ(series[3].users, 6u);
}

TEST(Timeline, ALaterCompleteSecondCompletesEarlierOnes) {
  Timeline timeline(2);
  timeline.add(0, 1, second_of({1000}), 1);
  timeline.add(0, 2, second_of({1000}), 1);
  timeline.add(1, 2, second_of({1000}), 1); // thread 1 had nothing in second 1
  const auto latest = timeline.latest();
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->unix_second, 2);
  EXPECT_EQ(latest->total_requests, 3u);
  // A late hand-over still counts.
  timeline.add(1, 1, second_of({5000}), 1);
  const auto series = timeline.finish();
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].requests, 2u);
}

TEST(Timeline, ThreadsHandOverConcurrently) {
  constexpr std::size_t k_threads = 4;
  constexpr int k_seconds = 50;
  Timeline timeline(k_threads);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < k_threads; ++t) {
    threads.emplace_back([&timeline, t] {
      StatsRecorder recorder(1);
      for (int s = 0; s < k_seconds; ++s) {
        for (int i = 0; i < 100; ++i) recorder.record(0, std::chrono::microseconds(100 + i), 0us, 1);
        timeline.add(t, 1000 + s, recorder.take_second(), 2);
        (void)timeline.latest();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto series = timeline.finish();
  ASSERT_EQ(series.size(), static_cast<std::size_t>(k_seconds));
  for (const auto& sample : series) {
    EXPECT_EQ(sample.requests, 400u);
    EXPECT_EQ(sample.users, 8u);
  }
  EXPECT_EQ(series.back().total_requests, 400u * k_seconds);
}
