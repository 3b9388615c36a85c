#include "units.hpp"

#include <cmath>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <optional>

namespace fp {
namespace {

// Splits "1.5ms" into 1.5 and "ms"; nullopt when there is no leading number.
std::optional<std::pair<double, std::string_view>> split_number(std::string_view text) {
  std::size_t used = 0;
  while (used < text.size() && (std::isdigit(static_cast<unsigned char>(text[used])) || text[used] == '.')) ++used;
  if (used == 0) return std::nullopt;
  const std::string number(text.substr(0, used));
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size()) return std::nullopt;
  return std::pair{value, text.substr(used)};
}

} // namespace

tl::expected<std::chrono::nanoseconds, std::string> parse_duration(std::string_view text) {
  const auto error = [&] {
    return tl::unexpected("'" + std::string(text) + "' is not a duration: write e.g. 30s, 500ms, 2m or 1h");
  };
  auto parts = split_number(text);
  if (!parts) return error();
  const auto [value, unit] = *parts;
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1e9;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "us" || unit == "µs") scale = 1e3;
  else if (unit == "ns") scale = 1;
  else if (unit == "m") scale = 60e9;
  else if (unit == "h") scale = 3600e9;
  else return error();
  const double nanos = value * scale;
  if (!std::isfinite(nanos) || nanos > 9e18) return error();
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(nanos)));
}

tl::expected<std::uint64_t, std::string> parse_count(std::string_view text) {
  const auto error = [&] {
    return tl::unexpected("'" + std::string(text) + "' is not a count: write e.g. 100, 10k or 1.5M");
  };
  auto parts = split_number(text);
  if (!parts) return error();
  const auto [value, unit] = *parts;
  double scale = 0;
  if (unit.empty()) scale = 1;
  else if (unit == "k" || unit == "K") scale = 1e3;
  else if (unit == "M") scale = 1e6;
  else if (unit == "G") scale = 1e9;
  else return error();
  const double count = value * scale;
  if (!std::isfinite(count) || count > 1.8e19 || count != std::floor(count)) return error();
  return static_cast<std::uint64_t>(count);
}

std::string format_duration(std::chrono::nanoseconds duration) {
  const double ns = static_cast<double>(duration.count());
  char out[32];
  if (ns < 1e3) std::snprintf(out, sizeof out, "%.0fns", ns);
  else if (ns < 1e6) std::snprintf(out, sizeof out, "%.*fus", ns < 1e4 ? 2 : ns < 1e5 ? 1 : 0, ns / 1e3);
  else if (ns < 1e9) std::snprintf(out, sizeof out, "%.*fms", ns < 1e7 ? 2 : ns < 1e8 ? 1 : 0, ns / 1e6);
  else if (ns < 60e9) std::snprintf(out, sizeof out, "%.2fs", ns / 1e9);
  else {
    const auto seconds = static_cast<long long>(ns / 1e9);
    if (seconds < 3600) std::snprintf(out, sizeof out, "%lldm%02llds", seconds / 60, seconds % 60);
    else std::snprintf(out, sizeof out, "%lldh%02lldm", seconds / 3600, (seconds % 3600) / 60);
  }
  return out;
}

std::string format_bytes(std::uint64_t bytes) {
  constexpr const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char out[32];
  if (unit == 0) std::snprintf(out, sizeof out, "%lluB", static_cast<unsigned long long>(bytes));
  else std::snprintf(out, sizeof out, "%.1f%s", value, units[unit]);
  return out;
}

std::string format_count(double count) {
  char out[32];
  if (count < 1e3) std::snprintf(out, sizeof out, "%.0f", count);
  else if (count < 1e6) std::snprintf(out, sizeof out, "%.*fk", count < 1e4 ? 2 : count < 1e5 ? 1 : 0, count / 1e3);
  else std::snprintf(out, sizeof out, "%.*fM", count < 1e7 ? 2 : count < 1e8 ? 1 : 0, count / 1e6);
  return out;
}

} // namespace fp
