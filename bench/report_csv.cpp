// Locust's four CSV files (locust/stats.py, StatsCSV and StatsCSVFileWriter, 2.12.1 and HEAD):
// the same headers, row order and number formats, so that scripts written for Locust's files read
// ours. Unlike Locust's, they hold the final values and are complete when the run ends.
#include "report.hpp"
#include "report_util.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

namespace fp::bench {
namespace {

using report::csv_row;
using report::python_float;

std::vector<std::string> percentile_labels() {
  return {k_report_percentile_labels.begin(), k_report_percentile_labels.end()};
}

std::vector<std::string> stats_header() {
  std::vector<std::string> header = {"Type",
                                     "Name",
                                     "Request Count",
                                     "Failure Count",
                                     "Median Response Time",
                                     "Average Response Time",
                                     "Min Response Time",
                                     "Max Response Time",
                                     "Average Content Size",
                                     "Requests/s",
                                     "Failures/s"};
  for (auto& label : percentile_labels()) header.push_back(label);
  return header;
}

std::vector<std::string> history_header() {
  std::vector<std::string> header = {"Timestamp", "User Count", "Type", "Name", "Requests/s", "Failures/s"};
  for (auto& label : percentile_labels()) header.push_back(label);
  for (const char* column : {"Total Request Count", "Total Failure Count", "Total Median Response Time",
                             "Total Average Response Time", "Total Min Response Time", "Total Max Response Time",
                             "Total Average Content Size"}) {
    header.emplace_back(column);
  }
  return header;
}

double seconds(std::chrono::nanoseconds duration) { return std::chrono::duration<double>(duration).count(); }

// A row of _stats.csv (StatsCSV._requests_data_rows).
std::vector<std::string> stats_row(const std::string& method, const std::string& name, const EndpointStats& stats,
                                   double elapsed_seconds) {
  const Histogram& latency = stats.latency;
  const double count = static_cast<double>(stats.requests);
  // total_rps: count over the whole run (Locust: last request - start), 0.0 before any request.
  const double rate = elapsed_seconds > 0 ? count / elapsed_seconds : 0.0;
  const double failure_rate = elapsed_seconds > 0 ? static_cast<double>(stats.failures) / elapsed_seconds : 0.0;
  std::vector<std::string> row = {
      method,
      name,
      std::to_string(stats.requests),
      std::to_string(stats.failures),
      report::locust_median(latency),
      python_float(report::to_ms(latency.mean())),
      report::locust_ms_or_zero(latency.min()),
      report::locust_ms_or_zero(latency.max()),
      stats.requests == 0 ? "0" : python_float(static_cast<double>(stats.content_bytes) / count),
      python_float(rate),
      python_float(failure_rate),
  };
  for (double q : k_report_percentiles) row.push_back(report::locust_percentile(latency, q));
  return row;
}

std::string stats_csv(const RunResult& result) {
  std::string out = csv_row(stats_header());
  // One row per (method, name) that saw a request, sorted by name then method, then Aggregated
  // with an empty Type.
  const double elapsed = seconds(result.elapsed);
  for (const auto& row : report::sorted_rows(result)) {
    out += csv_row(stats_row(row.method, row.name, *row.stats, elapsed));
  }
  out += csv_row(stats_row("", "Aggregated", result.aggregate, elapsed));
  return out;
}

std::string fixed6(double value) {
  // f"{value:2f}": at least 2 wide, 6 decimals.
  char text[64];
  std::snprintf(text, sizeof text, "%2f", value);
  return text;
}

// _stats_history.csv as Locust writes it without --csv-full-history: one Aggregated row a second.
std::string history_csv(const RunResult& result) {
  std::string out = csv_row(history_header());
  std::map<std::int64_t, std::pair<std::uint64_t, std::uint64_t>> per_second; // requests, failures
  for (const auto& sample : result.timeline) per_second[sample.unix_second] = {sample.requests, sample.failures};
  const auto start = static_cast<std::int64_t>(
      std::chrono::floor<std::chrono::seconds>(result.started.time_since_epoch()).count());

  for (const auto& sample : result.timeline) {
    // Locust's Requests/s and Failures/s here are "current" values: the mean of the per-second
    // counts over [max(t - 12, start), t - 2) (StatsEntry.current_rps), not this second's count.
    // Kept as Locust defines them so that the file reads the same; this second's own count is in
    // the JSON and HTML reports.
    const std::int64_t window_start = std::max(sample.unix_second - 12, start);
    const std::int64_t window_end = sample.unix_second - 2;
    double requests = 0;
    double failures = 0;
    for (std::int64_t t = window_start; t < window_end; ++t) {
      if (const auto it = per_second.find(t); it != per_second.end()) {
        requests += static_cast<double>(it->second.first);
        failures += static_cast<double>(it->second.second);
      }
    }
    const double width = static_cast<double>(std::max<std::int64_t>(window_end - window_start, 1));

    std::vector<std::string> row = {std::to_string(sample.unix_second), std::to_string(sample.users), "", "Aggregated",
                                    fixed6(requests / width), fixed6(failures / width)};
    // Without full history, Locust's percentile columns cover the whole run so far.
    for (std::uint64_t value : sample.total_percentiles_us) {
      row.push_back(sample.total_requests == 0 ? "N/A" : std::to_string(report::locust_round(value).ms));
    }
    row.push_back(std::to_string(sample.total_requests));
    row.push_back(std::to_string(sample.total_failures));
    row.push_back(report::locust_median(sample.total_requests, sample.total_p50_us, sample.total_min_us,
                                        sample.total_max_us));
    row.push_back(python_float(report::to_ms(sample.total_avg_us)));
    row.push_back(report::locust_ms_or_zero(sample.total_min_us));
    row.push_back(report::locust_ms_or_zero(sample.total_max_us));
    row.push_back(sample.total_requests == 0 ? "0" : python_float(sample.total_avg_content));
    out += csv_row(row);
  }
  return out;
}

std::string failures_csv(const RunResult& result) {
  std::string out = csv_row({"Method", "Name", "Error", "Occurrences"});
  for (const auto& [key, count] : result.errors) {
    out += csv_row({key.method, key.name, key.error, std::to_string(count)});
  }
  return out;
}

// Exceptions raised in user code: scenarios have no user code, so the file holds only its header.
std::string exceptions_csv() { return csv_row({"Count", "Message", "Traceback", "Nodes"}); }

} // namespace

tl::expected<void, std::string> write_csv(const RunResult& result, const std::string& prefix) {
  return report::write_files_atomically({
      {prefix + "_stats.csv", stats_csv(result)},
      {prefix + "_stats_history.csv", history_csv(result)},
      {prefix + "_failures.csv", failures_csv(result)},
      {prefix + "_exceptions.csv", exceptions_csv()},
  });
}

} // namespace fp::bench
