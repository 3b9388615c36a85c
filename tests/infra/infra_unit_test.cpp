// The pure parts of provisioning: names and tags, the change set, the state file, the SSH identity.
#include "infra/changes.hpp"
#include "infra/desired.hpp"
#include "infra/ssh_identity.hpp"
#include "infra/state.hpp"
#include "config.hpp"
#include "support/temp_dir.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <regex>
#include <sys/stat.h>

using namespace fp;
using fp::test::TempDir;

namespace {

plan::Plan plan_from(const std::string& yaml) {
  auto parsed = plan::parse_plan(yaml, "fpctl.yaml");
  if (!parsed) throw std::runtime_error(parsed.error().what());
  return *parsed;
}

const std::string k_course = R"(project: shop
provider: digitalocean
region: sgp1
ssh: {allow_from: [203.0.113.7/32]}
load_balancer: {kind: droplet, size: s-1vcpu-1gb}
workers: {size: s-1vcpu-2gb, count: 2, port: 8080}
database: {kind: managed, size: db-s-1vcpu-1gb, nodes: 1}
)";

cloud::Droplet droplet(std::int64_t id, const std::string& name, const std::string& size) {
  cloud::Droplet d;
  d.id = id;
  d.name = name;
  d.size_slug = size;
  d.tags = {"fpctl", "fpctl-shop", name.find("worker") != std::string::npos ? "fpctl-shop-worker" : "fpctl-shop-lb"};
  return d;
}

std::vector<std::string> lines(const infra::ChangeSet& set) {
  std::vector<std::string> out;
  for (const auto& c : set.changes) out.push_back(std::string(infra::to_string(c.action)) + " " + c.kind + " " + c.name);
  return out;
}

} // namespace

TEST(Desired, NamesTagsAndFirewallsFollowTheRoles) {
  const auto desired = infra::desired_infrastructure(plan_from(k_course));
  ASSERT_TRUE(desired) << desired.error();
  ASSERT_EQ(desired->droplets.size(), 3u);
  EXPECT_EQ(desired->droplets[0].name, "shop-lb");
  EXPECT_EQ(desired->droplets[1].name, "shop-worker-1");
  EXPECT_EQ(desired->droplets[2].name, "shop-worker-2");
  EXPECT_EQ(desired->droplets[1].tags, (std::vector<std::string>{"fpctl", "fpctl-shop", "fpctl-shop-worker"}));
  ASSERT_TRUE(desired->database);
  EXPECT_EQ(desired->database->trusted_tag, "fpctl-shop-worker");
  ASSERT_EQ(desired->firewalls.size(), 2u);
  // Port 80 is open to the world on the load balancer only; the server port only from its tag.
  const auto& lb = desired->firewalls[0];
  EXPECT_EQ(lb.target_tag, "fpctl-shop-lb");
  EXPECT_EQ(lb.inbound[1].ports, "80");
  EXPECT_EQ(lb.inbound[1].addresses, (std::vector<std::string>{"0.0.0.0/0", "::/0"}));
  const auto& worker = desired->firewalls[1];
  EXPECT_EQ(worker.inbound[0].addresses, (std::vector<std::string>{"203.0.113.7/32"}));
  EXPECT_EQ(worker.inbound[1].ports, "8080");
  EXPECT_TRUE(worker.inbound[1].addresses.empty());
  EXPECT_EQ(worker.inbound[1].tags, (std::vector<std::string>{"fpctl-shop-lb"}));
}

TEST(Desired, RefusesWhatUpCannotBuild) {
  auto local = infra::desired_infrastructure(plan_from("project: shop\nprovider: local\n"));
  ASSERT_FALSE(local);
  EXPECT_NE(local.error().find("provider: digitalocean"), std::string::npos) << local.error();
  auto clean = plan_from(k_course);
  clean.load_balancer.kind = plan::LoadBalancerKind::managed;
  auto refused = infra::desired_infrastructure(clean);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("kind: droplet"), std::string::npos) << refused.error();
}

TEST(Changes, EmptyAccountCreatesEverything) {
  const auto desired = *infra::desired_infrastructure(plan_from(k_course));
  const auto set = infra::plan_changes(desired, {});
  ASSERT_TRUE(set) << set.error();
  EXPECT_EQ(lines(*set), (std::vector<std::string>{"create ssh_key fpctl-shop", "create vpc shop-vpc", "create droplet shop-lb",
                                                   "create droplet shop-worker-1", "create droplet shop-worker-2",
                                                   "create database shop-db", "create firewall shop-lb",
                                                   "create firewall shop-worker"}));
  EXPECT_TRUE(set->mutating());
}

TEST(Changes, ScalingWorkersDownRemovesTheHighestNumbersAndDuplicatesKeepTheOldest) {
  auto plan = plan_from(k_course);
  plan.workers.count = 1;
  plan.database.kind = plan::DatabaseKind::droplet;
  plan.database.size = "s-1vcpu-2gb";
  const auto desired = *infra::desired_infrastructure(plan);
  infra::Observed observed;
  observed.droplets = {droplet(10, "shop-lb", "s-1vcpu-1gb"), droplet(11, "shop-worker-1", "s-1vcpu-2gb"),
                       droplet(12, "shop-worker-2", "s-1vcpu-2gb"), droplet(13, "shop-worker-3", "s-1vcpu-2gb"),
                       droplet(9, "shop-worker-1", "s-1vcpu-2gb")};
  const auto set = infra::plan_changes(desired, observed);
  ASSERT_TRUE(set) << set.error();
  std::vector<std::string> removed;
  for (const auto& c : set->changes)
    if (c.action == infra::Action::remove) removed.push_back(c.name + "#" + c.id);
  EXPECT_EQ(removed, (std::vector<std::string>{"shop-worker-3#13", "shop-worker-2#12", "shop-worker-1#11"}));
  const auto kept = std::find_if(set->changes.begin(), set->changes.end(),
                                 [](const infra::Change& c) { return c.name == "shop-worker-1" && c.action == infra::Action::keep; });
  ASSERT_NE(kept, set->changes.end());
  EXPECT_EQ(kept->id, "9");
}

TEST(Changes, ResizingReplacesStatelessDropletsAndRefusesTheDatabase) {
  auto plan = plan_from(k_course);
  const auto desired = *infra::desired_infrastructure(plan);
  infra::Observed observed;
  observed.droplets = {droplet(10, "shop-lb", "s-1vcpu-512mb-10gb")};
  const auto set = infra::plan_changes(desired, observed);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->changes[2].action, infra::Action::replace);
  EXPECT_NE(set->changes[2].detail.find("s-1vcpu-512mb-10gb -> s-1vcpu-1gb"), std::string::npos);

  cloud::Database database;
  database.name = "shop-db";
  database.engine = "pg";
  database.size = "db-s-2vcpu-4gb";
  database.num_nodes = 1;
  observed.databases = {database};
  const auto refused = infra::plan_changes(desired, observed);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("does not resize"), std::string::npos) << refused.error();
}

TEST(Changes, FirewallRulesCompareAsSetsAndTheApiSpellingOfAllPorts) {
  const auto desired = *infra::desired_infrastructure(plan_from(k_course));
  infra::Observed observed;
  for (const auto& want : desired.firewalls) {
    cloud::Firewall firewall;
    firewall.id = want.name + "-id";
    firewall.spec = infra::firewall_spec(want);
    std::reverse(firewall.spec.inbound.begin(), firewall.spec.inbound.end());
    for (auto& rule : firewall.spec.outbound) rule.ports = rule.protocol == "icmp" ? "0" : "0"; // as the API answers
    observed.firewalls.push_back(firewall);
  }
  auto set = infra::plan_changes(desired, observed);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->count(infra::Action::keep), 2u);

  observed.firewalls[1].spec.inbound[0].targets.addresses = {"0.0.0.0/0"}; // someone opened SSH to the world
  set = infra::plan_changes(desired, observed);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->count(infra::Action::update), 1u);
}

TEST(State, RoundTripsAtomicallyWithMode0600) {
  TempDir dir("fp-state");
  const auto file = infra::state_path(dir.path());
  infra::State state{"shop", "http://127.0.0.1:1", {}, {{"shop-lb", "ssh-ed25519 AAAA"}}};
  state.upsert({"droplet", "42", "shop-lb", "lb", "s-1vcpu-1gb", "sgp1", "active", "198.18.0.1", "10.0.0.2",
                "2026-11-27T10:00:00Z", true});
  state.upsert({"vpc", "v", "shop-vpc", "", "", "sgp1", "", "", "", "", false});
  ASSERT_TRUE(infra::save_state(file, state));
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(file.parent_path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  const auto loaded = infra::load_state(file, "shop");
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(*loaded, state);
  // No temporary file is left beside it.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(file.parent_path())) ++files;
  EXPECT_EQ(files, 1u);
}

TEST(State, MissingIsEmptyAndBrokenOrForeignFilesAreClearErrors) {
  TempDir dir("fp-state");
  const auto file = infra::state_path(dir.path());
  const auto empty = infra::load_state(file, "shop");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->resources.empty());
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << "{\"version\": 1, \"project\": \"other\"}";
  auto foreign = infra::load_state(file, "shop");
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error().find("belongs to project 'other'"), std::string::npos) << foreign.error();
  std::ofstream(file) << "{\"version\": 1, \"proj";
  auto broken = infra::load_state(file, "shop");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().find("fpctl status --refresh"), std::string::npos) << broken.error();
  std::ofstream(file) << "{\"version\": 7, \"project\": \"shop\"}";
  auto newer = infra::load_state(file, "shop");
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().find("newer fpctl"), std::string::npos) << newer.error();
}

TEST(SshIdentity, GeneratesOnceWithMode0600AndAnMd5Fingerprint) {
  TempDir dir("fp-ssh");
  const auto first = infra::load_or_generate_identity("", dir / ".fpctl", "fpctl-shop");
  ASSERT_TRUE(first) << first.error();
  EXPECT_TRUE(first->generated);
  EXPECT_TRUE(std::regex_match(first->fingerprint, std::regex("([0-9a-f]{2}:){15}[0-9a-f]{2}"))) << first->fingerprint;
  EXPECT_EQ(first->public_key.rfind("ssh-ed25519 ", 0), 0u) << first->public_key;
  struct stat info {};
  ASSERT_EQ(::stat(first->private_key.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const auto second = infra::load_or_generate_identity("", dir / ".fpctl", "fpctl-shop");
  ASSERT_TRUE(second) << second.error();
  EXPECT_FALSE(second->generated);
  EXPECT_EQ(second->fingerprint, first->fingerprint);

  const auto missing = infra::load_or_generate_identity((dir / "nope").string(), dir / ".fpctl", "x");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("ssh-keygen"), std::string::npos) << missing.error();
}

TEST(State, EntryUrlIsTheLoadBalancerElseTheFirstWorkerWithAnAddress) {
  infra::State state{"shop", "", {}, {}};
  EXPECT_FALSE(infra::entry_url(state, 8080));
  state.upsert({"droplet", "2", "shop-worker-2", "worker", "", "", "", "198.18.0.3", "", "", true});
  state.upsert({"droplet", "1", "shop-worker-1", "worker", "", "", "", "198.18.0.2", "", "", true});
  EXPECT_EQ(infra::entry_url(state, 8080), "http://198.18.0.2:8080");
  state.upsert({"droplet", "0", "shop-lb", "lb", "", "", "new", "", "", "", true}); // no address yet
  EXPECT_EQ(infra::entry_url(state, 8080), "http://198.18.0.2:8080");
  state.upsert({"droplet", "0", "shop-lb", "lb", "", "", "active", "198.18.0.1", "", "", true});
  EXPECT_EQ(infra::entry_url(state, 8080), "http://198.18.0.1");
}
