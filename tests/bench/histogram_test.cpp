#include "histogram.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <gtest/gtest.h>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using fp::bench::Histogram;

namespace {

// The sample Histogram::value_at_quantile means: rank min(floor(q * n), n - 1) of the sorted samples.
std::uint64_t exact_quantile(const std::vector<std::uint64_t>& sorted, double q) {
  const auto n = sorted.size();
  auto rank = static_cast<std::size_t>(std::floor(static_cast<double>(n) * q));
  return sorted[std::min(rank, n - 1)];
}

std::vector<double> quantiles_to_check() {
  std::vector<double> qs = {0.0, 0.5, 0.66, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999, 0.99999, 1.0};
  for (int i = 1; i < 1000; ++i) qs.push_back(i / 1000.0);
  return qs;
}

// Checks every quantile against the exact sample, and the exact statistics.
void expect_within_one_percent(const std::vector<std::uint64_t>& samples, const std::string& what) {
  Histogram histogram;
  for (auto v : samples) histogram.record(v);
  auto sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(histogram.count(), samples.size()) << what;
  EXPECT_EQ(histogram.min(), sorted.front()) << what;
  EXPECT_EQ(histogram.max(), sorted.back()) << what;
  const auto sum = std::accumulate(samples.begin(), samples.end(), std::uint64_t{0});
  EXPECT_EQ(histogram.sum(), sum) << what;
  EXPECT_DOUBLE_EQ(histogram.mean(), static_cast<double>(sum) / static_cast<double>(samples.size())) << what;
  double worst = 0;
  for (double q : quantiles_to_check()) {
    const auto exact = exact_quantile(sorted, q);
    const auto approx = histogram.value_at_quantile(q);
    const double error = exact == 0 ? static_cast<double>(approx)
                                    : std::abs(static_cast<double>(approx) - static_cast<double>(exact)) /
                                          static_cast<double>(exact);
    worst = std::max(worst, error);
    ASSERT_LE(error, 0.01) << what << ": q=" << q << " exact " << exact << " reported " << approx;
  }
  // The layout promises 1/256; make sure the bound is not met by luck of a loose check.
  EXPECT_LE(worst, 1.0 / 256 + 1e-12) << what;
}

std::uint64_t clamp_to_range(double value) {
  if (!(value >= 0)) return 0;
  return std::min<std::uint64_t>(static_cast<std::uint64_t>(value), Histogram::k_max_value);
}

} // namespace

TEST(Histogram, EmptyReportsZeros) {
  Histogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.min(), 0u);
  EXPECT_EQ(histogram.max(), 0u);
  EXPECT_EQ(histogram.mean(), 0.0);
  EXPECT_EQ(histogram.value_at_quantile(0.5), 0u);
  EXPECT_EQ(histogram.value_at_rank(0), 0u);
}

TEST(Histogram, ExactBelow256Microseconds) {
  Histogram histogram;
  for (std::uint64_t v = 0; v < 256; ++v) histogram.record(v);
  for (std::uint64_t rank = 0; rank < 256; ++rank) EXPECT_EQ(histogram.value_at_rank(rank), rank);
}

TEST(Histogram, BucketsTileTheRangeWithinTheRelativeBound) {
  std::uint64_t expected_lowest = 0;
  for (std::size_t bucket = 0; bucket < Histogram::bucket_count(); ++bucket) {
    const auto low = Histogram::bucket_lowest(bucket);
    const auto high = Histogram::bucket_highest(bucket);
    ASSERT_EQ(low, expected_lowest) << "bucket " << bucket << " leaves a gap or overlaps";
    ASSERT_LE(low, high);
    ASSERT_EQ(Histogram::bucket_of(low), bucket);
    ASSERT_EQ(Histogram::bucket_of(high), bucket);
    if (high > low) { // buckets of one value are exact
      ASSERT_LE(static_cast<double>(high - low + 1) / static_cast<double>(low), 1.0 / 128);
    }
    expected_lowest = high + 1;
  }
  EXPECT_GT(expected_lowest, Histogram::k_max_value);
  EXPECT_EQ(Histogram::bucket_of(Histogram::k_max_value), Histogram::bucket_count() - 1);
  // Constant memory: a fixed, small number of buckets whatever is recorded.
  EXPECT_LT(Histogram::bucket_count() * sizeof(std::uint64_t), 32u * 1024);
}

TEST(Histogram, PercentilesWithinOnePercentOfTheExactSamples) {
  std::mt19937_64 random(20261127);
  constexpr std::size_t k_n = 100'000;
  const auto draw = [&](const std::function<double()>& next) {
    std::vector<std::uint64_t> samples(k_n);
    for (auto& s : samples) s = clamp_to_range(next());
    return samples;
  };
  std::uniform_real_distribution<double> uniform(0, 1e6);
  std::exponential_distribution<double> exponential(1.0 / 1000);
  std::lognormal_distribution<double> lognormal(std::log(2000.0), 1.5);
  std::uniform_real_distribution<double> unit(0, 1);
  std::normal_distribution<double> normal(150, 20);

  expect_within_one_percent(draw([&] { return uniform(random); }), "uniform 0..1s");
  expect_within_one_percent(draw([&] { return exponential(random); }), "exponential, mean 1ms");
  expect_within_one_percent(draw([&] { return lognormal(random); }), "lognormal around 2ms");
  expect_within_one_percent(draw([&] { return std::exp(unit(random) * std::log(3.6e9)); }), "log-uniform 1us..1h");
  expect_within_one_percent(draw([&] { return 100.0 / std::pow(unit(random) + 1e-9, 1 / 1.2); }), "pareto tail");
  expect_within_one_percent(draw([&] { return unit(random) < 0.9 ? normal(random) : 2e6 + normal(random) * 1000; }),
                            "bimodal 150us / 2s");
  expect_within_one_percent(draw([] { return 12345.0; }), "constant");
  expect_within_one_percent(draw([&] { return static_cast<double>(random() % 300); }), "small integers");
  // Few samples: the extremes and every rank in between.
  for (std::size_t n : {1u, 2u, 3u, 7u, 10u, 101u}) {
    std::vector<std::uint64_t> few(n);
    for (auto& s : few) s = clamp_to_range(lognormal(random) * 100);
    expect_within_one_percent(few, "n=" + std::to_string(n));
  }
}

TEST(Histogram, QuantileFollowsLocustsRank) {
  Histogram histogram;
  for (std::uint64_t v : {10u, 20u, 30u, 40u}) histogram.record(v);
  EXPECT_EQ(histogram.value_at_quantile(0.5), 30u);  // floor(4 * 0.5) = rank 2
  EXPECT_EQ(histogram.value_at_quantile(0.74), 30u); // floor(2.96) = 2
  EXPECT_EQ(histogram.value_at_quantile(0.75), 40u); // floor(3) = 3
  EXPECT_EQ(histogram.value_at_quantile(1.0), 40u);
  EXPECT_EQ(histogram.value_at_quantile(0.0), 10u);
  EXPECT_EQ(histogram.value_at_rank(99), 40u); // clamped to the last
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 random(7);
  std::lognormal_distribution<double> lognormal(std::log(5000.0), 2);
  Histogram all, a, b, empty;
  for (int i = 0; i < 50'000; ++i) {
    const auto v = clamp_to_range(lognormal(random));
    all.record(v);
    (i % 3 == 0 ? a : b).record(v);
  }
  Histogram merged;
  merged.merge(a);
  merged.merge(empty);
  merged.merge(b);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.sum(), all.sum());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  for (double q : quantiles_to_check()) ASSERT_EQ(merged.value_at_quantile(q), all.value_at_quantile(q)) << q;

  Histogram into_empty;
  into_empty.merge(empty);
  EXPECT_EQ(into_empty.count(), 0u);
  EXPECT_EQ(into_empty.min(), 0u);
}

TEST(Histogram, CountsAndClampsAndResets) {
  Histogram histogram;
  histogram.record(500, 3);
  histogram.record(Histogram::k_max_value * 2);
  EXPECT_EQ(histogram.count(), 4u);
  EXPECT_EQ(histogram.max(), Histogram::k_max_value);
  EXPECT_EQ(histogram.sum(), 1500 + Histogram::k_max_value);
  EXPECT_EQ(histogram.value_at_quantile(0.5), 500u);
  histogram.record(1, 0); // no samples: no effect on min
  EXPECT_EQ(histogram.min(), 500u);
  histogram.reset();
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.max(), 0u);
  EXPECT_EQ(histogram.value_at_quantile(0.99), 0u);
}
