// Templates: text with {{...}} placeholders, compiled once at load time so that rendering, which
// happens for every request, is a walk over ready parts with no parsing.
#include "scenario.hpp"
#include "scenario_detail.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace fp::bench {

struct Template::Part {
  enum class Kind { literal, variable, random_int, uuid, pick };
  Kind kind = Kind::literal;
  std::string text;     // literal: the text; variable: its name
  std::int64_t low = 0; // random_int: inclusive bounds, as Python's random.randint
  std::int64_t high = 0;
  std::vector<std::string> options; // pick
  bool json_escape = false;         // sits inside a JSON string: escape what it renders
};

Template::Template() = default;
Template::~Template() = default;
Template::Template(const Template&) = default;
Template& Template::operator=(const Template&) = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

namespace {

constexpr std::string_view k_open = "{{";
constexpr std::string_view k_close = "}}";
constexpr std::array<std::string_view, 3> k_generators = {"random_int", "uuid", "pick"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_identifier(std::string_view word) {
  if (word.empty() || (std::isalpha(static_cast<unsigned char>(word[0])) == 0 && word[0] != '_')) return false;
  return std::all_of(word.begin(), word.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; });
}

// Splits a placeholder's inside into words; "..." keeps spaces in one word (`{{pick "John Doe" Jane}}`).
tl::expected<std::vector<std::string>, std::string> split_words(std::string_view inside) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < inside.size()) {
    if (is_space(inside[i])) {
      ++i;
      continue;
    }
    std::string word;
    if (inside[i] == '"') {
      ++i;
      bool closed = false;
      while (i < inside.size()) {
        char c = inside[i++];
        if (c == '\\' && i < inside.size()) {
          word += inside[i++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          word += c;
        }
      }
      if (!closed) return tl::unexpected(std::string("unterminated \" in a placeholder"));
    } else {
      while (i < inside.size() && !is_space(inside[i]))
        word += inside[i++];
    }
    words.push_back(std::move(word));
  }
  return words;
}

tl::expected<std::int64_t, std::string> parse_int(std::string_view word) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (error != std::errc() || end != word.data() + word.size())
    return tl::unexpected("`" + std::string(word) + "` is not an integer");
  return value;
}

tl::expected<Template::Part, std::string> compile_placeholder(std::string_view inside) {
  auto words = split_words(inside);
  if (!words) return tl::unexpected(words.error());
  if (words->empty())
    return tl::unexpected(std::string("empty placeholder: expected a variable name, random_int, uuid or pick"));
  const std::string& head = words->front();
  const std::size_t arguments = words->size() - 1;
  Template::Part part;
  if (head == "random_int") {
    if (arguments != 2) return tl::unexpected(std::string("random_int takes two integers: {{random_int 1 100}}"));
    auto low = parse_int((*words)[1]);
    auto high = parse_int((*words)[2]);
    if (!low) return tl::unexpected("random_int: " + low.error());
    if (!high) return tl::unexpected("random_int: " + high.error());
    if (*low > *high)
      return tl::unexpected("random_int: the minimum " + std::to_string(*low) + " is above the maximum " +
                            std::to_string(*high));
    part.kind = Template::Part::Kind::random_int;
    part.low = *low;
    part.high = *high;
  } else if (head == "uuid") {
    if (arguments != 0) return tl::unexpected(std::string("uuid takes no argument: {{uuid}}"));
    part.kind = Template::Part::Kind::uuid;
  } else if (head == "pick") {
    if (arguments == 0) return tl::unexpected(std::string("pick needs at least one choice: {{pick Laptop Phone}}"));
    part.kind = Template::Part::Kind::pick;
    part.options.assign(words->begin() + 1, words->end());
  } else if (arguments == 0 && is_identifier(head)) {
    part.kind = Template::Part::Kind::variable;
    part.text = head;
  } else {
    std::string message = "`" + head + "` is not a variable name or a generator";
    std::string hint = detail::did_you_mean(head, k_generators);
    message += hint.empty() ? " (expected a variable, random_int, uuid or pick)" : "; " + hint;
    return tl::unexpected(message);
  }
  return part;
}

void append_json_escaped(std::string& out, std::string_view text) {
  constexpr std::string_view k_hex = "0123456789abcdef";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    default:
      if (byte < 0x20) {
        out += "\\u00";
        out += k_hex[byte >> 4];
        out += k_hex[byte & 0xf];
      } else {
        out += c;
      }
    }
  }
}

void append_uuid(std::string& out, std::mt19937_64& random) {
  constexpr std::string_view k_hex = "0123456789abcdef";
  std::array<unsigned char, 16> bytes{};
  for (std::size_t half = 0; half < 2; ++half) {
    std::uint64_t bits = random();
    for (std::size_t i = 0; i < 8; ++i)
      bytes[half * 8 + i] = static_cast<unsigned char>(bits >> (8 * i));
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0fu) | 0x40u); // version 4: random
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3fu) | 0x80u); // RFC 4122 variant
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += k_hex[bytes[i] >> 4];
    out += k_hex[bytes[i] & 0xfu];
  }
}

} // namespace

tl::expected<Template, std::string> Template::compile(std::string_view text) {
  Template result;
  result.m_source = std::string(text);
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t open = text.find(k_open, at);
    if (open == std::string_view::npos) {
      result.m_parts.push_back(Part{Part::Kind::literal, std::string(text.substr(at)), 0, 0, {}, false});
      break;
    }
    if (open > at)
      result.m_parts.push_back(Part{Part::Kind::literal, std::string(text.substr(at, open - at)), 0, 0, {}, false});
    std::size_t close = text.find(k_close, open + k_open.size());
    if (close == std::string_view::npos)
      return tl::unexpected("`{{` at offset " + std::to_string(open) + " is never closed by `}}`");
    auto part = compile_placeholder(text.substr(open + k_open.size(), close - open - k_open.size()));
    if (!part)
      return tl::unexpected("in `" + std::string(text.substr(open, close + k_close.size() - open)) +
                            "`: " + part.error());
    result.m_parts.push_back(std::move(*part));
    at = close + k_close.size();
  }
  return result;
}

tl::expected<Template, std::string> Template::compile_json(std::string_view text) {
  auto compiled = compile(text);
  if (!compiled) return compiled;
  // Mark the placeholders that sit inside a JSON string by following the quotes of the literal text
  // (placeholders themselves never open or close a string).
  bool in_string = false;
  bool escaped = false;
  std::string probe; // the text with every placeholder replaced by a harmless value, to check syntax
  for (Part& part : compiled->m_parts) {
    if (part.kind != Part::Kind::literal) {
      part.json_escape = in_string;
      escaped = false;
      if (!in_string && part.kind == Part::Kind::uuid)
        return tl::unexpected(
            std::string("{{uuid}} outside a JSON string would not be valid JSON: write \"{{uuid}}\""));
      probe += in_string ? "x" : "0";
      continue;
    }
    for (char c : part.text) {
      if (escaped)
        escaped = false;
      else if (in_string && c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = !in_string;
    }
    probe += part.text;
  }
  if (!nlohmann::json::accept(probe))
    return tl::unexpected(std::string("not valid JSON (placeholders outside quotes must render a JSON value, "
                                      "e.g. {{random_int 1 5}})"));
  return compiled;
}

tl::expected<std::string, std::string> Template::render(UserState& user) const {
  std::string out;
  out.reserve(m_source.size() + 16);
  std::string value;
  for (const Part& part : m_parts) {
    if (part.kind == Part::Kind::literal) {
      out += part.text;
      continue;
    }
    value.clear();
    switch (part.kind) {
    case Part::Kind::literal: break;
    case Part::Kind::variable: {
      auto found = user.variables.find(part.text);
      if (found == user.variables.end())
        return tl::unexpected("variable `" + part.text +
                              "` is not set yet: capture it in an earlier request (e.g. in on_start)");
      value = found->second;
      break;
    }
    case Part::Kind::random_int:
      value = std::to_string(std::uniform_int_distribution<std::int64_t>(part.low, part.high)(user.random));
      break;
    case Part::Kind::uuid: append_uuid(value, user.random); break;
    case Part::Kind::pick:
      value = part.options[std::uniform_int_distribution<std::size_t>(0, part.options.size() - 1)(user.random)];
      break;
    }
    if (part.json_escape)
      append_json_escaped(out, value);
    else
      out += value;
  }
  return out;
}

bool Template::is_literal() const {
  return std::all_of(m_parts.begin(), m_parts.end(), [](const Part& part) { return part.kind == Part::Kind::literal; });
}

std::vector<std::string> Template::variables() const {
  std::vector<std::string> names;
  for (const Part& part : m_parts)
    if (part.kind == Part::Kind::variable && std::find(names.begin(), names.end(), part.text) == names.end())
      names.push_back(part.text);
  return names;
}

namespace detail {

bool has_placeholder(std::string_view text) { return text.find(k_open) != std::string_view::npos; }

namespace {

bool is_lone_random_int(std::string_view text) {
  if (!text.starts_with(k_open) || !text.ends_with(k_close) || text.size() < k_open.size() + k_close.size())
    return false;
  std::string_view inside = text.substr(k_open.size(), text.size() - k_open.size() - k_close.size());
  if (inside.find(k_close) != std::string_view::npos) return false;
  auto part = compile_placeholder(inside);
  return part && part->kind == Template::Part::Kind::random_int;
}

// A JSON string literal whose placeholders are left as written; the rest is escaped as json.dumps
// does by default (ensure_ascii).
void append_string_source(std::string& out, std::string_view text) {
  out += '"';
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t open = text.find(k_open, at);
    std::size_t close = open == std::string_view::npos ? open : text.find(k_close, open + k_open.size());
    std::size_t literal_end = close == std::string_view::npos ? text.size() : open;
    std::string escaped = nlohmann::json(std::string(text.substr(at, literal_end - at))).dump(-1, ' ', true);
    out.append(escaped, 1, escaped.size() - 2);
    if (close == std::string_view::npos) break;
    out += text.substr(open, close + k_close.size() - open);
    at = close + k_close.size();
  }
  out += '"';
}

void append_source(std::string& out, const nlohmann::ordered_json& value) {
  if (value.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [key, member] : value.items()) {
      if (!first) out += ", ";
      first = false;
      out += nlohmann::json(key).dump(-1, ' ', true);
      out += ": ";
      append_source(out, member);
    }
    out += '}';
  } else if (value.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& element : value) {
      if (!first) out += ", ";
      first = false;
      append_source(out, element);
    }
    out += ']';
  } else if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (is_lone_random_int(text))
      out += text;
    else
      append_string_source(out, text);
  } else {
    out += value.dump(-1, ' ', true);
  }
}

} // namespace

std::string json_body_source(const nlohmann::ordered_json& body) {
  std::string out;
  append_source(out, body);
  return out;
}

} // namespace detail

} // namespace fp::bench
