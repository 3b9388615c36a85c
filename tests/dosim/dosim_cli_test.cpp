// dosim as a user starts it: the URL as the first line of stdout, SIGTERM/SIGINT end it with 0,
// --token, a YAML faults file, --state-dir across a restart, and clear messages with exit code 2
// for bad flags.
#include "api_test_client.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <thread>

namespace fp::test {
namespace {

using nlohmann::json;

const json k_droplet = {{"name", "fp-web-1"}, {"region", "fra1"}, {"size", "s-1vcpu-1gb"}, {"image", "debian-12-x64"},
                        {"tags", {"fpctl", "fpctl:demo"}}};

TEST(DosimCli, PrintsItsUrlFirstAndExitsZeroOnSigterm) {
  TempDir dir("fp-dosim-cli");
  auto process = Process::start({FP_DOSIM_PATH, "--listen", "127.0.0.1:0"}, {dir / "out", {}, {}});
  std::string out;
  for (int i = 0; i < 3000 && out.find('\n') == std::string::npos; ++i) { // bounded: 30 s
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    out = read_file(dir / "out");
  }
  const std::string first_line = out.substr(0, out.find('\n'));
  ASSERT_EQ(first_line.rfind("http://127.0.0.1:", 0), 0u) << out;
  const auto port = static_cast<unsigned short>(std::stoul(first_line.substr(first_line.rfind(':') + 1)));
  ApiClient api(port);
  EXPECT_EQ(api.get("/v2/account").status, 200u);
  const int status = process.stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(DosimCli, ExitsZeroOnSigint) {
  DosimProcess dosim;
  EXPECT_EQ(dosim.stop(SIGINT), 0);
}

TEST(DosimCli, WithATokenOnlyThatTokenIsAccepted) {
  DosimOptions o;
  o.token = "dop_v1_right";
  DosimProcess dosim(o);
  ApiClient right(dosim.port(), "dop_v1_right");
  ApiClient wrong(dosim.port(), "dop_v1_wrong");
  EXPECT_EQ(right.get("/v2/account").status, 200u);
  const auto refused = wrong.get("/v2/account");
  EXPECT_EQ(refused.status, 401u);
  EXPECT_EQ(refused.body["id"], "unauthorized");
}

TEST(DosimCli, ReadsAYamlFaultsFile) {
  TempDir dir("fp-dosim-cli");
  std::ofstream(dir / "faults.yaml") << "# a test's faults\n"
                                        "delays:\n  droplet_active: 5\n"
                                        "rules:\n  - {method: GET, path: /v2/regions, status: 502}\n";
  DosimOptions o;
  o.delay_scale = 1.0;
  o.extra_args = {"--faults", (dir / "faults.yaml").string()};
  DosimProcess dosim(o);
  ApiClient api(dosim.port());
  EXPECT_EQ(api.get("/v2/regions").status, 502u);
  EXPECT_EQ(api.get("/v2/regions").status, 200u);
  const auto id = std::to_string(api.post("/v2/droplets", k_droplet).body["droplet"]["id"].get<long>());
  dosim.advance_clock(6);
  EXPECT_EQ(api.get("/v2/droplets/" + id).body["droplet"]["status"], "active");
}

TEST(DosimCli, StateDirKeepsTheAccountAcrossARestart) {
  TempDir dir("fp-dosim-state");
  DosimOptions o;
  o.state_dir = dir / "state";
  std::string droplet, vpc, database, firewall;
  long key_id = 0, first_droplet_id = 0;
  {
    DosimProcess dosim(o);
    ApiClient api(dosim.port());
    const auto d = api.post("/v2/droplets", k_droplet).body["droplet"];
    first_droplet_id = d["id"].get<long>();
    droplet = std::to_string(first_droplet_id);
    vpc = api.post("/v2/vpcs", {{"name", "fpctl-ams3"}, {"region", "ams3"}}).body["vpc"]["id"];
    database = api.post("/v2/databases", {{"name", "fpctl-pg"}, {"engine", "pg"}, {"region", "fra1"},
                                          {"size", "db-s-1vcpu-1gb"}, {"num_nodes", 1}})
                 .body["database"]["id"];
    key_id = api.post("/v2/account/keys", {{"name", "k"},
                                           {"public_key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEwAbNh+E8CcHT98GANT32qCZxrUrABur/82S0iFy/N+ t"}})
               .body["ssh_key"]["id"];
    firewall = api.post("/v2/firewalls", {{"name", "fpctl-web"}, {"tags", {"fpctl"}},
                                          {"inbound_rules", {{{"protocol", "tcp"}, {"ports", "22"}, {"sources", {{"addresses", {"0.0.0.0/0"}}}}}}}})
                 .body["firewall"]["id"];
    EXPECT_EQ(dosim.stop(), 0);
  }
  DosimProcess restarted(o);
  ApiClient api(restarted.port());
  EXPECT_EQ(api.get("/v2/droplets/" + droplet).body["droplet"]["name"], "fp-web-1");
  EXPECT_EQ(api.get("/v2/vpcs/" + vpc).status, 200u);
  EXPECT_EQ(api.get("/v2/databases/" + database).status, 200u);
  EXPECT_EQ(api.get("/v2/account/keys/" + std::to_string(key_id)).status, 200u);
  EXPECT_EQ(api.get("/v2/firewalls/" + firewall).status, 200u);
  EXPECT_EQ(api.get("/v2/tags/fpctl:demo").status, 200u);
  const auto next = api.post("/v2/droplets", k_droplet).body["droplet"]["id"].get<long>();
  EXPECT_GT(next, first_droplet_id) << "ids are never reused";
  const std::string jsonl = read_file(dir / "state" / "requests.jsonl");
  EXPECT_NE(jsonl.find("\"POST\""), std::string::npos);
  EXPECT_EQ(jsonl.find("Bearer"), std::string::npos) << "the token is never recorded";
}

TEST(DosimCli, BadFlagsAreNamedWithExitCode2) {
  auto run = [](std::vector<std::string> args) {
    args.insert(args.begin(), FP_DOSIM_PATH);
    return run_command(args, {}, std::chrono::seconds(30));
  };
  TempDir dir("fp-dosim-cli");
  std::ofstream(dir / "typo.yaml") << "rules:\n  - path: /v2/droplets\n    stauts: 500\n";
  std::ofstream(dir / "broken.json") << "{\"rules\": [";
  const struct {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
    {{"--bogus"}, "--bogus"},
    {{"--listen", "localhost"}, "--listen: 'localhost' is not HOST:PORT"},
    {{"--listen", "not-an-ip:0"}, "invalid listen address 'not-an-ip'"},
    {{"--faults", (dir / "missing.yaml").string()}, "cannot read"},
    {{"--faults", (dir / "typo.yaml").string()}, "unknown key 'stauts' in rules[0]"},
    {{"--faults", (dir / "broken.json").string()}, "neither JSON nor YAML"},
    {{"--spec", (dir / "nowhere.json").string()}, "cannot read the OpenAPI spec"},
    {{"--token", ""}, "--token: the token must not be empty"},
    {{"--delay-scale", "-1"}, "--delay-scale: must be 0 or more"},
  };
  for (const auto& c : cases) {
    const auto result = run(c.args);
    EXPECT_EQ(result.exit_code, 2) << c.args[0] << ": " << result.output;
    EXPECT_NE(result.output.find(c.message), std::string::npos) << c.args[0] << " said: " << result.output;
    EXPECT_EQ(result.output.find("terminate called"), std::string::npos) << result.output;
  }
}

TEST(DosimCli, HelpExitsZero) {
  const auto result = run_command({FP_DOSIM_PATH, "--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.output.find("--faults"), std::string::npos);
}

} // namespace
} // namespace fp::test
