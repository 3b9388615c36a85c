#include "report_util.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <system_error>
#include <tuple>
#include <unistd.h>

namespace fp::bench::report {

std::string python_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // to_chars without a precision gives the shortest digits that read back to the same double,
  // which is what Python's repr uses; only the layout differs.
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  if (error != std::errc{}) return "nan";
  const std::string_view text(buffer, static_cast<std::size_t>(end - buffer)); // -d.ddde+XX
  const auto e = text.find('e');
  std::string_view mantissa = text.substr(0, e);
  int exponent = 0;
  std::from_chars(text.data() + e + 1 + (text[e + 1] == '+' ? 1 : 0), text.data() + text.size(), exponent);

  std::string out;
  if (mantissa.front() == '-') {
    out += '-';
    mantissa.remove_prefix(1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  // Python switches to exponent notation outside 1e-4 <= |x| < 1e16 (float_repr_style 'short').
  if (exponent < -4 || exponent >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + exp;
  }
  if (exponent < 0) return out + "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  const auto integer_digits = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= integer_digits) return out + digits + std::string(integer_digits - digits.size(), '0') + ".0";
  return out + digits.substr(0, integer_digits) + "." + digits.substr(integer_digits);
}

LocustTime locust_round(std::uint64_t micros) {
  // stats.py _log_response_time: round(t) below 100 ms, round(t, -1) below 1 s, round(t, -2) below
  // 10 s, round(t, -3) above. Done in integer µs so that exact halves round to even as Python does.
  std::uint64_t unit = 1'000; // µs per step of the key
  bool is_float = true;
  if (micros < 100'000) is_float = false;
  else if (micros < 1'000'000) unit = 10'000;
  else if (micros < 10'000'000) unit = 100'000;
  else unit = 1'000'000;
  std::uint64_t steps = micros / unit;
  const std::uint64_t rest = micros % unit;
  if (rest * 2 > unit || (rest * 2 == unit && steps % 2 == 1)) ++steps;
  return {steps * unit / 1'000, is_float};
}

std::string to_string(LocustTime time) { return std::to_string(time.ms) + (time.is_float ? ".0" : ""); }

std::vector<KeyRow> sorted_rows(const RunResult& result) {
  std::vector<KeyRow> rows;
  for (std::size_t i = 0; i < result.keys.size() && i < result.per_key.size(); ++i) {
    // Locust has no entry for a name never requested; neither do our tables.
    if (result.per_key[i].requests == 0) continue;
    rows.push_back({result.keys[i].method, result.keys[i].name, &result.per_key[i]});
  }
  std::sort(rows.begin(), rows.end(), [](const KeyRow& a, const KeyRow& b) {
    return std::tie(a.name, a.method) < std::tie(b.name, b.method);
  });
  return rows;
}

double to_ms(std::uint64_t micros) { return static_cast<double>(micros) / 1000.0; }
double to_ms(double micros) { return micros / 1000.0; }

std::string locust_median(std::uint64_t count, std::uint64_t median_us, std::uint64_t min_us, std::uint64_t max_us) {
  if (count == 0) return "0";
  // StatsEntry.median_response_time clamps the rounded median to the exact min and max, which are
  // floats in Locust.
  const LocustTime median = locust_round(median_us);
  const double median_ms = static_cast<double>(median.ms);
  if (median_ms > to_ms(max_us)) return python_float(to_ms(max_us));
  if (median_ms < to_ms(min_us)) return python_float(to_ms(min_us));
  return to_string(median);
}

std::string locust_median(const Histogram& histogram) {
  if (histogram.count() == 0) return "0";
  // median_from_dict: the sample at rank floor((n - 1) / 2).
  return locust_median(histogram.count(), histogram.value_at_rank((histogram.count() - 1) / 2), histogram.min(),
                       histogram.max());
}

std::string locust_percentile(const Histogram& histogram, double q) {
  if (histogram.count() == 0) return "N/A";
  return std::to_string(locust_round(histogram.value_at_quantile(q)).ms); // int(...) in StatsCSV
}

std::string locust_ms_or_zero(std::uint64_t micros) { return micros == 0 ? "0" : python_float(to_ms(micros)); }

std::string csv_row(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    const std::string& field = fields[i];
    // QUOTE_MINIMAL: quote only what contains the delimiter, the quote or a line break; a row of
    // one empty field is quoted too, or it would read back as no field at all.
    const bool quote = field.find_first_of(",\"\r\n") != std::string::npos || (fields.size() == 1 && field.empty());
    if (!quote) {
      out += field;
      continue;
    }
    out += '"';
    for (char c : field) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  return out + "\r\n";
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  }
  return out;
}

tl::expected<void, std::string> write_files_atomically(
    const std::vector<std::pair<std::filesystem::path, std::string>>& files) {
  std::vector<std::filesystem::path> temporaries;
  const auto remove_temporaries = [&] {
    std::error_code ignored;
    for (const auto& temporary : temporaries) std::filesystem::remove(temporary, ignored);
  };
  for (const auto& [path, content] : files) {
    // Same directory as the target, so the rename cannot cross file systems.
    auto temporary = path;
    temporary += ".tmp-" + std::to_string(::getpid());
    temporaries.push_back(temporary);
    errno = 0;
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (out) out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (out) out.close();
    if (!out) {
      const int error = errno;
      remove_temporaries();
      return tl::unexpected("cannot write " + path.string() + ": " + (error != 0 ? std::strerror(error) : "I/O error"));
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::error_code error;
    std::filesystem::rename(temporaries[i], files[i].first, error);
    if (error) {
      remove_temporaries();
      return tl::unexpected("cannot write " + files[i].first.string() + ": " + error.message());
    }
  }
  return {};
}

} // namespace fp::bench::report
