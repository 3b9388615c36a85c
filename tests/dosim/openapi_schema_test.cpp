// The pieces of dosim that need no server: the OpenAPI -> JSON Schema conversion, the schema
// catalog over the official spec, fingerprints, fault documents, globbing and rate limits.
#include "faults.hpp"
#include "ids.hpp"
#include "openapi_schema.hpp"
#include "rate_limiter.hpp"
#include "router.hpp"
#include "schema_catalog.hpp"

#include <gtest/gtest.h>

namespace fp::dosim {
namespace {

using nlohmann::json;

const SchemaCatalog& spec() {
  static auto catalog = SchemaCatalog::load(FP_DOSIM_DEFAULT_SPEC);
  if (!catalog) throw std::runtime_error(catalog.error());
  return **catalog;
}

TEST(OpenApiSchema, NullableAddsNullToTheTypeOrWrapsUntypedSchemas) {
  EXPECT_EQ(to_json_schema({{"type", "string"}, {"nullable", true}}, Direction::request),
            (json{{"type", {"string", "null"}}}));
  const auto wrapped = to_json_schema({{"allOf", {{{"type", "object"}}}}, {"nullable", true}}, Direction::response);
  ASSERT_TRUE(wrapped.contains("anyOf"));
  EXPECT_EQ(wrapped["anyOf"][1], (json{{"type", "null"}}));
  const auto with_enum = to_json_schema({{"type", "string"}, {"enum", {"a"}}, {"nullable", true}}, Direction::request);
  EXPECT_EQ(with_enum["enum"], (json{"a", nullptr}));
}

TEST(OpenApiSchema, ReadOnlyPropertiesAreRequiredOnlyInResponses) {
  const json schema = {{"type", "object"},
                       {"properties", {{"id", {{"type", "integer"}, {"readOnly", true}}}, {"name", {{"type", "string"}}}}},
                       {"required", {"id", "name"}}};
  EXPECT_EQ(to_json_schema(schema, Direction::request)["required"], (json{"name"}));
  EXPECT_EQ(to_json_schema(schema, Direction::response)["required"], (json{"id", "name"}));
  EXPECT_FALSE(to_json_schema(schema, Direction::response)["properties"]["id"].contains("readOnly"));
}

TEST(OpenApiSchema, FormatsOtherThanDateTimeOnStringsAreAnnotations) {
  EXPECT_FALSE(to_json_schema({{"type", "integer"}, {"format", "int64"}}, Direction::request).contains("format"));
  EXPECT_FALSE(to_json_schema({{"type", "string"}, {"format", "uuid"}}, Direction::request).contains("format"));
  EXPECT_TRUE(to_json_schema({{"type", "string"}, {"format", "date-time"}}, Direction::request).contains("format"));
}

TEST(SchemaCatalog, AMissingSpecIsAClearError) {
  auto catalog = SchemaCatalog::load("/nonexistent/openapi.json");
  ASSERT_FALSE(catalog);
  EXPECT_NE(catalog.error().find("cannot read the OpenAPI spec /nonexistent/openapi.json"), std::string::npos);
  EXPECT_NE(catalog.error().find("--spec"), std::string::npos);
}

TEST(SchemaCatalog, AcceptsTheDocumentedDropletCreateAndFlagsBrokenOnes) {
  const json good = {{"name", "fp-web-1"},    {"region", "fra1"},         {"size", "s-1vcpu-1gb"},
                     {"image", "debian-12-x64"}, {"ssh_keys", {512190}}, {"tags", nullptr},
                     {"monitoring", true}};
  EXPECT_EQ(spec().validate_request("POST", "/v2/droplets", good), std::vector<std::string>{});
  json multi = good;
  multi.erase("name");
  multi["names"] = {"a", "b"};
  EXPECT_EQ(spec().validate_request("POST", "/v2/droplets", multi), std::vector<std::string>{});

  json no_size = good;
  no_size.erase("size");
  EXPECT_FALSE(spec().validate_request("POST", "/v2/droplets", no_size).empty());
  json bad_name = good;
  bad_name["name"] = "has_underscore";
  EXPECT_FALSE(spec().validate_request("POST", "/v2/droplets", bad_name).empty());
  json bad_type = good;
  bad_type["monitoring"] = "yes";
  const auto violations = spec().validate_request("POST", "/v2/droplets", bad_type);
  ASSERT_FALSE(violations.empty());
}

TEST(SchemaCatalog, ValidatesResponsesByStatusAndFallsBackToDefault) {
  const json error = {{"id", "not_found"}, {"message", "The resource you were accessing could not be found."}};
  EXPECT_EQ(spec().validate_response("GET", "/v2/droplets/{droplet_id}", 404, error), std::vector<std::string>{});
  EXPECT_EQ(spec().validate_response("POST", "/v2/droplets", 422, error), std::vector<std::string>{}); // via default
  EXPECT_FALSE(spec().validate_response("GET", "/v2/droplets/{droplet_id}", 404, json{{"message", "x"}}).empty());
  EXPECT_FALSE(spec().validate_response("GET", "/v2/account", 200, json{{"account", {{"email", 5}}}}).empty());
  EXPECT_EQ(spec().validate_response("DELETE", "/v2/droplets/{droplet_id}", 204, nullptr), std::vector<std::string>{});
}

TEST(Routes, EveryRouteIsAnOperationOfTheOfficialSpec) {
  // Routes are named by the spec's path templates; a typo would silently skip schema checks.
  for (const auto& route : routes()) {
    EXPECT_TRUE(spec().has_operation(route.method, route.path_template)) << route.method << " " << route.path_template;
  }
  EXPECT_EQ(match_route("GET", "/v2/databases/options").route->path_template, "/v2/databases/options");
  const auto by_id = match_route("GET", "/v2/databases/9cc10173-e9ea-4176-9dbc-a4cee4c4ff30");
  ASSERT_TRUE(by_id.route);
  EXPECT_EQ(by_id.params.at("database_cluster_uuid"), "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30");
  EXPECT_EQ(match_route("POST", "/v2/tags/env%3Aprod/resources").params.at("tag_id"), "env:prod");
  EXPECT_FALSE(match_route("PATCH", "/v2/droplets").route);
  EXPECT_TRUE(match_route("PATCH", "/v2/droplets").path_known);
  EXPECT_FALSE(match_route("GET", "/v2/nothing").path_known);
}

TEST(Fingerprint, IsTheMd5OfTheKeyBlobAsSshKeygenPrintsIt) {
  // ssh-keygen -l -E md5 -f: 256 MD5:43:61:35:d8:ad:fc:f6:a6:5f:ef:73:e4:61:f5:c8:df test (ED25519)
  EXPECT_EQ(ssh_fingerprint("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEwAbNh+E8CcHT98GANT32qCZxrUrABur/82S0iFy/N+ test"),
            "43:61:35:d8:ad:fc:f6:a6:5f:ef:73:e4:61:f5:c8:df");
  EXPECT_EQ(ssh_fingerprint("not a key"), std::nullopt);
  EXPECT_EQ(ssh_fingerprint("ssh-ed25519 !!!notbase64"), std::nullopt);
}

TEST(Faults, DefaultsMatchTheRealApi) {
  const auto faults = parse_faults(nullptr);
  ASSERT_TRUE(faults);
  EXPECT_EQ(faults->rate_limits.hourly, 5000);
  EXPECT_EQ(faults->rate_limits.per_minute, 250);
  EXPECT_EQ(faults->rate_limits.keys_per_minute, 10);
  EXPECT_EQ(faults->delay_scale, 1.0);
}

TEST(Faults, ParsesRulesFromYaml) {
  const auto document = parse_config_text(R"(
delay_scale: 0.5
delays: {droplet_active: 2}
rules:
  - method: post
    path: /v2/droplets
    nth: 2
    status: 503
    retry_after: 4
  - path: /v2/droplets
    create_fails: true
)");
  ASSERT_TRUE(document) << document.error();
  const auto faults = parse_faults(*document);
  ASSERT_TRUE(faults) << faults.error();
  EXPECT_EQ(faults->delay_scale, 0.5);
  EXPECT_EQ(faults->delays.droplet_active, 2);
  ASSERT_EQ(faults->rules.size(), 2u);
  EXPECT_EQ(faults->rules[0].method, "POST");
  EXPECT_EQ(faults->rules[0].nth, 2);
  EXPECT_EQ(faults->rules[0].status, 503u);
  EXPECT_EQ(faults->rules[0].retry_after, 4);
  EXPECT_TRUE(faults->rules[1].create_fails);
}

TEST(Faults, MistakesAreNamed) {
  auto message = [](const json& document) {
    const auto faults = parse_faults(document);
    return faults ? std::string("(accepted)") : faults.error();
  };
  EXPECT_NE(message({{"delay", 1}}).find("unknown key 'delay'"), std::string::npos);
  EXPECT_NE(message({{"rules", {{{"status", 500}}}}}).find("rules[0].path is required"), std::string::npos);
  EXPECT_NE(message({{"rules", {{{"path", "/v2/x"}}}}}).find("does nothing"), std::string::npos);
  EXPECT_NE(message({{"rules", {{{"path", "/v2/x"}, {"status", 200}}}}}).find("error status"), std::string::npos);
  EXPECT_NE(message({{"delays", {{"droplet_active", -1}}}}).find("at least 0"), std::string::npos);
  EXPECT_NE(message({{"account", {{"status", "gone"}}}}).find("account.status"), std::string::npos);
  EXPECT_FALSE(parse_config_text("{ unbalanced: [").has_value());
}

TEST(Glob, StarMatchesAnyRun) {
  EXPECT_TRUE(glob_match("/v2/droplets", "/v2/droplets"));
  EXPECT_FALSE(glob_match("/v2/droplets", "/v2/droplets/1"));
  EXPECT_TRUE(glob_match("/v2/droplets/*", "/v2/droplets/1"));
  EXPECT_TRUE(glob_match("*", "/v2/account"));
  EXPECT_FALSE(glob_match("/v2/d*s/x", "/v2/droplets"));
}

TEST(RateLimiter, BurstLimitAnswersWithRetryAfterAndHourlyLimitWithout) {
  RateLimiter limiter;
  RateLimits limits;
  limits.per_minute = 3;
  limits.hourly = 5;
  SimTime t = 1000;
  for (int i = 0; i < 3; ++i) {
    const auto d = limiter.check("tok", false, t + i, limits);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, 5 - (i + 1));
  }
  auto refused = limiter.check("tok", false, t + 3, limits);
  EXPECT_FALSE(refused.allowed);
  ASSERT_TRUE(refused.retry_after);
  EXPECT_EQ(*refused.retry_after, 57); // the first request leaves the minute at t + 60
  EXPECT_TRUE(limiter.check("other", false, t + 3, limits).allowed) << "limits are per token";
  EXPECT_TRUE(limiter.check("tok", false, t + 61, limits).allowed);
  EXPECT_TRUE(limiter.check("tok", false, t + 62, limits).allowed);
  refused = limiter.check("tok", false, t + 63, limits);
  EXPECT_FALSE(refused.allowed);
  EXPECT_FALSE(refused.retry_after) << "the hourly limit has no retry-after";
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.reset, static_cast<long long>(t + 3600));
  EXPECT_TRUE(limiter.check("tok", false, t + 3600.5, limits).allowed);
}

} // namespace
} // namespace fp::dosim
