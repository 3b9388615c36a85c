// provider: local as a user runs it: the real fpctl binary starts real fp-order-server workers and
// nginx on loopback ports, answers through nginx, load-tests itself, redeploys one worker at a
// time under load without a failed request, scales, and tears everything down by pid.
#include "infra/state.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <set>
#include <sys/wait.h>
#include <thread>

using namespace fp::test;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Alive: /proc has it and it is not a zombie (an orphan nobody reaps still has a /proc entry).
bool alive(int pid) {
  if (pid <= 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

class LocalProviderTest : public ::testing::Test {
protected:
  void SetUp() override {
    // A free port as the base: the load balancer takes it, worker N the next free ones above.
    m_base = free_port();
    // A project directory as users have them (mkdtemp makes it 0700): PostgreSQL, run as `postgres`
    // when the tests are root, must be able to pass through it.
    std::filesystem::permissions(m_dir.path(), std::filesystem::perms::others_exec, std::filesystem::perm_options::add);
    write_config(2, "embedded");
  }

  void TearDown() override {
    // Whatever a failed test left running is stopped by the command under test, then checked.
    fpctl({"teardown", "--yes"});
  }

  // database: embedded (SQLite shared by the workers) or managed (a PostgreSQL cluster of its own).
  void write_config(int workers, const std::string& database) {
    std::ofstream(m_dir / "fpctl.yaml") << "project: shop\nprovider: local\nload_balancer: {kind: droplet}\n"
                                        << "workers: {count: " << workers << ", port: " << m_base << "}\n"
                                        << "database: {kind: " << database << "}\n";
  }

  CommandResult fpctl(const std::vector<std::string>& args, std::chrono::seconds limit = std::chrono::seconds(180)) {
    std::vector<std::string> argv = {FPCTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--config", (m_dir / "fpctl.yaml").string()}); // bench's -c is --connections
    ProcessOptions options;
    options.environment = {std::string("FPCTL_SERVER_BINARY=") + FP_ORDER_SERVER_PATH};
    return run_command(argv, options, limit);
  }

  fp::infra::State state() {
    auto loaded = fp::infra::load_state(m_dir / ".fpctl" / "state.json", "shop");
    EXPECT_TRUE(loaded) << (loaded ? "" : loaded.error());
    return loaded.value_or(fp::infra::State{});
  }

  std::vector<int> pids() {
    std::vector<int> result;
    for (const auto& r : state().resources)
      if (r.kind == "process") result.push_back(r.pid);
    return result;
  }

  std::string entry() { return fp::infra::entry_url(state(), 0).value_or(""); }

  TempDir m_dir{"fp-local"};
  unsigned short m_base = 0;
};

// The default plan's database is managed PostgreSQL: locally a cluster of fpctl's own (db host).
TEST_F(LocalProviderTest, FullCycleUpBenchDeployTeardownLeavesNoProcess) {
  write_config(2, "managed");
  const auto dry = fpctl({"up", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_TRUE(contains(dry.output, "Dry run")) << dry.output;
  EXPECT_FALSE(std::filesystem::exists(m_dir / ".fpctl" / "local" / "worker-1" / "bin")) << "a dry run installs nothing";

  const auto up = fpctl({"up"});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_TRUE(contains(up.output, "answering through nginx")) << up.output;
  EXPECT_TRUE(contains(up.output, "[db] PostgreSQL started")) << up.output;
  const auto started = pids();
  ASSERT_EQ(started.size(), 4U); // db, lb, worker-1, worker-2
  for (const int pid : started) EXPECT_TRUE(alive(pid)) << pid;
  EXPECT_EQ(entry(), "http://127.0.0.1:" + std::to_string(m_base));

  // The order API through nginx: a POST lands on one worker, the GET of it may come from the other
  // (both share the SQLite file).
  const auto port = static_cast<unsigned short>(m_base);
  HttpClient client(port);
  const auto created =
    client.post("/orders", R"({"product":"Laptop","quantity":2,"customer_name":"Budi","customer_address":"Jl. Merdeka 1"})");
  ASSERT_EQ(created.status, 200) << created.body;

  // Idempotent: a second up changes nothing and restarts nothing.
  const auto again = fpctl({"up"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(contains(again.output, "[worker-1] nothing to do")) << again.output;
  EXPECT_TRUE(contains(again.output, "[lb] nothing to do")) << again.output;
  EXPECT_TRUE(contains(again.output, "[db] nothing to do")) << again.output;
  EXPECT_EQ(pids(), started);

  const auto status = fpctl({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_TRUE(contains(status.output, "running")) << status.output;

  // fpctl bench without a URL load-tests the deployment's entry point.
  const auto bench = fpctl({"bench", "-u", "20", "-r", "20", "-t", "3s", "--fail-on", "failures>0"});
  EXPECT_EQ(bench.exit_code, 0) << bench.output;

  // A rolling restart under load: the bench's own --fail-on makes any failed request its exit code.
  ProcessOptions options;
  options.output = m_dir / "bench.log";
  options.environment = {std::string("FPCTL_SERVER_BINARY=") + FP_ORDER_SERVER_PATH};
  auto load = Process::start({FPCTL_PATH, "bench", "--scenario", "crud", "--rate", "150", "-t", "25s", "--fail-on",
                              "failures>0", "--config", (m_dir / "fpctl.yaml").string()},
                             options);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const auto deploy = fpctl({"deploy", "--restart"});
  ASSERT_EQ(deploy.exit_code, 0) << deploy.output;
  EXPECT_TRUE(contains(deploy.output, "[worker-1] fp-order-server restarted")) << deploy.output;
  EXPECT_TRUE(contains(deploy.output, "[worker-2] fp-order-server restarted")) << deploy.output;
  const auto bench_status = load.wait_for(std::chrono::seconds(90));
  ASSERT_TRUE(bench_status.has_value()) << "the bench did not stop by itself";
  const std::string bench_log = read_file(m_dir / "bench.log");
  EXPECT_TRUE(WIFEXITED(*bench_status) && WEXITSTATUS(*bench_status) == 0) << bench_log;
  EXPECT_TRUE(contains(bench_log, "0(0.00%)")) << bench_log;
  const auto redeployed = pids();
  EXPECT_EQ(redeployed[0], started[0]) << "the database is not restarted by a redeploy";
  EXPECT_NE(redeployed[2], started[2]) << "worker-1 was restarted";
  for (const int pid : started) {
    if (std::find(redeployed.begin(), redeployed.end(), pid) == redeployed.end()) {
      EXPECT_FALSE(alive(pid)) << pid;
    }
  }

  const auto down = fpctl({"teardown", "--yes"});
  ASSERT_EQ(down.exit_code, 0) << down.output;
  for (const int pid : redeployed) EXPECT_FALSE(alive(pid)) << "pid " << pid << " still runs after teardown";
  EXPECT_FALSE(std::filesystem::exists(m_dir / ".fpctl" / "local"));
  EXPECT_TRUE(pids().empty());
  EXPECT_FALSE(accepts(port));
  const auto twice = fpctl({"teardown", "--yes"});
  EXPECT_EQ(twice.exit_code, 0) << twice.output;
  EXPECT_TRUE(contains(twice.output, "Nothing of project 'shop' runs")) << twice.output;
}

TEST_F(LocalProviderTest, ScalesWorkersUpAndDown) {
  ASSERT_EQ(fpctl({"up"}).exit_code, 0);
  write_config(3, "embedded");
  const auto three = fpctl({"up"});
  ASSERT_EQ(three.exit_code, 0) << three.output;
  EXPECT_TRUE(contains(three.output, "[worker-3] fp-order-server started")) << three.output;
  EXPECT_TRUE(contains(three.output, "[lb] nginx reloaded")) << three.output;
  EXPECT_EQ(pids().size(), 4U);

  const auto before = state();
  int worker3 = 0;
  for (const auto& r : before.resources)
    if (r.name == "shop-worker-3") worker3 = r.pid;
  write_config(1, "embedded");
  const auto one = fpctl({"up"});
  ASSERT_EQ(one.exit_code, 0) << one.output;
  EXPECT_FALSE(alive(worker3));
  EXPECT_EQ(pids().size(), 2U);
  EXPECT_FALSE(std::filesystem::exists(m_dir / ".fpctl" / "local" / "worker-3"));
  HttpClient client(static_cast<unsigned short>(m_base));
  const auto got = client.get("/healthz");
  EXPECT_EQ(got.status, 200);
}

TEST_F(LocalProviderTest, AStoppedWorkerIsStartedAgainAndReported) {
  ASSERT_EQ(fpctl({"up"}).exit_code, 0);
  const auto before = pids();
  ASSERT_EQ(before.size(), 3U);
  ::kill(before[1], SIGKILL); // worker-1 dies (the orphan may stay a zombie: it counts as dead)
  for (int i = 0; i < 100 && alive(before[1]); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto status = fpctl({"status"});
  EXPECT_EQ(status.exit_code, 1) << status.output;
  EXPECT_TRUE(contains(status.output, "not running")) << status.output;
  const auto up = fpctl({"up"});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_TRUE(contains(up.output, "[worker-1] fp-order-server started")) << up.output;
  EXPECT_TRUE(alive(pids()[1]));
}

TEST_F(LocalProviderTest, BadInputChangesNothing) {
  std::ofstream(m_dir / "fpctl.yaml") << "project: shop\nprovider: local\nworkers: {count: 0, port: " << m_base << "}\n";
  const auto zero = fpctl({"up"});
  EXPECT_EQ(zero.exit_code, 2) << zero.output;
  EXPECT_FALSE(std::filesystem::exists(m_dir / ".fpctl" / "local"));
  write_config(2, "embedded");
  const auto deploy = fpctl({"deploy"});
  EXPECT_EQ(deploy.exit_code, 2) << deploy.output;
  EXPECT_TRUE(contains(deploy.output, "run 'fpctl up' first")) << deploy.output;
}

} // namespace
