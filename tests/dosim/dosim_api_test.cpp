// dosim against the real API's contract: every endpoint of the subset, every answer held to the
// official response schema (ApiClient checks each one), plus pagination, auth, the asynchronous
// lifecycles on a controlled clock, and the errors the real API gives.
#include "api_test_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <cmath>
#include <gtest/gtest.h>
#include <set>

namespace fp::test {
namespace {

using nlohmann::json;

const json k_droplet = {{"name", "fp-web-1"}, {"region", "fra1"}, {"size", "s-1vcpu-1gb"}, {"image", "debian-12-x64"},
                        {"tags", {"fpctl", "fpctl:demo"}}, {"monitoring", true}};

// Each test gets its own dosim with real (unscaled) delays; time moves only when the test says.
class DosimApi : public ::testing::Test {
protected:
  static DosimOptions options() {
    DosimOptions o;
    o.delay_scale = 1.0;
    return o;
  }
  DosimProcess dosim{options()};
  ApiClient api{dosim.port()};
};

TEST_F(DosimApi, AccountNeedsABearerToken) {
  const auto ok = api.get("/v2/account");
  ASSERT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body["account"]["droplet_limit"], 25);
  EXPECT_EQ(ok.body["account"]["status"], "active");

  ApiClient anonymous(dosim.port(), "");
  const auto refused = anonymous.get("/v2/account");
  EXPECT_EQ(refused.status, 401u);
  EXPECT_EQ(refused.body["id"], "unauthorized");
  EXPECT_EQ(refused.body["message"], "Unable to authenticate you.");
}

TEST_F(DosimApi, SizesAndRegionsAgreeAndFollowThePricingRules) {
  const auto sizes = api.get("/v2/sizes?per_page=200");
  const auto regions = api.get("/v2/regions?per_page=200");
  ASSERT_EQ(sizes.status, 200u);
  ASSERT_EQ(regions.status, 200u);
  EXPECT_EQ(sizes.body["meta"]["total"], sizes.body["sizes"].size());
  std::set<std::pair<std::string, std::string>> by_size, by_region;
  bool saw_small = false;
  for (const auto& s : sizes.body["sizes"]) {
    const double monthly = s["price_monthly"];
    EXPECT_NEAR(s["price_hourly"].get<double>(), std::round(monthly / 672 * 100000) / 100000, 1e-9) << s["slug"];
    for (const auto& r : s["regions"]) by_size.insert({s["slug"].get<std::string>(), r.get<std::string>()});
    if (s["slug"] == "s-1vcpu-1gb") {
      EXPECT_EQ(s["price_monthly"], 6.0);
      EXPECT_EQ(s["memory"], 1024);
    }
    if (s["slug"] == "s-1vcpu-512mb-10gb") {
      saw_small = true;
      EXPECT_EQ(s["regions"], (json{"ams3", "fra1", "nyc1", "sfo3", "sgp1", "syd1"}));
    }
  }
  EXPECT_TRUE(saw_small);
  for (const auto& r : regions.body["regions"]) {
    for (const auto& s : r["sizes"]) by_region.insert({s.get<std::string>(), r["slug"].get<std::string>()});
  }
  EXPECT_EQ(by_size, by_region) << "size.regions and region.sizes must describe the same offer";
}

TEST_F(DosimApi, PaginationFollowsLinksAndCapsPerPage) {
  std::set<std::string> seen;
  std::string next = "/v2/sizes?per_page=5";
  int pages = 0;
  std::size_t total = 0;
  while (!next.empty() && pages < 20) {
    const auto page = api.get(next);
    ASSERT_EQ(page.status, 200u);
    total = page.body["meta"]["total"];
    for (const auto& s : page.body["sizes"]) EXPECT_TRUE(seen.insert(s["slug"]).second) << "duplicate " << s["slug"];
    const auto& links = page.body["links"];
    const json pages_links = links.value("pages", json::object());
    if (pages == 0) {
      EXPECT_TRUE(pages_links.contains("next") && pages_links.contains("last"));
      EXPECT_FALSE(pages_links.contains("first") || pages_links.contains("prev"));
    }
    next.clear();
    if (pages_links.contains("next")) {
      const std::string url = pages_links["next"];
      ASSERT_EQ(url.rfind(dosim.url(), 0), 0u) << "links must be absolute URLs of this server: " << url;
      EXPECT_NE(url.find("per_page=5"), std::string::npos) << "links keep per_page";
      next = url.substr(dosim.url().size());
    } else {
      EXPECT_TRUE(pages_links.contains("first") && pages_links.contains("prev")) << "the last page links back";
    }
    ++pages;
  }
  EXPECT_EQ(seen.size(), total);
  EXPECT_EQ(pages, static_cast<int>((total + 4) / 5));

  const auto capped = api.get("/v2/sizes?per_page=500");
  EXPECT_EQ(capped.body["sizes"].size(), std::min<std::size_t>(total, 200));
  EXPECT_EQ(capped.body["links"], json::object()) << "a single page has empty links";
  EXPECT_TRUE(api.get("/v2/sizes?page=99").body["sizes"].empty());
}

TEST_F(DosimApi, ImagesAndDatabaseOptions) {
  const auto images = api.get("/v2/images?type=distribution");
  ASSERT_EQ(images.status, 200u);
  EXPECT_FALSE(images.body["images"].empty());
  const auto debian = api.get("/v2/images/debian-12-x64");
  ASSERT_EQ(debian.status, 200u);
  EXPECT_EQ(api.get("/v2/images/" + std::to_string(debian.body["image"]["id"].get<long>())).body["image"]["slug"],
            "debian-12-x64");
  EXPECT_EQ(api.get("/v2/images/no-such-image").status, 404u);
  const auto options = api.get("/v2/databases/options");
  ASSERT_EQ(options.status, 200u);
  EXPECT_EQ(options.body["options"]["pg"]["layouts"][0]["num_nodes"], 1);
}

TEST_F(DosimApi, SshKeysByIdAndFingerprint) {
  TempDir dir("fp-dosim-key");
  const auto made = run_command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fpctl", "-f", (dir / "key").string()});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  std::string public_key = read_file(dir / "key.pub");
  public_key.erase(public_key.find_last_not_of('\n') + 1);
  const auto printed = run_command({"ssh-keygen", "-l", "-E", "md5", "-f", (dir / "key.pub").string()});
  const auto at = printed.output.find("MD5:");
  ASSERT_NE(at, std::string::npos) << printed.output;
  const std::string fingerprint = printed.output.substr(at + 4, 47);

  const auto created = api.post("/v2/account/keys", {{"name", "fpctl-deploy"}, {"public_key", public_key}});
  ASSERT_EQ(created.status, 201u);
  EXPECT_EQ(created.body["ssh_key"]["fingerprint"], fingerprint) << "the fingerprint ssh-keygen -E md5 prints";
  const auto id = std::to_string(created.body["ssh_key"]["id"].get<long>());

  const auto again = api.post("/v2/account/keys", {{"name", "other"}, {"public_key", public_key}});
  EXPECT_EQ(again.status, 422u);
  EXPECT_EQ(again.body["message"], "SSH Key is already in use on your account");

  EXPECT_EQ(api.get("/v2/account/keys/" + fingerprint).body["ssh_key"]["id"], created.body["ssh_key"]["id"]);
  EXPECT_EQ(api.put("/v2/account/keys/" + id, {{"name", "renamed"}}).body["ssh_key"]["name"], "renamed");
  EXPECT_EQ(api.get("/v2/account/keys").body["meta"]["total"], 1);
  EXPECT_EQ(api.post("/v2/account/keys", {{"name", "x"}, {"public_key", "not a key"}}).status, 422u);
  EXPECT_EQ(api.del("/v2/account/keys/" + id).status, 204u);
  EXPECT_EQ(api.get("/v2/account/keys/" + id).status, 404u);
}

TEST_F(DosimApi, DropletLifecycleOnTheSimulatedClock) {
  const auto created = api.post("/v2/droplets", k_droplet);
  ASSERT_EQ(created.status, 202u) << created.raw.body;
  const auto& droplet = created.body["droplet"];
  EXPECT_EQ(droplet["status"], "new");
  EXPECT_TRUE(droplet["networks"]["v4"].empty());
  EXPECT_EQ(droplet["tags"], (json{"fpctl", "fpctl:demo"}));
  const auto id = std::to_string(droplet["id"].get<long>());
  const auto& link = created.body["links"]["actions"][0];
  EXPECT_EQ(link["rel"], "create");
  const auto action_path = "/v2/actions/" + std::to_string(link["id"].get<long>());
  EXPECT_EQ(link["href"], dosim.url() + action_path);
  EXPECT_EQ(api.get(action_path).body["action"]["status"], "in-progress");
  EXPECT_EQ(api.get("/v2/droplets/" + id).body["droplet"]["status"], "new");

  dosim.advance_clock(31); // default: new -> active after 30 s, addresses at once
  const auto active = api.get("/v2/droplets/" + id);
  ASSERT_EQ(active.status, 200u);
  EXPECT_EQ(active.body["droplet"]["status"], "active");
  EXPECT_EQ(active.body["droplet"]["locked"], false);
  std::set<std::string> types;
  for (const auto& n : active.body["droplet"]["networks"]["v4"]) types.insert(n["type"]);
  EXPECT_EQ(types, (std::set<std::string>{"public", "private"}));
  const auto action = api.get(action_path).body["action"];
  EXPECT_EQ(action["status"], "completed");
  EXPECT_FALSE(action["completed_at"].is_null());
  EXPECT_EQ(api.get("/v2/droplets/" + id + "/actions").body["actions"][0]["id"], link["id"]);
  EXPECT_EQ(api.get("/v2/droplets/" + id + "/actions/" + std::to_string(link["id"].get<long>())).status, 200u);
  EXPECT_EQ(api.get("/v2/actions").body["meta"]["total"], 1);

  // The droplet landed in the region's default VPC, created on first use.
  const auto vpcs = api.get("/v2/vpcs").body["vpcs"];
  ASSERT_EQ(vpcs.size(), 1u);
  EXPECT_EQ(vpcs[0]["default"], true);
  EXPECT_EQ(vpcs[0]["id"], active.body["droplet"]["vpc_uuid"]);

  // Delete: 204 at once, the droplet stays visible a few seconds, then 404.
  EXPECT_EQ(api.del("/v2/droplets/" + id).status, 204u);
  EXPECT_EQ(api.get("/v2/droplets/" + id).status, 200u);
  dosim.advance_clock(4);
  const auto gone = api.get("/v2/droplets/" + id);
  EXPECT_EQ(gone.status, 404u);
  EXPECT_EQ(gone.body["id"], "not_found");
  EXPECT_EQ(api.del("/v2/droplets/" + id).status, 404u);
}

TEST_F(DosimApi, MultiCreateListByTagAndNameAndDeleteByTag) {
  json multi = k_droplet;
  multi.erase("name");
  multi["names"] = {"fp-worker-1", "fp-worker-2", "fp-worker-3"};
  const auto created = api.post("/v2/droplets", multi);
  ASSERT_EQ(created.status, 202u);
  EXPECT_EQ(created.body["droplets"].size(), 3u);
  EXPECT_EQ(created.body["links"]["actions"].size(), 3u);
  ASSERT_EQ(api.post("/v2/droplets", k_droplet).status, 202u);
  ASSERT_EQ(api.post("/v2/droplets", k_droplet).status, 202u) << "droplet names are not unique";

  EXPECT_EQ(api.get("/v2/droplets?tag_name=fpctl:demo").body["meta"]["total"], 5);
  EXPECT_EQ(api.get("/v2/droplets?tag_name=fpctl%3Ademo").body["meta"]["total"], 5) << "encoded or not";
  EXPECT_EQ(api.get("/v2/droplets?name=FP-WEB-1").body["meta"]["total"], 2) << "by name, case-insensitive";
  EXPECT_EQ(api.get("/v2/droplets?tag_name=other").body["meta"]["total"], 0);
  const auto paged = api.get("/v2/droplets?tag_name=fpctl&per_page=2");
  EXPECT_EQ(paged.body["droplets"].size(), 2u);
  EXPECT_NE(paged.body["links"]["pages"]["next"].get<std::string>().find("tag_name=fpctl&"), std::string::npos);
  EXPECT_EQ(api.get("/v2/droplets?tag_name=fpctl&name=fp-web-1").status, 422u);

  EXPECT_EQ(api.del("/v2/droplets?tag_name=fpctl:demo").status, 204u);
  EXPECT_EQ(api.get("/v2/droplets?tag_name=fpctl:demo").body["meta"]["total"], 5) << "still visible after the 204";
  dosim.advance_clock(4);
  EXPECT_EQ(api.get("/v2/droplets").body["meta"]["total"], 0);
  EXPECT_EQ(api.del("/v2/droplets").status, 422u) << "tag_name is required";
  EXPECT_EQ(api.del("/v2/droplets?tag_name=never-made").status, 404u);
}

TEST_F(DosimApi, DropletCreateRefusesWhatTheRealApiRefuses) {
  auto refused = [&](json changes) {
    json body = k_droplet;
    for (const auto& [k, v] : changes.items()) {
      if (v.is_null()) body.erase(k);
      else body[k] = v;
    }
    const auto a = api.post("/v2/droplets", body);
    EXPECT_EQ(a.status, 422u) << changes.dump() << " -> " << a.raw.body;
    EXPECT_EQ(a.body["id"], "unprocessable_entity");
    return a.body.value("message", "");
  };
  EXPECT_EQ(refused({{"name", "fp_web"}}), "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)");
  EXPECT_EQ(refused({{"size", "s-1vcpu-512mb-10gb"}, {"region", "blr1"}}), "Size is not available in this region.");
  EXPECT_EQ(refused({{"size", "s-99vcpu"}}), "You specified an invalid size for Droplet creation.");
  EXPECT_EQ(refused({{"image", "windows-11"}}), "You specified an invalid image for Droplet creation.");
  EXPECT_EQ(refused({{"region", "mars1"}}), "You specified an invalid region for Droplet creation.");
  EXPECT_EQ(refused({{"region", "nyc2"}}), "Region is not available");
  EXPECT_EQ(refused({{"ssh_keys", {"my-laptop"}}}), "my-laptop are invalid key identifiers for Droplet creation.");
  EXPECT_EQ(refused({{"names", json::array({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"})}, {"name", nullptr}}),
            "You may only create up to 10 Droplets at once.");
  EXPECT_EQ(refused({{"user_data", std::string(64 * 1024 + 1, 'x')}}), "user_data must be less than 64 KiB");
  EXPECT_EQ(api.get("/v2/droplets").body["meta"]["total"], 0) << "nothing was created";
  // The schema violation (size missing) is recorded in the request log.
  refused({{"size", nullptr}});
  const auto log = dosim.requests();
  ASSERT_FALSE(log.empty());
  EXPECT_FALSE(log.back()["violations"].empty()) << log.back().dump();
  EXPECT_NE(log.front()["violations"].dump().find("/name"), std::string::npos) << "the name pattern: " << log.front().dump();

  // The droplet limit (25 by default) counts droplets that exist.
  json many = k_droplet;
  many.erase("name");
  many["names"] = json::array();
  for (int i = 0; i < 10; ++i) many["names"].push_back("w" + std::to_string(i));
  ASSERT_EQ(api.post("/v2/droplets", many).status, 202u);
  ASSERT_EQ(api.post("/v2/droplets", many).status, 202u);
  EXPECT_TRUE(dosim.requests().back()["violations"].empty()) << "a valid create has no violations";
  const auto over = api.post("/v2/droplets", many);
  EXPECT_EQ(over.status, 422u);
  EXPECT_EQ(over.body["message"], "creating these droplets will exceed your droplet limit");
}

TEST_F(DosimApi, TagsAreIdempotentCaseStableAndMustExistToBeUsed) {
  const auto created = api.post("/v2/tags", {{"name", "Env:Prod"}});
  ASSERT_EQ(created.status, 201u);
  EXPECT_EQ(created.body["tag"]["resources"]["count"], 0);
  EXPECT_EQ(api.post("/v2/tags", {{"name", "env:prod"}}).body["tag"]["name"], "Env:Prod") << "first capitalization wins";
  const auto invalid = api.post("/v2/tags", {{"name", "has space"}});
  EXPECT_EQ(invalid.status, 400u);
  EXPECT_TRUE(invalid.body.contains("root_causes")) << "the tags endpoint's own error shape";

  const auto droplet = api.post("/v2/droplets", k_droplet).body["droplet"];
  const json resources = {{"resources", {{{"resource_id", std::to_string(droplet["id"].get<long>())}, {"resource_type", "droplet"}}}}};
  EXPECT_EQ(api.post("/v2/tags/Env:Prod/resources", resources).status, 204u);
  EXPECT_EQ(api.get("/v2/tags/Env:Prod").body["tag"]["resources"]["droplets"]["count"], 1);
  EXPECT_EQ(api.get("/v2/droplets?tag_name=Env:Prod").body["meta"]["total"], 1);
  EXPECT_EQ(api.post("/v2/tags/missing/resources", resources).status, 404u);
  EXPECT_EQ(api.get("/v2/tags").body["meta"]["total"], 3); // Env:Prod, fpctl, fpctl:demo
  EXPECT_EQ(api.del("/v2/tags/Env:Prod/resources", resources).status, 204u);
  EXPECT_EQ(api.get("/v2/tags/Env:Prod").body["tag"]["resources"]["count"], 0);
  EXPECT_EQ(api.del("/v2/tags/Env:Prod").status, 204u);
  EXPECT_EQ(api.get("/v2/tags/Env:Prod").status, 404u);
}

TEST_F(DosimApi, VpcsHaveARegionDefaultAndRefuseDeletionWithMembers) {
  const auto first = api.post("/v2/vpcs", {{"name", "fpctl-fra1"}, {"region", "fra1"}, {"ip_range", "10.10.10.0/24"}});
  ASSERT_EQ(first.status, 201u) << first.raw.body;
  EXPECT_EQ(first.body["vpc"]["default"], true) << "the first VPC of a region becomes its default";
  const auto second = api.post("/v2/vpcs", {{"name", "fpctl-fra1-b"}, {"region", "fra1"}, {"description", "run 7f3a"}});
  ASSERT_EQ(second.status, 201u);
  EXPECT_EQ(second.body["vpc"]["default"], false);
  const std::string id = second.body["vpc"]["id"];
  EXPECT_EQ(api.post("/v2/vpcs", {{"name", "fpctl-fra1"}, {"region", "fra1"}}).status, 422u) << "names are unique";
  EXPECT_EQ(api.post("/v2/vpcs", {{"name", "x"}, {"region", "fra1"}, {"ip_range", "10.10.0.0/16"}}).status, 422u)
    << "overlapping range";
  EXPECT_EQ(api.post("/v2/vpcs", {{"name", "y"}, {"region", "fra1"}, {"ip_range", "8.8.8.0/24"}}).status, 422u);

  json droplet = k_droplet;
  droplet["vpc_uuid"] = id;
  const auto member = api.post("/v2/droplets", droplet).body["droplet"];
  EXPECT_EQ(member["vpc_uuid"], id);
  EXPECT_EQ(api.get("/v2/vpcs/" + id + "/members?resource_type=droplet").body["members"].size(), 1u);
  const auto conflict = api.del("/v2/vpcs/" + id);
  EXPECT_EQ(conflict.status, 409u);
  EXPECT_EQ(conflict.body["message"], "Can not delete VPC with members");
  EXPECT_EQ(api.del("/v2/vpcs/" + first.body["vpc"]["id"].get<std::string>()).status, 403u) << "default VPC";
  droplet["region"] = "ams3";
  EXPECT_EQ(api.post("/v2/droplets", droplet).status, 422u) << "VPC of another region";

  api.del("/v2/droplets/" + std::to_string(member["id"].get<long>()));
  dosim.advance_clock(4);
  EXPECT_EQ(api.del("/v2/vpcs/" + id).status, 204u);
  EXPECT_EQ(api.get("/v2/vpcs/" + id).status, 404u);
}

TEST_F(DosimApi, FirewallsNormalizeRulesAndApplyAfterADelay) {
  const auto droplet = api.post("/v2/droplets", k_droplet).body["droplet"];
  const json body = {
    {"name", "fpctl-web"},
    {"droplet_ids", {droplet["id"]}},
    {"tags", {"fpctl:demo"}},
    {"inbound_rules",
     {{{"protocol", "tcp"}, {"ports", "22"}, {"sources", {{"addresses", {"203.0.113.7/32"}}}}},
      {{"protocol", "tcp"}, {"ports", "8000"}, {"sources", {{"tags", {"fpctl:demo"}}}}}}},
    {"outbound_rules",
     {{{"protocol", "tcp"}, {"ports", "all"}, {"destinations", {{"addresses", {"0.0.0.0/0", "::/0"}}}}},
      {{"protocol", "icmp"}, {"ports", "0"}, {"destinations", {{"addresses", {"0.0.0.0/0"}}}}}}}};
  const auto created = api.post("/v2/firewalls", body);
  ASSERT_EQ(created.status, 202u) << created.raw.body;
  const auto& fw = created.body["firewall"];
  EXPECT_EQ(fw["status"], "waiting");
  EXPECT_EQ(fw["outbound_rules"][0]["ports"], "0") << "all is stored as 0";
  EXPECT_EQ(fw["pending_changes"].size(), 1u);
  const std::string path = "/v2/firewalls/" + fw["id"].get<std::string>();
  dosim.advance_clock(4);
  const auto applied = api.get(path).body["firewall"];
  EXPECT_EQ(applied["status"], "succeeded");
  EXPECT_TRUE(applied["pending_changes"].empty());

  json bad = body;
  bad["tags"] = {"never-created"};
  EXPECT_EQ(api.post("/v2/firewalls", bad).status, 400u) << "tags must exist";
  bad = body;
  bad["name"] = "bad name";
  EXPECT_EQ(api.post("/v2/firewalls", bad).status, 400u);

  json updated = body;
  updated["name"] = "fpctl-web-2";
  updated["droplet_ids"] = json::array();
  const auto put = api.put(path, updated);
  ASSERT_EQ(put.status, 200u);
  EXPECT_EQ(put.body["firewall"]["name"], "fpctl-web-2");
  EXPECT_TRUE(put.body["firewall"]["droplet_ids"].empty());
  EXPECT_EQ(api.post(path + "/droplets", {{"droplet_ids", {droplet["id"]}}}).status, 204u);
  EXPECT_EQ(api.get(path).body["firewall"]["droplet_ids"], (json{droplet["id"]}));
  EXPECT_EQ(api.del(path + "/droplets", json{{"droplet_ids", {droplet["id"]}}}).status, 204u);
  EXPECT_EQ(api.del(path + "/tags", json{{"tags", {"fpctl:demo"}}}).status, 204u);
  EXPECT_EQ(api.post(path + "/tags", {{"tags", {"fpctl:demo"}}}).status, 204u);
  const json rule = {{"inbound_rules", {{{"protocol", "udp"}, {"ports", "53"}, {"sources", {{"addresses", {"10.0.0.0/8"}}}}}}}};
  EXPECT_EQ(api.post(path + "/rules", rule).status, 204u);
  EXPECT_EQ(api.get(path).body["firewall"]["inbound_rules"].size(), 3u);
  EXPECT_EQ(api.del(path + "/rules", rule).status, 204u);
  EXPECT_EQ(api.get(path).body["firewall"]["inbound_rules"].size(), 2u);
  EXPECT_EQ(api.get("/v2/firewalls").body["meta"]["total"], 1);
  EXPECT_EQ(api.del(path).status, 204u);
  EXPECT_EQ(api.get(path).status, 404u);
}

TEST_F(DosimApi, DatabaseClusterLifecycleTrustedSourcesPoolsDbsUsers) {
  const json body = {{"name", "fpctl-pg"}, {"engine", "pg"}, {"version", "17"}, {"region", "fra1"},
                     {"size", "db-s-1vcpu-1gb"}, {"num_nodes", 1}, {"tags", {"fpctl", "fpctl:demo"}},
                     {"private_network_uuid", ""}, {"project_id", ""}, {"rules", nullptr}};
  const auto created = api.post("/v2/databases", body);
  ASSERT_EQ(created.status, 201u) << created.raw.body;
  const auto& db = created.body["database"];
  EXPECT_EQ(db["status"], "creating");
  EXPECT_EQ(db["connection"]["port"], 25060);
  EXPECT_EQ(db["private_connection"]["host"].get<std::string>().rfind("private-", 0), 0u);
  const std::string path = "/v2/databases/" + db["id"].get<std::string>();
  EXPECT_EQ(api.get(path).body["database"]["status"], "creating");
  dosim.advance_clock(121);
  EXPECT_EQ(api.get(path).body["database"]["status"], "online");
  EXPECT_EQ(api.get("/v2/databases?tag_name=fpctl:demo").body["databases"].size(), 1u);
  EXPECT_TRUE(api.get("/v2/databases?tag_name=other").body["databases"].empty());

  EXPECT_EQ(api.post("/v2/databases", body).status, 422u) << "cluster names are unique";
  json bad = body;
  bad["name"] = "fpctl_pg";
  EXPECT_EQ(api.post("/v2/databases", bad).body["message"], "Cluster names cannot have '_'");
  bad = body;
  bad["name"] = "fpctl-pg-2";
  bad["num_nodes"] = 2;
  EXPECT_EQ(api.post("/v2/databases", bad).status, 422u) << "the 1 GB plan has no standby nodes";

  // Trusted sources: PUT replaces the whole set.
  const json rules = {{"rules", {{{"type", "tag"}, {"value", "fpctl:demo"}}, {{"type", "ip_addr"}, {"value", "203.0.113.7"}, {"description", "operator"}}}}};
  EXPECT_EQ(api.put(path + "/firewall", rules).status, 204u);
  const auto listed = api.get(path + "/firewall").body["rules"];
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["cluster_uuid"], db["id"]);
  EXPECT_EQ(api.put(path + "/firewall", {{"rules", {{{"type", "ip_addr"}, {"value", "2001:db8::1"}}}}}).status, 422u);
  EXPECT_EQ(api.put(path + "/firewall", {{"rules", json::array()}}).status, 204u);
  EXPECT_TRUE(api.get(path + "/firewall").body["rules"].empty());

  EXPECT_EQ(api.post(path + "/dbs", {{"name", "orders"}}).status, 201u);
  EXPECT_EQ(api.get(path + "/dbs").body["dbs"].size(), 2u);
  const auto user = api.post(path + "/users", {{"name", "app"}});
  EXPECT_EQ(user.status, 201u);
  EXPECT_EQ(user.body["user"]["role"], "normal");
  EXPECT_EQ(api.get(path + "/users").body["users"].size(), 2u);
  const auto pool = api.post(path + "/pools", {{"name", "fpctl-pool"}, {"mode", "transaction"}, {"size", 10}, {"db", "orders"}, {"user", "app"}});
  ASSERT_EQ(pool.status, 201u) << pool.raw.body;
  EXPECT_EQ(pool.body["pool"]["connection"]["port"], 25061);
  EXPECT_EQ(api.post(path + "/pools", {{"name", "big"}, {"mode", "session"}, {"size", 20}, {"db", "orders"}}).status, 422u)
    << "1 GB allows 22 connections in all pools";
  EXPECT_EQ(api.get(path + "/pools").body["pools"].size(), 1u);
  EXPECT_EQ(api.get(path + "/pools/fpctl-pool").status, 200u);
  EXPECT_EQ(api.del(path + "/pools/fpctl-pool").status, 204u);
  EXPECT_EQ(api.get(path + "/pools/fpctl-pool").status, 404u);

  EXPECT_EQ(api.del(path).status, 204u);
  EXPECT_EQ(api.get(path).status, 200u) << "visible for a moment after the 204";
  dosim.advance_clock(4);
  EXPECT_EQ(api.get(path).status, 404u);
  EXPECT_TRUE(api.get("/v2/databases").body["databases"].empty());
}

TEST_F(DosimApi, MongoDbShowsItsPasswordOnlyInTheCreateResponse) {
  const auto created = api.post("/v2/databases", {{"name", "fpctl-mongo"}, {"engine", "mongodb"}, {"region", "fra1"},
                                                  {"size", "db-s-1vcpu-1gb"}, {"num_nodes", 3}});
  ASSERT_EQ(created.status, 201u) << created.raw.body;
  const std::string password = created.body["database"]["connection"]["password"];
  EXPECT_FALSE(password.empty());
  EXPECT_EQ(created.body["database"]["version"], "7.0");
  const auto read = api.get("/v2/databases/" + created.body["database"]["id"].get<std::string>());
  EXPECT_EQ(read.body["database"]["connection"]["password"], "");
  EXPECT_EQ(read.raw.body.find(password), std::string::npos);
}

TEST_F(DosimApi, MalformedUnknownAndMisdirectedRequests) {
  const auto malformed = api.raw("POST", "/v2/droplets", std::string("{\"name\": "));
  EXPECT_EQ(malformed.status, 400u);
  EXPECT_EQ(malformed.body["id"], "bad_request");
  EXPECT_EQ(malformed.body["message"], "error parsing request body");
  const auto unknown = api.get("/v2/kubernetes/clusters");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.body["id"], "not_found");
  EXPECT_EQ(api.get("/v3/account").status, 404u);
  EXPECT_EQ(api.call("PATCH", "/v2/droplets").status, 405u);
  EXPECT_EQ(api.call("DELETE", "/v2/databases/options").status, 405u);
  const auto log = dosim.requests();
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log[0]["violations"], (json{"the body is not JSON"}));
  EXPECT_EQ(log[0]["body"], "{\"name\": ");
  EXPECT_EQ(log[0]["status"], 400);
}

TEST_F(DosimApi, RateLimitHeadersCountDown) {
  const auto first = api.get("/v2/account");
  const auto second = api.get("/v2/regions");
  EXPECT_EQ(first.header("ratelimit-limit"), "5000");
  EXPECT_EQ(std::stoi(first.header("ratelimit-remaining")) - 1, std::stoi(second.header("ratelimit-remaining")));
  EXPECT_GT(std::stoll(first.header("ratelimit-reset")), 1700000000LL);
}

TEST_F(DosimApi, LoadBalancersGetTheirIpWhenActive) {
  ASSERT_EQ(api.post("/v2/droplets", k_droplet).status, 202u);
  const json body = {{"name", "fpctl-lb"}, {"region", "fra1"}, {"size_unit", 1}, {"tag", "fpctl:demo"},
                     {"forwarding_rules", {{{"entry_protocol", "http"}, {"entry_port", 80}, {"target_protocol", "http"}, {"target_port", 8000}}}},
                     {"health_check", {{"protocol", "http"}, {"port", 8000}, {"path", "/health"}}}};
  const auto created = api.post("/v2/load_balancers", body);
  ASSERT_EQ(created.status, 202u) << created.raw.body;
  const auto& lb = created.body["load_balancer"];
  EXPECT_EQ(lb["status"], "new");
  EXPECT_EQ(lb["ip"], "");
  EXPECT_EQ(lb["health_check"]["path"], "/health");
  const std::string path = "/v2/load_balancers/" + lb["id"].get<std::string>();
  dosim.advance_clock(91);
  const auto active = api.get(path).body["load_balancer"];
  EXPECT_EQ(active["status"], "active");
  EXPECT_NE(active["ip"], "");
  EXPECT_EQ(api.post(path + "/droplets", {{"droplet_ids", {3164444}}}).status, 422u) << "selected by tag";
  json both = body;
  both["droplet_ids"] = {3164444};
  EXPECT_EQ(api.post("/v2/load_balancers", both).status, 422u) << "droplet_ids and tag exclude each other";
  json by_ids = body;
  by_ids.erase("tag");
  by_ids["droplet_ids"] = json::array();
  by_ids["name"] = "fpctl-lb-2";
  const auto second = api.post("/v2/load_balancers", by_ids);
  ASSERT_EQ(second.status, 202u) << second.raw.body;
  const std::string second_path = "/v2/load_balancers/" + second.body["load_balancer"]["id"].get<std::string>();
  EXPECT_EQ(api.post(second_path + "/droplets", {{"droplet_ids", {3164444}}}).status, 204u);
  EXPECT_EQ(api.get(second_path).body["load_balancer"]["droplet_ids"], (json{3164444}));
  EXPECT_EQ(api.del(second_path + "/droplets", json{{"droplet_ids", {3164444}}}).status, 204u);
  by_ids["size_unit"] = 2;
  EXPECT_EQ(api.put(second_path, by_ids).body["load_balancer"]["size_unit"], 2);
  EXPECT_EQ(api.get("/v2/load_balancers").body["meta"]["total"], 2);
  EXPECT_EQ(api.del(path).status, 204u);
  dosim.advance_clock(4);
  EXPECT_EQ(api.get(path).status, 404u);
}

TEST_F(DosimApi, MalformedHttpGetsA400AndTheServerKeepsServing) {
  HttpClient raw(dosim.port(), std::chrono::seconds(5));
  raw.send_raw("GARBAGE\r\n\r\n");
  const auto refused = raw.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400u);
  EXPECT_TRUE(raw.peer_closed());
  EXPECT_EQ(api.get("/v2/account").status, 200u);
}

TEST_F(DosimApi, AnswersExpectContinueBeforeTheBody) {
  // libcurl sends "Expect: 100-continue" with bodies over 1 KiB and waits for the interim answer.
  HttpClient client(dosim.port(), std::chrono::seconds(5));
  const std::string body = json{{"name", "fpctl"}}.dump();
  client.send_raw("POST /v2/tags HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer t\r\n"
                  "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n");
  const auto interim = client.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100u);
  client.send_raw(body);
  const auto created = client.read_response();
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201u) << created->body;
}

} // namespace
} // namespace fp::test
