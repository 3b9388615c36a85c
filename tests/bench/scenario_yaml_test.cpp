// YAML scenarios: a file using every key, and every mistake reported at its line and column.
#include "scenario.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace fp::bench {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ScenarioYaml, AFileWithEveryKey) {
  const std::string path = std::string(FP_TEST_DATA_DIR) + "/full.yaml";
  auto scenario = parse_scenario_yaml(read(path), path);
  ASSERT_TRUE(scenario) << scenario.error();
  EXPECT_EQ(scenario->name, "everything");
  EXPECT_EQ(scenario->source, path);
  EXPECT_EQ(scenario->host, "http://127.0.0.1:8000");
  EXPECT_EQ(scenario->think.kind, ThinkTime::Kind::constant);
  EXPECT_DOUBLE_EQ(scenario->think.a, 0.5);

  ASSERT_EQ(scenario->on_start.size(), 1u);
  const RequestSpec& create = scenario->on_start[0];
  EXPECT_EQ(create.method, "POST"); // written in lower case
  EXPECT_EQ(create.name, "create (on_start)");
  ASSERT_EQ(create.headers.size(), 1u);
  EXPECT_EQ(create.headers[0].first, "Authorization");
  ASSERT_EQ(create.captures.size(), 2u);
  EXPECT_EQ(create.captures[0].variable, "order_id");
  EXPECT_EQ(create.captures[0].path, "order._id");
  EXPECT_EQ(create.captures[1].path, "order.tags.0");
  ASSERT_TRUE(create.body);
  EXPECT_EQ(create.body->source(),
            R"({"product": "{{pick Laptop 'Big Phone'}}", "quantity": {{random_int 1 5}}, "quoted_number": "5", )"
            R"("number": 5, "real": 2.5, "flag": true, "nothing": null, "list": [1, "two", {"three": 3}], )"
            R"("customer_name": "Customer {{random_int 1 100}}"})");

  UserState user;
  auto rendered = render_request(create, user);
  ASSERT_TRUE(rendered) << rendered.error();
  auto body = nlohmann::json::parse(rendered->body.value());
  EXPECT_TRUE(body["quantity"].is_number_integer());
  EXPECT_EQ(body["quoted_number"], "5");
  EXPECT_EQ(body["number"], 5);
  EXPECT_TRUE(body["product"] == "Laptop" || body["product"] == "'Big" || body["product"] == "Phone'")
      << body["product"]; // single quotes do not group: only "..." does
  ASSERT_EQ(rendered->headers.size(), 2u);
  EXPECT_EQ(rendered->headers[1].first, "Content-Type");

  ASSERT_EQ(scenario->tasks.size(), 2u);
  const Task& read_task = scenario->tasks[0];
  EXPECT_EQ(read_task.name, "read");
  EXPECT_EQ(read_task.weight, 3u);
  const Check& check = read_task.requests.at(0).check;
  EXPECT_EQ(check.status_in, std::vector<unsigned>{200});
  EXPECT_EQ(check.body_contains, "\"order\"");
  EXPECT_EQ(check.json_path_exists, "order._id");

  const Task& change = scenario->tasks[1];
  EXPECT_EQ(change.name, "PUT /orders/{{order_id}}"); // a task without a name is named after its first request
  EXPECT_EQ(change.weight, 2u);
  ASSERT_EQ(change.requests.size(), 2u);
  EXPECT_EQ(change.requests[0].name, "/orders/{{order_id}}");
  EXPECT_EQ(change.requests[1].check.status_in, (std::vector<unsigned>{200, 404}));

  EXPECT_EQ(scenario->stats_keys, (std::vector<RequestKey>{{"POST", "create (on_start)"},
                                                           {"GET", "/orders/[id]"},
                                                           {"PUT", "/orders/{{order_id}}"},
                                                           {"DELETE", "/orders/{{order_id}}"}}));
  EXPECT_EQ(change.requests[1].stats_index, 3u);
}

TEST(ScenarioYaml, WaitTimeForms) {
  auto parse = [](std::string_view wait) {
    return parse_scenario_yaml("wait_time: " + std::string(wait) + "\ntasks: [{requests: [{path: /}]}]\n", "w.yaml");
  };
  auto between = parse("{between: [0.5, 2s]}");
  ASSERT_TRUE(between) << between.error();
  EXPECT_EQ(between->think.kind, ThinkTime::Kind::between);
  EXPECT_DOUBLE_EQ(between->think.a, 0.5);
  EXPECT_DOUBLE_EQ(between->think.b, 2);
  auto pacing = parse("{constant_pacing: 3}");
  ASSERT_TRUE(pacing) << pacing.error();
  EXPECT_EQ(pacing->think.kind, ThinkTime::Kind::constant_pacing);
  EXPECT_DOUBLE_EQ(pacing->think.a, 3);
  auto throughput = parse("{constant_throughput: 0.25}");
  ASSERT_TRUE(throughput) << throughput.error();
  EXPECT_EQ(throughput->think.kind, ThinkTime::Kind::constant_throughput);
  EXPECT_DOUBLE_EQ(throughput->think.a, 0.25);
  auto none = parse_scenario_yaml("tasks: [{requests: [{path: /}]}]", "none.yaml");
  ASSERT_TRUE(none) << none.error();
  EXPECT_EQ(none->think.kind, ThinkTime::Kind::none); // Locust's default: no wait
  EXPECT_EQ(none->name, "none");
}

struct ErrorCase {
  const char* title;
  const char* yaml;
  const char* expected; // the start of the message, from the location on
};

// Failures name the case rather than dumping its bytes.
void PrintTo(const ErrorCase& test, std::ostream* out) { *out << test.title; }

class ScenarioYamlError : public testing::TestWithParam<ErrorCase> {};

TEST_P(ScenarioYamlError, IsReportedAtItsLineAndColumn) {
  const ErrorCase& test = GetParam();
  auto scenario = parse_scenario_yaml(test.yaml, "s.yaml");
  ASSERT_FALSE(scenario) << test.title;
  EXPECT_EQ(scenario.error().rfind(test.expected, 0), 0u) << test.title << "\n  got: " << scenario.error();
}

constexpr const char* k_tasks = "tasks: [{requests: [{path: /}]}]\n";

const ErrorCase k_error_cases[] = {
    {"misspelt top-level key", "name: x\nwait: {between: [1, 3]}\ntasks: [{requests: [{path: /}]}]\n",
     "s.yaml:2:1: unknown key `wait` in the scenario; did you mean `wait_time`? (expected name, host, wait_time, "
     "on_start or tasks)"},
    {"tasks misspelt", "taks:\n  - requests: [{path: /}]\n",
     "s.yaml:1:1: unknown key `taks` in the scenario; did you mean `tasks`?"},
    {"unknown key without a close match", "tasks: [{requests: [{path: /}]}]\nretries: 3\n",
     "s.yaml:2:1: unknown key `retries` in the scenario (expected"},
    {"misspelt request key", "tasks:\n  - requests:\n      - {methd: GET, path: /orders}\n",
     "s.yaml:3:10: unknown key `methd` in a request; did you mean `method`?"},
    {"misspelt check key", "tasks:\n  - requests:\n      - {path: /, check: {body_contain: x}}\n",
     "s.yaml:3:27: unknown key `body_contain` in check; did you mean `body_contains`?"},
    {"misspelt wait kind", "wait_time: {betwen: [1, 2]}\ntasks: [{requests: [{path: /}]}]\n",
     "s.yaml:1:13: unknown key `betwen` in wait_time; did you mean `between`?"},
    {"unknown method", "tasks:\n  - requests:\n      - {method: GTE, path: /orders}\n",
     "s.yaml:3:18: method `GTE` is not one of GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS; did you mean `GET`?"},
    {"missing path", "tasks:\n  - requests:\n      - {method: GET}\n", "s.yaml:3:9: a request needs a `path`"},
    {"relative path", "tasks:\n  - requests:\n      - {path: orders}\n", "s.yaml:3:16: path must start with `/`"},
    {"space in path", "tasks:\n  - requests:\n      - {path: /my orders}\n", "s.yaml:3:16: path contains a space"},
    {"bad placeholder", "tasks:\n  - requests:\n      - {path: \"/orders/{{order_id\"}\n",
     "s.yaml:3:16: path: `{{` at offset 8 is never closed"},
    {"variable never captured", "tasks:\n  - requests:\n      - {path: \"/orders/{{order_id}}\"}\n",
     "s.yaml:3:16: {{order_id}} is never captured"},
    {"on_start reads before capturing",
     "on_start:\n  - {path: \"/orders/{{order_id}}\"}\n  - {method: POST, path: /orders, capture: {order_id: "
     "order._id}}\n"
     "tasks: [{requests: [{path: /orders}]}]\n",
     "s.yaml:2:12: on_start uses {{order_id}} before an earlier on_start request captures it"},
    {"weight zero", "tasks:\n  - weight: 0\n    requests: [{path: /}]\n",
     "s.yaml:2:13: weight must be a whole number from 1"},
    {"weight not a number", "tasks:\n  - weight: heavy\n    requests: [{path: /}]\n",
     "s.yaml:2:13: weight must be a whole number from 1"},
    {"between upside down", "wait_time: {between: [3, 1]}\ntasks: [{requests: [{path: /}]}]\n",
     "s.yaml:1:22: between's minimum is above its maximum"},
    {"between with one value", "wait_time: {between: 3}\ntasks: [{requests: [{path: /}]}]\n",
     "s.yaml:1:22: between takes [minimum, maximum]"},
    {"negative duration", "wait_time: {constant: -1}\ntasks: [{requests: [{path: /}]}]\n", "s.yaml:1:23: constant: "},
    {"two wait kinds", "wait_time: {constant: 1, between: [1, 2]}\ntasks: [{requests: [{path: /}]}]\n",
     "s.yaml:1:12: wait_time takes exactly one of between, constant, constant_pacing or constant_throughput"},
    {"zero throughput", "wait_time: {constant_throughput: 0}\ntasks: [{requests: [{path: /}]}]\n",
     "s.yaml:1:34: constant_throughput takes task runs per second"},
    {"json and body",
     "tasks:\n  - requests:\n      - path: /orders\n        json: {a: 1}\n        body: '{\"a\": 1}'\n",
     "s.yaml:5:9: a request has either `json`"},
    {"body not JSON", "tasks:\n  - requests:\n      - {path: /orders, body: '{\"a\": }'}\n",
     "s.yaml:3:31: body: not valid JSON"},
    {"uuid as a bare JSON value", "tasks:\n  - requests:\n      - {path: /orders, body: '{\"a\": {{uuid}}}'}\n",
     "s.yaml:3:31: body: {{uuid}} outside a JSON string"},
    {"status out of range", "tasks:\n  - requests:\n      - {path: /, check: {status: [200, 700]}}\n",
     "s.yaml:3:41: status must be an HTTP status from 100 to 599, not `700`"},
    {"capture path with an empty segment", "tasks:\n  - requests:\n      - {path: /, capture: {order_id: order..id}}\n",
     "s.yaml:3:39: capture order_id: expected a dotted path"},
    {"capture into a generator's name", "tasks:\n  - requests:\n      - {path: /, capture: {uuid: order._id}}\n",
     "s.yaml:3:29: `uuid` is a generator's name"},
    {"bad header name", "tasks:\n  - requests:\n      - {path: /, headers: {\"Bad Header\": x}}\n",
     "s.yaml:3:29: `Bad Header` is not a valid header name"},
    {"tasks not a list", "tasks: {a: 1}\n", "s.yaml:1:8: tasks must be a list of one or more tasks"},
    {"empty task list", "tasks: []\n", "s.yaml:1:8: tasks must be a list of one or more tasks"},
    {"task is a word", "tasks: [get]\n", "s.yaml:1:9: task 1 must be a mapping (key: value), not `get`"},
    {"task without requests", "tasks:\n  - name: idle\n", "s.yaml:2:5: task 1 has no `requests`"},
    {"repeated key", "tasks:\n  - name: a\n    name: b\n    requests: [{path: /}]\n",
     "s.yaml:3:5: `name` appears twice in task 1 (first at s.yaml:2:5)"},
    {"no tasks", "name: x\n", "s.yaml:1:1: the scenario has no `tasks`"},
    {"empty file", "", "s.yaml:1:1: the scenario is empty"},
    {"not a mapping", "- a\n- b\n", "s.yaml:1:1: the scenario must be a mapping"},
    {"JSON that is not JSON", "tasks:\n  - requests:\n      - {path: /, json: {a: .inf}}\n",
     "s.yaml:3:29: JSON has no .inf"},
    {"YAML syntax", "tasks:\n  - requests: [{path: /orders}\n", "s.yaml:3:1: not valid YAML: "},
    {"bad indentation", "tasks:\n  - requests: [{path: /}]\n name: x\n", "s.yaml:3:"},
};

INSTANTIATE_TEST_SUITE_P(AllMistakes, ScenarioYamlError, testing::ValuesIn(k_error_cases));

TEST(ScenarioYaml, TheErrorCasesAreOtherwiseValid) {
  // Guards the table above: the shared task list it appends to is itself accepted.
  EXPECT_TRUE(parse_scenario_yaml(k_tasks, "s.yaml"));
}

} // namespace
} // namespace fp::bench
