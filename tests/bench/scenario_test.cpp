// The run-time side of scenarios: think times as Locust computes them, weighted task choice,
// rendering, the failure rule, checks and captures, and the built-in scenarios.
#include "scenario.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <unistd.h>

namespace fp::bench {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

double seconds(nanoseconds duration) { return std::chrono::duration<double>(duration).count(); }

Template compile(std::string_view text) {
  auto compiled = Template::compile(text);
  EXPECT_TRUE(compiled) << compiled.error();
  return compiled.value_or(Template());
}

TEST(ThinkTime, BetweenIsUniformOverItsRange) {
  ThinkTime think{ThinkTime::Kind::between, 1, 3};
  std::mt19937_64 random(7);
  constexpr int k_samples = 100'000;
  constexpr int k_bins = 10;
  std::array<int, k_bins> bins{};
  double sum = 0;
  double sum_of_squares = 0;
  for (int i = 0; i < k_samples; ++i) {
    // The task time does not matter to between (Locust ignores it).
    double wait = seconds(think.next(milliseconds(i % 500), random));
    ASSERT_GE(wait, 1.0);
    ASSERT_LT(wait, 3.0);
    sum += wait;
    sum_of_squares += wait * wait;
    ++bins[static_cast<std::size_t>((wait - 1.0) / 2.0 * k_bins)];
  }
  const double mean = sum / k_samples;
  const double variance = sum_of_squares / k_samples - mean * mean;
  EXPECT_NEAR(mean, 2.0, 0.01);            // (a + b) / 2
  EXPECT_NEAR(variance, 4.0 / 12.0, 0.01); // (b - a)^2 / 12
  // Chi-square with 9 degrees of freedom: 27.9 is the 0.999 quantile.
  double chi_square = 0;
  const double expected = static_cast<double>(k_samples) / k_bins;
  for (int count : bins)
    chi_square += (count - expected) * (count - expected) / expected;
  EXPECT_LT(chi_square, 27.9);
  EXPECT_DOUBLE_EQ(think.mean_seconds(), 2.0);
}

TEST(ThinkTime, ConstantAndNone) {
  std::mt19937_64 random(1);
  ThinkTime constant{ThinkTime::Kind::constant, 0.25, 0};
  EXPECT_EQ(constant.next(milliseconds(900), random), milliseconds(250));
  EXPECT_DOUBLE_EQ(constant.mean_seconds(), 0.25);
  ThinkTime none;
  EXPECT_EQ(none.next(milliseconds(5), random), nanoseconds(0));
  EXPECT_DOUBLE_EQ(none.mean_seconds(), 0);
}

TEST(ThinkTime, ConstantPacingWaitsWhatIsLeftOfThePeriod) {
  std::mt19937_64 random(1);
  ThinkTime pacing{ThinkTime::Kind::constant_pacing, 2, 0};
  EXPECT_EQ(pacing.next(milliseconds(300), random), milliseconds(1700));
  EXPECT_EQ(pacing.next(milliseconds(0), random), milliseconds(2000));
  EXPECT_EQ(pacing.next(milliseconds(2000), random), nanoseconds(0));
  EXPECT_EQ(pacing.next(milliseconds(3500), random), nanoseconds(0)); // overrun: start at once
  EXPECT_DOUBLE_EQ(pacing.mean_seconds(), 2);
}

TEST(ThinkTime, ConstantThroughputIsPacingOfOneOverTheRate) {
  std::mt19937_64 random(1);
  ThinkTime throughput{ThinkTime::Kind::constant_throughput, 4, 0}; // 4 task runs per second
  EXPECT_EQ(throughput.next(milliseconds(100), random), milliseconds(150));
  EXPECT_EQ(throughput.next(milliseconds(400), random), nanoseconds(0));
  EXPECT_DOUBLE_EQ(throughput.mean_seconds(), 0.25);
  ThinkTime slow{ThinkTime::Kind::constant_throughput, 0.5, 0};
  EXPECT_EQ(slow.next(milliseconds(500), random), milliseconds(1500));
}

Scenario weighted_scenario() {
  Scenario scenario;
  for (auto [name, weight] : {std::pair{"light", 1u}, std::pair{"heavy", 3u}, std::pair{"middle", 2u}}) {
    Task task;
    task.name = name;
    task.weight = weight;
    scenario.tasks.push_back(task);
  }
  return scenario;
}

TEST(Scenario, PickTaskFollowsTheWeights) {
  const Scenario scenario = weighted_scenario();
  UserState user;
  user.random.seed(3);
  std::map<std::string, int> counts;
  constexpr int k_draws = 120'000;
  for (int i = 0; i < k_draws; ++i)
    ++counts[scenario.pick_task(user).name];
  EXPECT_NEAR(counts["light"] / double(k_draws), 1.0 / 6, 0.006);
  EXPECT_NEAR(counts["heavy"] / double(k_draws), 3.0 / 6, 0.006);
  EXPECT_NEAR(counts["middle"] / double(k_draws), 2.0 / 6, 0.006);
}

TEST(Scenario, ASingleTaskIsAlwaysPicked) {
  Scenario scenario;
  scenario.tasks.push_back(Task{"only", 5, {}});
  UserState user;
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(scenario.pick_task(user).name, "only");
}

RequestSpec post_orders() {
  RequestSpec spec;
  spec.method = "POST";
  spec.path = compile("/orders");
  spec.name = "/orders";
  spec.body = Template::compile_json(R"({"product": "{{pick Laptop}}", "quantity": {{random_int 2 2}}})").value();
  return spec;
}

TEST(RenderRequest, AddsJsonContentTypeToABody) {
  UserState user;
  auto request = render_request(post_orders(), user);
  ASSERT_TRUE(request) << request.error();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->target, "/orders");
  ASSERT_EQ(request->headers.size(), 1u);
  EXPECT_EQ(request->headers[0], (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
  EXPECT_EQ(request->body, R"({"product": "Laptop", "quantity": 2})");
}

TEST(RenderRequest, KeepsTheScenariosOwnContentTypeAndRendersHeaders) {
  UserState user;
  user.variables["token"] = "abc";
  RequestSpec spec = post_orders();
  spec.headers.emplace_back("content-type", compile("application/json; charset=utf-8"));
  spec.headers.emplace_back("Authorization", compile("Bearer {{token}}"));
  auto request = render_request(spec, user);
  ASSERT_TRUE(request) << request.error();
  ASSERT_EQ(request->headers.size(), 2u);
  EXPECT_EQ(request->headers[0].second, "application/json; charset=utf-8");
  EXPECT_EQ(request->headers[1].second, "Bearer abc");
}

TEST(RenderRequest, NoBodyNoContentTypeAndVariablesInThePath) {
  UserState user;
  user.variables["order_id"] = "0123456789abcdef01234567";
  RequestSpec spec;
  spec.method = "GET";
  spec.path = compile("/orders/{{order_id}}?x={{random_int 5 5}}");
  auto request = render_request(spec, user);
  ASSERT_TRUE(request) << request.error();
  EXPECT_EQ(request->target, "/orders/0123456789abcdef01234567?x=5");
  EXPECT_TRUE(request->headers.empty());
  EXPECT_FALSE(request->body);
  user.variables.clear();
  auto missing = render_request(spec, user);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("order_id"), std::string::npos) << missing.error();
}

RequestSpec named(std::string method, std::string name) {
  RequestSpec spec;
  spec.method = std::move(method);
  spec.path = compile(name);
  spec.name = std::move(name);
  return spec;
}

TEST(EvaluateResponse, LocustsDefaultRule) {
  UserState user;
  const RequestSpec spec = named("GET", "/orders/[id]");
  EXPECT_EQ(evaluate_response(spec, 200, "{}", user), std::nullopt);
  EXPECT_EQ(evaluate_response(spec, 302, "", user), std::nullopt);
  EXPECT_EQ(evaluate_response(spec, 399, "", user), std::nullopt);
  EXPECT_EQ(evaluate_response(spec, 404, "", user), "HTTPError('404 Client Error: Not Found for url: /orders/[id]')");
  EXPECT_EQ(evaluate_response(spec, 500, "", user),
            "HTTPError('500 Server Error: Internal Server Error for url: /orders/[id]')");
  EXPECT_EQ(evaluate_response(spec, 400, "", user), "HTTPError('400 Client Error: Bad Request for url: /orders/[id]')");
  EXPECT_EQ(evaluate_response(spec, 0, "", user), "ConnectionError('no response')");
}

TEST(EvaluateResponse, ExpectedStatusesReplaceTheDefaultRule) {
  UserState user;
  RequestSpec spec = named("DELETE", "/orders/[id]");
  spec.check.status_in = {200, 404};
  EXPECT_EQ(evaluate_response(spec, 404, "", user), std::nullopt);
  EXPECT_EQ(evaluate_response(spec, 200, "", user), std::nullopt);
  EXPECT_EQ(evaluate_response(spec, 500, "", user), "status 500, expected 200 or 404");
  EXPECT_EQ(evaluate_response(spec, 201, "", user), "status 201, expected 200 or 404");
  EXPECT_EQ(evaluate_response(spec, 0, "", user), "ConnectionError('no response')");
}

TEST(EvaluateResponse, BodyAndJsonPathChecks) {
  UserState user;
  RequestSpec spec = named("GET", "/orders");
  spec.check.body_contains = "orders";
  spec.check.json_path_exists = "orders.1._id";
  EXPECT_EQ(evaluate_response(spec, 200, R"({"orders": [{"_id": "a"}, {"_id": "b"}]})", user), std::nullopt);
  EXPECT_EQ(evaluate_response(spec, 200, R"({"orders": [{"_id": "a"}]})", user), "json path orders.1._id not found");
  EXPECT_EQ(evaluate_response(spec, 200, R"({"items": []})", user), "body does not contain \"orders\"");
  EXPECT_EQ(evaluate_response(spec, 200, "orders, but not JSON", user), "response is not JSON (checking orders.1._id)");
  // The default rule still comes first.
  EXPECT_EQ(evaluate_response(spec, 503, "", user),
            "HTTPError('503 Server Error: Service Unavailable for url: /orders')");
}

TEST(EvaluateResponse, CapturesStoreValuesOnSuccessOnly) {
  UserState user;
  RequestSpec spec = named("POST", "/orders");
  spec.captures = {{"order_id", "order._id"}, {"quantity", "order.quantity"}, {"first", "order.tags.0"}};
  const std::string created =
      R"({"message": "Order created successfully", "order": {"_id": "65a1b2c3d4e5f6a7b8c9d0e1", "quantity": 5, )"
      R"("tags": ["new"]}})";
  EXPECT_EQ(evaluate_response(spec, 200, created, user), std::nullopt);
  EXPECT_EQ(user.variables.at("order_id"), "65a1b2c3d4e5f6a7b8c9d0e1"); // strings without quotes
  EXPECT_EQ(user.variables.at("quantity"), "5");                        // other values as JSON
  EXPECT_EQ(user.variables.at("first"), "new");

  UserState failed;
  EXPECT_NE(evaluate_response(spec, 500, created, failed), std::nullopt);
  EXPECT_TRUE(failed.variables.empty());
}

TEST(EvaluateResponse, ACaptureThatFindsNothingIsAFailure) {
  UserState user;
  user.variables["order_id"] = "old";
  RequestSpec spec = named("POST", "/orders");
  spec.captures = {{"quantity", "order.quantity"}, {"order_id", "order._id"}};
  EXPECT_EQ(evaluate_response(spec, 200, R"({"order": {"quantity": 1}})", user),
            "capture order_id: path order._id not found");
  EXPECT_EQ(user.variables.at("order_id"), "old"); // nothing stored from a failed response
  EXPECT_EQ(user.variables.count("quantity"), 0u);
  EXPECT_EQ(evaluate_response(spec, 200, "<html>", user), "capture quantity: response is not JSON");
  EXPECT_EQ(evaluate_response(spec, 200, R"({"order": []})", user), "capture quantity: path order.quantity not found");
}

TEST(Scenario, StatsKeysAreSharedByMethodAndNameInOrderOfAppearance) {
  Scenario scenario;
  scenario.on_start.push_back(named("POST", "/orders"));
  scenario.tasks.push_back(Task{"a", 1, {named("GET", "/orders"), named("POST", "/orders")}});
  scenario.tasks.push_back(Task{"b", 1, {named("GET", "/orders/[id]"), named("GET", "/orders")}});
  assign_stats_keys(scenario);
  ASSERT_EQ(scenario.stats_keys.size(), 3u);
  EXPECT_EQ(scenario.stats_keys[0], (RequestKey{"POST", "/orders"}));
  EXPECT_EQ(scenario.stats_keys[1], (RequestKey{"GET", "/orders"}));
  EXPECT_EQ(scenario.stats_keys[2], (RequestKey{"GET", "/orders/[id]"}));
  EXPECT_EQ(scenario.on_start[0].stats_index, 0u);
  EXPECT_EQ(scenario.tasks[0].requests[0].stats_index, 1u);
  EXPECT_EQ(scenario.tasks[0].requests[1].stats_index, 0u);
  EXPECT_EQ(scenario.tasks[1].requests[0].stats_index, 2u);
  EXPECT_EQ(scenario.tasks[1].requests[1].stats_index, 1u);
}

TEST(BuiltinScenarios, FpOrdersIsTheCoursesLocustfile) {
  EXPECT_EQ(builtin_scenario_names(), (std::vector<std::string>{"fp-orders", "crud"}));
  auto scenario = load_scenario("fp-orders");
  ASSERT_TRUE(scenario) << scenario.error();
  EXPECT_EQ(scenario->name, "fp-orders");
  EXPECT_EQ(scenario->source, "built-in fp-orders");
  EXPECT_EQ(scenario->think.kind, ThinkTime::Kind::between);
  EXPECT_EQ(scenario->think.a, 1);
  EXPECT_EQ(scenario->think.b, 3);
  EXPECT_TRUE(scenario->on_start.empty());
  ASSERT_EQ(scenario->tasks.size(), 2u);
  EXPECT_EQ(scenario->tasks[0].weight, 1u);
  EXPECT_EQ(scenario->tasks[1].weight, 1u);
  UserState user;
  auto get = render_request(scenario->tasks[0].requests.at(0), user);
  auto post = render_request(scenario->tasks[1].requests.at(0), user);
  ASSERT_TRUE(get && post);
  EXPECT_EQ(get->method, "GET");
  EXPECT_EQ(get->target, "/orders");
  EXPECT_FALSE(get->body);
  EXPECT_EQ(post->method, "POST");
  EXPECT_EQ(post->target, "/orders");
  // Byte for byte what requests sends for the locustfile's json=data.
  EXPECT_EQ(
      post->body,
      R"({"product": "ProductX", "quantity": 5, "customer_name": "John Doe", "customer_address": "123 Main St"})");
  EXPECT_EQ(post->headers, (std::vector<std::pair<std::string, std::string>>{{"Content-Type", "application/json"}}));
  EXPECT_EQ(scenario->stats_keys, (std::vector<RequestKey>{{"GET", "/orders"}, {"POST", "/orders"}}));
}

TEST(BuiltinScenarios, CrudDrivesAllFiveRoutesWithTheCapturedId) {
  auto scenario = load_scenario("crud");
  ASSERT_TRUE(scenario) << scenario.error();
  std::set<std::pair<std::string, std::string>> keys;
  for (const RequestKey& key : scenario->stats_keys)
    keys.emplace(key.method, key.name);
  EXPECT_EQ(keys, (std::set<std::pair<std::string, std::string>>{{"GET", "/orders"},
                                                                 {"POST", "/orders"},
                                                                 {"GET", "/orders/[id]"},
                                                                 {"PUT", "/orders/[id]"},
                                                                 {"DELETE", "/orders/[id]"}}));

  // One user's life: on_start creates an order and keeps its id; every task can then run.
  UserState user;
  user.random.seed(5);
  ASSERT_EQ(scenario->on_start.size(), 1u);
  auto create = render_request(scenario->on_start[0], user);
  ASSERT_TRUE(create) << create.error();
  auto body = nlohmann::json::parse(create->body.value());
  EXPECT_TRUE(body["quantity"].is_number_integer());
  EXPECT_GE(body["quantity"].get<int>(), 1);
  EXPECT_LE(body["quantity"].get<int>(), 5);
  for (const char* field : {"product", "customer_name", "customer_address"})
    EXPECT_TRUE(body[field].is_string() && !body[field].get<std::string>().empty()) << field;
  const std::string answer =
      R"({"message": "Order created successfully", "order": {"_id": "65a1b2c3d4e5f6a7b8c9d0e1"}})";
  EXPECT_EQ(evaluate_response(scenario->on_start[0], 200, answer, user), std::nullopt);
  for (const Task& task : scenario->tasks)
    for (const RequestSpec& spec : task.requests) {
      auto request = render_request(spec, user);
      ASSERT_TRUE(request) << task.name << ": " << request.error();
      if (spec.name == "/orders/[id]") {
        EXPECT_EQ(request->target, "/orders/65a1b2c3d4e5f6a7b8c9d0e1") << task.name;
      }
      if (request->body) {
        EXPECT_TRUE(nlohmann::json::accept(*request->body)) << *request->body;
      }
    }
}

TEST(LoadScenario, AnUnknownNameListsTheBuiltIns) {
  auto missing = load_scenario("fp-order");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("(fp-orders or crud)"), std::string::npos) << missing.error();
  EXPECT_NE(missing.error().find("did you mean `fp-orders`?"), std::string::npos) << missing.error();
  auto other = load_scenario("/nonexistent/dir/scenario.yaml");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().find("neither a built-in scenario"), std::string::npos) << other.error();
}

TEST(LoadScenario, ReadsAYamlFile) {
  const auto path =
      std::filesystem::temp_directory_path() / ("fp_scenario_test_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << "tasks:\n  - requests: [{path: /healthz}]\n";
  }
  auto scenario = load_scenario(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(scenario) << scenario.error();
  EXPECT_EQ(scenario->source, path.string());
  EXPECT_EQ(scenario->name, path.stem().string()); // the file's name when the YAML has none
  ASSERT_EQ(scenario->tasks.size(), 1u);
  EXPECT_EQ(scenario->tasks[0].name, "GET /healthz");
}

} // namespace
} // namespace fp::bench
