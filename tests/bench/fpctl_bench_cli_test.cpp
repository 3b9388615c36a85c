// `fpctl bench` as a user runs it: the real binary against a real fp-order-server, exit codes,
// thresholds, output files, usage errors, and Ctrl-C that still writes every output.
#include "support/process.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <thread>

using namespace fp::test;

namespace {

CommandResult fpctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {FPCTL_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

class FpctlBench : public ::testing::Test {
protected:
  void SetUp() override {
    m_server = std::make_unique<ServerProcess>("sqlite://" + (m_dir / "orders.db").string());
    m_url = "http://127.0.0.1:" + std::to_string(m_server->port());
  }
  TempDir m_dir{"fp-bench-cli"};
  std::unique_ptr<ServerProcess> m_server;
  std::string m_url;
};

} // namespace

TEST_F(FpctlBench, ARunWritesEveryOutputAndPasses) {
  const auto prefix = (m_dir / "run").string();
  auto result = fpctl({"bench", m_url, "--scenario", "crud", "-u", "10", "-r", "10", "-t", "2s", "--csv", prefix,
                       "--json", prefix + ".json", "--html", prefix + ".html", "--fail-on", "failures>0"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("Aggregated"), std::string::npos) << result.output;
  for (const char* suffix : {"_stats.csv", "_stats_history.csv", "_failures.csv", "_exceptions.csv", ".json", ".html"}) {
    EXPECT_TRUE(std::filesystem::exists(prefix + suffix)) << suffix;
  }
  const auto json = nlohmann::json::parse(read_file(prefix + ".json"));
  EXPECT_FALSE(json.empty());
}

TEST_F(FpctlBench, ThresholdsDecideTheExitCode) {
  auto fail_on = fpctl({"bench", m_url, "-u", "5", "-t", "1s", "--fail-on", "requests>0"});
  EXPECT_EQ(fail_on.exit_code, 3) << fail_on.output;
  EXPECT_NE(fail_on.output.find("threshold breached: requests>0"), std::string::npos) << fail_on.output;
  auto threshold = fpctl({"bench", m_url, "-u", "5", "-t", "1s", "--threshold", "requests<1"});
  EXPECT_EQ(threshold.exit_code, 3) << threshold.output;
  auto holds = fpctl({"bench", m_url, "-u", "5", "-t", "1s", "--threshold", "failures==0"});
  EXPECT_EQ(holds.exit_code, 0) << holds.output;
}

TEST_F(FpctlBench, FailedRequestsExitWith1) {
  const auto nobody = "http://127.0.0.1:" + std::to_string(free_port());
  auto result = fpctl({"bench", nobody, "--rate", "20", "-t", "1s", "-q"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("onnect"), std::string::npos) << result.output; // the error report says connect
}

TEST_F(FpctlBench, UsageMistakesExitWith2AndSayWhatToWrite) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
    {{"bench", "-t", "1s"}, "no target: give its URL"},
    {{"bench", m_url}, "bounded"},
    {{"bench", m_url, "-t", "soon"}, "not a duration"},
    {{"bench", m_url, "-t", "1s", "-u", "many"}, "not a count"},
    {{"bench", m_url, "-t", "1s", "--scenario", "fp-order"}, "did you mean"},
    {{"bench", m_url, "-t", "1s", "--rate", "5", "--stage", "1s:5"}, "not both"},
    {{"bench", m_url, "-t", "1s", "--fail-on", "p95<<1"}, "--fail-on"},
    {{"bench", "https://127.0.0.1:1", "-t", "1s"}, "https"},
    {{"bnch"}, "did you mean 'bench'"},
  };
  for (const auto& [args, expected] : cases) {
    auto result = fpctl(args);
    EXPECT_TRUE(result.exit_code == 2 || (expected == "https" && result.exit_code != 0)) << result.output;
    EXPECT_NE(result.output.find(expected), std::string::npos) << result.output;
  }
}

TEST_F(FpctlBench, CtrlCStopsEarlyAndStillWritesTheOutputs) {
  const auto prefix = (m_dir / "interrupted").string();
  ProcessOptions options;
  options.output = m_dir / "fpctl.log";
  auto process = Process::start({FPCTL_PATH, "bench", m_url, "-u", "20", "-r", "20", "-t", "60s", "-q", "--csv", prefix},
                                options);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill(process.pid(), SIGINT);
  const auto status = process.wait_for(std::chrono::seconds(20));
  ASSERT_TRUE(status) << "fpctl did not stop on SIGINT";
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 130) << read_file(options.output);
  EXPECT_TRUE(std::filesystem::exists(prefix + "_stats.csv"));
  EXPECT_NE(read_file(prefix + "_stats.csv").find("Aggregated"), std::string::npos);
}

TEST_F(FpctlBench, WithoutAUrlItTargetsTheRecordedDeploymentOrSaysHowToGetOne) {
  const auto config = (m_dir / "fpctl.yaml").string();
  {
    std::ofstream out(config);
    out << "project: shop\nworkers: {count: 1, port: " << m_server->port() << "}\n";
  }
  auto none = fpctl({"bench", "--config", config, "-u", "1", "-n", "5", "-q"});
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_NE(none.output.find("fpctl up"), std::string::npos) << none.output;

  // A deployment whose worker answers on loopback: what `fpctl up` records, written by hand here.
  std::filesystem::create_directories(m_dir / ".fpctl");
  std::ofstream(m_dir / ".fpctl/state.json")
    << R"({"version": 1, "project": "shop", "api_url": "", "host_keys": {}, "resources": [)"
    << R"({"kind": "droplet", "id": "1", "name": "shop-worker-1", "role": "worker", "public_ipv4": "127.0.0.1"}]})";
  auto run = fpctl({"bench", "--config", config, "--scenario", "crud", "-u", "2", "-n", "20", "-q", "--fail-on", "failures>0"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("http://127.0.0.1:" + std::to_string(m_server->port())), std::string::npos) << run.output;
}
