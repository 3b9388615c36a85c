// Templates: {{variable}}, {{random_int A B}}, {{uuid}}, {{pick ...}}, and JSON-aware bodies.
#include "scenario.hpp"
#include "scenario_detail.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <set>

namespace fp::bench {
namespace {

UserState make_user(std::uint64_t seed = 1) {
  UserState user;
  user.random.seed(seed);
  return user;
}

std::string render(std::string_view text, UserState& user) {
  auto compiled = Template::compile(text);
  EXPECT_TRUE(compiled) << compiled.error();
  auto rendered = compiled->render(user);
  EXPECT_TRUE(rendered) << rendered.error();
  return rendered.value_or("");
}

TEST(Template, LiteralTextRendersAsWritten) {
  auto user = make_user();
  auto compiled = Template::compile("/orders?limit=10 }} {not a placeholder}");
  ASSERT_TRUE(compiled);
  EXPECT_TRUE(compiled->is_literal());
  EXPECT_EQ(compiled->render(user).value(), "/orders?limit=10 }} {not a placeholder}");
  EXPECT_EQ(compiled->source(), "/orders?limit=10 }} {not a placeholder}");
  EXPECT_TRUE(Template().is_literal());
  EXPECT_EQ(Template().render(user).value(), "");
}

TEST(Template, VariablesComeFromTheUser) {
  auto user = make_user();
  user.variables["order_id"] = "65a1b2c3d4e5f6a7b8c9d0e1";
  auto compiled = Template::compile("/orders/{{order_id}}/{{ order_id }}");
  ASSERT_TRUE(compiled);
  EXPECT_FALSE(compiled->is_literal());
  EXPECT_EQ(compiled->variables(), std::vector<std::string>{"order_id"});
  EXPECT_EQ(compiled->render(user).value(), "/orders/65a1b2c3d4e5f6a7b8c9d0e1/65a1b2c3d4e5f6a7b8c9d0e1");
}

TEST(Template, AMissingVariableIsAnErrorNamingIt) {
  auto user = make_user();
  auto compiled = Template::compile("/orders/{{order_id}}");
  ASSERT_TRUE(compiled);
  auto rendered = compiled->render(user);
  ASSERT_FALSE(rendered);
  EXPECT_NE(rendered.error().find("variable `order_id` is not set"), std::string::npos) << rendered.error();
}

TEST(Template, RandomIntCoversItsInclusiveRangeUniformly) {
  auto user = make_user();
  auto compiled = Template::compile("{{random_int -2 2}}");
  ASSERT_TRUE(compiled);
  std::map<std::string, int> counts;
  constexpr int k_draws = 50'000;
  for (int i = 0; i < k_draws; ++i)
    ++counts[compiled->render(user).value()];
  ASSERT_EQ(counts.size(), 5u);
  for (const auto& [value, count] : counts) {
    int number = std::stoi(value);
    EXPECT_GE(number, -2);
    EXPECT_LE(number, 2);
    EXPECT_NEAR(count, k_draws / 5, k_draws / 5 * 0.05) << value;
  }
  EXPECT_EQ(render("{{random_int 7 7}}", user), "7");
}

TEST(Template, UuidIsVersionFourAndFresh) {
  auto user = make_user();
  const std::regex k_uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = render("{{uuid}}", user);
    EXPECT_TRUE(std::regex_match(id, k_uuid)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Template, PickChoosesEveryOptionIncludingQuotedOnes) {
  auto user = make_user();
  std::map<std::string, int> counts;
  for (int i = 0; i < 3000; ++i)
    ++counts[render(R"({{pick Laptop "Big Phone" Tablet}})", user)];
  ASSERT_EQ(counts.size(), 3u);
  EXPECT_GT(counts["Laptop"], 850);
  EXPECT_GT(counts["Big Phone"], 850);
  EXPECT_GT(counts["Tablet"], 850);
}

TEST(Template, TheSameSeedRendersTheSameText) {
  auto first = make_user(42);
  auto second = make_user(42);
  auto compiled = Template::compile("{{uuid}} {{random_int 1 1000000}} {{pick a b c d}}");
  ASSERT_TRUE(compiled);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(compiled->render(first).value(), compiled->render(second).value());
}

TEST(Template, MistakesAreExplained) {
  struct Case {
    std::string_view text;
    std::string_view expected;
  };
  const Case k_cases[] = {
      {"/orders/{{order_id", "never closed"},
      {"{{}}", "empty placeholder"},
      {"{{random_int 5 1}}", "minimum 5 is above the maximum 1"},
      {"{{random_int 1}}", "random_int takes two integers"},
      {"{{random_int one 2}}", "`one` is not an integer"},
      {"{{uuid 4}}", "uuid takes no argument"},
      {"{{pick}}", "pick needs at least one choice"},
      {"{{randon_int 1 5}}", "did you mean `random_int`?"},
      {"{{order id}}", "`order` is not a variable name or a generator"},
      {R"({{pick "open}})", "unterminated"},
  };
  for (const Case& test : k_cases) {
    auto compiled = Template::compile(test.text);
    ASSERT_FALSE(compiled) << test.text;
    EXPECT_NE(compiled.error().find(test.expected), std::string::npos) << test.text << " -> " << compiled.error();
  }
}

TEST(TemplateJson, ValuesInsideStringsAreEscaped) {
  auto user = make_user();
  user.variables["name"] = "Say \"hi\"\\\n";
  auto compiled = Template::compile_json(R"({"customer_name": "{{name}}", "quantity": {{random_int 3 3}}})");
  ASSERT_TRUE(compiled) << compiled.error();
  std::string body = compiled->render(user).value();
  auto parsed = nlohmann::json::parse(body);
  EXPECT_EQ(parsed["customer_name"], "Say \"hi\"\\\n");
  EXPECT_EQ(parsed["quantity"], 3);
  EXPECT_TRUE(parsed["quantity"].is_number_integer());
}

TEST(TemplateJson, EscapedQuotesInTheLiteralKeepTheStringOpen) {
  auto user = make_user();
  user.variables["x"] = "a\"b";
  auto compiled = Template::compile_json(R"({"k": "quote \" then {{x}}"})");
  ASSERT_TRUE(compiled) << compiled.error();
  EXPECT_EQ(nlohmann::json::parse(compiled->render(user).value())["k"], "quote \" then a\"b");
}

TEST(TemplateJson, InvalidJsonIsRefusedAtCompileTime) {
  EXPECT_FALSE(Template::compile_json(R"({"product": "Laptop",})"));
  EXPECT_FALSE(Template::compile_json(R"({"product": Laptop})"));
  auto uuid = Template::compile_json(R"({"id": {{uuid}}})");
  ASSERT_FALSE(uuid);
  EXPECT_NE(uuid.error().find("\"{{uuid}}\""), std::string::npos) << uuid.error();
  EXPECT_TRUE(Template::compile_json(R"({"id": "{{uuid}}"})"));
}

TEST(JsonBodySource, LaysOutJsonAsPythonJsonDumps) {
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  body["product"] = "ProductX";
  body["quantity"] = 5;
  body["customer_name"] = "John Doe";
  body["note"] = "caf\xc3\xa9 \"q\"";
  body["list"] = nlohmann::ordered_json::array({1, 2.5, true, nullptr});
  EXPECT_EQ(detail::json_body_source(body),
            R"({"product": "ProductX", "quantity": 5, "customer_name": "John Doe", "note": "caf\u00e9 \"q\"", )"
            R"("list": [1, 2.5, true, null]})");
}

TEST(JsonBodySource, ALoneRandomIntBecomesANumberAndPlaceholdersStayVerbatim) {
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  body["quantity"] = "{{random_int 1 5}}";
  body["label"] = "{{random_int 1 5}} items";
  body["customer_name"] = R"(Mr "{{pick "John Doe" Jane}}")";
  const std::string source = detail::json_body_source(body);
  EXPECT_EQ(source, R"({"quantity": {{random_int 1 5}}, "label": "{{random_int 1 5}} items", )"
                    R"("customer_name": "Mr \"{{pick "John Doe" Jane}}\""})");
  auto compiled = Template::compile_json(source);
  ASSERT_TRUE(compiled) << compiled.error();
  auto user = make_user();
  auto parsed = nlohmann::json::parse(compiled->render(user).value());
  EXPECT_TRUE(parsed["quantity"].is_number_integer());
  EXPECT_TRUE(parsed["label"].is_string());
  EXPECT_TRUE(parsed["customer_name"] == "Mr \"John Doe\"" || parsed["customer_name"] == "Mr \"Jane\"")
      << parsed["customer_name"];
}

} // namespace
} // namespace fp::bench
