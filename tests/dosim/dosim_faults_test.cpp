// Fault injection, chosen per test through the faults document (--faults) or PUT /_dosim/faults:
// 429 bursts, the real rate limits, 5xx on the Nth call, a 5xx after the create happened, creates
// that fail later, sizes withdrawn from a region, slow actions, late IPs, 404 right after 202.
#include "api_test_client.hpp"

#include <gtest/gtest.h>
#include <thread>

namespace fp::test {
namespace {

using nlohmann::json;

const json k_droplet = {{"name", "fp-web-1"}, {"region", "fra1"}, {"size", "s-1vcpu-1gb"}, {"image", "debian-12-x64"},
                        {"tags", {"fpctl"}}};

DosimProcess start(const json& faults) {
  DosimOptions o;
  o.delay_scale = 1.0;
  o.faults = faults;
  return DosimProcess(o);
}

long droplet_id(const Answer& a) { return a.body["droplet"]["id"].get<long>(); }

TEST(DosimFaults, A429BurstWithRetryAfterThenService) {
  auto dosim = start({{"rules", {{{"method", "GET"}, {"path", "/v2/droplets"}, {"count", 2}, {"status", 429}, {"retry_after", 3}}}}});
  ApiClient api(dosim.port());
  for (int i = 0; i < 2; ++i) {
    const auto refused = api.get("/v2/droplets");
    EXPECT_EQ(refused.status, 429u);
    EXPECT_EQ(refused.body["id"], "too_many_requests");
    EXPECT_EQ(refused.header("retry-after"), "3");
    EXPECT_EQ(refused.header("ratelimit-remaining"), "0");
  }
  EXPECT_EQ(api.get("/v2/droplets").status, 200u);
  EXPECT_EQ(api.get("/v2/droplets?page=1").status, 200u) << "the path matches without the query";
  EXPECT_EQ(dosim.faults()["rules"][0]["seen"], 4);
}

TEST(DosimFaults, TheBurstLimitAndTheHourlyLimitAsTheApiCountsThem) {
  auto dosim = start({{"rate_limits", {{"per_minute", 3}, {"hourly", 5}, {"keys_per_minute", 1}}}});
  ApiClient api(dosim.port());
  EXPECT_EQ(api.get("/v2/account/keys").status, 200u);
  const auto keys = api.get("/v2/account/keys");
  EXPECT_EQ(keys.status, 429u) << "GET /v2/account/keys has its own per-minute limit";
  EXPECT_FALSE(keys.header("retry-after").empty());
  EXPECT_EQ(api.get("/v2/account").status, 200u);
  EXPECT_EQ(api.get("/v2/account").status, 200u);
  const auto burst = api.get("/v2/account");
  EXPECT_EQ(burst.status, 429u);
  const int retry_after = std::stoi(burst.header("retry-after"));
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 60);
  EXPECT_EQ(burst.header("ratelimit-remaining"), "2");

  ApiClient other(dosim.port(), "dop_v1_other");
  EXPECT_EQ(other.get("/v2/account").status, 200u) << "limits are per token";

  dosim.advance_clock(61);
  EXPECT_EQ(api.get("/v2/account").status, 200u);
  const auto last = api.get("/v2/account");
  EXPECT_EQ(last.status, 200u);
  EXPECT_EQ(last.header("ratelimit-remaining"), "0");
  const auto hourly = api.get("/v2/account");
  EXPECT_EQ(hourly.status, 429u);
  EXPECT_TRUE(hourly.header("retry-after").empty()) << "the hourly limit carries no retry-after";
  const long long reset = std::stoll(hourly.header("ratelimit-reset"));
  dosim.advance_clock(3600);
  const auto later = api.get("/v2/account");
  EXPECT_EQ(later.status, 200u) << "requests expire one hour after they were made (reset was " << reset << ")";
}

TEST(DosimFaults, A5xxOnTheNthCallChangesNothing) {
  auto dosim = start({{"rules", {{{"method", "POST"}, {"path", "/v2/droplets"}, {"nth", 2}, {"status", 500}}}}});
  ApiClient api(dosim.port());
  EXPECT_EQ(api.post("/v2/droplets", k_droplet).status, 202u);
  const auto failed = api.post("/v2/droplets", k_droplet);
  EXPECT_EQ(failed.status, 500u);
  EXPECT_EQ(failed.body["id"], "server_error");
  EXPECT_EQ(api.post("/v2/droplets", k_droplet).status, 202u);
  EXPECT_EQ(api.get("/v2/droplets").body["meta"]["total"], 2);
}

TEST(DosimFaults, A5xxAfterTheCreateHappenedLosesOnlyTheAnswer) {
  auto dosim = start({{"rules", {{{"method", "POST"}, {"path", "/v2/droplets"}, {"status", 503}, {"after_apply", true}}}}});
  ApiClient api(dosim.port());
  EXPECT_EQ(api.post("/v2/droplets", k_droplet).status, 503u);
  EXPECT_EQ(api.get("/v2/droplets?name=fp-web-1").body["meta"]["total"], 1) << "found by name: do not create it again";
  EXPECT_EQ(dosim.requests()[0]["fault"], "status after apply");
}

TEST(DosimFaults, ACreateThatFailsLaterErrorsItsActionAndTheDropletVanishes) {
  auto dosim = start({{"rules", {{{"method", "POST"}, {"path", "/v2/droplets"}, {"create_fails", true}}}}});
  ApiClient api(dosim.port());
  const auto created = api.post("/v2/droplets", k_droplet);
  ASSERT_EQ(created.status, 202u);
  const auto id = std::to_string(droplet_id(created));
  const auto action = "/v2/actions/" + std::to_string(created.body["links"]["actions"][0]["id"].get<long>());
  EXPECT_EQ(api.get("/v2/droplets/" + id).status, 200u);
  dosim.advance_clock(31);
  EXPECT_EQ(api.get(action).body["action"]["status"], "errored");
  EXPECT_EQ(api.get("/v2/droplets/" + id).status, 404u);
  EXPECT_EQ(api.get("/v2/droplets?tag_name=fpctl").body["meta"]["total"], 0);
  // The rule answered only the first create (count 1).
  const auto second = api.post("/v2/droplets", k_droplet);
  dosim.advance_clock(31);
  EXPECT_EQ(api.get("/v2/droplets/" + std::to_string(droplet_id(second))).body["droplet"]["status"], "active");
}

TEST(DosimFaults, ASizeWithdrawnFromARegionAnswers422EverywhereConsistently) {
  auto dosim = start(json::object());
  ApiClient api(dosim.port());
  dosim.set_faults({{"unavailable_sizes", {{{"region", "fra1"}, {"size", "s-1vcpu-1gb"}}}}});
  const auto refused = api.post("/v2/droplets", k_droplet);
  EXPECT_EQ(refused.status, 422u);
  EXPECT_EQ(refused.body["message"], "Size is not available in this region.");
  const auto regions = api.get("/v2/regions");
  for (const auto& r : regions.body["regions"]) {
    if (r["slug"] == "fra1") {
      EXPECT_EQ(r["sizes"].dump().find("\"s-1vcpu-1gb\""), std::string::npos);
    }
  }
  json elsewhere = k_droplet;
  elsewhere["region"] = "ams3";
  EXPECT_EQ(api.post("/v2/droplets", elsewhere).status, 202u);
}

TEST(DosimFaults, SlowActionsLateAddressesAnd404RightAfterThe202) {
  auto dosim = start({{"delays", {{"droplet_visible", 5}, {"droplet_ips", 10}}},
                      {"rules", {{{"method", "POST"}, {"path", "/v2/droplets"}, {"nth", 2}, {"delays", {{"droplet_active", 600}}}}}}});
  ApiClient api(dosim.port());
  const auto fast = std::to_string(droplet_id(api.post("/v2/droplets", k_droplet)));
  const auto slow = std::to_string(droplet_id(api.post("/v2/droplets", k_droplet)));
  EXPECT_EQ(api.get("/v2/droplets/" + fast).status, 404u) << "not visible yet after the 202";
  EXPECT_EQ(api.get("/v2/droplets").body["meta"]["total"], 0);
  dosim.advance_clock(6);
  EXPECT_EQ(api.get("/v2/droplets/" + fast).body["droplet"]["status"], "new");
  dosim.advance_clock(25); // 31 s: active, but the addresses come 10 s later
  auto read = api.get("/v2/droplets/" + fast).body["droplet"];
  EXPECT_EQ(read["status"], "active");
  EXPECT_TRUE(read["networks"]["v4"].empty());
  dosim.advance_clock(10);
  EXPECT_EQ(api.get("/v2/droplets/" + fast).body["droplet"]["networks"]["v4"].size(), 2u);
  EXPECT_EQ(api.get("/v2/droplets/" + slow).body["droplet"]["status"], "new") << "the slow one";
  dosim.advance_clock(600);
  EXPECT_EQ(api.get("/v2/droplets/" + slow).body["droplet"]["status"], "active");
}

TEST(DosimFaults, DatabasesInvisibleThenCreatingForLong) {
  auto dosim = start({{"delays", {{"database_visible", 20}, {"database_online", 300}}}});
  ApiClient api(dosim.port());
  const auto created = api.post("/v2/databases", {{"name", "fpctl-pg"}, {"engine", "pg"}, {"region", "fra1"},
                                                  {"size", "db-s-1vcpu-1gb"}, {"num_nodes", 1}});
  ASSERT_EQ(created.status, 201u);
  const auto path = "/v2/databases/" + created.body["database"]["id"].get<std::string>();
  EXPECT_EQ(api.get(path).status, 404u) << "cluster not found right after create";
  dosim.advance_clock(21);
  EXPECT_EQ(api.get(path).body["database"]["status"], "creating");
  dosim.advance_clock(280);
  EXPECT_EQ(api.get(path).body["database"]["status"], "online");
}

TEST(DosimFaults, DelayScaleShrinksEveryDelay) {
  DosimOptions o;
  o.delay_scale = 0.001; // 30 s -> 30 ms
  DosimProcess dosim(o);
  ApiClient api(dosim.port());
  const auto id = std::to_string(droplet_id(api.post("/v2/droplets", k_droplet)));
  std::string status;
  for (int i = 0; i < 500 && status != "active"; ++i) { // bounded: 5 s at most
    status = api.get("/v2/droplets/" + id).body["droplet"]["status"];
    if (status != "active") std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(status, "active");
}

TEST(DosimFaults, ALockedAccountCannotCreate) {
  auto dosim = start({{"account", {{"status", "locked"}, {"droplet_limit", 3}}}});
  ApiClient api(dosim.port());
  const auto account = api.get("/v2/account").body["account"];
  EXPECT_EQ(account["status"], "locked");
  EXPECT_EQ(account["droplet_limit"], 3);
  EXPECT_EQ(api.post("/v2/droplets", k_droplet).status, 403u);
}

TEST(DosimFaults, AReadOnlyTokenReadsButCannotWrite) {
  auto dosim = start({{"account", {{"read_only", true}}}});
  ApiClient api(dosim.port());
  EXPECT_EQ(api.get("/v2/account").status, 200u);
  const auto refused = api.post("/v2/tags", {{"name", "fpctl"}});
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(refused.body["id"], "forbidden");
  EXPECT_EQ(api.get("/v2/tags").body["meta"]["total"], 0);
}

TEST(DosimFaults, TheControlEndpointRefusesABadDocumentAndKeepsTheOldOne) {
  auto dosim = start({{"delays", {{"droplet_active", 7}}}});
  HttpClient client(dosim.port());
  const auto bad = client.put("/_dosim/faults", R"({"rules":[{"path":"/v2/droplets","stauts":500}]})");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.body.find("unknown key 'stauts' in rules[0]"), std::string::npos) << bad.body;
  EXPECT_EQ(dosim.faults()["delays"]["droplet_active"], 7);
  const auto yaml = client.put("/_dosim/faults", "delays:\n  droplet_active: 9\n");
  EXPECT_EQ(yaml.status, 200u) << yaml.body;
  EXPECT_EQ(dosim.faults()["delays"]["droplet_active"], 9);
  EXPECT_EQ(dosim.faults()["delay_scale"], 1.0) << "a document without delay_scale keeps the current one";
  EXPECT_EQ(client.get("/_dosim/nothing").status, 404u);
}

TEST(DosimFaults, ResetEmptiesTheAccount) {
  auto dosim = start(json::object());
  ApiClient api(dosim.port());
  api.post("/v2/droplets", k_droplet);
  dosim.reset();
  EXPECT_EQ(api.get("/v2/droplets").body["meta"]["total"], 0);
  EXPECT_EQ(dosim.requests().size(), 1u) << "the log was emptied too";
  EXPECT_TRUE(dosim.state()["droplets"].empty());
}

} // namespace
} // namespace fp::test
