// The database host's step (deploy/database_step.hpp) on this machine: a real PostgreSQL cluster
// of fpctl's own, created, configured, started, restarted, reloaded and stopped by the same
// commands a droplet runs, under a temporary prefix (prefixed_paths), stopped by pid at the end.
#include "deploy/database_step.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <fstream>

using namespace fp::test;
using namespace fp::deploy;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

bool any_contains(const StepOutcome& step, const std::string& part) {
  for (const auto& line : step.changed)
    if (contains(line, part)) return true;
  return false;
}

std::string joined(const StepOutcome& step) {
  std::string text;
  for (const auto& line : step.changed) text += line + "\n";
  return text;
}

// Alive and not a zombie (a stopped postmaster's parent may never reap it here).
bool process_alive(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// Owns a socket descriptor.
struct Socket {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
  Socket() = default;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
};

sockaddr_in address_of(const char* ip, unsigned short port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, ip, &address.sin_addr);
  return address;
}

bool can_connect(const char* ip, unsigned short port) {
  Socket s;
  const auto to = address_of(ip, port);
  return ::connect(s.fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0;
}

// The first byte of PostgreSQL's answer to a startup message sent from `source` (all of
// 127.0.0.0/8 is this machine, so a second source address needs no setup): 'R' when pg_hba.conf
// admits the address (an authentication request follows), 'E' when it rejects it; 0 on failure.
char startup_answer(const char* source, const char* server, unsigned short port, const std::string& user,
                    const std::string& database) {
  Socket s;
  const auto from = address_of(source, 0);
  const auto to = address_of(server, port);
  if (::bind(s.fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) return 0;
  timeval limit{10, 0};
  ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  if (::connect(s.fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) return 0;
  std::string body;
  const std::array<unsigned char, 4> protocol{0, 3, 0, 0}; // 3.0
  body.append(reinterpret_cast<const char*>(protocol.data()), protocol.size());
  for (const auto& field : {std::string("user"), user, std::string("database"), database}) body += field + '\0';
  body += '\0';
  const auto length = static_cast<std::uint32_t>(body.size() + 4);
  std::string message{static_cast<char>(length >> 24), static_cast<char>((length >> 16) & 0xff),
                      static_cast<char>((length >> 8) & 0xff), static_cast<char>(length & 0xff)};
  message += body;
  if (::write(s.fd, message.data(), message.size()) != static_cast<ssize_t>(message.size())) return 0;
  char first = 0;
  return ::read(s.fd, &first, 1) == 1 ? first : 0;
}

class DatabaseStepTest : public ::testing::Test {
protected:
  void SetUp() override {
    // PostgreSQL runs as `postgres` when we are root: it must get through the temporary directory.
    std::filesystem::permissions(m_root.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                                                  std::filesystem::perms::others_exec);
    m_spec.paths = prefixed_paths(m_root.path() / "db");
    m_spec.install_packages = false;
    m_spec.settings.listen_address = "127.0.0.1";
    m_port = free_port();
    m_spec.settings.port = m_port;
    m_spec.settings.memory_mb = 256;
    m_spec.settings.max_connections = 20;
    m_spec.settings.allowed_sources = {"127.0.0.1"};
  }

  void TearDown() override { (void)stop_database(m_host, m_spec.paths); }

  DatabaseOutcome install() {
    auto outcome = install_database(m_host, m_spec, [this](const std::string& line) { m_progress += line + "\n"; });
    if (!outcome) {
      ADD_FAILURE() << outcome.error().describe() << "\nprogress:\n" << m_progress;
      return {};
    }
    return *outcome;
  }

  // psql with the url; output without the trailing newline, exit code apart.
  fp::test::CommandResult psql(const std::string& url, const std::string& sql) const {
    auto result = run_command({"psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql, url}, {}, std::chrono::seconds(60));
    while (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
    return result;
  }

  std::string password() const { return read_file(database_password_file(m_spec.paths)); }

  TempDir m_root{"fp-db-host"};
  LocalHost m_host{"db"};
  DatabaseSpec m_spec;
  std::string m_progress;
  unsigned short m_port = 0;
};

TEST_F(DatabaseStepTest, FirstInstallServesTheUrlOnlyOnTheListenAddressAndForTheAllowedSources) {
  const auto first = install();
  ASSERT_FALSE(first.url.empty());
  EXPECT_TRUE(any_contains(first.step, "cluster created")) << joined(first.step);
  EXPECT_TRUE(any_contains(first.step, "PostgreSQL started")) << joined(first.step);
  EXPECT_TRUE(any_contains(first.step, "role orders created")) << joined(first.step);
  EXPECT_TRUE(any_contains(first.step, "database orders created")) << joined(first.step);
  EXPECT_NE(database_pid(m_host, m_spec.paths), 0);

  // The password lives on the host, 0600, and is the one in the url.
  struct stat info {};
  ASSERT_EQ(::stat(database_password_file(m_spec.paths).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::string secret = password();
  while (!secret.empty() && secret.back() == '\n') secret.pop_back();
  ASSERT_GE(secret.size(), 20u);
  EXPECT_EQ(first.url, "postgresql://orders:" + secret + "@127.0.0.1:" + std::to_string(m_port) + "/orders");
  // The cluster's directory is the server's alone.
  ASSERT_EQ(::stat(database_cluster_dir(m_spec.paths).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);

  // The url works: the role owns its database and can create tables in it.
  auto made = psql(first.url, "CREATE TABLE t (n integer); INSERT INTO t VALUES (42); SELECT n FROM t");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  EXPECT_EQ(made.output, "42");
  auto wrong = psql("postgresql://orders:not-the-password@127.0.0.1:" + std::to_string(m_port) + "/orders",
                    "SELECT 1");
  EXPECT_NE(wrong.exit_code, 0) << "a wrong password was accepted";
  EXPECT_TRUE(contains(wrong.output, "password authentication failed")) << wrong.output;

  // The settings took effect: the listen address and the memory sizing from fpctl.conf.
  EXPECT_EQ(psql(first.url, "SHOW listen_addresses").output, "127.0.0.1");
  EXPECT_EQ(psql(first.url, "SHOW shared_buffers").output, "64MB");
  // The socket in the host's run directory, not in /var/run/postgresql (another cluster's).
  const std::string socket_name = ".s.PGSQL." + std::to_string(m_port);
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(database_socket_dir(m_spec.paths)) / socket_name));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path("/var/run/postgresql") / socket_name));
  // Listening on the listen address only (another loopback address is this machine too).
  EXPECT_TRUE(can_connect("127.0.0.1", m_port));
  EXPECT_FALSE(can_connect("127.0.0.2", m_port));
  // pg_hba.conf: the allowed source is asked to authenticate, another source address is refused.
  EXPECT_EQ(startup_answer("127.0.0.1", "127.0.0.1", m_port, "orders", "orders"), 'R');
  EXPECT_EQ(startup_answer("127.0.0.2", "127.0.0.1", m_port, "orders", "orders"), 'E');
  // ... and from the allowed source only the deployment's database and user.
  EXPECT_EQ(startup_answer("127.0.0.1", "127.0.0.1", m_port, "postgres", "postgres"), 'E');
  EXPECT_EQ(startup_answer("127.0.0.1", "127.0.0.1", m_port, "orders", "postgres"), 'E');

  // The real fp-order-server runs against it.
  ServerProcess server(first.url);
  HttpClient client(server.port());
  auto created = client.request("POST", "/orders",
                                R"({"product":"tea","quantity":2,"customer_name":"Ann","customer_address":"1 Road"})");
  EXPECT_EQ(created.status, 200u) << created.body;
  EXPECT_EQ(psql(first.url, "SELECT count(*) FROM orders").output, "1");
}

TEST_F(DatabaseStepTest, SecondInstallHasNothingToDo) {
  const auto first = install();
  ASSERT_FALSE(first.url.empty());
  const int pid = database_pid(m_host, m_spec.paths);
  ASSERT_NE(pid, 0);
  m_progress.clear();
  const auto second = install();
  EXPECT_TRUE(second.step.nothing_to_do()) << joined(second.step);
  EXPECT_EQ(second.url, first.url); // the same password, read back from the host
  EXPECT_EQ(database_pid(m_host, m_spec.paths), pid);
  EXPECT_EQ(psql(second.url, "SELECT 1").output, "1");
}

TEST_F(DatabaseStepTest, MemoryChangeRestartsAndKeepsTheData) {
  const auto first = install();
  ASSERT_FALSE(first.url.empty());
  ASSERT_EQ(psql(first.url, "CREATE TABLE kept (n integer); INSERT INTO kept VALUES (7)").exit_code, 0);
  const int pid = database_pid(m_host, m_spec.paths);
  ASSERT_NE(pid, 0);

  m_spec.settings.memory_mb = 512;
  const auto second = install();
  EXPECT_TRUE(any_contains(second.step, "fpctl.conf written")) << joined(second.step);
  EXPECT_TRUE(any_contains(second.step, "PostgreSQL restarted")) << joined(second.step);
  EXPECT_FALSE(any_contains(second.step, "cluster created")) << joined(second.step);
  const int new_pid = database_pid(m_host, m_spec.paths);
  EXPECT_NE(new_pid, 0);
  EXPECT_NE(new_pid, pid);
  EXPECT_FALSE(process_alive(pid));
  EXPECT_EQ(second.url, first.url);
  EXPECT_EQ(psql(second.url, "SHOW shared_buffers").output, "128MB");
  EXPECT_EQ(psql(second.url, "SELECT n FROM kept").output, "7");
}

TEST_F(DatabaseStepTest, AllowedSourcesChangeReloadsWithoutRestart) {
  const auto first = install();
  ASSERT_FALSE(first.url.empty());
  const int pid = database_pid(m_host, m_spec.paths);

  m_spec.settings.allowed_sources = {"127.0.0.2"};
  const auto second = install();
  EXPECT_TRUE(any_contains(second.step, "pg_hba.conf written")) << joined(second.step);
  EXPECT_TRUE(any_contains(second.step, "PostgreSQL reloaded")) << joined(second.step);
  EXPECT_EQ(database_pid(m_host, m_spec.paths), pid);
  // The new rules apply at once: 127.0.0.1 is no longer a worker's address.
  auto refused = psql(first.url, "SELECT 1");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_TRUE(contains(refused.output, "pg_hba.conf")) << refused.output;
  EXPECT_EQ(startup_answer("127.0.0.2", "127.0.0.1", m_port, "orders", "orders"), 'R');
}

TEST_F(DatabaseStepTest, StopStopsItAndASecondStopIsFine) {
  const auto first = install();
  ASSERT_FALSE(first.url.empty());
  const int pid = database_pid(m_host, m_spec.paths);
  ASSERT_NE(pid, 0);
  ASSERT_TRUE(process_alive(pid));

  auto stopped = stop_database(m_host, m_spec.paths);
  ASSERT_TRUE(stopped) << stopped.error().describe();
  EXPECT_EQ(database_pid(m_host, m_spec.paths), 0);
  EXPECT_FALSE(process_alive(pid));
  EXPECT_FALSE(can_connect("127.0.0.1", m_port));
  auto again = stop_database(m_host, m_spec.paths);
  EXPECT_TRUE(again) << again.error().describe();

  // The next install starts the same cluster with the same password.
  const auto restarted = install();
  EXPECT_TRUE(any_contains(restarted.step, "PostgreSQL started")) << joined(restarted.step);
  EXPECT_FALSE(any_contains(restarted.step, "cluster created")) << joined(restarted.step);
  EXPECT_EQ(restarted.url, first.url);
  EXPECT_EQ(psql(restarted.url, "SELECT 1").output, "1");
}

TEST_F(DatabaseStepTest, BadSettingsStopBeforeTheHostIsTouched) {
  m_spec.settings.listen_address = "0.0.0.0";
  auto outcome = install_database(m_host, m_spec, {});
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().kind, fp::ssh::ErrorKind::config);
  EXPECT_TRUE(contains(outcome.error().describe(), "every interface")) << outcome.error().describe();
  EXPECT_FALSE(std::filesystem::exists(m_root.path() / "db"));

  m_spec.settings.listen_address = "127.0.0.1";
  m_spec.settings.allowed_sources.clear();
  outcome = install_database(m_host, m_spec, {});
  ASSERT_FALSE(outcome);
  EXPECT_TRUE(contains(outcome.error().describe(), "allowed source")) << outcome.error().describe();
  EXPECT_FALSE(std::filesystem::exists(m_root.path() / "db"));
}

} // namespace

namespace {

// Not started here (the tests' hosts have no systemd of their own): the unit a droplet gets.
TEST(DatabaseUnitTest, RunsThePostmasterOfTheClusterAsPostgresAndComesBackAtBoot) {
  const auto unit = render_database_unit(droplet_paths(), "/usr/lib/postgresql/15/bin");
  EXPECT_TRUE(contains(unit, "\nExecStart=/usr/lib/postgresql/15/bin/postgres -D /var/lib/fpctl/pg\n")) << unit;
  EXPECT_TRUE(contains(unit, "\nType=notify\n")) << unit;
  EXPECT_TRUE(contains(unit, "\nUser=postgres\n")) << unit;
  EXPECT_TRUE(contains(unit, "\nKillSignal=SIGINT\n")) << unit;
  EXPECT_TRUE(contains(unit, "\nExecStartPre=+/bin/mkdir -p /run/fpctl/postgresql\n")) << unit;
  EXPECT_TRUE(contains(unit, "\nStandardError=append:/var/log/fpctl/postgresql.log\n")) << unit;
  EXPECT_TRUE(contains(unit, "\nWantedBy=multi-user.target\n")) << unit;
  EXPECT_EQ(database_unit_path(), "/etc/systemd/system/fpctl-postgresql.service");
}

} // namespace
