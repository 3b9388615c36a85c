// Hand-written because Debian has no C/C++ HdrHistogram package. The layout is HdrHistogram's, with
// 128 sub-buckets per power of two instead of the 2048 of its usual 3 significant digits: that still
// meets the 1 % bound and keeps a histogram at 26 KB, so every (method, name) of every thread can
// own two of them.
//
// Layout: values below 256 µs have a bucket each (exact). Above, every power of two [2^e, 2^(e+1))
// is cut into 128 equal buckets of width 2^(e-7), so a bucket is at most 1/128 of its lowest value
// wide and its midpoint is within 1/256 (0.39 %) of any value in it.
#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace fp::bench {
namespace {

constexpr unsigned k_sub_bits = 7;                             // 128 buckets per power of two
constexpr std::uint64_t k_sub_count = 1ull << k_sub_bits;
constexpr std::uint64_t k_linear_limit = 2 * k_sub_count;      // below this every value has a bucket

std::size_t index_of(std::uint64_t value) {
  if (value < k_linear_limit) return static_cast<std::size_t>(value);
  const auto top_bit = static_cast<unsigned>(std::bit_width(value)) - 1; // >= 8
  const unsigned shift = top_bit - k_sub_bits;
  return static_cast<std::size_t>(shift * k_sub_count + (value >> shift));
}

const std::size_t k_buckets = index_of(Histogram::k_max_value) + 1;

} // namespace

std::size_t Histogram::bucket_of(std::uint64_t micros) { return index_of(std::min(micros, k_max_value)); }

std::uint64_t Histogram::bucket_lowest(std::size_t bucket) {
  if (bucket < k_linear_limit) return bucket;
  const auto shift = bucket / k_sub_count - 1;
  return (bucket - shift * k_sub_count) << shift;
}

std::uint64_t Histogram::bucket_highest(std::size_t bucket) {
  if (bucket < k_linear_limit) return bucket;
  const auto shift = bucket / k_sub_count - 1;
  return bucket_lowest(bucket) + (1ull << shift) - 1;
}

std::size_t Histogram::bucket_count() { return k_buckets; }

void Histogram::record(std::uint64_t micros, std::uint64_t count) {
  if (count == 0) return;
  const std::uint64_t value = std::min(micros, k_max_value);
  if (m_buckets.empty()) m_buckets.assign(k_buckets, 0);
  m_buckets[index_of(value)] += count;
  m_count += count;
  m_sum += value * count;
  m_min = std::min(m_min, value);
  m_max = std::max(m_max, value);
}

void Histogram::merge(const Histogram& other) {
  if (other.m_count == 0) return;
  if (m_buckets.empty()) m_buckets.assign(k_buckets, 0);
  for (std::size_t i = 0; i < k_buckets; ++i) m_buckets[i] += other.m_buckets[i];
  m_count += other.m_count;
  m_sum += other.m_sum;
  m_min = std::min(m_min, other.m_min);
  m_max = std::max(m_max, other.m_max);
}

void Histogram::reset() { *this = Histogram{}; }

std::uint64_t Histogram::min() const { return m_count == 0 ? 0 : m_min; }

std::uint64_t Histogram::max() const { return m_max; }

double Histogram::mean() const {
  return m_count == 0 ? 0.0 : static_cast<double>(m_sum) / static_cast<double>(m_count);
}

std::uint64_t Histogram::value_at_quantile(double q) const {
  if (m_count == 0) return 0;
  q = q >= 0 ? std::min(q, 1.0) : 0.0; // NaN too
  // floor(count * q) as Locust computes it: int(num_requests * percent).
  const auto rank = static_cast<std::uint64_t>(std::floor(static_cast<double>(m_count) * q));
  return value_at_rank(rank);
}

std::uint64_t Histogram::value_at_rank(std::uint64_t rank) const {
  if (m_count == 0) return 0;
  rank = std::min(rank, m_count - 1);
  // The extremes are known exactly; only the samples in between are approximated.
  if (rank == 0) return m_min;
  if (rank == m_count - 1) return m_max;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < k_buckets; ++i) {
    seen += m_buckets[i];
    if (seen > rank) {
      const std::uint64_t low = bucket_lowest(i);
      const std::uint64_t middle = low + (bucket_highest(i) - low) / 2;
      return std::clamp(middle, m_min, m_max);
    }
  }
  return m_max; // unreachable while the buckets add up to m_count
}

} // namespace fp::bench
