// A log-linear latency histogram in the spirit of HdrHistogram: values in microseconds, relative
// error under 1 % (128 linear sub-buckets per power of two), constant memory, mergeable, no
// per-sample storage. Written here because Debian packages no C/C++ HdrHistogram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fp::bench {

class Histogram {
public:
  static constexpr std::uint64_t k_max_value = 3'600'000'000ull; // 1 hour in µs; larger values clamp

  void record(std::uint64_t micros, std::uint64_t count = 1);
  void merge(const Histogram& other);
  void reset();

  std::uint64_t count() const { return m_count; }
  std::uint64_t min() const;   // 0 when empty
  std::uint64_t max() const;   // exact
  double mean() const;         // exact (from the sum), 0 when empty
  std::uint64_t sum() const { return m_sum; }
  // The value at quantile q in [0, 1]; within 1 % of the true sample value; 0 when empty.
  // The sample meant is the one at 0-based rank min(floor(q * count), count - 1) of the sorted
  // samples: Locust's rule (stats.py, calculate_response_time_percentile), so q = 1 is the maximum.
  std::uint64_t value_at_quantile(double q) const;
  // The sample at 0-based `rank` of the sorted samples (clamped to count - 1); 0 when empty.
  // Exact below 256 µs, within 1/256 above; never outside [min, max].
  std::uint64_t value_at_rank(std::uint64_t rank) const;

  // Bucket layout, exposed for tests: the bucket of a value and the range [lowest, highest] it holds.
  static std::size_t bucket_of(std::uint64_t micros);
  static std::uint64_t bucket_lowest(std::size_t bucket);
  static std::uint64_t bucket_highest(std::size_t bucket);
  static std::size_t bucket_count();

private:
  std::vector<std::uint64_t> m_buckets; // allocated on first record
  std::uint64_t m_count = 0;
  std::uint64_t m_sum = 0;
  std::uint64_t m_min = UINT64_MAX;
  std::uint64_t m_max = 0;
};

} // namespace fp::bench
