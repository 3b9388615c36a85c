#include "stats.hpp"

#include <algorithm>
#include <utility>

namespace fp::bench {
namespace {

std::uint64_t micros(std::chrono::microseconds duration) {
  // A clock that stepped backwards must not wrap into an hour-long latency.
  return duration.count() < 0 ? 0 : static_cast<std::uint64_t>(duration.count());
}

// A stalled process can leave seconds nobody handed over; they are filled with empty samples, but
// not across a jump of the wall clock, which would fill memory with nothing.
constexpr std::int64_t k_max_filled_gap = 3600;

} // namespace

std::string_view failure_kind_label(FailureKind kind) {
  switch (kind) {
  case FailureKind::connect: return "connect";
  case FailureKind::read: return "read";
  case FailureKind::write: return "write";
  case FailureKind::timeout: return "timeout";
  case FailureKind::http_status: return "http_status";
  case FailureKind::check: return "check";
  }
  return "unknown";
}

void EndpointStats::merge(const EndpointStats& other) {
  requests += other.requests;
  failures += other.failures;
  content_bytes += other.content_bytes;
  latency.merge(other.latency);
  uncorrected.merge(other.uncorrected);
}

StatsRecorder::StatsRecorder(std::size_t keys) : m_per_key(keys) {}

void StatsRecorder::record(std::size_t key, std::chrono::microseconds latency, std::chrono::microseconds uncorrected,
                           std::uint64_t content_bytes) {
  for (EndpointStats* stats : {&m_per_key.at(key), &m_second}) {
    ++stats->requests;
    stats->content_bytes += content_bytes;
    stats->latency.record(micros(latency));
    stats->uncorrected.record(micros(uncorrected));
  }
}

void StatsRecorder::record_failure(std::size_t key, std::chrono::microseconds latency,
                                   std::chrono::microseconds uncorrected, FailureKind kind, const std::string& error) {
  // As in Locust, a failed request is still a request with a response time (until the failure).
  for (EndpointStats* stats : {&m_per_key.at(key), &m_second}) {
    ++stats->requests;
    ++stats->failures;
    stats->latency.record(micros(latency));
    stats->uncorrected.record(micros(uncorrected));
  }
  ++m_errors[{key, error}];
  ++m_kinds[kind];
}

EndpointStats StatsRecorder::take_second() { return std::exchange(m_second, EndpointStats{}); }

Timeline::Timeline(std::size_t threads) : m_threads(threads) {}

void Timeline::add(std::size_t thread, std::int64_t unix_second, EndpointStats second, std::uint32_t users) {
  std::lock_guard lock(m_mutex);
  if (!m_done.empty() && unix_second <= m_done.back().unix_second) {
    // Late: its sample is out already. Keep the counts right; the latencies go to the totals.
    const auto it = std::lower_bound(m_done.begin(), m_done.end(), unix_second,
                                     [](const SecondSample& s, std::int64_t t) { return s.unix_second < t; });
    if (it != m_done.end() && it->unix_second == unix_second) {
      it->requests += second.requests;
      it->failures += second.failures;
    }
    m_total.merge(second);
    return;
  }
  Pending& pending = m_pending[unix_second];
  if (pending.handed.empty()) pending.handed.assign(m_threads, false);
  pending.stats.merge(second);
  pending.users += users;
  if (thread < pending.handed.size()) pending.handed[thread] = true;
  if (std::all_of(pending.handed.begin(), pending.handed.end(), [](bool handed) { return handed; })) {
    complete_through(unix_second);
  }
}

void Timeline::complete_through(std::int64_t unix_second) {
  while (!m_pending.empty() && m_pending.begin()->first <= unix_second) {
    auto node = m_pending.extract(m_pending.begin());
    complete(node.key(), std::move(node.mapped()));
  }
}

void Timeline::complete(std::int64_t unix_second, Pending pending) {
  if (!m_done.empty() && unix_second - m_done.back().unix_second <= k_max_filled_gap) {
    for (std::int64_t gap = m_done.back().unix_second + 1; gap < unix_second; ++gap) {
      SecondSample empty = m_done.back();
      empty.unix_second = gap;
      empty.requests = empty.failures = 0;
      empty.p50_us = empty.p95_us = empty.p99_us = 0;
      m_done.push_back(empty);
    }
  }
  m_total.merge(pending.stats);
  const Histogram& second = pending.stats.latency;
  const Histogram& total = m_total.latency;

  SecondSample sample;
  sample.unix_second = unix_second;
  sample.users = pending.users;
  sample.requests = pending.stats.requests;
  sample.failures = pending.stats.failures;
  sample.p50_us = second.value_at_quantile(0.50);
  sample.p95_us = second.value_at_quantile(0.95);
  sample.p99_us = second.value_at_quantile(0.99);
  sample.total_requests = m_total.requests;
  sample.total_failures = m_total.failures;
  sample.total_p50_us = total.count() == 0 ? 0 : total.value_at_rank((total.count() - 1) / 2);
  sample.total_avg_us = total.mean();
  sample.total_min_us = total.min();
  sample.total_max_us = total.max();
  sample.total_avg_content = m_total.requests == 0 ? 0.0
                                                   : static_cast<double>(m_total.content_bytes) /
                                                         static_cast<double>(m_total.requests);
  for (std::size_t i = 0; i < k_report_percentiles.size(); ++i) {
    sample.total_percentiles_us[i] = total.value_at_quantile(k_report_percentiles[i]);
  }
  m_done.push_back(sample);
}

std::vector<SecondSample> Timeline::finish() {
  std::lock_guard lock(m_mutex);
  if (!m_pending.empty()) complete_through(m_pending.rbegin()->first);
  return m_done;
}

std::optional<SecondSample> Timeline::latest() const {
  std::lock_guard lock(m_mutex);
  if (m_done.empty()) return std::nullopt;
  return m_done.back();
}

void merge_recorders(const std::vector<const StatsRecorder*>& recorders, RunResult& result) {
  std::size_t keys = result.keys.size();
  for (const StatsRecorder* recorder : recorders) keys = std::max(keys, recorder->per_key().size());
  result.per_key.resize(keys);

  for (const StatsRecorder* recorder : recorders) {
    const auto& per_key = recorder->per_key();
    for (std::size_t key = 0; key < per_key.size(); ++key) {
      result.per_key[key].merge(per_key[key]);
      result.aggregate.merge(per_key[key]);
    }
    for (const auto& [where, count] : recorder->errors()) {
      const auto& [key, error] = where;
      ErrorKey error_key{"", "#" + std::to_string(key), error};
      if (key < result.keys.size()) {
        error_key.method = result.keys[key].method;
        error_key.name = result.keys[key].name;
      }
      result.errors[error_key] += count;
    }
    for (const auto& [kind, count] : recorder->failures_by_kind()) result.failures_by_kind[kind] += count;
  }
}

} // namespace fp::bench
