// The deploy steps over SSH as on a droplet — packages checked, files uploaded atomically, services
// started and checked, nginx configured in front — against a real OpenSSH sshd on loopback. The
// hosts live under a temporary prefix (Deployment::remote_root), so nothing outside it is touched.
#include "deploy/rollout.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/sshd_instance.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <sys/stat.h>

using namespace fp::test;
using namespace fp::deploy;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class SshDeployTest : public ::testing::Test {
protected:
  void SetUp() override {
    m_key = make_ssh_key(m_keys.path(), "deployer");
    m_sshd = std::make_unique<SshdInstance>(m_key.public_key);
    std::ifstream in(FP_ORDER_SERVER_PATH, std::ios::binary);
    std::ostringstream binary;
    binary << in.rdbuf();
    m_deployment.server_binary = binary.str();
    m_deployment.identity = m_key.private_key;
    m_deployment.ssh_user = m_sshd->user();
    m_deployment.remote_root = m_root.path();
    m_deployment.database_url = "sqlite://" + (m_root.path() / "orders.db").string();
    m_deployment.worker_threads = 1;
    for (const char* name : {"worker-1", "worker-2"})
      m_deployment.hosts.push_back(host(name, "worker", free_port()));
    m_lb_port = free_port();
    m_deployment.hosts.push_back(host("lb", "lb", m_lb_port));
  }

  void TearDown() override {
    // Stopped by their pid files, on this machine, where the hosts really are.
    for (const auto& spec : m_deployment.hosts) {
      LocalHost local(spec.name);
      const auto paths = prefixed_paths(m_root.path() / spec.name);
      if (spec.role == "lb") (void)stop_load_balancer(local, paths, ServiceManager::pid_files);
      else (void)stop_worker(local, paths, ServiceManager::pid_files);
    }
  }

  HostSpec host(const std::string& name, const std::string& role, unsigned short port) const {
    HostSpec spec;
    spec.name = name;
    spec.role = role;
    spec.address = "127.0.0.1";
    spec.private_address = "127.0.0.1";
    spec.ssh_port = m_sshd->port();
    spec.http_port = port;
    return spec;
  }

  RolloutReport roll(Mode mode = Mode::parallel, bool restart = false) {
    RolloutOptions options;
    options.mode = mode;
    options.restart = restart;
    options.connect_timeout = std::chrono::seconds(30);
    options.settle = std::chrono::milliseconds(100);
    options.progress = [this](const std::string& host, const std::string& line) { m_progress += host + ": " + line + "\n"; };
    return roll_out(m_deployment, options);
  }

  TempDir m_keys{"fp-deploy-keys"};
  TempDir m_root{"fp-deploy-hosts"};
  SshKeyPair m_key;
  std::unique_ptr<SshdInstance> m_sshd;
  Deployment m_deployment;
  unsigned short m_lb_port = 0;
  std::string m_progress;
};

TEST_F(SshDeployTest, InstallsWorkersAndNginxThenHasNothingToDo) {
  const auto first = roll();
  ASSERT_TRUE(first.ok()) << first.summary() << "\n" << m_progress << m_sshd->log();
  for (const auto& host : first.hosts) {
    EXPECT_TRUE(host.first_contact) << host.name;
    EXPECT_EQ(host.host_key, m_sshd->host_key()) << host.name;
    EXPECT_FALSE(host.changed.empty()) << host.name;
  }
  // The environment file holds the database URL: 0600; the binary is executable.
  struct stat env {};
  ASSERT_EQ(::stat((m_root.path() / "worker-1" / "etc" / "fp-order-server.env").c_str(), &env), 0);
  EXPECT_EQ(env.st_mode & 0777, 0600U);
  struct stat binary {};
  ASSERT_EQ(::stat((m_root.path() / "worker-2" / "bin" / "fp-order-server").c_str(), &binary), 0);
  EXPECT_EQ(binary.st_mode & 0777, 0755U);

  // End to end through nginx: an order created via the load balancer can be read back.
  HttpClient client(m_lb_port);
  const auto created =
    client.post("/orders", R"({"product":"Laptop","quantity":1,"customer_name":"Sari","customer_address":"Jl. Sudirman 5"})");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(client.get("/orders").status, 200);

  // Second run, host keys now pinned: nothing rewritten, nothing restarted.
  for (auto& spec : m_deployment.hosts) spec.pinned_host_key = m_sshd->host_key();
  m_progress.clear();
  const auto second = roll();
  ASSERT_TRUE(second.ok()) << second.summary();
  for (const auto& host : second.hosts) {
    EXPECT_TRUE(host.changed.empty()) << host.name << ": " << (host.changed.empty() ? "" : host.changed.front());
    EXPECT_FALSE(host.first_contact);
  }
  EXPECT_TRUE(contains(second.summary(), "lb: nothing to do")) << second.summary();

  // A rolling restart goes through every worker and leaves the load balancer as it is.
  const auto rolled = roll(Mode::rolling, true);
  ASSERT_TRUE(rolled.ok()) << rolled.summary();
  EXPECT_TRUE(contains(m_progress, "worker-1: fp-order-server restarted")) << m_progress;
  EXPECT_TRUE(contains(m_progress, "worker-2: fp-order-server restarted")) << m_progress;
  EXPECT_EQ(client.get("/healthz").status, 200);
}

TEST_F(SshDeployTest, AChangedHostKeyStopsThatHostAndSaysHowToAcceptIt) {
  ASSERT_TRUE(roll().ok()) << m_progress;
  for (auto& spec : m_deployment.hosts) spec.pinned_host_key = m_sshd->host_key();
  // Another valid key than the one sshd presents, as if worker-2 had been re-created.
  const std::string other = make_ssh_key(m_keys.path(), "other").public_key;
  m_deployment.hosts[1].pinned_host_key = other.substr(0, other.rfind(' '));
  const auto report = roll();
  EXPECT_FALSE(report.ok());
  ASSERT_TRUE(report.hosts[1].error.has_value());
  EXPECT_EQ(report.hosts[1].error->kind, fp::ssh::ErrorKind::host_key_changed);
  EXPECT_TRUE(contains(report.hosts[1].error->describe(), "fpctl ssh --forget-host-key worker-2"))
    << report.hosts[1].error->describe();
  EXPECT_TRUE(report.hosts[0].ok()) << "the other worker is done: " << report.summary();
  EXPECT_FALSE(report.hosts[2].attempted) << "the load balancer waits for every worker";
  EXPECT_TRUE(contains(report.summary(), "lb: not done")) << report.summary();
}

TEST_F(SshDeployTest, AServerThatCannotStartFailsWithItsLog) {
  m_deployment.database_url = "sqlite:///nonexistent-directory-fpctl/orders.db";
  m_deployment.hosts.pop_back(); // workers only
  m_deployment.hosts.pop_back();
  const auto report = roll();
  ASSERT_FALSE(report.ok());
  ASSERT_TRUE(report.hosts[0].error.has_value());
  const std::string text = report.hosts[0].error->describe();
  EXPECT_TRUE(contains(text, "exited right after its start")) << text;
  EXPECT_TRUE(contains(text, "cannot open")) << text;
}

TEST_F(SshDeployTest, AnUnreachableHostIsReportedNotHung) {
  m_deployment.hosts = {host("worker-1", "worker", free_port())};
  m_deployment.hosts[0].ssh_port = free_port(); // nothing listens there
  RolloutOptions options;
  options.connect_timeout = std::chrono::seconds(2);
  const auto report = roll_out(m_deployment, options);
  ASSERT_FALSE(report.ok());
  ASSERT_TRUE(report.hosts[0].error.has_value());
  EXPECT_EQ(report.hosts[0].error->kind, fp::ssh::ErrorKind::unreachable);
}

} // namespace
