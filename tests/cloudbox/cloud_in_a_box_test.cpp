// The whole path a user takes on DigitalOcean, on this machine: fpctl up creates droplets and a
// managed PostgreSQL through the API (dosim --hosts netns: the droplets are network namespaces with
// a real sshd, the cluster a real PostgreSQL on the VPC side, the cloud firewalls nftables rules)
// and installs fp-order-server and nginx on them over SSH; then status, a 30 s bench at 0 %
// failures, a rolling deploy under load, a worker killed while orders are placed (every order
// answered 200 is found afterwards), teardown, and nothing left behind. fpctl runs exactly the code
// it runs against DigitalOcean. Root only (namespaces).
#include "infra/state.hpp"
#include "dosim_process.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace fp::test;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class CloudInABox : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: dosim --hosts netns makes network namespaces";
    DosimOptions options;
    options.delay_scale = 0.01;
    options.extra_args = {"--hosts", "netns"};
    m_dosim = std::make_unique<DosimProcess>(options);
    // PostgreSQL (the managed cluster's server) must pass through the project directory's parents.
    std::filesystem::permissions(m_dir.path(), std::filesystem::perms::others_exec, std::filesystem::perm_options::add);
    std::ofstream(m_dir / "fpctl.yaml") << "project: box\nprovider: digitalocean\nregion: sgp1\n"
                                        // the host's side of dosim's public bridge is in 100.64.0.0/10
                                        << "ssh: {allow_from: [100.64.0.0/10]}\n"
                                        << "load_balancer: {kind: droplet, size: s-1vcpu-1gb}\n"
                                        << "workers: {size: s-1vcpu-2gb, count: 2}\n"
                                        << "database: {kind: managed, size: db-s-1vcpu-1gb}\n";
  }

  void TearDown() override {
    if (!m_dosim) return;
    fpctl({"teardown", "--yes"}); // a failed test still deletes what it made
  }

  std::vector<std::string> environment() const {
    auto env = m_dosim->client_environment();
    env.push_back("FPCTL_POLL_INTERVAL_MS=200");
    env.push_back(std::string("FPCTL_SERVER_BINARY=") + FP_ORDER_SERVER_PATH);
    env.push_back("FPCTL_SSH_TIMEOUT_S=60");
    return env;
  }

  CommandResult fpctl(const std::vector<std::string>& args, std::chrono::seconds limit = std::chrono::seconds(600)) {
    std::vector<std::string> argv = {FPCTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--config", (m_dir / "fpctl.yaml").string()});
    ProcessOptions options;
    options.environment = environment();
    return run_command(argv, options, limit);
  }

  fp::infra::State state() {
    return fp::infra::load_state(m_dir / ".fpctl" / "state.json", "box").value_or(fp::infra::State{});
  }

  std::string entry() { return fp::infra::entry_url(state(), 8080).value_or(""); }

  // One POST /orders through the load balancer with curl; the order's id when answered 200.
  std::optional<std::string> place_order(int n) {
    const std::string body = R"({"product":"Laptop","quantity":)" + std::to_string(n % 9 + 1) +
                             R"(,"customer_name":"Budi","customer_address":"Jl. Merdeka 1"})";
    auto result = run_command({"curl", "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}", "-X", "POST", "-H",
                               "Content-Type: application/json", "-d", body, entry() + "/orders"},
                              {}, std::chrono::seconds(20));
    static const std::regex answered(R"re("_id":"([0-9a-f]{24})"[\s\S]*\n200$)re");
    std::smatch match;
    if (result.exit_code == 0 && std::regex_search(result.output, match, answered)) return match[1].str();
    return std::nullopt;
  }

  ProcessOptions ssh_options_for_checks() const {
    ProcessOptions options;
    options.environment = environment();
    return options;
  }

  int http_status(const std::string& path) {
    auto result = run_command({"curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", entry() + path}, {},
                              std::chrono::seconds(20));
    try {
      return std::stoi(result.output);
    } catch (const std::exception&) {
      return 0;
    }
  }

  TempDir m_dir{"fp-box"};
  std::unique_ptr<DosimProcess> m_dosim;
};

TEST_F(CloudInABox, UpBenchDeployKillTeardown) {
  // 1. Create and install.
  const auto up = fpctl({"up", "--yes"});
  ASSERT_EQ(up.exit_code, 0) << up.output << "\n--- dosim:\n" << m_dosim->output();
  EXPECT_TRUE(contains(up.output, "[lb] answering through nginx")) << up.output;
  EXPECT_TRUE(contains(up.output, "Checked from here")) << up.output;
  const auto recorded = state();
  EXPECT_EQ(recorded.host_keys.size(), 3U) << "lb and two workers pinned on first contact";
  ASSERT_FALSE(entry().empty());

  const auto again = fpctl({"up", "--yes"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(contains(again.output, "[worker-1] nothing to do")) << again.output;
  EXPECT_TRUE(contains(again.output, "[lb] nothing to do")) << again.output;

  // 2. Status.
  const auto status = fpctl({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.output;

  // 3. The course's scenario for 30 s at 0 % failures; the hosts are sampled over SSH meanwhile.
  const auto bench = fpctl({"bench", "-u", "20", "-r", "10", "-t", "30s", "--fail-on", "failures>0"});
  EXPECT_EQ(bench.exit_code, 0) << bench.output;
  bool sampled_worker = false;
  for (const auto& run : std::filesystem::directory_iterator(m_dir / ".fpctl" / "runs")) {
    std::ifstream in(run.path() / "hosts.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    sampled_worker = sampled_worker || contains(text, "\"host\": \"worker-2\"");
  }
  EXPECT_TRUE(sampled_worker) << "hosts.json has the workers' samples";

  // 4. A rolling deploy under load: not one failed request.
  ProcessOptions options;
  options.output = m_dir / "bench.log";
  options.environment = environment();
  auto load = Process::start({FPCTL_PATH, "bench", "--scenario", "crud", "--rate", "50", "-t", "45s", "--fail-on",
                              "failures>0", "--config", (m_dir / "fpctl.yaml").string()},
                             options);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const auto deploy = fpctl({"deploy", "--restart"});
  EXPECT_EQ(deploy.exit_code, 0) << deploy.output;
  const auto load_status = load.wait_for(std::chrono::seconds(120));
  ASSERT_TRUE(load_status.has_value());
  EXPECT_TRUE(WIFEXITED(*load_status) && WEXITSTATUS(*load_status) == 0) << read_file(m_dir / "bench.log");

  // 5. A worker's server killed mid-bench while orders are placed: the load balancer routes around
  // it (nginx retries GET, PUT and DELETE on the other worker; only a POST already sent to the dead
  // one may fail), and every order answered 200 is in the database afterwards.
  ProcessOptions mid_options;
  mid_options.output = m_dir / "mid-bench.log";
  mid_options.environment = environment();
  auto mid_bench = Process::start({FPCTL_PATH, "bench", "--scenario", "crud", "--rate", "30", "-t", "25s", "--json",
                                   (m_dir / "mid-bench.json").string(), "--config", (m_dir / "fpctl.yaml").string()},
                                  mid_options);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::vector<std::string> acknowledged;
  for (int i = 0; i < 120; ++i) {
    if (i == 40) {
      // --config before the host: everything after `--` is the remote command.
      ProcessOptions ssh_options;
      ssh_options.environment = environment();
      const auto killed = run_command({FPCTL_PATH, "ssh", "--config", (m_dir / "fpctl.yaml").string(), "worker-1", "--",
                                       "kill -9 $(cat /run/fpctl/fp-order-server.pid)"},
                                      ssh_options, std::chrono::seconds(60));
      EXPECT_EQ(killed.exit_code, 0) << killed.output;
    }
    if (auto id = place_order(i)) acknowledged.push_back(*id);
  }
  EXPECT_GE(acknowledged.size(), 110U) << "the surviving worker takes the orders";
  ASSERT_TRUE(mid_bench.wait_for(std::chrono::seconds(120)).has_value()) << "the bench did not stop by itself";
  const auto mid = nlohmann::json::parse(read_file(m_dir / "mid-bench.json"), nullptr, false);
  ASSERT_TRUE(mid.is_object()) << read_file(m_dir / "mid-bench.log");
  // The crud scenario reads back the order its POST created: after a POST the dead worker failed,
  // that read is a 404 of the scenario's own making, not of routing. Any other failure of a GET,
  // PUT or DELETE, or more such 404s than failed POSTs, is the load balancer failing a client.
  std::uint64_t idempotent = 0;
  std::uint64_t failed_posts = 0;
  for (const auto& entry : mid.value("requests", nlohmann::json::array())) {
    if (entry.value("method", "") == "POST") failed_posts += entry.value("failures", std::uint64_t{0});
    else idempotent += entry.value("requests", std::uint64_t{0});
  }
  std::uint64_t follow_up_404s = 0;
  for (const auto& error : mid.value("errors", nlohmann::json::array())) {
    if (error.value("method", "") == "POST") continue;
    const std::string text = error.value("error", "");
    if (contains(text, "404")) follow_up_404s += error.value("occurrences", std::uint64_t{0});
    else ADD_FAILURE() << "an idempotent request failed while the worker died: " << error.dump();
  }
  EXPECT_LE(follow_up_404s, failed_posts) << read_file(m_dir / "mid-bench.log");
  EXPECT_GT(idempotent, 100U) << "the bench ran its GETs, PUTs and DELETEs through the kill";
  // worker-1's server is really gone (nothing restarts it on a host without systemd).
  const auto gone = run_command({FPCTL_PATH, "ssh", "--config", (m_dir / "fpctl.yaml").string(), "worker-1", "--",
                                 "curl -fsS --max-time 2 http://127.0.0.1:8080/healthz"},
                                ssh_options_for_checks(), std::chrono::seconds(60));
  EXPECT_NE(gone.exit_code, 0) << gone.output;
  for (const auto& id : acknowledged) EXPECT_EQ(http_status("/orders/" + id), 200) << "order " << id << " was lost";

  // 6. Teardown: nothing of the project in the account, no namespace, process or mount left.
  const auto down = fpctl({"teardown", "--yes"});
  ASSERT_EQ(down.exit_code, 0) << down.output;
  const std::string prefix = "fpd" + std::to_string(m_dosim->pid()) + "-";
  const auto namespaces = run_command({"ip", "netns", "list"});
  EXPECT_FALSE(contains(namespaces.output, prefix)) << namespaces.output;
  const auto mounts = read_file("/proc/mounts");
  EXPECT_FALSE(contains(mounts, "fpd" + std::to_string(m_dosim->pid()) + "/")) << "an overlay is still mounted";

  // The recorded API exchanges of the whole run hold to the official schemas.
  const auto violations = m_dosim->schema_violations();
  EXPECT_TRUE(violations.empty()) << violations.front();

  const pid_t dosim_pid = m_dosim->pid();
  EXPECT_EQ(m_dosim->stop(), 0) << m_dosim->output();
  m_dosim.reset();
  const auto links = run_command({"ip", "link", "show"});
  EXPECT_FALSE(contains(links.output, "fpd" + std::to_string(dosim_pid))) << "a bridge is left: " << links.output;
}

} // namespace
