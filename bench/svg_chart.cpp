// Line charts as inline SVG, shared by bench's HTML report and `fpctl report`: no script, font or
// image from anywhere, so a page that embeds them opens the same offline.
#include "svg_chart.hpp"
#include "report_util.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fp::bench::svg {

// Text from the run (target URL, names, error messages) with ':' escaped too, so the file holds no
// literal "http://" that a browser, a mail filter or a checker could take for an external reference.
std::string html_text(std::string_view raw) {
  std::string out;
  for (char c : report::html_escape(raw)) {
    if (c == ':') out += "&#58;";
    else out += c;
  }
  return out;
}

std::string fixed(double value, int decimals) {
  char out[64];
  std::snprintf(out, sizeof out, "%.*f", decimals, value);
  return out;
}

namespace {

// The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value`: round axis labels.
double nice_ceiling(double value) {
  if (value <= 0) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (step * magnitude >= value * (1 - 1e-9)) return step * magnitude;
  }
  return 10 * magnitude;
}

// A step of the time axis at or above `seconds` that reads well on a clock.
double time_step(double seconds) {
  for (double step : {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400}) {
    if (step >= seconds) return step;
  }
  return nice_ceiling(seconds);
}

std::string axis_number(double value) {
  if (value == std::floor(value) && std::abs(value) < 1e15) return fixed(value, 0);
  return fixed(value, value < 10 ? 2 : 1);
}

std::string clock_label(double second) {
  const auto whole = static_cast<long long>(std::llround(second));
  char out[32];
  if (whole < 60) std::snprintf(out, sizeof out, "%llds", whole);
  else if (whole < 3600) std::snprintf(out, sizeof out, "%lldm%02llds", whole / 60, whole % 60);
  else std::snprintf(out, sizeof out, "%lldh%02lldm", whole / 3600, (whole % 3600) / 60);
  return out;
}

// A line chart of series over seconds since the start of the run.
} // namespace

std::string line_chart(const std::string& id, const std::string& title, const std::string& unit,
                       const std::vector<double>& x, const std::vector<Series>& series, double y_limit) {
  constexpr double k_width = 960, k_height = 280, k_left = 70, k_right = 20, k_top = 36, k_bottom = 40;
  const double plot_w = k_width - k_left - k_right;
  const double plot_h = k_height - k_top - k_bottom;
  double y_max = 0;
  for (const auto& s : series) {
    for (double v : s.values) y_max = std::max(y_max, v);
  }
  y_max = y_limit > 0 ? y_limit : nice_ceiling(y_max);
  double x_max = x.empty() ? 1 : std::max(1.0, x.back());
  for (const auto& s : series) {
    if (!s.x.empty()) x_max = std::max(x_max, s.x.back());
  }
  const auto px = [&](double value) { return k_left + plot_w * value / x_max; };
  const auto py = [&](double value) { return k_top + plot_h * (1 - value / y_max); };

  std::string svg = "<svg id=\"" + id + "\" class=\"chart\" viewBox=\"0 0 " + fixed(k_width, 0) + " " +
                    fixed(k_height, 0) + "\" role=\"img\" aria-label=\"" + html_text(title) + "\">\n";
  svg += "<text x=\"" + fixed(k_left, 0) + "\" y=\"20\" class=\"title\">" + html_text(title) + " (" + html_text(unit) +
         ")</text>\n";
  for (int i = 0; i <= 4; ++i) {
    const double value = y_max * i / 4;
    const std::string y = fixed(py(value), 1);
    svg += "<line x1=\"" + fixed(k_left, 0) + "\" x2=\"" + fixed(k_width - k_right, 0) + "\" y1=\"" + y +
           "\" y2=\"" + y + "\" class=\"grid\"/><text x=\"" + fixed(k_left - 6, 0) + "\" y=\"" + y +
           "\" class=\"ylabel\" dy=\"4\">" + axis_number(value) + "</text>\n";
  }
  const double x_step = time_step(x_max / 6);
  for (double second = 0; second <= x_max * (1 + 1e-9); second += x_step) {
    svg += "<text x=\"" + fixed(px(second), 1) + "\" y=\"" + fixed(k_height - k_bottom + 18, 0) +
           "\" class=\"xlabel\">" + clock_label(second) + "</text>\n";
  }
  double legend_x = k_width - k_right;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    legend_x -= 12 + 8 * static_cast<double>(it->name.size()) + 18;
    svg += "<rect x=\"" + fixed(legend_x, 0) + "\" y=\"10\" width=\"12\" height=\"12\" fill=\"" + it->color +
           "\"/><text x=\"" + fixed(legend_x + 16, 0) + "\" y=\"20\" class=\"legend\">" + html_text(it->name) + "</text>\n";
  }
  for (const auto& s : series) {
    const std::vector<double>& xs = s.x.empty() ? x : s.x;
    if (s.values.size() == 1 && !xs.empty()) {
      svg += "<circle cx=\"" + fixed(px(xs[0]), 1) + "\" cy=\"" + fixed(py(s.values[0]), 1) + "\" r=\"3\" fill=\"" +
             s.color + "\"/>\n";
      continue;
    }
    std::string points;
    for (std::size_t i = 0; i < s.values.size() && i < xs.size(); ++i) {
      points += (i ? " " : "") + fixed(px(xs[i]), 1) + "," + fixed(py(s.values[i]), 1);
    }
    svg += "<polyline class=\"series\" data-series=\"" + html_text(s.name) + "\" fill=\"none\" stroke=\"" + s.color +
           "\" stroke-width=\"1.5\" points=\"" + points + "\"/>\n";
  }
  svg += "<line x1=\"" + fixed(k_left, 0) + "\" x2=\"" + fixed(k_left, 0) + "\" y1=\"" + fixed(k_top, 0) + "\" y2=\"" +
         fixed(k_top + plot_h, 0) + "\" class=\"axis\"/><line x1=\"" + fixed(k_left, 0) + "\" x2=\"" +
         fixed(k_width - k_right, 0) + "\" y1=\"" + fixed(k_top + plot_h, 0) + "\" y2=\"" + fixed(k_top + plot_h, 0) +
         "\" class=\"axis\"/>\n</svg>\n";
  return svg;
}

} // namespace fp::bench::svg
