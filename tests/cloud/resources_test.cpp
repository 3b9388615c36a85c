// Every typed call against the simulator, and the waits through the API's traps (404 after a 202,
// `active` before the IP, an errored create, databases in `creating`, deletes that take a while).
// At the end of each test, every request the client sent must have passed the simulator's check
// against the official OpenAPI request schemas.
#include <gtest/gtest.h>

#include <algorithm>

#include "cloud/account.hpp"
#include "cloud/actions.hpp"
#include "cloud/catalog.hpp"
#include "cloud/databases.hpp"
#include "cloud/droplets.hpp"
#include "cloud/firewalls.hpp"
#include "cloud/ssh_keys.hpp"
#include "cloud/tags.hpp"
#include "cloud/vpcs.hpp"
#include "cloud/waits.hpp"
#include "cloud_fixture.hpp"

namespace fp::cloud {
namespace {

using namespace std::chrono_literals;
using fp::test::DosimOptions;
using fp::test::DosimProcess;
using nlohmann::json;
using test::CapturedLog;
using test::make_client;
using test::options_for;

const std::string k_public_key =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuL6HEOjk9Z2yoJYs8zwkuD492oVDzXi2xVu/AEjfP6 fpctl-test";
const std::string k_fingerprint = "49:b5:71:47:91:b3:b3:63:2c:fb:b1:35:30:16:61:93";

// Fast polling for waits against a simulator whose delays are fractions of a second.
WaitOptions quick_wait(std::vector<WaitProgress>* seen = nullptr) {
  WaitOptions options;
  options.timeout = 20s;
  options.interval = 50ms;
  options.not_found_grace = 5s;
  if (seen != nullptr) options.progress = [seen](const WaitProgress& progress) { seen->push_back(progress); };
  return options;
}

// Delays in real seconds (delay_scale 1), all short.
DosimOptions with_delays(json delays, json extra = json::object()) {
  json faults = {{"delay_scale", 1.0}, {"delays", std::move(delays)}};
  faults.update(extra);
  auto options = test::faults_options(std::move(faults));
  options.delay_scale = 1.0;
  return options;
}

class Resources : public ::testing::Test {
protected:
  void TearDown() override {
    if (m_dosim) {
      const auto violations = m_dosim->schema_violations();
      EXPECT_TRUE(violations.empty()) << ::testing::PrintToString(violations);
      EXPECT_EQ(m_log.text().find(test::k_secret), std::string::npos);
    }
  }
  Client& start(const DosimOptions& options = {}) {
    m_dosim.emplace(options);
    m_client.emplace(make_client(options_for(m_dosim->url(), m_log)));
    return *m_client;
  }
  DosimProcess& dosim() { return *m_dosim; }

  CapturedLog m_log;
  std::optional<DosimProcess> m_dosim;
  std::optional<Client> m_client;
};

DropletCreate droplets(std::vector<std::string> names) {
  DropletCreate request;
  request.names = std::move(names);
  request.region = "fra1";
  request.size = "s-1vcpu-1gb";
  request.image = "debian-12-x64";
  request.tags = {"fpctl", "fpctl-demo", "fpctl-demo-worker"};
  request.monitoring = true;
  request.user_data = "#cloud-config\nruncmd:\n  - touch /root/fpctl-ready\n";
  return request;
}

TEST_F(Resources, SizesAndRegions) {
  auto& client = start();
  auto sizes = list_sizes(client);
  ASSERT_TRUE(sizes) << sizes.error().describe();
  const auto basic = std::find_if(sizes->begin(), sizes->end(), [](const Size& s) { return s.slug == "s-1vcpu-1gb"; });
  ASSERT_NE(basic, sizes->end());
  EXPECT_GT(basic->price_monthly, 0);
  EXPECT_GT(basic->price_hourly, 0);
  EXPECT_EQ(basic->memory_mb, 1024);
  EXPECT_FALSE(basic->regions.empty());
  auto regions = list_regions(client);
  ASSERT_TRUE(regions) << regions.error().describe();
  EXPECT_TRUE(std::any_of(regions->begin(), regions->end(), [](const Region& r) { return r.slug == "fra1"; }));
}

TEST_F(Resources, SshKeysFoundByFingerprintBeforeUpload) {
  auto& client = start();
  auto absent = get_ssh_key(client, k_fingerprint);
  ASSERT_TRUE(absent) << absent.error().describe();
  EXPECT_FALSE(absent->has_value());

  auto first = ensure_ssh_key(client, "fpctl-demo", k_public_key, k_fingerprint);
  ASSERT_TRUE(first) << first.error().describe();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->key.fingerprint, k_fingerprint);
  auto second = ensure_ssh_key(client, "fpctl-demo", k_public_key, k_fingerprint);
  ASSERT_TRUE(second) << second.error().describe();
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->key.id, first->key.id);

  // A second upload of the same key is refused by the API; ensure_ssh_key reads it back instead.
  auto duplicate = create_ssh_key(client, "again", k_public_key);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().kind, ErrorKind::invalid);

  auto keys = list_ssh_keys(client);
  ASSERT_TRUE(keys) << keys.error().describe();
  EXPECT_EQ(keys->size(), 1u);
  auto deleted = delete_ssh_key(client, k_fingerprint);
  ASSERT_TRUE(deleted) << deleted.error().describe();
  EXPECT_TRUE(*deleted);
  deleted = delete_ssh_key(client, k_fingerprint);
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(*deleted); // already gone is not an error
}

TEST_F(Resources, VpcsAndTags) {
  auto& client = start();
  // The first VPC of a region becomes its default, which can never be deleted; accounts have one.
  auto first = create_vpc(client, VpcCreate{"default-fra1", "fra1", "", ""});
  ASSERT_TRUE(first) << first.error().describe();
  auto vpc = create_vpc(client, VpcCreate{"fpctl-demo-fra1", "fra1", "fpctl demo", ""});
  ASSERT_TRUE(vpc) << vpc.error().describe();
  EXPECT_EQ(vpc->region, "fra1");
  EXPECT_FALSE(vpc->ip_range.empty());
  auto found = find_vpc(client, "fpctl-demo-fra1");
  ASSERT_TRUE(found) << found.error().describe();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, vpc->id);
  auto fallback = find_default_vpc(client, "fra1");
  ASSERT_TRUE(fallback) << fallback.error().describe();
  ASSERT_TRUE(fallback->has_value());
  EXPECT_EQ((*fallback)->id, first->id);
  auto refused = delete_vpc(client, first->id);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().describe().find("default VPC can never be deleted"), std::string::npos)
    << refused.error().describe();

  auto tag = create_tag(client, "fpctl-demo");
  ASSERT_TRUE(tag) << tag.error().describe();
  EXPECT_EQ(*tag, "fpctl-demo");
  tag = create_tag(client, "fpctl-demo"); // idempotent
  ASSERT_TRUE(tag) << tag.error().describe();

  auto deleted = delete_vpc(client, vpc->id);
  ASSERT_TRUE(deleted) << deleted.error().describe();
  EXPECT_TRUE(*deleted);
  found = find_vpc(client, "fpctl-demo-fra1");
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
}

TEST_F(Resources, DropletsFromCreateToDeleteThroughEveryTrap) {
  // 404 for a moment after the 202, `new` for a while, `active` before the public IP appears.
  auto& client = start(with_delays({{"droplet_visible", 0.3}, {"droplet_active", 0.6}, {"droplet_ips", 0.4},
                                    {"droplet_delete", 0.3}}));
  auto key = ensure_ssh_key(client, "fpctl-demo", k_public_key, k_fingerprint);
  ASSERT_TRUE(key) << key.error().describe();
  auto vpc = create_vpc(client, VpcCreate{"fpctl-demo-fra1", "fra1", "", ""});
  ASSERT_TRUE(vpc) << vpc.error().describe();
  auto request = droplets({"demo-worker-1", "demo-worker-2"});
  request.ssh_keys = {std::to_string(key->key.id), k_fingerprint};
  request.vpc_uuid = vpc->id;
  auto created = create_droplets(client, request);
  ASSERT_TRUE(created) << created.error().describe();
  ASSERT_EQ(created->droplets.size(), 2u);
  EXPECT_EQ(created->action_ids.size(), 2u);
  EXPECT_EQ(created->droplets[0].status, "new");

  std::vector<WaitProgress> progress;
  const std::vector<std::int64_t> ids = {created->droplets[0].id, created->droplets[1].id};
  auto ready = wait_for_droplets(client, ids, created->action_ids, quick_wait(&progress));
  ASSERT_TRUE(ready) << ready.error().describe();
  ASSERT_EQ(ready->size(), 2u);
  for (const auto& droplet : *ready) {
    EXPECT_EQ(droplet.status, "active");
    EXPECT_FALSE(droplet.public_ipv4.empty());
    EXPECT_FALSE(droplet.private_ipv4.empty());
    EXPECT_EQ(droplet.vpc_uuid, vpc->id);
  }
  EXPECT_EQ((*ready)[0].id, ids[0]); // in the order asked
  auto saw = [&](const std::string& status) {
    return std::any_of(progress.begin(), progress.end(), [&](const WaitProgress& p) { return p.status == status; });
  };
  EXPECT_TRUE(saw("not visible yet"));
  EXPECT_TRUE(saw("new"));
  EXPECT_TRUE(saw("active, no public IPv4 yet"));

  auto action = wait_for_action(client, created->action_ids[0], quick_wait());
  ASSERT_TRUE(action) << action.error().describe();
  EXPECT_EQ(action->status, "completed");
  EXPECT_EQ(action->resource_id, ids[0]);

  auto tagged = list_droplets_by_tag(client, "fpctl-demo-worker");
  ASSERT_TRUE(tagged) << tagged.error().describe();
  EXPECT_EQ(tagged->size(), 2u);
  auto one = get_droplet(client, ids[1]);
  ASSERT_TRUE(one) << one.error().describe();
  EXPECT_EQ(one->name, "demo-worker-2");

  auto deleted = delete_droplet(client, ids[0]);
  ASSERT_TRUE(deleted) << deleted.error().describe();
  EXPECT_TRUE(*deleted);
  auto gone = wait_until_gone(client, "/v2/droplets/" + std::to_string(ids[0]), "droplet demo-worker-1", quick_wait());
  ASSERT_TRUE(gone) << gone.error().describe();

  auto by_tag = delete_droplets_by_tag(client, "fpctl-demo");
  ASSERT_TRUE(by_tag) << by_tag.error().describe();
  gone = wait_until_gone(client, "/v2/droplets/" + std::to_string(ids[1]), "droplet demo-worker-2", quick_wait());
  ASSERT_TRUE(gone) << gone.error().describe();
  tagged = list_droplets_by_tag(client, "fpctl-demo");
  ASSERT_TRUE(tagged);
  EXPECT_TRUE(tagged->empty());
}

TEST_F(Resources, AFailedCreateIsReportedAsFailedNotAsATimeout) {
  auto& client = start(with_delays({{"droplet_active", 0.3}},
                                   {{"rules", json::array({{{"method", "POST"}, {"path", "/v2/droplets"},
                                                            {"create_fails", true}}})}}));
  auto created = create_droplets(client, droplets({"doomed"}));
  ASSERT_TRUE(created) << created.error().describe();
  auto ready = wait_for_droplets(client, {created->droplets[0].id}, created->action_ids, quick_wait());
  ASSERT_FALSE(ready);
  EXPECT_EQ(ready.error().kind, ErrorKind::failed);
  EXPECT_NE(ready.error().describe().find("errored"), std::string::npos) << ready.error().describe();

  auto action = wait_for_action(client, created->action_ids[0], quick_wait());
  ASSERT_FALSE(action);
  EXPECT_EQ(action.error().kind, ErrorKind::failed);
}

TEST_F(Resources, WaitsAreBounded) {
  auto& client = start(with_delays({{"droplet_active", 600}}));
  auto created = create_droplets(client, droplets({"slow"}));
  ASSERT_TRUE(created) << created.error().describe();
  auto options = quick_wait();
  options.timeout = 400ms;
  auto ready = wait_for_droplets(client, {created->droplets[0].id}, created->action_ids, options);
  ASSERT_FALSE(ready);
  EXPECT_EQ(ready.error().kind, ErrorKind::timeout);
  EXPECT_NE(ready.error().describe().find("slow"), std::string::npos) << ready.error().describe();
  EXPECT_NE(ready.error().describe().find("new"), std::string::npos) << ready.error().describe();
}

TEST_F(Resources, DatabaseClusterAndItsTrustedSources) {
  auto& client = start(with_delays({{"database_visible", 0.2}, {"database_online", 0.6}, {"database_delete", 0.2}}));
  DatabaseCreate request;
  request.name = "fpctl-demo-db";
  request.engine = "pg";
  request.version = "17";
  request.size = "db-s-1vcpu-1gb";
  request.region = "fra1";
  request.num_nodes = 1;
  request.tags = {"fpctl", "fpctl-demo"};
  auto created = create_database(client, request);
  ASSERT_TRUE(created) << created.error().describe();
  EXPECT_EQ(created->status, "creating");
  EXPECT_FALSE(created->connection.password.empty()); // shown in the create answer
  EXPECT_EQ(m_log.text().find(created->connection.password), std::string::npos); // but never logged

  std::vector<WaitProgress> progress;
  auto online = wait_for_database(client, created->id, quick_wait(&progress));
  ASSERT_TRUE(online) << online.error().describe();
  EXPECT_EQ(online->status, "online");
  EXPECT_TRUE(std::any_of(progress.begin(), progress.end(), [](const WaitProgress& p) { return p.status == "creating"; }));

  auto found = find_database(client, "fpctl-demo", "fpctl-demo-db");
  ASSERT_TRUE(found) << found.error().describe();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, created->id);

  std::vector<DatabaseFirewallRule> rules = {{"tag", "fpctl-demo-worker", "", ""},
                                             {"ip_addr", "203.0.113.7", "operator", ""}};
  auto put = put_database_firewall(client, created->id, rules);
  ASSERT_TRUE(put) << put.error().describe();
  auto read = get_database_firewall(client, created->id);
  ASSERT_TRUE(read) << read.error().describe();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_TRUE(std::any_of(read->begin(), read->end(),
                          [](const DatabaseFirewallRule& r) { return r.type == "tag" && r.value == "fpctl-demo-worker"; }));

  auto deleted = delete_database(client, created->id);
  ASSERT_TRUE(deleted) << deleted.error().describe();
  EXPECT_TRUE(*deleted);
  auto gone = wait_until_gone(client, "/v2/databases/" + created->id, "database fpctl-demo-db", quick_wait());
  ASSERT_TRUE(gone) << gone.error().describe();
  auto none = list_databases_by_tag(client, "fpctl-demo");
  ASSERT_TRUE(none) << none.error().describe();
  EXPECT_TRUE(none->empty());
}

TEST_F(Resources, AnEmptyDatabaseListMayBeNull) {
  auto& client = start(test::faults_options(json{{"null_empty_database_list", true}}));
  auto none = list_databases_by_tag(client, "fpctl-demo");
  ASSERT_TRUE(none) << none.error().describe();
  EXPECT_TRUE(none->empty());
}

TEST_F(Resources, Firewalls) {
  auto& client = start();
  ASSERT_TRUE(create_tag(client, "fpctl-demo"));
  ASSERT_TRUE(create_tag(client, "fpctl-demo-lb"));
  FirewallSpec spec;
  spec.name = "fpctl-demo";
  spec.tags = {"fpctl-demo"};
  spec.inbound = {{"tcp", "22", {{"203.0.113.7/32"}, {}, {}, {}}},
                  {"tcp", "80", {{"0.0.0.0/0", "::/0"}, {}, {}, {}}},
                  {"tcp", "8000", {{}, {"fpctl-demo-lb"}, {}, {}}}};
  spec.outbound = {{"tcp", "0", {{"0.0.0.0/0", "::/0"}, {}, {}, {}}},
                   {"udp", "0", {{"0.0.0.0/0", "::/0"}, {}, {}, {}}},
                   {"icmp", "", {{"0.0.0.0/0", "::/0"}, {}, {}, {}}}};
  auto created = create_firewall(client, spec);
  ASSERT_TRUE(created) << created.error().describe();
  EXPECT_EQ(created->spec.inbound.size(), 3u);
  auto found = find_firewall(client, "fpctl-demo");
  ASSERT_TRUE(found) << found.error().describe();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, created->id);

  spec.inbound[0].targets.addresses = {"198.51.100.4/32"};
  auto updated = update_firewall(client, created->id, spec);
  ASSERT_TRUE(updated) << updated.error().describe();
  EXPECT_EQ(updated->spec.inbound[0].targets.addresses, std::vector<std::string>{"198.51.100.4/32"});

  auto all = list_firewalls(client);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 1u);
  auto deleted = delete_firewall(client, created->id);
  ASSERT_TRUE(deleted) << deleted.error().describe();
  EXPECT_TRUE(*deleted);
  deleted = delete_firewall(client, created->id);
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(*deleted);
}

} // namespace
} // namespace fp::cloud
