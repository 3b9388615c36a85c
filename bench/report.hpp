// Turning a RunResult into what people and tools read: the console tables (like Locust's final
// summary), Locust's CSV files byte for byte in format, JSON, and one self-contained HTML page.
#pragma once

#include "stats.hpp"

#include <filesystem>
#include <string>
#include <tl/expected.hpp>

namespace fp::bench {

// The final console report: per-name table, percentile table, error report, users and generator
// health. `color`: ANSI colours (callers decide from NO_COLOR and isatty).
std::string format_console_report(const RunResult& result, bool color);

// PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv, PREFIX_exceptions.csv with
// Locust's headers; final values, files closed before returning. Written to a temporary name and
// renamed, so a file is either complete or absent.
tl::expected<void, std::string> write_csv(const RunResult& result, const std::string& prefix);
tl::expected<void, std::string> write_json(const RunResult& result, const std::filesystem::path& path);
// One file, no external assets: tables and inline SVG charts of RPS, response times and users.
tl::expected<void, std::string> write_html(const RunResult& result, const std::filesystem::path& path);

} // namespace fp::bench
