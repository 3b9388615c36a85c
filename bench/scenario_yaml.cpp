// YAML scenarios (the format is documented in docs/SCENARIOS.md). Every mistake is reported as
// `source:line:column: what was expected`, with "did you mean" for misspelt keys, because a load
// test that silently ignores a typo measures something other than what its author meant.
#include "scenario.hpp"
#include "scenario_detail.hpp"
#include "units.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

namespace fp::bench {

namespace {

constexpr std::array<std::string_view, 5> k_scenario_keys = {"name", "host", "wait_time", "on_start", "tasks"};
constexpr std::array<std::string_view, 3> k_task_keys = {"name", "weight", "requests"};
constexpr std::array<std::string_view, 8> k_request_keys = {"method", "path", "name",    "headers",
                                                            "json",   "body", "capture", "check"};
constexpr std::array<std::string_view, 3> k_check_keys = {"status", "body_contains", "json_path_exists"};
constexpr std::array<std::string_view, 4> k_wait_kinds = {"between", "constant", "constant_pacing",
                                                          "constant_throughput"};
constexpr std::array<std::string_view, 7> k_methods = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
constexpr std::uint32_t k_max_weight = 1'000'000;

// Thrown only inside this file and turned into an error value by parse_scenario_yaml: the checks
// are deeply nested and an exception keeps each of them one line.
struct ParseError {
  std::string message;
};

// A mapping's entries, in document order, after checking that each key is known and appears once.
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class Reader {
public:
  explicit Reader(std::string_view source) : m_source(source) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& what) const {
    throw ParseError{where(node) + ": " + what};
  }

  std::string where(const YAML::Node& node) const {
    YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
    if (mark.is_null()) mark = m_last_mark;
    return m_source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }

  std::vector<Entry> mapping(const YAML::Node& node, std::string_view what, std::span<const std::string_view> keys) {
    remember(node);
    if (!node.IsMap()) fail(node, std::string(what) + " must be a mapping (key: value), not " + describe(node));
    std::vector<Entry> entries;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) fail(key, "a key in " + std::string(what) + " must be a plain word");
      std::string name = key.Scalar();
      if (std::find(keys.begin(), keys.end(), name) == keys.end()) {
        std::string hint = detail::did_you_mean(name, keys);
        fail(key, "unknown key `" + name + "` in " + std::string(what) + (hint.empty() ? "" : "; " + hint) +
                      " (expected " + detail::join_alternatives(keys) + ")");
      }
      for (const Entry& seen : entries)
        if (seen.key == name)
          fail(key,
               "`" + name + "` appears twice in " + std::string(what) + " (first at " + where(seen.key_node) + ")");
      entries.push_back(Entry{std::move(name), key, it->second});
    }
    return entries;
  }

  std::string string(const YAML::Node& node, std::string_view what) {
    remember(node);
    if (!node.IsScalar()) fail(node, std::string(what) + " must be text, not " + describe(node));
    return node.Scalar();
  }

  std::uint32_t weight(const YAML::Node& node) {
    std::string text = string(node, "weight");
    std::uint32_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > k_max_weight)
      fail(node, "weight must be a whole number from 1 to " + std::to_string(k_max_weight) + ", not `" + text + "`");
    return value;
  }

  double seconds(const YAML::Node& node, std::string_view what) {
    std::string text = string(node, what);
    auto duration = parse_duration(text);
    if (!duration) fail(node, std::string(what) + ": " + duration.error());
    return std::chrono::duration<double>(*duration).count();
  }

  ThinkTime wait_time(const YAML::Node& node) {
    auto entries = mapping(node, "wait_time", k_wait_kinds);
    if (entries.size() != 1)
      fail(node,
           "wait_time takes exactly one of " + detail::join_alternatives(k_wait_kinds) + ", e.g. {between: [1, 3]}");
    const Entry& entry = entries.front();
    ThinkTime think;
    if (entry.key == "between") {
      remember(entry.value);
      if (!entry.value.IsSequence() || entry.value.size() != 2)
        fail(entry.value, "between takes [minimum, maximum] in seconds, e.g. {between: [1, 3]}");
      think.kind = ThinkTime::Kind::between;
      think.a = seconds(entry.value[0], "between's minimum");
      think.b = seconds(entry.value[1], "between's maximum");
      if (think.a > think.b) fail(entry.value, "between's minimum is above its maximum");
    } else if (entry.key == "constant") {
      think.kind = ThinkTime::Kind::constant;
      think.a = seconds(entry.value, "constant");
    } else if (entry.key == "constant_pacing") {
      think.kind = ThinkTime::Kind::constant_pacing;
      think.a = seconds(entry.value, "constant_pacing");
    } else {
      think.kind = ThinkTime::Kind::constant_throughput;
      std::string text = string(entry.value, "constant_throughput");
      double rate = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), rate);
      if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(rate) || rate <= 0)
        fail(entry.value,
             "constant_throughput takes task runs per second per user, a number above 0, not `" + text + "`");
      think.a = rate;
    }
    return think;
  }

  Scenario scenario(const YAML::Node& root) {
    if (!root.IsDefined() || root.IsNull())
      throw ParseError{m_source +
                       ":1:1: the scenario is empty: expected a mapping with `tasks` (see docs/SCENARIOS.md)"};
    Scenario result;
    bool has_tasks = false;
    for (const Entry& entry : mapping(root, "the scenario", k_scenario_keys)) {
      if (entry.key == "name")
        result.name = string(entry.value, "name");
      else if (entry.key == "host")
        result.host = string(entry.value, "host");
      else if (entry.key == "wait_time")
        result.think = wait_time(entry.value);
      else if (entry.key == "on_start")
        result.on_start = requests(entry.value, "on_start");
      else {
        remember(entry.value);
        if (!entry.value.IsSequence() || entry.value.size() == 0)
          fail(entry.value, "tasks must be a list of one or more tasks, each with `requests`");
        for (std::size_t i = 0; i < entry.value.size(); ++i)
          result.tasks.push_back(task(entry.value[i], i));
        has_tasks = true;
      }
    }
    if (!has_tasks) fail(root, "the scenario has no `tasks`: expected a list of tasks, each with `requests`");
    check_variables(result);
    return result;
  }

private:
  struct VariableUse {
    std::string variable;
    std::string where;
    bool in_on_start;
    std::size_t order; // position among on_start requests
  };

  static std::string describe(const YAML::Node& node) {
    if (node.IsMap()) return "a mapping";
    if (node.IsSequence()) return "a list";
    if (node.IsNull()) return "nothing";
    return "`" + node.Scalar() + "`";
  }

  void remember(const YAML::Node& node) {
    if (node.IsDefined() && !node.Mark().is_null()) m_last_mark = node.Mark();
  }

  Task task(const YAML::Node& node, std::size_t index) {
    Task result;
    bool has_requests = false;
    std::string what = "task " + std::to_string(index + 1);
    for (const Entry& entry : mapping(node, what, k_task_keys)) {
      if (entry.key == "name")
        result.name = string(entry.value, "name");
      else if (entry.key == "weight")
        result.weight = weight(entry.value);
      else {
        result.requests = requests(entry.value, what);
        has_requests = true;
      }
    }
    if (!has_requests)
      fail(node, what + " has no `requests`: expected a list of requests, e.g. [{method: GET, path: /orders}]");
    if (result.name.empty()) result.name = result.requests.front().method + " " + result.requests.front().name;
    return result;
  }

  std::vector<RequestSpec> requests(const YAML::Node& node, std::string_view owner) {
    remember(node);
    if (!node.IsSequence() || node.size() == 0)
      fail(node, "the requests of " + std::string(owner) + " must be a list of one or more requests");
    m_in_on_start = owner == "on_start";
    std::vector<RequestSpec> result;
    for (std::size_t i = 0; i < node.size(); ++i) {
      result.push_back(request(node[i]));
      if (m_in_on_start) ++m_on_start_position;
    }
    m_in_on_start = false;
    return result;
  }

  Template compile(const YAML::Node& node, std::string_view what, bool json) {
    std::string text = string(node, what);
    auto compiled = json ? Template::compile_json(text) : Template::compile(text);
    if (!compiled) fail(node, std::string(what) + ": " + compiled.error());
    for (const std::string& variable : compiled->variables())
      m_uses.push_back(VariableUse{variable, where(node), m_in_on_start, m_on_start_position});
    return std::move(*compiled);
  }

  // Text outside placeholders must be something an HTTP request line can carry.
  void check_path(const YAML::Node& node, std::string_view path) {
    if (!path.starts_with('/'))
      fail(node,
           "path must start with `/` (the target URL is given on the command line), not `" + std::string(path) + "`");
    bool in_placeholder = false;
    for (std::size_t i = 0; i < path.size(); ++i) {
      if (path.substr(i, 2) == "{{")
        in_placeholder = true;
      else if (path.substr(i, 2) == "}}")
        in_placeholder = false;
      auto byte = static_cast<unsigned char>(path[i]);
      if (!in_placeholder && (byte <= 0x20 || byte == 0x7f))
        fail(node, "path contains a space or control character; encode it (%20)");
    }
  }

  static bool is_token(std::string_view name) {
    constexpr std::string_view k_specials = "!#$%&'*+-.^_`|~";
    return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || k_specials.find(c) != std::string_view::npos;
    });
  }

  static bool is_identifier(std::string_view word) {
    if (word.empty() || std::isdigit(static_cast<unsigned char>(word[0])) != 0) return false;
    return std::all_of(word.begin(), word.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; });
  }

  static bool is_dotted_path(std::string_view path) {
    if (path.empty()) return false;
    std::size_t at = 0;
    while (true) {
      std::size_t dot = path.find('.', at);
      if (dot == at || at == path.size()) return false;
      if (dot == std::string_view::npos) return true;
      at = dot + 1;
    }
  }

  RequestSpec request(const YAML::Node& node) {
    RequestSpec spec;
    bool has_path = false;
    bool has_body = false;
    for (const Entry& entry : mapping(node, "a request", k_request_keys)) {
      if (entry.key == "method") {
        std::string method = string(entry.value, "method");
        std::transform(method.begin(), method.end(), method.begin(),
                       [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
        if (std::find(k_methods.begin(), k_methods.end(), method) == k_methods.end()) {
          std::string hint = detail::did_you_mean(method, k_methods);
          fail(entry.value, "method `" + entry.value.Scalar() + "` is not one of " +
                                detail::join_alternatives(k_methods) + (hint.empty() ? "" : "; " + hint));
        }
        spec.method = std::move(method);
      } else if (entry.key == "path") {
        spec.path = compile(entry.value, "path", false);
        check_path(entry.value, spec.path.source());
        has_path = true;
      } else if (entry.key == "name") {
        spec.name = string(entry.value, "name");
      } else if (entry.key == "headers") {
        spec.headers = headers(entry.value);
      } else if (entry.key == "json" || entry.key == "body") {
        if (has_body)
          fail(entry.key_node,
               "a request has either `json` (a YAML value sent as JSON) or `body` (JSON text), not both");
        has_body = true;
        if (entry.key == "json") {
          std::string source = detail::json_body_source(to_json(entry.value));
          auto compiled = Template::compile_json(source);
          if (!compiled) fail(entry.value, "json: " + compiled.error());
          for (const std::string& variable : compiled->variables())
            m_uses.push_back(VariableUse{variable, where(entry.value), m_in_on_start, m_on_start_position});
          spec.body = std::move(*compiled);
        } else {
          spec.body = compile(entry.value, "body", true);
        }
      } else if (entry.key == "capture") {
        spec.captures = captures(entry.value);
      } else {
        spec.check = check(entry.value);
      }
    }
    if (!has_path) fail(node, "a request needs a `path`, e.g. {method: GET, path: /orders}");
    if (spec.name.empty()) spec.name = spec.path.source();
    return spec;
  }

  std::vector<Capture> captures(const YAML::Node& node) {
    remember(node);
    if (!node.IsMap() || node.size() == 0)
      fail(node, "capture must map variable names to paths in the JSON response, e.g. {order_id: order._id}");
    std::vector<Capture> result;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string variable = string(it->first, "a variable name");
      if (!is_identifier(variable))
        fail(it->first, "`" + variable + "` is not a variable name (letters, digits and _, not starting with a digit)");
      if (variable == "random_int" || variable == "uuid" || variable == "pick")
        fail(it->first, "`" + variable + "` is a generator's name; choose another variable name");
      std::string path = string(it->second, "capture " + variable);
      if (!is_dotted_path(path))
        fail(it->second,
             "capture " + variable + ": expected a dotted path such as order._id or orders.0._id, not `" + path + "`");
      result.push_back(Capture{std::move(variable), std::move(path)});
    }
    return result;
  }

  std::vector<std::pair<std::string, Template>> headers(const YAML::Node& node) {
    remember(node);
    if (!node.IsMap()) fail(node, "headers must be a mapping, e.g. {Authorization: Bearer xyz}");
    std::vector<std::pair<std::string, Template>> result;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string name = string(it->first, "a header name");
      if (!is_token(name)) fail(it->first, "`" + name + "` is not a valid header name");
      Template value = compile(it->second, "header " + name, false);
      if (value.source().find_first_of("\r\n") != std::string::npos)
        fail(it->second, "header " + name + " contains a line break");
      result.emplace_back(std::move(name), std::move(value));
    }
    return result;
  }

  Check check(const YAML::Node& node) {
    Check result;
    for (const Entry& entry : mapping(node, "check", k_check_keys)) {
      if (entry.key == "status") {
        std::vector<YAML::Node> items;
        if (entry.value.IsSequence())
          for (std::size_t i = 0; i < entry.value.size(); ++i)
            items.push_back(entry.value[i]);
        else
          items.push_back(entry.value);
        if (items.empty()) fail(entry.value, "status must be a status or a list of statuses, e.g. [200, 404]");
        for (const YAML::Node& item : items) {
          std::string text = string(item, "status");
          unsigned status = 0;
          auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), status);
          if (error != std::errc() || end != text.data() + text.size() || status < 100 || status > 599)
            fail(item, "status must be an HTTP status from 100 to 599, not `" + text + "`");
          result.status_in.push_back(status);
        }
      } else if (entry.key == "body_contains") {
        result.body_contains = string(entry.value, "body_contains");
        if (result.body_contains->empty()) fail(entry.value, "body_contains must not be empty");
      } else {
        std::string path = string(entry.value, "json_path_exists");
        if (!is_dotted_path(path))
          fail(entry.value, "json_path_exists must be a dotted path such as order._id or orders.0._id");
        result.json_path_exists = std::move(path);
      }
    }
    return result;
  }

  // YAML to JSON with YAML 1.2's core types: quoted text stays text; plain 5, 2.5, true, null are
  // typed as a reader of the YAML would expect.
  nlohmann::ordered_json to_json(const YAML::Node& node) {
    remember(node);
    if (node.IsNull()) return nullptr;
    if (node.IsSequence()) {
      nlohmann::ordered_json array = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < node.size(); ++i)
        array.push_back(to_json(node[i]));
      return array;
    }
    if (node.IsMap()) {
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        std::string key = string(it->first, "a JSON key");
        if (object.contains(key)) fail(it->first, "`" + key + "` appears twice in this JSON object");
        object[key] = to_json(it->second);
      }
      return object;
    }
    const std::string& text = node.Scalar();
    const std::string& tag = node.Tag();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return text;
    if (tag != "?") fail(node, "tag " + tag + " is not understood here; quote the value to send it as text");
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
    const char* end = text.data() + text.size();
    if (std::all_of(text.begin() + (text[0] == '-' || text[0] == '+' ? 1 : 0), text.end(),
                    [](char c) { return c >= '0' && c <= '9'; }) &&
        text.size() > (text[0] == '-' || text[0] == '+' ? 1u : 0u)) {
      std::int64_t value = 0;
      auto [stop, error] = std::from_chars(begin, end, value);
      if (error == std::errc() && stop == end) return value;
      std::uint64_t large = 0;
      auto [large_stop, large_error] = std::from_chars(begin, end, large);
      if (large_error == std::errc() && large_stop == end) return large;
      fail(node, "the number " + text + " is too large; quote it to send it as text");
    }
    if (looks_like_float(text)) {
      double value = 0;
      auto [stop, error] = std::from_chars(begin, end, value);
      if (error == std::errc() && stop == end && std::isfinite(value)) return value;
    }
    if (text == ".inf" || text == "-.inf" || text == ".nan" || text == ".NaN")
      fail(node, "JSON has no " + text + "; quote it to send it as text");
    return text;
  }

  static bool looks_like_float(std::string_view text) {
    std::size_t i = text.starts_with('-') || text.starts_with('+') ? 1 : 0;
    bool digits = false;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
      ++i;
      digits = true;
    }
    if (i < text.size() && text[i] == '.') {
      ++i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
        ++i;
        digits = true;
      }
    }
    if (!digits) return false;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
      ++i;
      if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
      bool exponent = false;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
        ++i;
        exponent = true;
      }
      if (!exponent) return false;
    }
    return i == text.size();
  }

  // A variable read before anything can have set it is a mistake in the file, found now rather
  // than as a failure on every request of the run.
  void check_variables(const Scenario& scenario) const {
    std::set<std::string> captured_anywhere;
    std::vector<std::pair<std::string, std::size_t>> captured_on_start; // variable, position
    for (std::size_t i = 0; i < scenario.on_start.size(); ++i)
      for (const Capture& capture : scenario.on_start[i].captures) {
        captured_anywhere.insert(capture.variable);
        captured_on_start.emplace_back(capture.variable, i);
      }
    for (const Task& task : scenario.tasks)
      for (const RequestSpec& spec : task.requests)
        for (const Capture& capture : spec.captures)
          captured_anywhere.insert(capture.variable);
    for (const VariableUse& use : m_uses) {
      if (use.in_on_start) {
        bool earlier = std::any_of(captured_on_start.begin(), captured_on_start.end(), [&](const auto& captured) {
          return captured.first == use.variable && captured.second < use.order;
        });
        if (!earlier)
          throw ParseError{use.where + ": on_start uses {{" + use.variable +
                           "}} before an earlier on_start request captures it"};
      } else if (captured_anywhere.count(use.variable) == 0) {
        throw ParseError{use.where + ": {{" + use.variable + "}} is never captured; add `capture: {" + use.variable +
                         ": <path in the JSON response>}` to the request that returns it"};
      }
    }
  }

  std::string m_source;
  YAML::Mark m_last_mark; // where the last node read was, for nodes that carry no mark (1:1 at first)
  std::vector<VariableUse> m_uses;
  bool m_in_on_start = false;
  std::size_t m_on_start_position = 0;
};

} // namespace

tl::expected<Scenario, std::string> parse_scenario_yaml(std::string_view text, std::string_view source) {
  try {
    Reader reader(source);
    Scenario scenario = reader.scenario(YAML::Load(std::string(text)));
    scenario.source = std::string(source);
    if (scenario.name.empty()) scenario.name = std::filesystem::path(source).stem().string();
    assign_stats_keys(scenario);
    return scenario;
  } catch (const ParseError& error) {
    return tl::unexpected(error.message);
  } catch (const YAML::Exception& error) {
    return tl::unexpected(std::string(source) + ":" + std::to_string(error.mark.line + 1) + ":" +
                          std::to_string(error.mark.column + 1) + ": not valid YAML: " + error.msg);
  }
}

} // namespace fp::bench
