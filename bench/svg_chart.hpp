// Line charts as inline SVG (bench's HTML report and `fpctl report` draw theirs with it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fp::bench::svg {

struct Series {
  std::string name;
  std::string color;          // an SVG colour, e.g. "#2b7bba"
  std::vector<double> values;
  std::vector<double> x;      // its own x values (seconds); empty: the chart's shared x
};

// A line chart of `series` over seconds since a start (`x`, ascending), with a legend, a grid and
// clock labels. `y_limit` > 0 fixes the top of the y axis (e.g. 100 for CPU %); otherwise the next
// round number above the largest value. The <svg> carries id and class "chart".
std::string line_chart(const std::string& id, const std::string& title, const std::string& unit,
                       const std::vector<double>& x, const std::vector<Series>& series, double y_limit = 0);

// HTML-escaped text with ':' escaped too, so a page holds no literal "http://" that a browser, a mail
// filter or a checker could take for an external reference.
std::string html_text(std::string_view raw);
// printf's "%.*f".
std::string fixed(double value, int decimals);

} // namespace fp::bench::svg
