// The rendered nginx.conf with the real nginx in front of real fp-order-server workers sharing one
// PostgreSQL: it passes `nginx -t`, spreads requests over the workers, routes around a worker
// killed under load without a failed request, and a broken file is caught before nginx runs it.
#include "deploy/config_files.hpp"

#include "support/databases.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace fp::deploy {
namespace {

using namespace std::chrono_literals;

constexpr const char* k_nginx = "/usr/sbin/nginx";
constexpr const char* k_order =
  R"({"product":"Laptop","quantity":2,"customer_name":"Budi","customer_address":"Jl. Merdeka 1"})";

// nginx with a configuration rendered by render_nginx_conf: every path in a TempDir, a free
// loopback port, no `user` directive, started with `-g 'daemon off;'` (the template has no
// `daemon` line) and stopped by its pid.
class LoadBalancer {
public:
  explicit LoadBalancer(const std::vector<unsigned short>& worker_ports) : m_port(test::free_port()) {
    // When the test runs as root (CI does), nginx's master stays root and, without a `user` line,
    // its worker processes run as `nobody`. The master opens the logs and creates the *_temp_path
    // directories (owned by that user) itself; the workers only need to reach those directories,
    // so the TempDir (0700 from mkdtemp) is opened for traversal, not for reading or writing.
    if (geteuid() == 0) std::filesystem::permissions(m_dir.path(), std::filesystem::perms::others_exec,
                                                     std::filesystem::perm_options::add);
    NginxSettings settings;
    settings.listen = "127.0.0.1:" + std::to_string(m_port);
    for (unsigned short port : worker_ports) settings.upstreams.push_back({"127.0.0.1:" + std::to_string(port)});
    settings.user = "";
    settings.pid_file = (m_dir / "nginx.pid").string();
    settings.error_log = (m_dir / "error.log").string();
    settings.access_log = (m_dir / "access.log").string();
    settings.temp_dir = m_dir.path().string();
    // The template's default (4096) needs a descriptor limit above this shell's when not root.
    settings.worker_connections = 512;
    auto text = render_nginx_conf(settings);
    if (!text) throw std::runtime_error(text.error());
    m_text = *text;
    write(m_text);
  }
  ~LoadBalancer() { stop(); }
  LoadBalancer(const LoadBalancer&) = delete;
  LoadBalancer& operator=(const LoadBalancer&) = delete;

  unsigned short port() const { return m_port; }
  const std::string& text() const { return m_text; }
  std::string error_log() const { return test::read_file(m_dir / "error.log"); }

  void write(const std::string& text) const { std::ofstream(m_dir / "nginx.conf", std::ios::binary) << text; }

  // `nginx -t -c FILE -p DIR`, as the deploy step runs it before every reload.
  test::CommandResult check() const { return test::run_command(command({"-t"})); }

  void start() {
    test::ProcessOptions options;
    options.output = m_dir / "output.log";
    m_process = std::make_unique<test::Process>(test::Process::start(command({"-g", "daemon off;"}), options));
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (!test::accepts(m_port)) {
      if (!m_process->running() || std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("nginx did not start:\n" + test::read_file(m_dir / "output.log") + error_log());
      }
      std::this_thread::sleep_for(10ms);
    }
  }

  // Fast shutdown (SIGTERM): the master stops its worker processes, then exits.
  void stop() {
    if (m_process && m_process->running()) m_process->stop(SIGTERM, 10s);
  }

private:
  std::vector<std::string> command(std::vector<std::string> extra) const {
    std::vector<std::string> argv = {k_nginx, "-c", (m_dir / "nginx.conf").string(), "-p", m_dir.path().string() + "/",
                                     // Where nginx logs before it has read the configuration.
                                     "-e", (m_dir / "error.log").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  test::TempDir m_dir{"fp-nginx-lb"};
  unsigned short m_port;
  std::string m_text;
  std::unique_ptr<test::Process> m_process;
};

// Requests a worker has answered, by its own /metrics (scrapes of /metrics itself not counted).
std::uint64_t answered(unsigned short worker_port) {
  test::HttpClient client(worker_port, 10s);
  const auto response = client.get("/metrics");
  if (response.status != 200) throw std::runtime_error("GET /metrics: " + std::to_string(response.status));
  std::uint64_t total = 0;
  std::size_t start = 0;
  const std::string& text = response.body;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (line.rfind("fp_http_requests_total{", 0) == 0 && line.find("route=\"/metrics\"") == std::string::npos) {
      total += std::stoull(line.substr(line.rfind(' ') + 1));
    }
    start = end + 1;
  }
  return total;
}

std::string order_id(const test::HttpResponse& response) {
  const auto at = response.body.find("\"_id\":\"");
  if (at == std::string::npos) return "";
  return response.body.substr(at + 7, 24);
}

class NginxLoadBalancer : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(k_nginx)) << "nginx is not installed (apt-get install nginx)";
    // One PostgreSQL database for both workers, as on droplets: a write through one is read through the other.
    const std::string url = test::fresh_database_url("postgresql");
    for (int i = 0; i < 2; ++i) m_workers.push_back(std::make_unique<test::ServerProcess>(url));
  }

  std::vector<unsigned short> worker_ports() const {
    std::vector<unsigned short> ports;
    for (const auto& worker : m_workers) ports.push_back(worker->port());
    return ports;
  }

  std::vector<std::unique_ptr<test::ServerProcess>> m_workers;
};

TEST_F(NginxLoadBalancer, RenderedConfigPassesNginxTestAndServesThroughBothWorkers) {
  LoadBalancer lb(worker_ports());
  const auto check = lb.check();
  ASSERT_EQ(check.exit_code, 0) << check.output << "\n" << lb.text();
  EXPECT_NE(check.output.find("test is successful"), std::string::npos) << check.output;
  lb.start();

  const std::uint64_t before[2] = {answered(m_workers[0]->port()), answered(m_workers[1]->port())};
  test::HttpClient client(lb.port(), 10s);
  auto health = client.get("/nginx-health");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.body, "ok\n");
  // server_tokens off: no version in the Server header.
  EXPECT_EQ(health.header("server"), "nginx");

  auto healthz = client.get("/healthz");
  EXPECT_EQ(healthz.status, 200u) << healthz.body;
  EXPECT_NE(healthz.body.find("\"ok\""), std::string::npos) << healthz.body;

  // Orders written through either worker are read through either (one shared database).
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    auto created = client.post("/orders", k_order);
    ASSERT_EQ(created.status, 200u) << created.body;
    ids.push_back(order_id(created));
    ASSERT_EQ(ids.back().size(), 24u) << created.body;
  }
  for (const auto& id : ids) {
    auto got = client.get("/orders/" + id);
    EXPECT_EQ(got.status, 200u) << got.body;
    EXPECT_NE(got.body.find(id), std::string::npos);
  }
  auto updated = client.put("/orders/" + ids[0], R"({"product":"Mouse","quantity":1,"customer_name":"Budi","customer_address":"Jl. Merdeka 1"})");
  EXPECT_EQ(updated.status, 200u) << updated.body;
  EXPECT_EQ(client.del("/orders/" + ids[1]).status, 200u);
  EXPECT_EQ(client.get("/orders/" + ids[1]).status, 404u);

  // JSON above gzip_min_length comes compressed to a client that accepts it.
  auto list = client.request("GET", "/orders", std::nullopt, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(list.status, 200u);
  EXPECT_EQ(list.header("content-encoding"), "gzip");
  auto plain = client.get("/orders");
  EXPECT_EQ(plain.status, 200u);
  EXPECT_NE(plain.body.find(ids[2]), std::string::npos);

  // Both workers answered part of it.
  const std::uint64_t after[2] = {answered(m_workers[0]->port()), answered(m_workers[1]->port())};
  EXPECT_GT(after[0], before[0]);
  EXPECT_GT(after[1], before[1]);
  // /healthz, 12 POSTs, 12 GETs, PUT, DELETE, the GET answered 404, two GET /orders: each reached
  // exactly one worker once (/nginx-health is nginx's own).
  EXPECT_EQ(after[0] - before[0] + after[1] - before[1], 1u + 12u + 12u + 3u + 2u);
}

TEST_F(NginxLoadBalancer, WorkerKilledUnderLoadIsRoutedAround) {
  LoadBalancer lb(worker_ports());
  lb.start();
  std::string id;
  {
    test::HttpClient client(lb.port(), 10s);
    auto created = client.post("/orders", k_order);
    ASSERT_EQ(created.status, 200u) << created.body;
    id = order_id(created);
  }

  // Two threads of keep-alive GETs; the second worker is killed once the load is running, and the
  // threads go on until each has sent k_after_kill more. Every loop is bounded by a deadline too.
  constexpr int k_threads = 2;
  constexpr int k_before_kill = 200;
  constexpr int k_after_kill = 400;
  std::atomic<int> sent{0};
  std::atomic<bool> killed{false};
  std::atomic<int> after_kill{0};
  std::atomic<int> failed{0};
  std::mutex first_failure_mutex;
  std::string first_failure;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&] {
      test::HttpClient client(lb.port(), 10s);
      int mine_after_kill = 0;
      while (mine_after_kill < k_after_kill && std::chrono::steady_clock::now() < deadline) {
        const bool was_killed = killed.load();
        std::string failure;
        try {
          auto response = client.get("/orders/" + id);
          if (response.status != 200) failure = "status " + std::to_string(response.status) + ": " + response.body;
        } catch (const std::exception& e) {
          failure = e.what();
        }
        if (!failure.empty()) {
          ++failed;
          std::lock_guard lock(first_failure_mutex);
          if (first_failure.empty()) first_failure = failure;
          client = test::HttpClient(lb.port(), 10s);
        }
        ++sent;
        if (was_killed) {
          ++mine_after_kill;
          ++after_kill;
        }
      }
    });
  }
  while (sent.load() < k_before_kill && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  const std::uint64_t victim_answered = answered(m_workers[1]->port());
  m_workers[1]->stop(SIGKILL);
  killed = true;
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(failed.load(), 0) << "first failure: " << first_failure;
  EXPECT_EQ(after_kill.load(), k_threads * k_after_kill) << "the load did not go on after the kill";
  EXPECT_GT(victim_answered, 1u) << "the killed worker was not receiving traffic";
  // nginx did meet the dead worker (and went to the other one): its error log names it.
  const std::string victim = "127.0.0.1:" + std::to_string(m_workers[1]->port());
  EXPECT_NE(lb.error_log().find(victim), std::string::npos) << lb.error_log();

  // POSTs are not retried once sent, but a connect refused sends nothing: they all succeed.
  test::HttpClient client(lb.port(), 10s);
  for (int i = 0; i < 20; ++i) {
    auto created = client.post("/orders", k_order);
    ASSERT_EQ(created.status, 200u) << created.body;
    EXPECT_EQ(client.get("/orders/" + order_id(created)).status, 200u);
  }
}

TEST_F(NginxLoadBalancer, BadValuesNeverReachNginxAndBrokenFilesFailTheCheck) {
  // A bad value is a render error: there is no file to hand to nginx at all.
  NginxSettings settings;
  settings.upstreams = {{"127.0.0.1:" + std::to_string(m_workers[0]->port()) + "; include /etc/passwd"}};
  EXPECT_FALSE(render_nginx_conf(settings));
  settings.upstreams = {{"127.0.0.1:" + std::to_string(m_workers[0]->port())}};
  settings.listen = "127.0.0.1:80\n";
  EXPECT_FALSE(render_nginx_conf(settings));

  // `nginx -t` has teeth: the rendered file passes, the same file broken on purpose does not.
  LoadBalancer lb(worker_ports());
  ASSERT_EQ(lb.check().exit_code, 0) << lb.check().output;
  for (const auto& [good, bad] : std::vector<std::pair<std::string, std::string>>{
         {"proxy_http_version 1.1;", "proxy_http_version 1.1"},
         {"gzip_types application/json;", "gzip_typos application/json;"},
         {"keepalive 64;", "keepalive sixty-four;"}}) {
    std::string broken = lb.text();
    const auto at = broken.find(good);
    ASSERT_NE(at, std::string::npos) << good;
    broken.replace(at, good.size(), bad);
    lb.write(broken);
    const auto result = lb.check();
    EXPECT_NE(result.exit_code, 0) << bad << "\n" << result.output;
    EXPECT_NE(result.output.find("nginx.conf"), std::string::npos) << result.output;
  }
}

} // namespace
} // namespace fp::deploy
