// Helpers shared by the report writers (not part of fp_bench's interface): Locust's number
// formatting, CSV quoting as Python's csv module does it, HTML escaping, atomic file writes.
#pragma once

#include "histogram.hpp"
#include "stats.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace fp::bench::report {

// Python's repr() of a float (shortest round-trip digits, "16.0", "1e+16"), which is how Locust's
// CSV files print every float.
std::string python_float(double value);

// Locust's StatsEntry key for a response time: whole ms below 100 ms, then 2 significant digits
// (147 ms -> 150, 3432 -> 3400), Python's round() (half to even). Above 100 ms Python keeps the
// key a float, which is why Locust prints a median of "150.0" but "14" below 100 ms.
struct LocustTime {
  std::uint64_t ms = 0;
  bool is_float = false;
};
LocustTime locust_round(std::uint64_t micros);
std::string to_string(LocustTime time);

// The CSV columns as Locust computes them from its rounded histogram, from ours.
std::string locust_median(const Histogram& histogram);              // "Median Response Time"
// The same from a median already taken at rank floor((count - 1) / 2) (a history row's totals).
std::string locust_median(std::uint64_t count, std::uint64_t median_us, std::uint64_t min_us, std::uint64_t max_us);
std::string locust_percentile(const Histogram& histogram, double q); // "N/A" when empty
// "Min/Max Response Time": ms as a float, but a plain 0 when zero (Locust's `or 0`).
std::string locust_ms_or_zero(std::uint64_t micros);

// A (method, name) row of a table: the keys that saw requests, sorted by name then method as
// Locust's tables are (its sort_stats sorts (name, method) keys). The aggregate is not among them.
struct KeyRow {
  std::string method;
  std::string name;
  const EndpointStats* stats = nullptr;
};
std::vector<KeyRow> sorted_rows(const RunResult& result);

double to_ms(std::uint64_t micros);
double to_ms(double micros);

// One row as Python's csv.writer writes it: minimal quoting, "\r\n" at the end.
std::string csv_row(const std::vector<std::string>& fields);

std::string html_escape(std::string_view text);

// Writes every file under a temporary name in its own directory and renames them into place once
// all were written and closed, so a reader never sees a half-written file. On failure nothing is
// renamed and the temporary files are removed.
tl::expected<void, std::string> write_files_atomically(
    const std::vector<std::pair<std::filesystem::path, std::string>>& files);

} // namespace fp::bench::report
