// Importing locustfiles: the course's file becomes the built-in fp-orders, the accepted variants
// mean what Locust would do, and everything else is refused at its line.
#include "scenario.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fp::bench {
namespace {

std::filesystem::path data(std::string_view name) { return std::filesystem::path(FP_TEST_DATA_DIR) / name; }

Scenario import_ok(std::string_view name) {
  auto scenario = import_locustfile(data(name));
  EXPECT_TRUE(scenario) << scenario.error();
  return scenario.value_or(Scenario());
}

std::string describe(const RequestSpec& spec) {
  std::string text = spec.method + " " + spec.path.source() + " name=" + spec.name;
  for (const auto& [name, value] : spec.headers)
    text += " header " + name + ": " + value.source();
  if (spec.body) text += " body " + spec.body->source();
  for (const Capture& capture : spec.captures)
    text += " capture " + capture.variable + "=" + capture.path;
  return text;
}

// Everything that decides what a run sends and how it is counted, in one comparable text.
std::string describe(const Scenario& scenario) {
  std::ostringstream text;
  text << "think " << static_cast<int>(scenario.think.kind) << " " << scenario.think.a << " " << scenario.think.b
       << "\n";
  for (const RequestSpec& spec : scenario.on_start)
    text << "on_start " << describe(spec) << "\n";
  for (const Task& task : scenario.tasks) {
    text << "task " << task.name << " weight " << task.weight << "\n";
    for (const RequestSpec& spec : task.requests)
      text << "  " << describe(spec) << " stats " << spec.stats_index << "\n";
  }
  for (const RequestKey& key : scenario.stats_keys)
    text << "key " << key.method << " " << key.name << "\n";
  return text.str();
}

TEST(Locustfile, TheCoursesFileIsTheBuiltInFpOrders) {
  const Scenario imported = import_ok("course_locustfile.py");
  auto builtin = load_scenario("fp-orders");
  ASSERT_TRUE(builtin) << builtin.error();
  EXPECT_EQ(describe(imported), describe(*builtin));
  EXPECT_EQ(imported.name, "MyUser");
  EXPECT_EQ(imported.source, data("course_locustfile.py").string());

  // And the two send the same bytes.
  UserState first;
  UserState second;
  auto from_file = render_request(imported.tasks.at(1).requests.at(0), first);
  auto from_builtin = render_request(builtin->tasks.at(1).requests.at(0), second);
  ASSERT_TRUE(from_file && from_builtin);
  EXPECT_EQ(from_file->body, from_builtin->body);
  EXPECT_EQ(from_file->headers, from_builtin->headers);
}

TEST(Locustfile, TheFixtureIsTheCoursesFileVerbatim) {
  const std::filesystem::path course(FP_COURSE_LOCUSTFILE);
  if (!std::filesystem::exists(course)) GTEST_SKIP() << course << " is not on this machine";
  auto read = [](const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  };
  EXPECT_EQ(read(course), read(data("course_locustfile.py")));
  auto scenario = import_locustfile(course);
  ASSERT_TRUE(scenario) << scenario.error();
}

TEST(Locustfile, FastHttpUserWithCapturesFStringsAndNames) {
  const Scenario scenario = import_ok("variant_fasthttp.py");
  EXPECT_EQ(scenario.name, "OrderUser");
  EXPECT_EQ(scenario.host, "http://127.0.0.1:8000");
  EXPECT_EQ(scenario.think.kind, ThinkTime::Kind::constant);
  EXPECT_DOUBLE_EQ(scenario.think.a, 0.5);
  EXPECT_EQ(
      describe(scenario),
      "think 1 0.5 0\n"
      "on_start POST /orders name=/orders body {\"product\": \"Laptop\", \"quantity\": 1, \"customer_name\": \"Ada\", "
      "\"customer_address\": \"1 Loop St\"} capture order_id=order._id\n"
      "task read weight 1\n"
      "  GET /orders/{{order_id}} name=/orders/[id] stats 1\n"
      "task update weight 3\n"
      "  PUT /orders/{{order_id}} name=/orders/[id] header X-Order: {{order_id}} body {\"quantity\": 2, \"note\": "
      "\"caf\\u00e9 \\\"quoted\\\"\", \"tags\": [\"a\", [\"b\", null]], \"ok\": true, \"ratio\": 1.5} stats 2\n"
      "task replace weight 2\n"
      "  DELETE /orders/{{order_id}} name=/orders/[id] stats 3\n"
      "  POST /orders name=/orders body {\"product\": \"Phone\", \"quantity\": 2, \"customer_name\": \"Bob\", "
      "\"customer_address\": \"2 Loop St\"} capture order_id=order._id stats 0\n"
      "key POST /orders\n"
      "key GET /orders/[id]\n"
      "key PUT /orders/[id]\n"
      "key DELETE /orders/[id]\n");

  // The captured id flows into later requests, JSON-escaped where it lands in a body.
  UserState user;
  ASSERT_EQ(evaluate_response(scenario.on_start.at(0), 200, R"({"order": {"_id": "abc"}})", user), std::nullopt);
  auto update = render_request(scenario.tasks.at(1).requests.at(0), user);
  ASSERT_TRUE(update) << update.error();
  EXPECT_EQ(update->target, "/orders/abc");
  EXPECT_EQ(update->headers.at(0), (std::pair<std::string, std::string>{"X-Order", "abc"}));
  EXPECT_EQ(nlohmann::json::parse(update->body.value())["note"], "caf\xc3\xa9 \"quoted\"");
}

TEST(Locustfile, ConstantPacingOneLineMethodsAndQueries) {
  const Scenario scenario = import_ok("variant_pacing.py");
  EXPECT_EQ(scenario.think.kind, ThinkTime::Kind::constant_pacing);
  EXPECT_DOUBLE_EQ(scenario.think.a, 2);
  ASSERT_EQ(scenario.tasks.size(), 1u);
  EXPECT_EQ(scenario.tasks[0].requests.at(0).path.source(), "/orders?limit=10");
  EXPECT_EQ(scenario.tasks[0].requests.at(0).name, "/orders?limit=10"); // Locust names a request by its URL
}

TEST(Locustfile, ConstantThroughputStarImportsUrlKeywordAndPass) {
  const Scenario scenario = import_ok("variant_throughput.py");
  EXPECT_EQ(scenario.think.kind, ThinkTime::Kind::constant_throughput);
  EXPECT_DOUBLE_EQ(scenario.think.a, 0.5);
  EXPECT_DOUBLE_EQ(scenario.think.mean_seconds(), 2);
  ASSERT_EQ(scenario.tasks.size(), 2u);
  EXPECT_EQ(scenario.tasks[0].weight, 2u);
  EXPECT_EQ(scenario.tasks[0].requests.at(0).name, "list");
  EXPECT_EQ(scenario.tasks[1].name, "health");
  EXPECT_EQ(scenario.tasks[1].requests.at(0).path.source(), "/healthz");
}

struct Refused {
  const char* file;
  int line;
  const char* reason;
};

void PrintTo(const Refused& test, std::ostream* out) { *out << test.file; }

class LocustfileRefused : public testing::TestWithParam<Refused> {};

TEST_P(LocustfileRefused, AtItsLineWithAPointerToYaml) {
  const Refused& test = GetParam();
  auto scenario = import_locustfile(data(test.file));
  ASSERT_FALSE(scenario) << test.file << " was accepted";
  const std::string prefix = data(test.file).string() + ":" + std::to_string(test.line) + ": ";
  EXPECT_EQ(scenario.error().rfind(prefix, 0), 0u) << scenario.error();
  EXPECT_NE(scenario.error().find(test.reason), std::string::npos) << scenario.error();
  EXPECT_NE(scenario.error().find("write this scenario in YAML"), std::string::npos) << scenario.error();
  EXPECT_NE(scenario.error().find("docs/SCENARIOS.md"), std::string::npos) << scenario.error();
}

const Refused k_refused[] = {
    {"refused_catch_response.py", 9, "`with ...` is not understood in a task"},
    {"refused_loop.py", 9, "`for ...` is not understood in a task"},
    {"refused_random.py", 4, "`PRODUCTS` at the top level"},
    {"refused_two_classes.py", 12, "a second user class"},
    {"refused_params.py", 10, "the keyword params= is not understood"},
    {"refused_taskset.py", 4, "the class must derive from HttpUser or FastHttpUser, not `SequentialTaskSet`"},
    {"refused_uncaptured.py", 9, "self.order_id is read but never set from a response"},
    {"refused_on_stop.py", 11, "`on_stop` is neither a @task nor on_start"},
    {"refused_absolute_url.py", 7, "the URL must be a path starting with `/`"},
    {"refused_wait_function.py", 5, "`wait_time` is neither a @task nor on_start"},
};

INSTANTIATE_TEST_SUITE_P(OutsideThePattern, LocustfileRefused, testing::ValuesIn(k_refused));

TEST(Locustfile, AMissingFileIsAnError) {
  auto scenario = import_locustfile(data("no_such_locustfile.py"));
  ASSERT_FALSE(scenario);
  EXPECT_NE(scenario.error().find("cannot read"), std::string::npos) << scenario.error();
}

TEST(Locustfile, LoadScenarioImportsAPythonFile) {
  auto scenario = load_scenario(data("course_locustfile.py").string());
  ASSERT_TRUE(scenario) << scenario.error();
  EXPECT_EQ(scenario->tasks.size(), 2u);
}

} // namespace
} // namespace fp::bench
