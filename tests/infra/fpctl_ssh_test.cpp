// `fpctl ssh` and `fpctl logs` as a user runs them: the real fpctl binary, OpenSSH's real client,
// and a throwaway sshd on loopback standing in for the droplets (their state points at it with
// ssh_port and its host key pinned). Logs of provider: local are read from their files; the
// remote log snippet is checked as text, with `sh -n`, and once through sshd on this machine.
#include "errors.hpp"
#include "hosts.hpp"
#include "project.hpp"

#include "support/process.hpp"
#include "support/sshd_instance.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>

using namespace fp::test;
using nlohmann::json;

namespace {

const std::chrono::seconds k_limit{60};
constexpr const char* k_token = "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Polls (bounded) until `file` contains `text`.
bool wait_for_text(const std::filesystem::path& file, const std::string& text, std::chrono::seconds limit = k_limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code error;
    if (std::filesystem::exists(file, error) && contains(read_file(file), text)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// A project directory with fpctl.yaml and a hand-written .fpctl/state.json.
class ProjectDir {
public:
  explicit ProjectDir(const std::string& provider) {
    std::filesystem::create_directories(fpctl_dir());
    ::chmod(fpctl_dir().c_str(), 0700);
    std::ofstream(m_dir / "fpctl.yaml") << "project: shop\nprovider: " << provider << "\nregion: sgp1\n"
                                        << "ssh: {allow_from: [203.0.113.7/32]}\n";
    std::filesystem::create_directories(m_dir / "home");
  }

  std::filesystem::path dir() const { return m_dir.path(); }
  std::filesystem::path fpctl_dir() const { return m_dir / ".fpctl"; }
  std::filesystem::path state_file() const { return fpctl_dir() / "state.json"; }

  void write_state(const json& state) const { std::ofstream(state_file()) << state.dump(2) << "\n"; }
  json read_state() const { return json::parse(read_file(state_file())); }

  std::vector<std::string> argv(const std::vector<std::string>& before, const std::vector<std::string>& after = {}) const {
    std::vector<std::string> argv = {FPCTL_PATH};
    argv.insert(argv.end(), before.begin(), before.end());
    argv.insert(argv.end(), {"-c", (m_dir / "fpctl.yaml").string()});
    if (!after.empty()) argv.push_back("--");
    argv.insert(argv.end(), after.begin(), after.end());
    return argv;
  }

  ProcessOptions options() const {
    ProcessOptions options;
    // Our own HOME: the user's ~/.ssh/config must not change what these tests see. A token is
    // set (these commands need none) so that a test can check it is never printed.
    options.environment = {"HOME=" + (m_dir / "home").string(), "DIGITALOCEAN_TOKEN=" + std::string(k_token),
                           "DIGITALOCEAN_ACCESS_TOKEN=", "NO_COLOR=1"};
    return options;
  }

  // fpctl ARGS... -c fpctl.yaml [-- COMMAND...]
  CommandResult fpctl(const std::vector<std::string>& before, const std::vector<std::string>& after = {}) const {
    return run_command(argv(before, after), options(), k_limit);
  }

private:
  TempDir m_dir{"fp-fpctl-ssh"};
};

json droplet(const std::string& name, const std::string& role, const std::string& address, int ssh_port) {
  json r = {{"kind", "droplet"}, {"id", std::to_string(1000 + name.size())}, {"name", name}, {"role", role},
            {"size", "s-1vcpu-1gb"}, {"region", "sgp1"}, {"status", "active"}, {"public_ipv4", address},
            {"private_ipv4", "10.10.0.5"}, {"created_at", "2026-01-01T00:00:00Z"}, {"created_by_fpctl", true}};
  if (ssh_port != 0) r["ssh_port"] = ssh_port; // as fpctl writes it: only when not 22
  return r;
}

// Droplets "reached" through a local sshd, with the project's key authorized there.
class FpctlSsh : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "fpctl logs in as root; the test sshd only allows that when run as root";
    m_key = make_ssh_key(m_project.fpctl_dir(), "id_ed25519");
    m_sshd = std::make_unique<SshdInstance>(m_key.public_key);
  }

  json state(const std::map<std::string, std::string>& host_keys) const {
    json keys = json::object();
    for (const auto& [host, key] : host_keys) keys[host] = key;
    return {{"version", 1},
            {"project", "shop"},
            {"api_url", "https://api.digitalocean.com"},
            {"resources", json::array({droplet("shop-lb", "lb", "127.0.0.1", m_sshd->port()),
                                       droplet("shop-worker-1", "worker", "127.0.0.1", m_sshd->port()),
                                       droplet("shop-worker-2", "worker", "", 0)})},
            {"host_keys", keys}};
  }

  ProjectDir m_project{"digitalocean"};
  SshKeyPair m_key;
  std::unique_ptr<SshdInstance> m_sshd;
};

TEST_F(FpctlSsh, RunsTheCommandOnTheHostAndPassesItsExitCodeThrough) {
  m_project.write_state(state({{"worker-1", m_sshd->host_key()}}));
  const auto hello = m_project.fpctl({"ssh", "worker-1"}, {"echo", "hello"});
  EXPECT_EQ(hello.exit_code, 0) << hello.output << m_sshd->log();
  EXPECT_TRUE(contains(hello.output, "hello")) << hello.output;

  // Several words arrive exactly as given (sh -c 'exit 3', not sh -c exit 3).
  const auto three = m_project.fpctl({"ssh", "worker-1"}, {"sh", "-c", "exit 3"});
  EXPECT_EQ(three.exit_code, 3) << three.output;
  // One word is a shell command line; the full resource name works too.
  const auto piped = m_project.fpctl({"ssh", "shop-worker-1"}, {"echo one two | wc -w"});
  EXPECT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_TRUE(contains(piped.output, "2")) << piped.output;

  // known_hosts holds the pinned key, in [host]:port form for a port other than 22.
  const auto known = read_file(m_project.fpctl_dir() / "known_hosts");
  EXPECT_TRUE(contains(known, "[127.0.0.1]:" + std::to_string(m_sshd->port()) + " " + m_sshd->host_key())) << known;
}

TEST_F(FpctlSsh, AChangedHostKeyIsRefusedAndForgetHostKeyRemovesOnlyThatKey) {
  const auto other = make_ssh_key(m_project.fpctl_dir(), "not-the-host");
  const std::string wrong = other.public_key.substr(0, other.public_key.rfind(' ')); // "TYPE BASE64"
  // lb at the same address and port has the right key: it must not vouch for worker-1.
  m_project.write_state(state({{"worker-1", wrong}, {"lb", m_sshd->host_key()}}));
  const auto refused = m_project.fpctl({"ssh", "worker-1"}, {"touch", (m_project.dir() / "ran").string()});
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_TRUE(contains(refused.output, "fpctl ssh --forget-host-key worker-1")) << refused.output;
  EXPECT_FALSE(std::filesystem::exists(m_project.dir() / "ran")) << "the command ran on a host with a changed key";

  const json before = m_project.read_state();
  const auto forgot = m_project.fpctl({"ssh", "--forget-host-key", "worker-1"});
  EXPECT_EQ(forgot.exit_code, 0) << forgot.output;
  EXPECT_TRUE(contains(forgot.output, "fpctl up")) << forgot.output;
  json after = m_project.read_state();
  EXPECT_FALSE(after["host_keys"].contains("worker-1")) << after.dump(2);
  json expected = before;
  expected["host_keys"].erase("worker-1");
  EXPECT_EQ(after, expected);

  // Now there is no key for worker-1: a clear error instead of trusting whatever answers.
  const auto unpinned = m_project.fpctl({"ssh", "worker-1"}, {"true"});
  EXPECT_EQ(unpinned.exit_code, 2) << unpinned.output;
  EXPECT_TRUE(contains(unpinned.output, "no host key recorded for worker-1")) << unpinned.output;
  EXPECT_TRUE(contains(unpinned.output, "fpctl up")) << unpinned.output;
  // The lb, with its right key, still works.
  const auto lb = m_project.fpctl({"ssh", "lb"}, {"echo", "from-lb"});
  EXPECT_EQ(lb.exit_code, 0) << lb.output;
  EXPECT_TRUE(contains(lb.output, "from-lb")) << lb.output;
}

TEST_F(FpctlSsh, UnknownHostsMissingStateAndMissingAddressesAreClearErrors) {
  const auto no_state = m_project.fpctl({"ssh", "worker-1"}, {"true"});
  EXPECT_EQ(no_state.exit_code, 2) << no_state.output;
  EXPECT_TRUE(contains(no_state.output, "fpctl up")) << no_state.output;

  m_project.write_state(state({{"worker-1", m_sshd->host_key()}}));
  const auto typo = m_project.fpctl({"ssh", "wroker-1"}, {"true"});
  EXPECT_EQ(typo.exit_code, 2) << typo.output;
  EXPECT_TRUE(contains(typo.output, "did you mean 'worker-1'?")) << typo.output;
  EXPECT_TRUE(contains(typo.output, "lb, worker-1 and worker-2")) << typo.output;
  const auto logs_typo = m_project.fpctl({"logs", "wroker-1"});
  EXPECT_EQ(logs_typo.exit_code, 2) << logs_typo.output;
  EXPECT_TRUE(contains(logs_typo.output, "did you mean 'worker-1'?")) << logs_typo.output;

  const auto no_address = m_project.fpctl({"ssh", "worker-2"}, {"true"});
  EXPECT_EQ(no_address.exit_code, 2) << no_address.output;
  const auto pinned_no_address = [&] {
    m_project.write_state(state({{"worker-1", m_sshd->host_key()}, {"worker-2", m_sshd->host_key()}}));
    return m_project.fpctl({"ssh", "worker-2"}, {"true"});
  }();
  EXPECT_EQ(pinned_no_address.exit_code, 2) << pinned_no_address.output;
  EXPECT_TRUE(contains(pinned_no_address.output, "no public address")) << pinned_no_address.output;

  // No key file: fpctl does not make one (it would be on no host), it says to run fpctl up.
  std::filesystem::remove(m_key.private_key);
  const auto no_key = m_project.fpctl({"ssh", "worker-1"}, {"true"});
  EXPECT_EQ(no_key.exit_code, 2) << no_key.output;
  EXPECT_TRUE(contains(no_key.output, "fpctl up")) << no_key.output;
  EXPECT_FALSE(std::filesystem::exists(m_key.private_key));
  for (const auto* result : {&no_state, &typo, &logs_typo, &no_address, &pinned_no_address, &no_key})
    EXPECT_FALSE(contains(result->output, "dop_v1")) << result->output;
}

TEST_F(FpctlSsh, LogsRunTheRemoteSnippetOverSsh) {
  // This machine is the "droplet". Without systemd the worker's log is a file fpctl's deploy
  // writes; the test must not write outside its temporary directories, so it checks that the
  // snippet ran there and said, in its own words, that the file is missing.
  std::error_code error;
  if (std::filesystem::exists("/run/systemd/system", error) || std::filesystem::exists("/var/log/fpctl/fp-order-server.log", error))
    GTEST_SKIP() << "this machine runs systemd or has a worker log of its own";
  m_project.write_state(state({{"worker-1", m_sshd->host_key()}}));
  const auto logs = m_project.fpctl({"logs", "worker-1", "-n", "5"});
  EXPECT_EQ(logs.exit_code, 1) << logs.output << m_sshd->log();
  EXPECT_TRUE(contains(logs.output, "fpctl: no log at /var/log/fpctl/fp-order-server.log on this host")) << logs.output;
}

// provider: local: hosts are directories, logs are files.
class FpctlLocal : public ::testing::Test {
protected:
  void SetUp() override {
    const json process = {{"kind", "process"}, {"id", "4242"}, {"name", "shop-worker-1"}, {"role", "worker"},
                          {"public_ipv4", "127.0.0.1"}, {"port", 18080}, {"pid", 4242}};
    json lb = process;
    lb["name"] = "shop-lb";
    lb["role"] = "lb";
    m_project.write_state({{"version", 1}, {"project", "shop"}, {"api_url", "local"}, {"resources", json::array({process, lb})},
                           {"host_keys", json::object()}});
    std::filesystem::create_directories(worker_log().parent_path());
    std::filesystem::create_directories(m_project.fpctl_dir() / "local" / "lb" / "log");
    std::ofstream log(worker_log());
    for (int i = 1; i <= 300; ++i) log << "request " << i << "\n";
  }
  std::filesystem::path worker_log() const { return m_project.fpctl_dir() / "local" / "worker-1" / "log" / "fp-order-server.log"; }

  ProjectDir m_project{"local"};
};

TEST_F(FpctlLocal, SshRunsTheCommandInTheHostDirectory) {
  const auto pwd = m_project.fpctl({"ssh", "worker-1"}, {"pwd"});
  EXPECT_EQ(pwd.exit_code, 0) << pwd.output;
  EXPECT_TRUE(contains(pwd.output, (m_project.fpctl_dir() / "local" / "worker-1").string())) << pwd.output;
  const auto three = m_project.fpctl({"ssh", "worker-1"}, {"sh", "-c", "exit 3"});
  EXPECT_EQ(three.exit_code, 3) << three.output;
  const auto missing = m_project.fpctl({"ssh", "db"}, {"true"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
}

TEST_F(FpctlLocal, LogsShowTheLastLines) {
  const auto five = m_project.fpctl({"logs", "worker-1", "-n", "5"});
  EXPECT_EQ(five.exit_code, 0) << five.output;
  EXPECT_TRUE(contains(five.output, "request 296\nrequest 297\nrequest 298\nrequest 299\nrequest 300\n")) << five.output;
  EXPECT_FALSE(contains(five.output, "request 295\n")) << five.output;
  const auto hundred = m_project.fpctl({"logs", "worker-1"});
  EXPECT_TRUE(contains(hundred.output, "request 201\n")) << hundred.output;
  EXPECT_FALSE(contains(hundred.output, "request 200\n")) << hundred.output;

  // A log without a final newline, and one longer than a read chunk.
  { std::ofstream(worker_log(), std::ios::app) << std::string(100000, 'x') << "\npartial"; }
  const auto two = m_project.fpctl({"logs", "worker-1", "-n", "2"});
  EXPECT_TRUE(contains(two.output, std::string(100000, 'x') + "\npartial")) << two.output.size();
  EXPECT_FALSE(contains(two.output, "request 300")) << two.output.size();

  // The load balancer has no log yet: said, exit 1.
  const auto lb = m_project.fpctl({"logs", "lb"});
  EXPECT_EQ(lb.exit_code, 1) << lb.output;
  EXPECT_TRUE(contains(lb.output, "no log at")) << lb.output;
}

TEST_F(FpctlLocal, FollowPrintsAppendedLinesUntilCtrlC) {
  const auto output = m_project.dir() / "follow.out";
  auto options = m_project.options();
  options.output = output;
  auto follow = Process::start(m_project.argv({"logs", "worker-1", "-n", "1", "--follow"}), options);
  ASSERT_TRUE(wait_for_text(output, "request 300\n")) << read_file(output);
  { std::ofstream(worker_log(), std::ios::app) << "appended while following\n"; }
  EXPECT_TRUE(wait_for_text(output, "appended while following\n")) << read_file(output);
  EXPECT_FALSE(contains(read_file(output), "request 299")) << read_file(output);
  const int status = follow.stop(SIGINT, std::chrono::seconds(20));
  EXPECT_TRUE(WIFEXITED(status)) << "fpctl did not end on Ctrl-C: " << status;
  if (WIFEXITED(status)) {
    EXPECT_EQ(WEXITSTATUS(status), 0) << read_file(output);
  }
}

// The text fpctl logs runs on a droplet with sh -c.
TEST(RemoteLogCommand, PicksTheJournalOrTheFilesAndIsValidShell) {
  const auto worker = fp::cli::remote_log_command("worker", 5, false);
  EXPECT_TRUE(contains(worker, "if [ -d /run/systemd/system ]; then ")) << worker;
  EXPECT_TRUE(contains(worker, "journalctl --no-pager -u 'fp-order-server' -n 5")) << worker;
  EXPECT_TRUE(contains(worker, "tail -n 5 /var/log/fpctl/fp-order-server.log")) << worker;
  EXPECT_FALSE(contains(worker, " -f")) << worker;
  const auto followed = fp::cli::remote_log_command("worker", 100, true);
  EXPECT_TRUE(contains(followed, "journalctl --no-pager -u 'fp-order-server' -n 100 -f")) << followed;
  EXPECT_TRUE(contains(followed, "tail -n 100 -F /var/log/fpctl/fp-order-server.log")) << followed;
  const auto lb = fp::cli::remote_log_command("lb", 7, false);
  EXPECT_TRUE(contains(lb, "tail -n 7 /var/log/nginx/access.log /var/log/nginx/error.log")) << lb;
  const auto db = fp::cli::remote_log_command("db", 9, false);
  EXPECT_TRUE(contains(db, "/var/log/fpctl/postgresql.log")) << db;
  EXPECT_THROW(fp::cli::remote_log_command("cache", 5, false), fp::cli::UsageError);

  for (const char* role : {"worker", "lb", "db"})
    for (const bool follow : {false, true}) {
      const auto snippet = fp::cli::remote_log_command(role, 10, follow);
      const auto checked = run_command({"sh", "-n", "-c", snippet});
      EXPECT_EQ(checked.exit_code, 0) << role << ": " << snippet << "\n" << checked.output;
    }
}

TEST(ShellCommand, OneWordIsAShellLineSeveralAreQuoted) {
  EXPECT_EQ(fp::cli::shell_command({"ls | wc -l"}), "ls | wc -l");
  EXPECT_EQ(fp::cli::shell_command({"sh", "-c", "exit 3"}), "'sh' '-c' 'exit 3'");
  EXPECT_EQ(fp::cli::shell_command({"echo", "it's"}), "'echo' 'it'\\''s'");
}

TEST(ResolveHost, ByShortOrFullNameWithSuggestions) {
  fp::infra::State state;
  state.project = "shop";
  fp::infra::StateResource worker;
  worker.kind = "droplet";
  worker.name = "shop-worker-10";
  worker.role = "worker";
  state.resources.push_back(worker);
  fp::infra::StateResource vpc;
  vpc.kind = "vpc";
  vpc.name = "shop-vpc";
  state.resources.push_back(vpc);
  EXPECT_EQ(fp::cli::resolve_host(state, "worker-10").resource.name, "shop-worker-10");
  EXPECT_EQ(fp::cli::resolve_host(state, "shop-worker-10").short_name, "worker-10");
  EXPECT_THROW(fp::cli::resolve_host(state, "vpc"), fp::cli::UsageError); // not a host
  try {
    fp::cli::resolve_host(state, "shop-worker-1O");
    ADD_FAILURE() << "no error";
  } catch (const fp::cli::UsageError& e) {
    EXPECT_TRUE(contains(e.what(), "did you mean 'worker-10'?")) << e.what();
  }
  EXPECT_THROW(fp::cli::resolve_host(fp::infra::State{"shop", "", {}, {}}, "lb"), fp::cli::UsageError);
}

} // namespace
