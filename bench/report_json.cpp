// The whole RunResult as JSON, for scripts: times in µs (integers) unless a key says otherwise.
#include "report.hpp"
#include "report_util.hpp"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

namespace fp::bench {
namespace {

// ordered_json: keys in the order written here (scenario first), not alphabetical.
using json = nlohmann::ordered_json;

double seconds(std::chrono::nanoseconds duration) { return std::chrono::duration<double>(duration).count(); }

std::string iso8601(std::chrono::system_clock::time_point time) {
  const auto millis = std::chrono::floor<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t whole = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&whole, &utc);
  char text[48];
  const auto length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + length, sizeof text - length, ".%03dZ", static_cast<int>(millis % 1000));
  return text;
}

json latency_json(const Histogram& histogram) {
  json out = {{"count", histogram.count()},
              {"min", histogram.min()},
              {"max", histogram.max()},
              {"mean", histogram.mean()}};
  json percentiles = json::object();
  for (std::size_t i = 0; i < k_report_percentiles.size(); ++i) {
    std::string label(k_report_percentile_labels[i]);
    label.pop_back(); // "99.9%" -> "p99.9"
    percentiles["p" + label] = histogram.value_at_quantile(k_report_percentiles[i]);
  }
  out["percentiles"] = std::move(percentiles);
  return out;
}

json endpoint_json(const EndpointStats& stats, double elapsed_seconds) {
  const double requests = static_cast<double>(stats.requests);
  return {
      {"requests", stats.requests},
      {"failures", stats.failures},
      {"failure_rate", stats.requests == 0 ? 0.0 : static_cast<double>(stats.failures) / requests},
      {"requests_per_second", elapsed_seconds > 0 ? requests / elapsed_seconds : 0.0},
      {"failures_per_second", elapsed_seconds > 0 ? static_cast<double>(stats.failures) / elapsed_seconds : 0.0},
      {"content_bytes", stats.content_bytes},
      {"average_content_bytes", stats.requests == 0 ? 0.0 : static_cast<double>(stats.content_bytes) / requests},
      {"latency_us", latency_json(stats.latency)},
      {"uncorrected_latency_us", latency_json(stats.uncorrected)},
  };
}

json timeline_json(const std::vector<SecondSample>& timeline) {
  json out = json::array();
  for (const auto& s : timeline) {
    json total_percentiles = json::object();
    for (std::size_t i = 0; i < k_report_percentiles.size(); ++i) {
      std::string label(k_report_percentile_labels[i]);
      label.pop_back();
      total_percentiles["p" + label] = s.total_percentiles_us[i];
    }
    out.push_back({
        {"unix_second", s.unix_second},
        {"users", s.users},
        {"requests", s.requests},
        {"failures", s.failures},
        {"p50_us", s.p50_us},
        {"p95_us", s.p95_us},
        {"p99_us", s.p99_us},
        {"total_requests", s.total_requests},
        {"total_failures", s.total_failures},
        {"total_median_us", s.total_p50_us},
        {"total_avg_us", s.total_avg_us},
        {"total_min_us", s.total_min_us},
        {"total_max_us", s.total_max_us},
        {"total_avg_content_bytes", s.total_avg_content},
        {"total_percentiles_us", std::move(total_percentiles)},
    });
  }
  return out;
}

} // namespace

tl::expected<void, std::string> write_json(const RunResult& result, const std::filesystem::path& path) {
  const double elapsed = seconds(result.elapsed);
  json requests = json::array();
  for (std::size_t i = 0; i < result.keys.size() && i < result.per_key.size(); ++i) {
    json entry = {{"method", result.keys[i].method}, {"name", result.keys[i].name}};
    entry.update(endpoint_json(result.per_key[i], elapsed));
    requests.push_back(std::move(entry));
  }
  json errors = json::array();
  for (const auto& [key, count] : result.errors) {
    errors.push_back({{"method", key.method}, {"name", key.name}, {"error", key.error}, {"occurrences", count}});
  }
  json failures_by_kind = json::object();
  for (const auto& [kind, count] : result.failures_by_kind) {
    failures_by_kind[std::string(failure_kind_label(kind))] = count;
  }

  const auto& g = result.generator;
  const json document = {
      {"scenario", result.scenario},
      {"target", result.target},
      {"started", iso8601(result.started)},
      {"started_unix_ms",
       std::chrono::duration_cast<std::chrono::milliseconds>(result.started.time_since_epoch()).count()},
      {"elapsed_seconds", elapsed},
      {"stopped_early", result.stopped_early},
      {"requests", std::move(requests)},
      {"aggregate", endpoint_json(result.aggregate, elapsed)},
      {"errors", std::move(errors)},
      {"failures_by_kind", std::move(failures_by_kind)},
      {"timeline", timeline_json(result.timeline)},
      {"users",
       {{"target", result.users.target},
        {"peak", result.users.peak},
        {"peak_reached_after_seconds", seconds(result.users.peak_reached_after)},
        {"peak_held_for_seconds", seconds(result.users.peak_held_for)}}},
      {"generator",
       {{"max_loop_lag_us", g.max_loop_lag.count()},
        {"p99_loop_lag_us", g.p99_loop_lag.count()},
        {"cpu_percent", g.cpu_percent},
        {"late_starts", g.late_starts},
        {"dropped_starts", g.dropped_starts},
        {"generator_bound", g.generator_bound},
        {"reason", g.reason}}},
      {"warnings", result.warnings},
  };
  // Names and errors come from scenarios and servers: replace invalid UTF-8 instead of throwing.
  return report::write_files_atomically({{path, document.dump(2, ' ', false, json::error_handler_t::replace) + "\n"}});
}

} // namespace fp::bench
