#include "deploy/template.hpp"

#include <cstddef>
#include <set>
#include <string>
#include <vector>

namespace fp::deploy {

namespace detail {
// Defined in the .cpp that provision/deploy/CMakeLists.txt generates from templates/deploy/.
std::vector<std::string_view> embedded_template_names();
} // namespace detail

namespace {

constexpr std::string_view k_open = "{{";
constexpr std::string_view k_close = "}}";

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

bool is_variable_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  for (char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string located(std::string_view template_name, std::size_t line, const std::string& message) {
  return std::string(template_name) + ":" + std::to_string(line) + ": " + message;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += "'" + name + "'";
  }
  return out;
}

} // namespace

tl::expected<std::string, std::string> render(std::string_view template_name, std::string_view text,
                                              const Variables& variables) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  std::set<std::string, std::less<>> used;
  std::size_t line = 1;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find(k_open, pos);
    const std::string_view literal = text.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos);
    for (char c : literal) {
      if (c == '\n') ++line;
    }
    out += literal;
    if (open == std::string_view::npos) break;

    // A placeholder never spans lines: an unclosed '{{' is reported on its own line rather than
    // swallowing the rest of the file up to some later '}}'.
    const std::size_t line_end = text.find('\n', open);
    const std::size_t close = text.find(k_close, open + k_open.size());
    if (close == std::string_view::npos || (line_end != std::string_view::npos && close > line_end)) {
      return tl::unexpected(located(template_name, line, "'{{' without a closing '}}'"));
    }
    const std::string_view inside = text.substr(open + k_open.size(), close - open - k_open.size());
    const std::string_view name = trim_blanks(inside);
    if (!is_variable_name(name)) {
      return tl::unexpected(located(template_name, line,
                                    "'{{" + std::string(inside) + "}}' is not a variable name (names are "
                                    "letters, digits and '_', not starting with a digit)"));
    }
    const auto value = variables.find(name);
    if (value == variables.end()) {
      return tl::unexpected(located(template_name, line, "no value for {{" + std::string(name) + "}}"));
    }
    // The value is inserted as it is and never scanned again: a '{{' in a value is text.
    out += value->second;
    used.insert(value->first);
    pos = close + k_close.size();
  }

  std::vector<std::string> unused;
  for (const auto& [name, value] : variables) {
    if (!used.contains(name)) unused.push_back(name);
  }
  if (unused.size() == 1) {
    return tl::unexpected(std::string(template_name) + ": value " + quoted_list(unused) +
                          " is not used by the template");
  }
  if (!unused.empty()) {
    return tl::unexpected(std::string(template_name) + ": values " + quoted_list(unused) +
                          " are not used by the template");
  }
  return out;
}

tl::expected<std::string, std::string> render_embedded(std::string_view name, const Variables& variables) {
  const std::string_view text = embedded_template(name);
  if (text.empty()) {
    std::string known;
    for (const auto known_name : detail::embedded_template_names()) {
      if (!known.empty()) known += ", ";
      known += known_name;
    }
    return tl::unexpected("no template named '" + std::string(name) + "' is built in (known: " +
                          (known.empty() ? std::string("none") : known) + ")");
  }
  return render(name, text, variables);
}

} // namespace fp::deploy
