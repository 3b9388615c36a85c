// Statistics of a run: per (method, name) and aggregate, errors by kind, and a per-second timeline.
// Each engine thread records into its own StatsRecorder without locks; recorders are merged after
// the threads join (and once a second, for the timeline, by handing over the finished second).
#pragma once

#include "histogram.hpp"
#include "scenario.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace fp::bench {

// The percentiles every report shows: Locust's PERCENTILES_TO_REPORT, with its column labels.
inline constexpr std::array<double, 11> k_report_percentiles = {0.50, 0.66, 0.75, 0.80, 0.90, 0.95,
                                                                0.98, 0.99, 0.999, 0.9999, 1.0};
inline constexpr std::array<std::string_view, 11> k_report_percentile_labels = {
    "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"};

// Locust's notion of a failure, classified the way wrk counts errors.
enum class FailureKind { connect, read, write, timeout, http_status, check };
std::string_view failure_kind_label(FailureKind kind);

struct EndpointStats {
  std::uint64_t requests = 0;       // finished requests, failures included (Locust's Request Count)
  std::uint64_t failures = 0;
  std::uint64_t content_bytes = 0;  // response body bytes
  Histogram latency;                // µs; from the intended send time in the open model
  Histogram uncorrected;            // µs; from the actual send time (what Locust and wrk report)
  void merge(const EndpointStats& other);
};

struct ErrorKey {
  std::string method;
  std::string name;
  std::string error; // e.g. "HTTP 503", "connect: Connection refused", "timeout after 10s"
  auto operator<=>(const ErrorKey&) const = default;
};

// One second of the run, for the history CSV and the charts.
struct SecondSample {
  std::int64_t unix_second = 0;
  std::uint32_t users = 0;          // users running at the end of the second (closed model)
  std::uint64_t requests = 0;       // finished in this second
  std::uint64_t failures = 0;
  std::uint64_t p50_us = 0, p95_us = 0, p99_us = 0; // of this second's requests
  // Running totals up to the end of this second, as Locust's history rows carry them.
  std::uint64_t total_requests = 0, total_failures = 0;
  std::uint64_t total_p50_us = 0;   // Locust's median: the sample at rank floor((n - 1) / 2)
  double total_avg_us = 0;
  std::uint64_t total_min_us = 0, total_max_us = 0;
  double total_avg_content = 0;
  // The whole run so far at k_report_percentiles: the percentile columns of Locust's history row.
  std::array<std::uint64_t, k_report_percentiles.size()> total_percentiles_us{};
};

// What the generator saw of itself: if it was the bottleneck, latencies measure it, not the server.
struct GeneratorHealth {
  std::chrono::microseconds max_loop_lag{0};  // worst delay of a timer firing past its due time
  std::chrono::microseconds p99_loop_lag{0};
  double cpu_percent = 0;                      // of one core, averaged over the run (all threads)
  std::uint64_t late_starts = 0;               // open model: sends later than their intended time by > 1 ms
  std::uint64_t dropped_starts = 0;            // open model: arrivals with no free connection/slot
  bool generator_bound = false;
  std::string reason;                          // why it was judged generator-bound
};

struct UsersSummary {
  std::uint32_t target = 0;
  std::uint32_t peak = 0;
  std::chrono::nanoseconds peak_reached_after{0}; // from the start of the run
  std::chrono::nanoseconds peak_held_for{0};
};

struct RunResult {
  std::string scenario;
  std::string target;                      // base URL
  std::chrono::system_clock::time_point started;
  std::chrono::nanoseconds elapsed{0};
  bool stopped_early = false;              // Ctrl-C or a stop request
  std::vector<RequestKey> keys;            // as Scenario::stats_keys
  std::vector<EndpointStats> per_key;      // parallel to keys
  EndpointStats aggregate;
  std::map<ErrorKey, std::uint64_t> errors;
  std::map<FailureKind, std::uint64_t> failures_by_kind;
  std::vector<SecondSample> timeline;
  UsersSummary users;
  GeneratorHealth generator;
  std::vector<std::string> warnings;       // e.g. users / spawn rate does not fit in the run time
};

// Per-thread recorder: plain counters, no locks. `key` is RequestSpec::stats_index.
class StatsRecorder {
public:
  explicit StatsRecorder(std::size_t keys);
  void record(std::size_t key, std::chrono::microseconds latency, std::chrono::microseconds uncorrected,
              std::uint64_t content_bytes);
  void record_failure(std::size_t key, std::chrono::microseconds latency, std::chrono::microseconds uncorrected,
                      FailureKind kind, const std::string& error);
  const std::vector<EndpointStats>& per_key() const { return m_per_key; }
  const std::map<std::pair<std::size_t, std::string>, std::uint64_t>& errors() const { return m_errors; }
  const std::map<FailureKind, std::uint64_t>& failures_by_kind() const { return m_kinds; }
  // This second's requests (aggregate over keys), taken and cleared when the second ends.
  EndpointStats take_second();

private:
  std::vector<EndpointStats> m_per_key;
  EndpointStats m_second;
  std::map<std::pair<std::size_t, std::string>, std::uint64_t> m_errors;
  std::map<FailureKind, std::uint64_t> m_kinds;
};

// Collects finished seconds from every thread and turns them into SecondSamples (thread-safe).
// Seconds nobody handed over (a stalled process) become empty samples, so the series has no holes.
class Timeline {
public:
  explicit Timeline(std::size_t threads);
  // Thread `thread` hands over what it finished in `unix_second` (from StatsRecorder::take_second)
  // and the users it runs at that second's end; the sample's users are the sum over threads. Each
  // thread hands its seconds over in increasing order, once each. The sample is complete when all
  // threads handed theirs, or a later second is complete, or finish() is called. A second handed
  // over after its sample was completed still counts in that sample's request and failure counts
  // and in the running totals (its latencies only in the totals).
  void add(std::size_t thread, std::int64_t unix_second, EndpointStats second, std::uint32_t users);
  // Completes every pending second and returns the whole series, oldest first.
  std::vector<SecondSample> finish();
  // The last complete sample, for the live status line.
  std::optional<SecondSample> latest() const;

private:
  struct Pending {
    std::vector<bool> handed; // per thread
    EndpointStats stats;
    std::uint32_t users = 0;
  };
  void complete_through(std::int64_t unix_second); // m_mutex held
  void complete(std::int64_t unix_second, Pending pending); // m_mutex held

  mutable std::mutex m_mutex;
  std::size_t m_threads;
  std::map<std::int64_t, Pending> m_pending;
  std::vector<SecondSample> m_done;
  EndpointStats m_total;
};

// Merges the recorders of every thread into `result` (per key, aggregate, errors by key, failures by
// kind), adding to what is there. `result.keys` must already name the keys (Scenario::stats_keys).
void merge_recorders(const std::vector<const StatsRecorder*>& recorders, RunResult& result);

} // namespace fp::bench
