// Request counters and latency histograms for /metrics, one shard per worker thread: a shard is
// written only by its own thread (relaxed atomics, no contention) and summed when scraped.
#pragma once

#include "order_api.hpp"
#include "store.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace fp::server {

constexpr std::size_t k_method_count = 7;  // Method's values
constexpr std::array<unsigned, 12> k_counted_statuses = {200, 400, 404, 405, 408, 413, 415, 431, 500, 503, 505, 0};
// Upper bounds of the latency buckets, in seconds (Prometheus' `le`).
constexpr std::array<double, 16> k_latency_bounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,     10};

class MetricsShard {
public:
  void record(Route route, Method method, unsigned status, std::chrono::nanoseconds latency);
  void connection_opened() { bump(m_connections_opened); add(m_connections_open, 1); }
  void connection_closed() { add(m_connections_open, -1); }

private:
  friend class Metrics;
  // Single writer: load + store is enough and avoids a locked instruction on the hot path.
  static void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
  static void add(std::atomic<std::int64_t>& gauge, std::int64_t by) {
    gauge.store(gauge.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }

  std::array<std::atomic<std::uint64_t>, k_route_count * k_method_count * k_counted_statuses.size()> m_requests{};
  std::array<std::atomic<std::uint64_t>, k_route_count *(k_latency_bounds.size() + 1)> m_buckets{};
  std::array<std::atomic<std::uint64_t>, k_route_count> m_latency_sum_ns{};
  std::atomic<std::uint64_t> m_connections_opened{0};
  std::atomic<std::int64_t> m_connections_open{0};
};

class Metrics {
public:
  explicit Metrics(std::size_t shards);
  MetricsShard& shard(std::size_t index) { return m_shards[index]; }
  // The Prometheus text exposition (format 0.0.4) of every shard plus the given pool figures.
  std::string render(const std::vector<PoolStats>& pools, std::string_view store_kind) const;

private:
  std::deque<MetricsShard> m_shards; // deque: shards hold atomics and never move
};

} // namespace fp::server
