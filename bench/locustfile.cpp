// Importing the simple locustfile the course's students write. This is not a Python interpreter:
// a small tokenizer and a parser for exactly the documented pattern (docs/SCENARIOS.md,
// "Locustfiles"). Whatever falls outside it is refused with its line, because running half of a
// file's meaning would produce numbers for a test nobody wrote.
#include "scenario.hpp"
#include "scenario_detail.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace fp::bench {

namespace {

constexpr std::string_view k_pointer =
    "; only the simple locustfile pattern is imported (docs/SCENARIOS.md, \"Locustfiles\"): write this scenario "
    "in YAML and run it with --scenario FILE.yaml";
constexpr std::array<std::string_view, 7> k_client_methods = {"get",    "post", "put",    "patch",
                                                              "delete", "head", "options"};
constexpr std::array<std::string_view, 4> k_request_keywords = {"url", "json", "headers", "name"};
constexpr std::array<std::string_view, 2> k_user_classes = {"HttpUser", "FastHttpUser"};
constexpr int k_tab_stop = 8; // Python's tokenizer: a tab moves to the next multiple of 8

struct Token {
  enum class Kind { name, number, string, op, newline, indent, dedent, end };
  Kind kind = Kind::end;
  std::string text; // name, number, op: as written; string: the value as template text
  int line = 1;
  // Strings only.
  bool fstring = false;
  std::string problem;                 // why the text cannot become a template
  std::vector<std::string> attributes; // self.<name> read by an f-string
};

struct Refusal {
  std::string message;
};

[[noreturn]] void refuse(int line, const std::string& reason) { throw Refusal{std::to_string(line) + ": " + reason}; }

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xc0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xe0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  }
}

// Python's escape sequences in a non-raw literal; unknown ones keep their backslash, as Python does.
std::string decode_escapes(std::string_view raw, int line) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 == raw.size()) {
      out += raw[i];
      continue;
    }
    char c = raw[++i];
    switch (c) {
    case '\n': break; // a backslash at the end of a line continues the string
    case '\\': out += '\\'; break;
    case '\'': out += '\''; break;
    case '"': out += '"'; break;
    case 'n': out += '\n'; break;
    case 't': out += '\t'; break;
    case 'r': out += '\r'; break;
    case 'a': out += '\a'; break;
    case 'b': out += '\b'; break;
    case 'f': out += '\f'; break;
    case 'v': out += '\v'; break;
    case 'x':
    case 'u':
    case 'U': {
      std::size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      std::uint32_t code = 0;
      auto [end, error] =
          std::from_chars(raw.data() + i + 1, raw.data() + std::min(raw.size(), i + 1 + digits), code, 16);
      if (error != std::errc() || end != raw.data() + i + 1 + digits || code > 0x10ffff)
        refuse(line, std::string("malformed \\") + c + " escape in a string");
      append_utf8(out, code);
      i += digits;
      break;
    }
    default:
      if (c >= '0' && c <= '7') refuse(line, "octal escapes in strings are not understood");
      if (c == 'N') refuse(line, "\\N{...} escapes in strings are not understood");
      out += '\\';
      out += c;
    }
  }
  return out;
}

class Lexer {
public:
  explicit Lexer(std::string_view text) : m_text(text) {}

  std::vector<Token> run() {
    std::vector<int> indents{0};
    bool line_start = true;
    while (m_at < m_text.size()) {
      if (line_start && m_depth == 0) {
        line_start = false;
        int width = 0;
        std::size_t at = m_at;
        for (; at < m_text.size() && (m_text[at] == ' ' || m_text[at] == '\t'); ++at)
          width = m_text[at] == '\t' ? (width / k_tab_stop + 1) * k_tab_stop : width + 1;
        if (at == m_text.size() || m_text[at] == '\n' || m_text[at] == '#' || m_text[at] == '\r') {
          m_at = at; // blank or comment-only lines do not count for indentation
        } else {
          if (width > indents.back()) {
            indents.push_back(width);
            push(Token::Kind::indent, "");
          }
          while (width < indents.back()) {
            indents.pop_back();
            push(Token::Kind::dedent, "");
          }
          if (width != indents.back()) refuse(m_line, "the indentation does not match any outer block");
          m_at = at;
        }
      }
      char c = m_text[m_at];
      if (c == '\n') {
        if (m_depth == 0) {
          if (!m_tokens.empty() && m_tokens.back().kind != Token::Kind::newline &&
              m_tokens.back().kind != Token::Kind::dedent && m_tokens.back().kind != Token::Kind::indent)
            push(Token::Kind::newline, "");
          line_start = true;
        }
        ++m_line;
        ++m_at;
      } else if (c == '\\' && m_at + 1 < m_text.size() && m_text[m_at + 1] == '\n') {
        m_at += 2;
        ++m_line;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        ++m_at;
      } else if (c == '#') {
        while (m_at < m_text.size() && m_text[m_at] != '\n')
          ++m_at;
      } else if (is_name_start(c)) {
        std::size_t start = m_at;
        while (m_at < m_text.size() && is_name_char(m_text[m_at]))
          ++m_at;
        std::string_view word = m_text.substr(start, m_at - start);
        if (m_at < m_text.size() && (m_text[m_at] == '"' || m_text[m_at] == '\'') && is_string_prefix(word))
          string(word);
        else
          push(Token::Kind::name, std::string(word));
      } else if (std::isdigit(static_cast<unsigned char>(c)) != 0 ||
                 (c == '.' && m_at + 1 < m_text.size() &&
                  std::isdigit(static_cast<unsigned char>(m_text[m_at + 1])) != 0)) {
        std::size_t start = m_at;
        while (m_at < m_text.size() &&
               (is_name_char(m_text[m_at]) || m_text[m_at] == '.' ||
                ((m_text[m_at] == '-' || m_text[m_at] == '+') && (m_text[m_at - 1] == 'e' || m_text[m_at - 1] == 'E'))))
          ++m_at;
        push(Token::Kind::number, std::string(m_text.substr(start, m_at - start)));
      } else if (c == '"' || c == '\'') {
        string("");
      } else {
        operator_token();
      }
    }
    if (!m_tokens.empty() && m_tokens.back().kind != Token::Kind::newline) push(Token::Kind::newline, "");
    for (std::size_t i = 1; i < indents.size(); ++i)
      push(Token::Kind::dedent, "");
    push(Token::Kind::end, "");
    return std::move(m_tokens);
  }

private:
  static bool is_string_prefix(std::string_view word) {
    if (word.size() > 2) return false;
    return std::all_of(word.begin(), word.end(),
                       [](char c) { return std::string_view("rRfFbBuU").find(c) != std::string_view::npos; });
  }

  Token& push(Token::Kind kind, std::string text) {
    Token token;
    token.kind = kind;
    token.text = std::move(text);
    token.line = m_line;
    m_tokens.push_back(std::move(token));
    return m_tokens.back();
  }

  void operator_token() {
    static constexpr std::array<std::string_view, 15> k_long = {
        "**=", "//=", "->", "**", "//", "==", "!=", "<=", ">=", ":=", "+=", "-=", "*=", "/=", "<<"};
    for (std::string_view op : k_long)
      if (m_text.substr(m_at, op.size()) == op) {
        push(Token::Kind::op, std::string(op));
        m_at += op.size();
        return;
      }
    char c = m_text[m_at++];
    if (c == '(' || c == '[' || c == '{')
      ++m_depth;
    else if ((c == ')' || c == ']' || c == '}') && m_depth > 0)
      --m_depth;
    push(Token::Kind::op, std::string(1, c));
  }

  void string(std::string_view prefix) {
    const int line = m_line;
    bool raw = false;
    bool formatted = false;
    for (char p : prefix) {
      raw = raw || p == 'r' || p == 'R';
      formatted = formatted || p == 'f' || p == 'F';
      if (p == 'b' || p == 'B') refuse(line, "bytes literals are not understood");
    }
    const char quote = m_text[m_at];
    const bool triple = m_text.substr(m_at, 3) == std::string(3, quote);
    m_at += triple ? 3 : 1;
    std::size_t start = m_at;
    while (true) {
      if (m_at >= m_text.size()) refuse(line, "a string is never closed");
      char c = m_text[m_at];
      if (c == '\\' && m_at + 1 < m_text.size()) {
        if (m_text[m_at + 1] == '\n') ++m_line;
        m_at += 2;
        continue;
      }
      if (c == '\n') {
        if (!triple) refuse(line, "a string is never closed on its line");
        ++m_line;
      }
      if (c == quote && (!triple || m_text.substr(m_at, 3) == std::string(3, quote))) break;
      ++m_at;
    }
    std::string_view body = m_text.substr(start, m_at - start);
    m_at += triple ? 3 : 1;

    Token& token = push(Token::Kind::string, "");
    token.line = line;
    token.fstring = formatted;
    if (!formatted) {
      token.text = raw ? std::string(body) : decode_escapes(body, line);
      if (detail::has_placeholder(token.text))
        token.problem = "the text contains `{{`, which scenarios read as a placeholder";
      return;
    }
    // An f-string: literal parts and {self.<name>} fields, which become {{name}} placeholders.
    std::size_t at = 0;
    std::string literal;
    auto flush = [&] {
      std::string decoded = raw ? literal : decode_escapes(literal, line);
      if (decoded.find_first_of("{}") != std::string::npos)
        token.problem = "an f-string with literal braces is not understood";
      token.text += decoded;
      literal.clear();
    };
    while (at < body.size()) {
      if (body.substr(at, 2) == "{{" || body.substr(at, 2) == "}}") {
        literal += body[at];
        at += 2;
      } else if (body[at] == '{') {
        std::size_t close = body.find('}', at);
        if (close == std::string_view::npos) refuse(line, "an f-string field is never closed");
        std::string_view field = body.substr(at + 1, close - at - 1);
        while (!field.empty() && field.front() == ' ')
          field.remove_prefix(1);
        while (!field.empty() && field.back() == ' ')
          field.remove_suffix(1);
        constexpr std::string_view k_self = "self.";
        std::string_view attribute = field.starts_with(k_self) ? field.substr(k_self.size()) : std::string_view();
        if (attribute.empty() || !is_name_start(attribute[0]) ||
            !std::all_of(attribute.begin(), attribute.end(), is_name_char))
          refuse(line,
                 "the f-string field {" + std::string(field) +
                     "} is not understood: only {self.<name>} fields holding a value captured from a response are");
        flush();
        token.text += "{{" + std::string(attribute) + "}}";
        token.attributes.emplace_back(attribute);
        at = close + 1;
      } else if (body[at] == '}') {
        refuse(line, "a single `}` in an f-string");
      } else {
        literal += body[at++];
      }
    }
    flush();
  }

  std::string_view m_text;
  std::size_t m_at = 0;
  int m_line = 1;
  int m_depth = 0;
  std::vector<Token> m_tokens;
};

// A method's local name: a literal, or the response of one of its requests.
struct Local {
  nlohmann::ordered_json value;
  std::optional<std::size_t> response;                 // index in the method's requests
  std::vector<std::pair<std::string, int>> attributes; // self.<name> read by f-strings inside
};

struct AttributeUse {
  std::string name;
  int line;
};

class Importer {
public:
  explicit Importer(std::vector<Token> tokens) : m_tokens(std::move(tokens)) {}

  Scenario run() {
    while (peek().kind != Token::Kind::end) {
      const Token& token = peek();
      if (token.kind == Token::Kind::newline) {
        ++m_at;
      } else if (is_name(token, "from") || is_name(token, "import")) {
        import_statement();
      } else if (is_name(token, "class")) {
        user_class();
      } else if (token.kind == Token::Kind::string) {
        string_value(); // the module's docstring
        end_of_statement();
      } else {
        refuse(token.line,
               "`" + describe(token) +
                   "` at the top level: only imports and one HttpUser or FastHttpUser class are understood");
      }
    }
    if (!m_has_class) refuse(1, "no class deriving from HttpUser or FastHttpUser");
    check_attributes();
    return std::move(m_scenario);
  }

private:
  // --- tokens --------------------------------------------------------------------------------

  const Token& peek(std::size_t ahead = 0) const { return m_tokens[std::min(m_at + ahead, m_tokens.size() - 1)]; }
  const Token& next() {
    const Token& token = peek();
    if (m_at < m_tokens.size() - 1) ++m_at;
    return token;
  }
  static bool is_name(const Token& token, std::string_view text) {
    return token.kind == Token::Kind::name && token.text == text;
  }
  static bool is_op(const Token& token, std::string_view text) {
    return token.kind == Token::Kind::op && token.text == text;
  }
  static std::string describe(const Token& token) {
    switch (token.kind) {
    case Token::Kind::newline: return "end of line";
    case Token::Kind::indent: return "indented block";
    case Token::Kind::dedent: return "end of block";
    case Token::Kind::end: return "end of file";
    case Token::Kind::string: return "a string";
    default: return token.text;
    }
  }
  void expect_op(std::string_view op, std::string_view context) {
    const Token& token = next();
    if (!is_op(token, op))
      refuse(token.line,
             "expected `" + std::string(op) + "` " + std::string(context) + ", found `" + describe(token) + "`");
  }
  std::string expect_name(std::string_view context) {
    const Token& token = next();
    if (token.kind != Token::Kind::name)
      refuse(token.line, "expected a name " + std::string(context) + ", found `" + describe(token) + "`");
    return token.text;
  }
  void end_of_statement() {
    const Token& token = next();
    if (token.kind != Token::Kind::newline)
      refuse(token.line, "`" + describe(token) + "` after the end of a statement is not understood");
  }

  // --- module level ----------------------------------------------------------------------------

  // Imports are accepted as written: unused ones are harmless, and a used name that this importer
  // does not know is refused where it is used. Only names from locust are remembered.
  void import_statement() {
    const Token& first = next();
    if (is_name(first, "import")) {
      while (peek().kind != Token::Kind::newline)
        if (next().kind == Token::Kind::end) break;
      end_of_statement();
      return;
    }
    std::string module = expect_name("after `from`");
    while (is_op(peek(), ".")) {
      next();
      module += "." + expect_name("in a module name");
    }
    if (!is_name(next(), "import")) refuse(first.line, "expected `from MODULE import NAMES`");
    const bool from_locust = module == "locust" || module.starts_with("locust.");
    bool parenthesized = is_op(peek(), "(");
    if (parenthesized) next();
    while (true) {
      if (is_op(peek(), "*")) {
        next();
        if (from_locust)
          for (std::string_view name :
               {"HttpUser", "FastHttpUser", "task", "between", "constant", "constant_pacing", "constant_throughput"})
            m_locust_names[std::string(name)] = std::string(name);
      } else {
        std::string name = expect_name("in an import");
        std::string alias = name;
        if (is_name(peek(), "as")) {
          next();
          alias = expect_name("after `as`");
        }
        if (from_locust)
          m_locust_names[alias] = name;
        else
          m_locust_names.erase(alias);
      }
      if (!is_op(peek(), ",")) break;
      next();
      if (parenthesized && is_op(peek(), ")")) break;
    }
    if (parenthesized) expect_op(")", "to close the import list");
    end_of_statement();
  }

  // `name` as used in the file, if it is locust's `expected` (imported from locust, maybe renamed).
  bool is_locust(std::string_view name, std::string_view expected) const {
    auto found = m_locust_names.find(std::string(name));
    return found != m_locust_names.end() && found->second == expected;
  }

  void user_class() {
    const Token& keyword = next();
    if (m_has_class)
      refuse(keyword.line,
             "a second user class: one class is imported (to mix behaviours, write weighted tasks in YAML)");
    m_scenario.name = expect_name("after `class`");
    expect_op("(", "after the class name: the class must derive from HttpUser or FastHttpUser");
    const Token& base = next();
    if (base.kind != Token::Kind::name ||
        !std::any_of(k_user_classes.begin(), k_user_classes.end(),
                     [&](std::string_view user) { return is_locust(base.text, user); }))
      refuse(base.line, std::find(k_user_classes.begin(), k_user_classes.end(), base.text) != k_user_classes.end()
                            ? base.text + " is not imported from locust"
                            : "the class must derive from HttpUser or FastHttpUser, not `" + describe(base) + "`");
    expect_op(")", "after the base class (one base class only)");
    expect_op(":", "after the class header");
    if (next().kind != Token::Kind::newline || next().kind != Token::Kind::indent)
      refuse(keyword.line, "the class body must be an indented block on the following lines");
    m_has_class = true;
    while (peek().kind != Token::Kind::dedent && peek().kind != Token::Kind::end)
      class_statement();
    next();
    if (m_scenario.tasks.empty()) refuse(keyword.line, "the class has no @task method");
  }

  void class_statement() {
    const Token& token = peek();
    if (token.kind == Token::Kind::newline) {
      next();
    } else if (token.kind == Token::Kind::string) {
      string_value(); // a docstring
      end_of_statement();
    } else if (is_name(token, "pass")) {
      next();
      end_of_statement();
    } else if (is_op(token, "@")) {
      next();
      const Token& decorator = next();
      if (decorator.kind != Token::Kind::name || !is_locust(decorator.text, "task"))
        refuse(decorator.line,
               "the decorator @" + describe(decorator) + " is not understood (only @task and @task(weight) are)");
      std::uint32_t weight = 1;
      if (is_op(peek(), "(")) {
        next();
        if (is_name(peek(), "weight") && is_op(peek(1), "=")) {
          next();
          next();
        }
        const Token& number = next();
        weight = task_weight(number);
        expect_op(")", "after the task weight");
      }
      end_of_statement();
      if (!is_name(peek(), "def")) refuse(peek().line, "@task must be followed by a method (one decorator per method)");
      method(weight);
    } else if (is_name(token, "def")) {
      method(std::nullopt);
    } else if (token.kind == Token::Kind::name && is_op(peek(1), "=")) {
      class_attribute();
    } else {
      refuse(token.line, "`" + describe(token) +
                             "` in the class body is not understood (expected wait_time, host, "
                             "@task methods or on_start)");
    }
  }

  static std::uint32_t task_weight(const Token& number) {
    std::uint32_t weight = 0;
    auto [end, error] = std::from_chars(number.text.data(), number.text.data() + number.text.size(), weight);
    if (number.kind != Token::Kind::number || error != std::errc() || end != number.text.data() + number.text.size() ||
        weight < 1)
      refuse(number.line, "a task weight must be a whole number of at least 1, not `" + describe(number) + "`");
    return weight;
  }

  void class_attribute() {
    const Token& name = next();
    next(); // =
    if (name.text == "host") {
      const Token& value = peek();
      if (value.kind != Token::Kind::string || value.fstring) refuse(value.line, "host must be a plain string");
      m_scenario.host = next().text;
    } else if (name.text == "wait_time") {
      m_scenario.think = wait_time();
    } else {
      refuse(name.line, "the class attribute `" + name.text + "` is not understood (only wait_time and host are)");
    }
    end_of_statement();
  }

  double number_argument() {
    const Token& token = next();
    double value = 0;
    if (token.kind != Token::Kind::number)
      refuse(token.line, "expected a number of seconds, found `" + describe(token) + "`");
    std::string text = token.text;
    text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
      refuse(token.line, "the number `" + token.text + "` is not understood");
    return value;
  }

  ThinkTime wait_time() {
    const Token& function = next();
    ThinkTime think;
    std::size_t arguments = 1;
    if (function.kind == Token::Kind::name && is_locust(function.text, "between")) {
      think.kind = ThinkTime::Kind::between;
      arguments = 2;
    } else if (function.kind == Token::Kind::name && is_locust(function.text, "constant")) {
      think.kind = ThinkTime::Kind::constant;
    } else if (function.kind == Token::Kind::name && is_locust(function.text, "constant_pacing")) {
      think.kind = ThinkTime::Kind::constant_pacing;
    } else if (function.kind == Token::Kind::name && is_locust(function.text, "constant_throughput")) {
      think.kind = ThinkTime::Kind::constant_throughput;
    } else {
      refuse(function.line, "wait_time must be between(a, b), constant(x), constant_pacing(x) or "
                            "constant_throughput(x), imported from locust");
    }
    expect_op("(", "after " + function.text);
    think.a = number_argument();
    if (arguments == 2) {
      expect_op(",", "between between's two arguments");
      think.b = number_argument();
    }
    if (is_op(peek(), ",")) next();
    expect_op(")", "to close " + function.text + "(...)");
    if (think.kind == ThinkTime::Kind::between && think.a > think.b)
      refuse(function.line, "between's minimum is above its maximum");
    if (think.kind == ThinkTime::Kind::constant_throughput && think.a <= 0)
      refuse(function.line, "constant_throughput needs a rate above 0");
    return think;
  }

  // --- methods -----------------------------------------------------------------------------------

  void method(std::optional<std::uint32_t> task_weight) {
    const Token& keyword = next(); // def
    std::string name = expect_name("after `def`");
    const bool is_on_start = name == "on_start";
    if (task_weight && is_on_start) refuse(keyword.line, "on_start must not be a @task");
    if (!task_weight && !is_on_start)
      refuse(keyword.line,
             "the method `" + name + "` is neither a @task nor on_start (helpers and on_stop are not understood)");
    if (!m_method_names.insert(name).second) refuse(keyword.line, "the method `" + name + "` is defined twice");
    expect_op("(", "after the method name");
    if (!is_name(next(), "self")) refuse(keyword.line, "the method must take only `self`");
    expect_op(")", "after `self` (the method takes no other argument)");
    if (is_op(peek(), "->")) {
      next();
      if (!is_name(next(), "None")) refuse(keyword.line, "only `-> None` is understood as a return annotation");
    }
    expect_op(":", "after the method header");

    m_requests.clear();
    m_locals.clear();
    m_in_on_start = is_on_start;
    if (peek().kind == Token::Kind::newline) {
      next();
      if (next().kind != Token::Kind::indent) refuse(keyword.line, "the method body must be indented");
      while (peek().kind != Token::Kind::dedent && peek().kind != Token::Kind::end)
        statement();
      next();
    } else {
      statement(); // `def f(self): self.client.get("/")`
    }
    if (is_on_start) {
      m_scenario.on_start = std::move(m_requests);
    } else {
      if (m_requests.empty()) refuse(keyword.line, "the task `" + name + "` sends no request");
      m_scenario.tasks.push_back(Task{name, *task_weight, std::move(m_requests)});
    }
    m_requests.clear();
    m_in_on_start = false;
  }

  void statement() {
    const Token& token = peek();
    if (token.kind == Token::Kind::newline) {
      next();
    } else if (token.kind == Token::Kind::string) {
      string_value(); // a docstring
      end_of_statement();
    } else if (is_name(token, "pass")) {
      next();
      end_of_statement();
    } else if (is_client_call()) {
      request();
      end_of_statement();
    } else if (is_name(token, "self") && is_op(peek(1), ".") && peek(2).kind == Token::Kind::name &&
               is_op(peek(3), "=")) {
      capture();
    } else if (token.kind == Token::Kind::name && is_op(peek(1), "=")) {
      std::string name = next().text;
      next(); // =
      Local local;
      if (is_client_call()) {
        request();
        local.response = m_requests.size() - 1;
      } else {
        local.value = literal(local.attributes);
      }
      end_of_statement();
      m_locals[name] = std::move(local);
    } else {
      refuse(token.line, "`" + describe(token) +
                             " ...` is not understood in a task (expected self.client.<method>(...), "
                             "a local dict or string, or self.<name> = response.json()[...])");
    }
  }

  bool is_client_call() const {
    return is_name(peek(), "self") && is_op(peek(1), ".") && is_name(peek(2), "client") && is_op(peek(3), ".");
  }

  // self.client.<method>(url, json=..., headers=..., name=...)
  void request() {
    const int line = peek().line;
    m_at += 4; // self . client .
    const Token& verb = next();
    if (verb.kind != Token::Kind::name ||
        std::find(k_client_methods.begin(), k_client_methods.end(), verb.text) == k_client_methods.end())
      refuse(verb.line, "self.client." + describe(verb) +
                            " is not understood (get, post, put, patch, delete, head and "
                            "options are)");
    expect_op("(", "after self.client." + verb.text);
    RequestSpec spec;
    spec.method = verb.text;
    std::transform(spec.method.begin(), spec.method.end(), spec.method.begin(),
                   [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
    std::optional<std::string> url;
    std::set<std::string> seen;
    bool positional_allowed = true;
    while (!is_op(peek(), ")")) {
      const Token& start = peek();
      if (is_op(start, "*") || is_op(start, "**")) refuse(start.line, "*args and **kwargs are not understood");
      std::string keyword = "url";
      if (start.kind == Token::Kind::name && is_op(peek(1), "=")) {
        keyword = start.text;
        m_at += 2;
        positional_allowed = false;
        if (std::find(k_request_keywords.begin(), k_request_keywords.end(), keyword) == k_request_keywords.end()) {
          std::string hint = detail::did_you_mean(keyword, k_request_keywords);
          refuse(start.line, "the keyword " + keyword + "= is not understood (only json=, headers= and name= are)" +
                                 (hint.empty() ? "" : "; " + hint));
        }
      } else if (!positional_allowed || seen.count("url") != 0) {
        refuse(start.line, "only the URL may be passed without a keyword");
      }
      if (!seen.insert(keyword).second) refuse(start.line, keyword + " is given twice");
      std::vector<std::pair<std::string, int>> attributes;
      const int value_line = peek().line;
      if (keyword == "url" || keyword == "name") {
        const Token& text = peek();
        if (text.kind != Token::Kind::string && !(text.kind == Token::Kind::name && m_locals.count(text.text) != 0))
          refuse(text.line, keyword + " must be a string");
        nlohmann::ordered_json value = literal(attributes);
        if (!value.is_string()) refuse(value_line, keyword + " must be a string");
        if (keyword == "url") {
          url = value.get<std::string>();
          note_attributes(attributes);
        } else {
          if (!attributes.empty()) refuse(value_line, "name must be a plain string (it names the statistics row)");
          spec.name = value.get<std::string>();
        }
      } else if (keyword == "json") {
        nlohmann::ordered_json value = literal(attributes);
        auto body = Template::compile_json(detail::json_body_source(value));
        if (!body) refuse(value_line, "json=: " + body.error());
        note_attributes(attributes);
        spec.body = std::move(*body);
      } else {
        nlohmann::ordered_json value = literal(attributes);
        if (!value.is_object()) refuse(value_line, "headers must be a dict of strings");
        for (const auto& [name, header] : value.items()) {
          if (!header.is_string()) refuse(value_line, "the header " + name + " must be a string");
          auto compiled = Template::compile(header.get<std::string>());
          if (!compiled) refuse(value_line, "the header " + name + ": " + compiled.error());
          spec.headers.emplace_back(name, std::move(*compiled));
        }
        note_attributes(attributes);
      }
      if (!is_op(peek(), ",")) break;
      next();
    }
    expect_op(")", "to close self.client." + verb.text + "(...)");
    if (!url) refuse(line, "self.client." + verb.text + "(...) has no URL");
    if (!url->starts_with('/'))
      refuse(line,
             "the URL must be a path starting with `/` (the target is given on the command line), not `" + *url + "`");
    if (url->find_first_of(" \t\r\n") != std::string::npos) refuse(line, "the URL contains a space or line break");
    auto path = Template::compile(*url);
    if (!path) refuse(line, "the URL: " + path.error());
    spec.path = std::move(*path);
    if (spec.name.empty()) spec.name = spec.path.source(); // Locust names a request by its URL unless name= is given
    m_requests.push_back(std::move(spec));
  }

  // self.<name> = <response>.json()["a"][0]..., where <response> is a local holding a response or
  // a request made right there.
  void capture() {
    const int line = peek().line;
    m_at += 2; // self .
    std::string attribute = next().text;
    next(); // =
    std::size_t index = 0;
    if (is_client_call()) {
      request();
      index = m_requests.size() - 1;
    } else {
      const Token& source = next();
      auto local = source.kind == Token::Kind::name ? m_locals.find(source.text) : m_locals.end();
      if (local == m_locals.end() || !local->second.response)
        refuse(line, "self." + attribute + " = ... is understood only as self." + attribute +
                         " = response.json()[\"key\"]..., where response is what self.client.<method>() returned");
      index = *local->second.response;
    }
    if (!is_op(next(), ".") || !is_name(next(), "json") || !is_op(next(), "(") || !is_op(next(), ")"))
      refuse(line,
             "self." + attribute + " = ... is understood only as self." + attribute + " = response.json()[\"key\"]...");
    std::string path;
    while (is_op(peek(), "[")) {
      next();
      const Token& key = next();
      std::string segment;
      if (key.kind == Token::Kind::string && !key.fstring && key.problem.empty() && !key.text.empty() &&
          key.text.find('.') == std::string::npos) {
        segment = key.text;
      } else if (key.kind == Token::Kind::number &&
                 std::all_of(key.text.begin(), key.text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        segment = key.text;
      } else {
        refuse(key.line, "a response subscript must be a plain string key without dots or a non-negative index");
      }
      expect_op("]", "after the subscript");
      path += (path.empty() ? "" : ".") + segment;
    }
    if (path.empty())
      refuse(line,
             "self." + attribute + " = response.json() must select a value, e.g. response.json()[\"order\"][\"_id\"]");
    end_of_statement();
    if (attribute == "client") refuse(line, "self.client cannot be assigned");
    m_requests[index].captures.push_back(Capture{attribute, path});
    m_captured.insert(attribute);
    if (m_in_on_start) m_on_start_captured.insert(attribute);
  }

  void note_attributes(const std::vector<std::pair<std::string, int>>& attributes) {
    for (const auto& [name, line] : attributes)
      m_uses.push_back(AttributeUse{name, line});
    if (m_in_on_start)
      for (const auto& [name, line] : attributes)
        if (m_on_start_captured.count(name) == 0) refuse(line, "on_start reads self." + name + " before capturing it");
  }

  void check_attributes() const {
    for (const AttributeUse& use : m_uses)
      if (m_captured.count(use.name) == 0)
        refuse(use.line, "self." + use.name + " is read but never set from a response (self." + use.name +
                             " = response.json()[...])");
  }

  // --- literals ------------------------------------------------------------------------------------

  nlohmann::ordered_json string_value() {
    std::string text;
    while (peek().kind == Token::Kind::string) {
      const Token& piece = next();
      if (!piece.problem.empty()) refuse(piece.line, piece.problem);
      text += piece.text;
    }
    return text;
  }

  // A Python literal as JSON (what requests' json= sends): dicts, lists, tuples, strings (f-strings
  // with {self.<name>}), numbers, True/False/None, and locals that hold such values.
  nlohmann::ordered_json literal(std::vector<std::pair<std::string, int>>& attributes) {
    const Token& token = peek();
    if (token.kind == Token::Kind::string) {
      for (std::size_t i = 0; peek(i).kind == Token::Kind::string; ++i)
        for (const std::string& attribute : peek(i).attributes)
          attributes.emplace_back(attribute, peek(i).line);
      return string_value();
    }
    if (token.kind == Token::Kind::number || is_op(token, "-")) {
      bool negative = is_op(token, "-");
      if (negative) next();
      const Token& number = next();
      if (number.kind != Token::Kind::number) refuse(number.line, "expected a number after `-`");
      std::string text = number.text;
      text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
      if (negative) text.insert(0, "-");
      std::int64_t integer = 0;
      auto [int_end, int_error] = std::from_chars(text.data(), text.data() + text.size(), integer);
      std::string_view digits = std::string_view(text).substr(negative ? 1 : 0);
      if (int_error == std::errc() && int_end == text.data() + text.size() &&
          (digits.size() == 1 || digits[0] != '0')) // Python has no 05; 0x10 and 1e3 stop early
        return integer;
      double real = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), real);
      if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(real) ||
          text.find_first_of(".eE") == std::string::npos)
        refuse(number.line, "the number `" + number.text + "` is not understood");
      return real;
    }
    if (token.kind == Token::Kind::name) {
      next();
      if (token.text == "True") return true;
      if (token.text == "False") return false;
      if (token.text == "None") return nullptr;
      auto local = m_locals.find(token.text);
      if (local == m_locals.end())
        refuse(token.line, "`" + token.text +
                               "` is not a value defined earlier in this method (only literals and "
                               "local names bound to literals are understood)");
      if (local->second.response)
        refuse(token.line, "`" + token.text + "` holds a response; only its .json()[...] can be captured");
      if (is_op(peek(), ".") || is_op(peek(), "[") || is_op(peek(), "("))
        refuse(token.line, "expressions on `" + token.text + "` are not understood");
      attributes.insert(attributes.end(), local->second.attributes.begin(), local->second.attributes.end());
      return local->second.value;
    }
    if (is_op(token, "{")) {
      next();
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      while (!is_op(peek(), "}")) {
        const Token& key = peek();
        if (key.kind != Token::Kind::string || key.fstring)
          refuse(key.line, "a dict key must be a plain string (JSON object keys are text)");
        std::string name = string_value().get<std::string>();
        expect_op(":", "after a dict key");
        object[name] = literal(attributes); // a repeated key keeps its first place, as in a Python dict
        if (!is_op(peek(), ",")) break;
        next();
      }
      expect_op("}", "to close the dict");
      check_literal_end();
      return object;
    }
    if (is_op(token, "[") || is_op(token, "(")) {
      const std::string close = is_op(token, "[") ? "]" : ")";
      const bool tuple = close == ")";
      next();
      nlohmann::ordered_json array = nlohmann::ordered_json::array();
      bool had_comma = false;
      while (!is_op(peek(), close)) {
        array.push_back(literal(attributes));
        if (!is_op(peek(), ",")) break;
        next();
        had_comma = true;
      }
      expect_op(close, "to close the " + std::string(tuple ? "tuple" : "list"));
      check_literal_end();
      if (tuple && array.size() == 1 && !had_comma) return array[0]; // (x) is x
      return array;
    }
    refuse(token.line, "`" + describe(token) +
                           "` is not understood as a value (expected text, a number, a dict, a list, "
                           "True, False or None)");
  }

  void check_literal_end() const {
    const Token& token = peek();
    if (is_op(token, ".") || is_op(token, "[") || is_op(token, "(") || is_op(token, "|") || is_op(token, "+") ||
        is_op(token, "*") || is_op(token, "**"))
      refuse(token.line, "expressions on a literal are not understood");
  }

  std::vector<Token> m_tokens;
  std::size_t m_at = 0;
  Scenario m_scenario;
  bool m_has_class = false;
  std::map<std::string, std::string> m_locust_names; // name in the file -> name in locust
  std::set<std::string> m_method_names;
  std::vector<RequestSpec> m_requests; // the current method's
  std::map<std::string, Local> m_locals;
  bool m_in_on_start = false;
  std::set<std::string> m_captured;
  std::set<std::string> m_on_start_captured;
  std::vector<AttributeUse> m_uses;
};

} // namespace

tl::expected<Scenario, std::string> import_locustfile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  try {
    Scenario scenario = Importer(Lexer(text.str()).run()).run();
    scenario.source = path.string();
    assign_stats_keys(scenario);
    return scenario;
  } catch (const Refusal& refusal) {
    return tl::unexpected(path.string() + ":" + refusal.message + std::string(k_pointer));
  }
}

} // namespace fp::bench
