// What a simulated user does: the scenario model (Locust's User with tasks, weights, on_start and
// wait_time), loaded from YAML, from a simple locustfile, or built in (fp-orders, crud).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace fp::bench {

// One user's mutable state: variables captured from responses, and its own random generator.
struct UserState {
  std::unordered_map<std::string, std::string> variables;
  std::mt19937_64 random;
};

// A string with {{...}} placeholders compiled once: {{name}} (a user variable), {{random_int 1 100}},
// {{uuid}}, {{pick a b c}}. Rendering a variable the user does not have yet is an error.
class Template {
public:
  static tl::expected<Template, std::string> compile(std::string_view text);
  // A JSON document with placeholders: values rendered inside a JSON string are escaped, so a
  // captured value holding a quote cannot break the body; the text is checked to be valid JSON.
  static tl::expected<Template, std::string> compile_json(std::string_view text);
  tl::expected<std::string, std::string> render(UserState& user) const;
  bool is_literal() const;
  const std::string& source() const { return m_source; }
  std::vector<std::string> variables() const; // the user variables it reads, in order of appearance

  struct Part; // literal text, a variable or a generator; defined in template.cpp
  Template();
  ~Template();
  Template(const Template&);
  Template& operator=(const Template&);
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

private:
  std::string m_source;
  std::vector<Part> m_parts;
};

// Store a value of the JSON response in a user variable: `path` is dotted ("order._id",
// "orders.0._id").
struct Capture {
  std::string variable;
  std::string path;
};

// Extra rules beyond the default (any status >= 400, or no response, is a failure, as in Locust).
struct Check {
  std::vector<unsigned> status_in;          // when set, exactly these statuses pass (e.g. 404 expected)
  std::optional<std::string> body_contains;
  std::optional<std::string> json_path_exists;
};

struct RequestSpec {
  std::string method = "GET";
  Template path;                 // may hold a query
  std::vector<std::pair<std::string, Template>> headers;
  std::optional<Template> body;  // JSON text; Content-Type: application/json is added when set
  std::string name;              // the statistics' Name column; defaults to the path's source
  std::vector<Capture> captures;
  Check check;
  std::size_t stats_index = 0;   // index of (method, name) in Scenario::stats_keys
};

struct Task {
  std::string name;
  std::uint32_t weight = 1;
  std::vector<RequestSpec> requests; // run in order, one after another, on the user's connection
};

// Locust's wait_time functions, in seconds.
struct ThinkTime {
  enum class Kind { none, constant, between, constant_pacing, constant_throughput };
  Kind kind = Kind::none;
  double a = 0; // constant: the wait; between: minimum; constant_pacing: the period; constant_throughput: tasks/s
  double b = 0; // between: maximum
  // How long to wait after a task that took `task_time`, as Locust computes it.
  std::chrono::nanoseconds next(std::chrono::nanoseconds task_time, std::mt19937_64& random) const;
  double mean_seconds() const; // expected wait for a zero-length task (for the optimizer and warnings)
};

struct RequestKey {
  std::string method;
  std::string name;
  friend bool operator==(const RequestKey&, const RequestKey&) = default;
};

struct Scenario {
  std::string name;
  std::string source;                 // "built-in fp-orders", a file path, ...
  std::string host;                   // a locustfile's `host = "..."` or YAML `host:`; "" when unset
  ThinkTime think;
  std::vector<RequestSpec> on_start;  // once per user, before its first task
  std::vector<Task> tasks;
  std::vector<RequestKey> stats_keys; // every (method, name), in order of first appearance

  // A task drawn by weight (the loaders guarantee at least one task).
  const Task& pick_task(UserState& user) const;
};

// A request ready to send.
struct RenderedRequest {
  std::string method;
  std::string target; // path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;
};

// Fills stats_keys and every request's stats_index (the loaders do; call it after building a
// Scenario by hand).
void assign_stats_keys(Scenario& scenario);

tl::expected<RenderedRequest, std::string> render_request(const RequestSpec& spec, UserState& user);

// Applies the failure rules and, on success, the captures. Returns the failure message (Locust's
// "Error" column) or nullopt when the response counts as a success.
std::optional<std::string> evaluate_response(const RequestSpec& spec, unsigned status, std::string_view body,
                                             UserState& user);

// A built-in name ("fp-orders", "crud") or a YAML file.
tl::expected<Scenario, std::string> load_scenario(std::string_view name_or_path);
// YAML text; errors name `source:line:column` and say what was expected.
tl::expected<Scenario, std::string> parse_scenario_yaml(std::string_view text, std::string_view source);
// The simple locustfile pattern the course's students write; anything else is refused with its line.
tl::expected<Scenario, std::string> import_locustfile(const std::filesystem::path& path);
std::vector<std::string> builtin_scenario_names();

} // namespace fp::bench
