// One self-contained HTML page with the sections of Locust's report (request and response-time
// statistics, failures, charts of RPS, response times and users over time). Charts are inline SVG
// drawn here, so the page needs no script, stylesheet or font from anywhere: it opens the same
// offline, attached to a mail or years later.
#include "report.hpp"
#include "report_util.hpp"
#include "svg_chart.hpp"

#include "units.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace fp::bench {
namespace {

using svg::fixed;
using svg::line_chart;
using svg::Series;

std::string text(std::string_view raw) { return svg::html_text(raw); }

std::string ms(std::uint64_t micros) { return fixed(report::to_ms(micros), 2); }
std::string ms(double micros) { return fixed(report::to_ms(micros), 2); }

double seconds(std::chrono::nanoseconds duration) { return std::chrono::duration<double>(duration).count(); }

std::string utc(std::chrono::system_clock::time_point time) {
  const std::time_t whole = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return out;
}

using Row = report::KeyRow;

// The keys' rows, then Aggregated (last, in bold).
std::vector<Row> rows_of(const RunResult& result) {
  auto rows = report::sorted_rows(result);
  rows.push_back({"", "Aggregated", &result.aggregate});
  return rows;
}

std::string open_row(const std::vector<Row>& rows, const Row& row) {
  return &row == &rows.back() ? "<tr class=\"total\">" : "<tr>";
}

std::string request_table(const std::vector<Row>& rows, double elapsed) {
  std::string out = "<table id=\"requests\">\n<thead><tr><th>Type</th><th>Name</th><th># Requests</th><th># Fails</th>"
                    "<th>Average (ms)</th><th>Min (ms)</th><th>Max (ms)</th><th>Median (ms)</th>"
                    "<th>Average size (bytes)</th><th>RPS</th><th>Failures/s</th></tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    const EndpointStats& s = *row.stats;
    const bool any = s.requests > 0;
    const std::uint64_t median = any ? s.latency.value_at_rank((s.requests - 1) / 2) : 0;
    out += open_row(rows, row) + "<td>" + text(row.method) + "</td><td>" + text(row.name) + "</td><td>" +
           std::to_string(s.requests) + "</td><td" +
           (s.failures > 0 ? " class=\"bad\"" : "") + ">" + std::to_string(s.failures) + "</td><td>" +
           ms(s.latency.mean()) + "</td><td>" + ms(s.latency.min()) + "</td><td>" + ms(s.latency.max()) + "</td><td>" +
           ms(median) + "</td><td>" +
           fixed(any ? static_cast<double>(s.content_bytes) / static_cast<double>(s.requests) : 0.0, 1) + "</td><td>" +
           fixed(elapsed > 0 ? static_cast<double>(s.requests) / elapsed : 0.0, 2) + "</td><td>" +
           fixed(elapsed > 0 ? static_cast<double>(s.failures) / elapsed : 0.0, 2) + "</td></tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string percentile_table(const std::vector<Row>& rows) {
  std::string out = "<table id=\"percentiles\">\n<thead><tr><th>Type</th><th>Name</th>";
  for (auto label : k_report_percentile_labels) out += "<th>" + std::string(label) + " (ms)</th>";
  out += "<th># Requests</th></tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    out += open_row(rows, row) + "<td>" + text(row.method) + "</td><td>" + text(row.name) + "</td>";
    for (double q : k_report_percentiles) {
      out += "<td>" + (row.stats->requests == 0 ? std::string("N/A") : ms(row.stats->latency.value_at_quantile(q))) +
             "</td>";
    }
    out += "<td>" + std::to_string(row.stats->requests) + "</td></tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string failures_section(const RunResult& result) {
  if (result.errors.empty()) return "<p>No failures.</p>\n";
  std::string out = "<table id=\"failures\">\n<thead><tr><th>Method</th><th>Name</th><th>Error</th>"
                    "<th>Occurrences</th></tr></thead>\n<tbody>\n";
  for (const auto& [key, count] : result.errors) {
    out += "<tr><td>" + text(key.method) + "</td><td>" + text(key.name) + "</td><td>" + text(key.error) + "</td><td>" +
           std::to_string(count) + "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n";
  if (!result.failures_by_kind.empty()) {
    out += "<p>By kind:";
    bool first = true;
    for (const auto& [kind, count] : result.failures_by_kind) {
      out += std::string(first ? " " : ", ") + std::string(failure_kind_label(kind)) + " " + std::to_string(count);
      first = false;
    }
    out += "</p>\n";
  }
  return out;
}

std::string charts(const RunResult& result) {
  if (result.timeline.empty()) return "<p>No per-second data: the run ended within its first second.</p>\n";
  const auto start = static_cast<double>(
      std::chrono::floor<std::chrono::seconds>(result.started.time_since_epoch()).count());
  std::vector<double> x;
  Series rps{"requests/s", "#2b7bba", {}, {}}, fails{"failures/s", "#d7263d", {}, {}};
  Series p50{"p50", "#2b7bba", {}, {}}, p95{"p95", "#f29e4c", {}, {}}, p99{"p99", "#d7263d", {}, {}};
  Series users{"users", "#3c9d5d", {}, {}};
  for (const auto& s : result.timeline) {
    // Each sample covers [t, t + 1): plotted at its end, seconds since the start of the run.
    x.push_back(std::max(0.0, static_cast<double>(s.unix_second) + 1 - start));
    rps.values.push_back(static_cast<double>(s.requests));
    fails.values.push_back(static_cast<double>(s.failures));
    p50.values.push_back(report::to_ms(s.p50_us));
    p95.values.push_back(report::to_ms(s.p95_us));
    p99.values.push_back(report::to_ms(s.p99_us));
    users.values.push_back(static_cast<double>(s.users));
  }
  return line_chart("chart-rps", "Requests per second", "per second", x, {rps, fails}) +
         line_chart("chart-response-times", "Response times", "ms", x, {p50, p95, p99}) +
         line_chart("chart-users", "Users", "running users", x, {users});
}

constexpr const char* k_style = R"(body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.9em}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}
th{background:#f3f3f3}td:nth-child(2),td:first-child{text-align:left}tr.total td{font-weight:bold}
.bad{color:#d7263d;font-weight:bold}.warning{background:#fff4d6;border-left:4px solid #f29e4c;padding:6px 10px}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{font-weight:bold}dd{margin:0}
svg.chart{width:100%;max-width:960px;display:block;margin:1em 0}svg .grid{stroke:#e5e5e5}svg .axis{stroke:#888}
svg text{font-size:12px;fill:#444}svg .title{font-size:14px;font-weight:bold}svg .ylabel{text-anchor:end}
svg .xlabel{text-anchor:middle})";

} // namespace

tl::expected<void, std::string> write_html(const RunResult& result, const std::filesystem::path& path) {
  const double elapsed = seconds(result.elapsed);
  const auto rows = rows_of(result);
  const auto& g = result.generator;

  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>fpctl bench: " +
                     text(result.scenario) + "</title>\n<style>\n" + k_style + "\n</style>\n</head>\n<body>\n";
  html += "<h1>fpctl bench: " + text(result.scenario) + "</h1>\n<dl>\n";
  html += "<dt>Target</dt><dd>" + text(result.target) + "</dd>\n";
  html += "<dt>Scenario</dt><dd>" + text(result.scenario) + "</dd>\n";
  html += "<dt>Start</dt><dd>" + utc(result.started) + "</dd>\n";
  html += "<dt>End</dt><dd>" +
          utc(result.started + std::chrono::duration_cast<std::chrono::system_clock::duration>(result.elapsed)) +
          "</dd>\n";
  html += "<dt>Duration</dt><dd>" + text(format_duration(result.elapsed)) +
          (result.stopped_early ? " (stopped early)" : "") + "</dd>\n";
  if (result.users.target > 0 || result.users.peak > 0) {
    html += "<dt>Users</dt><dd>target " + std::to_string(result.users.target) + ", peak " +
            std::to_string(result.users.peak) + " reached after " +
            text(format_duration(result.users.peak_reached_after)) + ", held for " +
            text(format_duration(result.users.peak_held_for)) + "</dd>\n";
  }
  html += "<dt>Generator</dt><dd>" + fixed(g.cpu_percent, 0) + "% CPU (100% = one core), event-loop lag p99 " +
          text(format_duration(g.p99_loop_lag)) + ", max " + text(format_duration(g.max_loop_lag)) +
          ", late starts " + std::to_string(g.late_starts) + ", dropped starts " + std::to_string(g.dropped_starts) +
          "</dd>\n</dl>\n";
  if (g.generator_bound) {
    html += "<p class=\"warning\">The load generator, not the server, was the bottleneck" +
            (g.reason.empty() ? std::string() : " (" + text(g.reason) + ")") +
            ": response times include the generator's own delays.</p>\n";
  }
  for (const auto& warning : result.warnings) html += "<p class=\"warning\">" + text(warning) + "</p>\n";

  html += "<h2>Request Statistics</h2>\n" + request_table(rows, elapsed);
  html += "<h2>Response Time Statistics</h2>\n" + percentile_table(rows);
  html += "<h2>Failures Statistics</h2>\n" + failures_section(result);
  html += "<h2>Charts</h2>\n" + charts(result);
  html += "</body>\n</html>\n";
  return report::write_files_atomically({{path, html}});
}

} // namespace fp::bench
