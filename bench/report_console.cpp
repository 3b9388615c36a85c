// The final console report, laid out like Locust's (stats.py get_stats_summary,
// get_percentile_stats_summary, get_error_report_summary) so that a student can put the two side by
// side. Times are printed with units (1.21ms, 850us) rather than Locust's whole milliseconds,
// which show "0" for a server that answers in 200 µs.
#include "report.hpp"
#include "report_util.hpp"

#include "units.hpp"

#include <algorithm>
#include <cstdio>

namespace fp::bench {
namespace {

constexpr std::size_t k_type_width = 8;
constexpr std::size_t k_min_name_width = 24;
constexpr std::size_t k_max_name_width = 60; // longer names overflow their column rather than be cut

struct Style {
  bool color;
  std::string bold(const std::string& text) const { return color ? "\x1b[1m" + text + "\x1b[0m" : text; }
  std::string red(const std::string& text) const { return color ? "\x1b[31m" + text + "\x1b[0m" : text; }
  std::string yellow(const std::string& text) const { return color ? "\x1b[33m" + text + "\x1b[0m" : text; }
};

std::string left(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}
std::string right(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

std::string duration_us(std::uint64_t micros) {
  return format_duration(std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(micros)));
}
std::string duration_us(double micros) {
  return format_duration(std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(micros * 1000.0)));
}
std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}
double seconds(std::chrono::nanoseconds duration) { return std::chrono::duration<double>(duration).count(); }

using Row = report::KeyRow;

std::size_t name_width(const std::vector<Row>& rows) {
  std::size_t width = k_min_name_width;
  for (const auto& row : rows) width = std::max(width, std::min(row.name.size(), k_max_name_width));
  return width;
}

// Fixed-width columns joined by a space, or by '|' between Locust's column groups; the separator
// line puts a '|' at every join so that it lines up with both.
struct Table {
  std::vector<std::size_t> widths;
  std::vector<bool> right_aligned;
  std::vector<char> joins; // before column i + 1
  std::string row(const std::vector<std::string>& fields) const {
    std::string out;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out += joins[i - 1];
      out += right_aligned[i] ? right(fields[i], widths[i]) : left(fields[i], widths[i]);
    }
    return out;
  }
  std::string separator() const {
    std::string out;
    for (std::size_t i = 0; i < widths.size(); ++i) out += (i > 0 ? "|" : "") + std::string(widths[i], '-');
    return out;
  }
};

void request_table(std::string& out, const std::vector<Row>& rows, const Row& total, double elapsed,
                   const Style& style) {
  const Table table{{k_type_width, name_width(rows), 7, 15, 9, 9, 9, 9, 9, 11},
                    {false, false, true, true, true, true, true, true, true, true},
                    {' ', ' ', ' ', '|', ' ', ' ', ' ', '|', ' '}};
  out += style.bold(
             table.row({"Type", "Name", "# reqs", "# fails", "Avg", "Min", "Max", "Med", "req/s", "failures/s"})) +
         "\n";
  out += table.separator() + "\n";
  const auto line = [&](const Row& row) {
    const EndpointStats& s = *row.stats;
    const bool any = s.requests > 0;
    const double ratio = any ? 100.0 * static_cast<double>(s.failures) / static_cast<double>(s.requests) : 0.0;
    const std::uint64_t median = any ? s.latency.value_at_rank((s.requests - 1) / 2) : 0;
    std::string text = table.row({row.method, row.name, std::to_string(s.requests),
                                  std::to_string(s.failures) + "(" + fixed(ratio, 2) + "%)",
                                  any ? duration_us(s.latency.mean()) : "-", any ? duration_us(s.latency.min()) : "-",
                                  any ? duration_us(s.latency.max()) : "-", any ? duration_us(median) : "-",
                                  fixed(elapsed > 0 ? static_cast<double>(s.requests) / elapsed : 0.0, 2),
                                  fixed(elapsed > 0 ? static_cast<double>(s.failures) / elapsed : 0.0, 2)});
    out += (s.failures > 0 ? style.red(text) : text) + "\n";
  };
  for (const auto& row : rows) line(row);
  out += table.separator() + "\n";
  line(total);
}

void percentile_table(std::string& out, const std::vector<Row>& rows, const Row& total, const Style& style) {
  constexpr std::size_t k_column = 8;
  const std::size_t width = name_width(rows);
  out += style.bold("Response time percentiles") + "\n";
  std::string header = left("Type", k_type_width) + " " + left("Name", width);
  std::string separator = std::string(k_type_width, '-') + "|" + std::string(width, '-');
  for (auto label : k_report_percentile_labels) {
    header += " " + right(std::string(label), k_column);
    separator += "|" + std::string(k_column, '-');
  }
  header += " " + right("# reqs", 8);
  separator += "|" + std::string(8, '-');
  out += style.bold(header) + "\n" + separator + "\n";
  const auto line = [&](const Row& row) {
    std::string text = left(row.method, k_type_width) + " " + left(row.name, width);
    for (double q : k_report_percentiles) {
      const bool any = row.stats->requests > 0;
      text += " " + right(any ? duration_us(row.stats->latency.value_at_quantile(q)) : "N/A", k_column);
    }
    out += text + " " + right(std::to_string(row.stats->requests), 8) + "\n";
  };
  for (const auto& row : rows) line(row);
  out += separator + "\n";
  line(total);
}

void error_report(std::string& out, const RunResult& result, const Style& style) {
  out += style.bold("Error report") + "\n";
  out += style.bold(left("# occurrences", 18) + " Error") + "\n";
  const std::string separator = std::string(18, '-') + "|" + std::string(60, '-');
  out += separator + "\n";
  // Most frequent first: the one to look at.
  std::vector<std::pair<const ErrorKey*, std::uint64_t>> errors;
  for (const auto& [key, count] : result.errors) errors.emplace_back(&key, count);
  std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [key, count] : errors) {
    out += left(std::to_string(count), 18) + " " + style.red(key->method + " " + key->name + ": " + key->error) + "\n";
  }
  out += separator + "\n";
  std::string kinds;
  for (const auto& [kind, count] : result.failures_by_kind) {
    kinds += (kinds.empty() ? "" : ", ") + std::string(failure_kind_label(kind)) + " " + std::to_string(count);
  }
  if (!kinds.empty()) out += "Failures by kind: " + kinds + "\n";
}

void users_summary(std::string& out, const UsersSummary& users, const Style& style) {
  if (users.target == 0 && users.peak == 0) return; // open model: no users
  std::string line = "Users: target " + std::to_string(users.target) + ", peak " + std::to_string(users.peak) +
                     " reached after " + format_duration(users.peak_reached_after) + ", held for " +
                     format_duration(users.peak_held_for);
  if (users.peak < users.target) line += style.yellow(" (the target was never reached)");
  out += line + "\n";
}

void generator_summary(std::string& out, const GeneratorHealth& g, const Style& style) {
  std::string line = "Generator: " + fixed(g.cpu_percent, 0) + "% CPU (100% = one core), event-loop lag p99 " +
                     format_duration(g.p99_loop_lag) + ", max " + format_duration(g.max_loop_lag);
  if (g.late_starts > 0 || g.dropped_starts > 0) {
    line += "; late starts " + std::to_string(g.late_starts) + ", dropped starts " + std::to_string(g.dropped_starts);
  }
  out += line + "\n";
  if (g.generator_bound) {
    out += style.yellow("WARNING: the load generator, not the server, was the bottleneck" +
                        (g.reason.empty() ? std::string() : " (" + g.reason + ")") +
                        ": the response times above include the generator's own delays and the request rate is "
                        "its limit, not the server's. Use more threads, fewer users or a faster machine.") +
           "\n";
  } else if (g.dropped_starts > 0) {
    out += style.yellow("WARNING: " + std::to_string(g.dropped_starts) +
                        " scheduled requests found no free connection and were not sent: raise -c/--connections.") +
           "\n";
  }
}

} // namespace

std::string format_console_report(const RunResult& result, bool color) {
  const Style style{color};
  const double elapsed = seconds(result.elapsed);
  std::string out;
  out += style.bold(result.scenario + " against " + result.target) + ": " + format_duration(result.elapsed) +
         (result.stopped_early ? style.yellow(" (stopped early)") : "") + "\n\n";

  const auto rows = report::sorted_rows(result);
  const Row total{"", "Aggregated", &result.aggregate};
  request_table(out, rows, total, elapsed, style);
  out += "\n";
  percentile_table(out, rows, total, style);
  const Histogram& corrected = result.aggregate.latency;
  const Histogram& uncorrected = result.aggregate.uncorrected;
  if (uncorrected.count() > 0 && uncorrected.sum() != corrected.sum()) {
    // The open model measures from the intended send time; say what the naive figure would be.
    out += "Response times are measured from the intended send time (no coordinated omission). From the actual "
           "send time: p50 " +
           duration_us(uncorrected.value_at_quantile(0.5)) + ", p99 " +
           duration_us(uncorrected.value_at_quantile(0.99)) + ", max " + duration_us(uncorrected.max()) + ".\n";
  }
  if (!result.errors.empty() || !result.failures_by_kind.empty()) {
    out += "\n";
    error_report(out, result, style);
  }
  out += "\n";
  users_summary(out, result.users, style);
  generator_summary(out, result.generator, style);
  for (const auto& warning : result.warnings) out += style.yellow("Warning: " + warning) + "\n";
  return out;
}

} // namespace fp::bench
