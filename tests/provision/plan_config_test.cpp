// fpctl.yaml -> Plan: defaults, every field, and every mistake refused with file:line:column and
// what was expected; writing sections back keeps the user's other lines.
#include "config.hpp"
#include "config_writer.hpp"
#include "support/temp_dir.hpp"
#include "support/process.hpp"

#include <fstream>
#include <gtest/gtest.h>

using namespace fp::plan;

namespace {

std::string error_of(const std::string& text) {
  auto parsed = parse_plan(text, "fpctl.yaml");
  if (parsed) return "(accepted)";
  return parsed.error().what();
}

} // namespace

TEST(PlanConfig, AnEmptyFileIsTheDefaultPlan) {
  auto empty = parse_plan("", "fpctl.yaml");
  ASSERT_TRUE(empty) << empty.error().what();
  EXPECT_TRUE(same_settings(*empty, Plan{}));
  auto comments_only = parse_plan("# nothing here\n", "fpctl.yaml");
  ASSERT_TRUE(comments_only);
  EXPECT_TRUE(same_settings(*comments_only, Plan{}));
  EXPECT_EQ(Plan{}.project, "fp-orders");
  EXPECT_EQ(Plan{}.budget.usd_cents_per_month, 6500);
  EXPECT_EQ(Plan{}.budget.idr_per_usd, 15385);
}

TEST(PlanConfig, TheInitTemplateSaysWhatTheDefaultsAre) {
  auto parsed = parse_plan(config_template(), "fpctl.yaml");
  ASSERT_TRUE(parsed) << parsed.error().what();
  EXPECT_TRUE(same_settings(*parsed, Plan{})) << "templates/fpctl.yaml and plan.hpp's defaults disagree";
}

TEST(PlanConfig, EveryFieldIsRead) {
  const std::string text = R"(project: shop-2
provider: digitalocean
region: fra1
api_url: http://127.0.0.1:9999
image: debian-12-x64
ssh:
  key: ~/.ssh/id_rsa
  allow_from: [203.0.113.7/32, "2001:db8::/32", auto]
load_balancer: {kind: managed, nodes: 2}
workers:
  size: s-2vcpu-4gb
  count: 3
  port: 9000
database:
  kind: managed
  engine: pg
  version: 15
  size: db-s-1vcpu-2gb
  nodes: 2
extras: {backups: yes, monitoring: false, reserved_ip: true, volume_gb: 20}
budget: {usd_per_month: 80.5, idr_per_usd: 16250}
)";
  auto parsed = parse_plan(text, "custom.yaml");
  ASSERT_TRUE(parsed) << parsed.error().what();
  const Plan& p = *parsed;
  EXPECT_EQ(p.project, "shop-2");
  EXPECT_EQ(p.provider, Provider::digitalocean);
  EXPECT_EQ(p.region, "fra1");
  EXPECT_EQ(p.api_url, "http://127.0.0.1:9999");
  EXPECT_EQ(p.ssh.key, "~/.ssh/id_rsa");
  EXPECT_EQ(p.ssh.allow_from, (std::vector<std::string>{"203.0.113.7/32", "2001:db8::/32", "auto"}));
  EXPECT_EQ(p.load_balancer.kind, LoadBalancerKind::managed);
  EXPECT_EQ(p.load_balancer.nodes, 2);
  EXPECT_EQ(p.workers.size, "s-2vcpu-4gb");
  EXPECT_EQ(p.workers.count, 3);
  EXPECT_EQ(p.workers.port, 9000);
  EXPECT_EQ(p.database.version, "15");
  EXPECT_EQ(p.database.size, "db-s-1vcpu-2gb");
  EXPECT_EQ(p.database.nodes, 2);
  EXPECT_TRUE(p.extras.backups);
  EXPECT_FALSE(p.extras.monitoring);
  EXPECT_TRUE(p.extras.reserved_ip);
  EXPECT_EQ(p.extras.volume_gb, 20);
  EXPECT_EQ(p.budget.usd_cents_per_month, 8050);
  EXPECT_EQ(p.budget.idr_per_usd, 16250);
  EXPECT_EQ(p.where("workers.count"), "custom.yaml:12:10: ");
  EXPECT_EQ(p.where("region"), "custom.yaml:3:9: ");
}

TEST(PlanConfig, AWrongValueNamesFileLineColumnAndWhatWasExpected) {
  EXPECT_EQ(error_of("project: fp\nworkers:\n  size: s-1vcpu-1gb\n  count: two\n"),
            "fpctl.yaml:4:10: workers.count: expected a whole number from 1 to 20, got 'two'");
  EXPECT_EQ(error_of("workers:\n  count: 21\n"), "fpctl.yaml:2:10: workers.count: expected a whole number from 1 to 20, got '21'");
  EXPECT_EQ(error_of("workers:\n  count: 2.5\n"), "fpctl.yaml:2:10: workers.count: expected a whole number from 1 to 20, got '2.5'");
  EXPECT_EQ(error_of("workers:\n  port: 0\n"), "fpctl.yaml:2:9: workers.port: expected a whole number from 1 to 65535, got '0'");
}

TEST(PlanConfig, UnknownKeysGetDidYouMean) {
  EXPECT_EQ(error_of("workers:\n  cout: 2\n"),
            "fpctl.yaml:2:3: unknown key 'workers.cout'; did you mean 'count'? (workers takes: size, count and port)");
  const auto top = error_of("region: sgp1\nworkrs:\n  count: 2\n");
  EXPECT_NE(top.find("fpctl.yaml:2:1: unknown key 'workrs'; did you mean 'workers'?"), std::string::npos) << top;
  const auto far = error_of("colour: blue\n");
  EXPECT_NE(far.find("unknown key 'colour' (top-level keys: project, provider"), std::string::npos) << far;
}

TEST(PlanConfig, EveryInvalidValueIsRefusedWithItsMessage) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"load_balancer:\n  kind: droplett\n", "fpctl.yaml:2:9: load_balancer.kind: expected droplet, managed or none, got 'droplett'; did you mean 'droplet'?"},
      {"database:\n  kind: sqlite\n", "database.kind: expected managed, droplet or embedded, got 'sqlite'"},
      {"database:\n  engine: mongodb\n", "database.engine: expected pg (fp-order-server stores orders in PostgreSQL"},
      {"database:\n  nodes: 4\n", "database.nodes: expected a whole number from 1 to 3, got '4'"},
      {"provider: aws\n", "provider: expected digitalocean or local, got 'aws'"},
      {"extras:\n  backups: maybe\n", "fpctl.yaml:2:12: extras.backups: expected true or false, got 'maybe'"},
      {"extras:\n  volume_gb: -5\n", "extras.volume_gb: expected a whole number from 0 to 16384, got '-5'"},
      {"budget:\n  usd_per_month: 65.555\n", "budget.usd_per_month: expected an amount in US$ above 0 with at most 2 decimals"},
      {"budget:\n  usd_per_month: -1\n", "budget.usd_per_month: expected an amount in US$ above 0"},
      {"budget:\n  usd_per_month: 0\n", "budget.usd_per_month: expected an amount in US$ above 0"},
      {"budget:\n  usd_per_month: $65\n", "got '$65'"},
      {"budget:\n  idr_per_usd: 15384.6\n", "budget.idr_per_usd: expected a whole number from 1 to 1000000, got '15384.6'"},
      {"project: FP_Orders\n", "project: expected 1 to 32 lowercase letters, digits and '-'"},
      {"project: -fp\n", "project: expected 1 to 32 lowercase letters"},
      {"region: SGP 1\n", "region: expected a region slug such as sgp1 (lowercase letters, digits and '-'), got 'SGP 1'"},
      {"api_url: api.digitalocean.com\n", "api_url: expected a URL starting with https://"},
      {"ssh:\n  allow_from: [10.0.0.0/33]\n", "fpctl.yaml:2:16: ssh.allow_from[0]: expected auto or an address/prefix"},
      {"ssh:\n  allow_from: [everyone]\n", "ssh.allow_from[0]: expected auto or an address/prefix such as 203.0.113.7/32, got 'everyone'"},
      {"ssh:\n  allow_from: []\n", "ssh.allow_from: an empty list would lock everyone out"},
      {"ssh:\n  allow_from: auto\n", "ssh.allow_from: expected a list such as [auto]"},
      {"workers: 3\n", "fpctl.yaml:1:10: workers: expected a mapping of size, count and port, got '3'"},
      {"workers:\n  size: [a, b]\n", "workers.size: expected a droplet size slug such as s-1vcpu-2gb, got a list"},
      {"workers:\n  count: 2\n  count: 3\n", "fpctl.yaml:3:3: workers.count: given twice"},
      {"- a\n- b\n", "fpctl.yaml:1:1: expected a mapping of settings"},
      {"workers:\n\tcount: 2\n", "fpctl.yaml:2:"},
      {"workers: {count: 2\n", "not valid YAML"},
  };
  for (const auto& [text, expected] : cases) {
    const auto message = error_of(text);
    EXPECT_NE(message.find(expected), std::string::npos) << "for:\n" << text << "got: " << message;
  }
}

TEST(PlanConfig, AMissingFileSaysHowToMakeOne) {
  fp::test::TempDir dir("fp-plan");
  auto loaded = load_plan(dir / "nope.yaml");
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().what().find("nope.yaml: cannot read"), std::string::npos) << loaded.error().what();
  EXPECT_NE(loaded.error().what().find("fpctl init"), std::string::npos);
}

TEST(PlanConfigWriter, ReplacesOnlyTheNamedSectionsAndKeepsComments) {
  const std::string original = "# my shop\nproject: shop   # the name\n\n# the balancer\nload_balancer:\n  kind: droplet  # nginx\n"
                               "  size: s-1vcpu-1gb\n\n# workers below\nworkers: {size: s-1vcpu-1gb, count: 1}\nbudget:\n"
                               "  usd_per_month: 65\n";
  Plan plan;
  plan.load_balancer.kind = LoadBalancerKind::managed;
  plan.load_balancer.nodes = 2;
  plan.workers.size = "s-2vcpu-4gb";
  plan.workers.count = 4;
  plan.database.kind = DatabaseKind::droplet;
  plan.database.size = "s-2vcpu-2gb";
  const std::vector<std::string> sections = {"load_balancer", "workers", "database"};
  const std::string updated = replace_sections(original, plan, sections);
  EXPECT_NE(updated.find("# my shop\nproject: shop   # the name\n\n# the balancer\nload_balancer:\n  kind: managed\n  nodes: 2\n"
                         "\n# workers below\nworkers:\n  size: s-2vcpu-4gb\n  count: 4\n  port: 8080\nbudget:\n  usd_per_month: 65\n"),
            std::string::npos)
      << updated;
  EXPECT_NE(updated.find("database:\n  kind: droplet\n"), std::string::npos) << updated; // appended
  auto reread = parse_plan(updated, "x.yaml");
  ASSERT_TRUE(reread) << reread.error().what();
  EXPECT_EQ(reread->project, "shop");
  EXPECT_EQ(reread->load_balancer.kind, LoadBalancerKind::managed);
  EXPECT_EQ(reread->load_balancer.nodes, 2);
  EXPECT_EQ(reread->workers.count, 4);
  EXPECT_EQ(reread->database.size, "s-2vcpu-2gb");
}

TEST(PlanConfigWriter, WritesANewFileFromTheTemplateAndRefusesNothingItCannotReadBack) {
  fp::test::TempDir dir("fp-plan-write");
  Plan plan;
  plan.workers.count = 5;
  plan.budget.usd_cents_per_month = 9999;
  const std::vector<std::string> sections = {"workers", "budget"};
  auto written = write_sections(dir / "fpctl.yaml", plan, sections);
  ASSERT_TRUE(written) << written.error();
  const std::string text = fp::test::read_file(dir / "fpctl.yaml");
  EXPECT_NE(text.find("# fpctl.yaml: the architecture"), std::string::npos); // the template's comments
  EXPECT_NE(text.find("usd_per_month: 99.99"), std::string::npos) << text;
  auto reread = load_plan(dir / "fpctl.yaml");
  ASSERT_TRUE(reread) << reread.error().what();
  EXPECT_EQ(reread->workers.count, 5);
  EXPECT_EQ(reread->budget.usd_cents_per_month, 9999);
  EXPECT_FALSE(std::filesystem::exists(dir / "fpctl.yaml.fpctl-tmp"));

  // A file that is not valid YAML is not touched.
  { std::ofstream(dir / "broken.yaml") << "workers: [\n"; }
  auto refused = write_sections(dir / "broken.yaml", plan, sections);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("refusing to write"), std::string::npos) << refused.error();
  EXPECT_EQ(fp::test::read_file(dir / "broken.yaml"), "workers: [\n");
}
