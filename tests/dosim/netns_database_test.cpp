// The managed-database backend on its own: a real PostgreSQL in a namespace on a VPC bridge, as a
// droplet's private side sees it. The test makes its own bridge and a "droplet" namespace to
// connect from (root only), and checks TLS, the credentials, the trusted sources and the cleanup.
#include "host_command.hpp"
#include "netns_database_host.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

using namespace fp::dosim;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class NetnsDatabaseTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
    m_pid = ::getpid();
    m_bridge = "fpt" + std::to_string(m_pid) + "v";
    m_client = "fpt" + std::to_string(m_pid) + "-c";
    const std::string host_end = "fpt" + std::to_string(m_pid) + "c";
    for (const auto& argv : std::vector<std::vector<std::string>>{
           {"ip", "link", "add", m_bridge, "type", "bridge"},
           {"ip", "link", "set", m_bridge, "up"},
           {"ip", "netns", "add", m_client},
           {"ip", "-n", m_client, "link", "set", "lo", "up"},
           {"ip", "link", "add", host_end, "type", "veth", "peer", "name", "eth1", "netns", m_client},
           {"ip", "link", "set", host_end, "master", m_bridge, "up"},
           {"ip", "-n", m_client, "addr", "add", "10.250.0.10/24", "dev", "eth1"},
           {"ip", "-n", m_client, "link", "set", "eth1", "up"}}) {
      auto done = run_tool(argv);
      ASSERT_TRUE(done) << done.error();
    }
    m_work = std::filesystem::temp_directory_path() / ("fpt-db-" + std::to_string(m_pid));
    auto host = NetnsDatabaseHost::create(m_bridge, m_work, m_pid);
    ASSERT_TRUE(host) << host.error();
    m_host = std::move(*host);
  }

  void TearDown() override {
    m_host.reset();
    if (m_pid == 0) return;
    (void)run_tool({"ip", "netns", "del", m_client});
    (void)run_tool({"ip", "link", "del", m_bridge});
    std::error_code ec;
    std::filesystem::remove_all(m_work, ec);
  }

  // psql from inside the client namespace (the droplet's private side).
  tl::expected<std::string, std::string> query(const ClusterEndpoint& e, const std::string& sslmode,
                                               const std::string& password) {
    const std::string url = "postgresql://" + e.user + ":" + password + "@" + e.host + ":" + std::to_string(e.port) + "/" +
                            e.database + "?sslmode=" + sslmode + "&connect_timeout=5";
    return run_tool({"ip", "netns", "exec", m_client, "psql", "-X", "-At", "-c", "SELECT current_user, ssl FROM pg_stat_ssl "
                                                                                "WHERE pid = pg_backend_pid()", url},
                    std::chrono::seconds(20));
  }

  pid_t m_pid = 0;
  std::string m_bridge;
  std::string m_client;
  std::filesystem::path m_work;
  std::unique_ptr<NetnsDatabaseHost> m_host;
};

TEST_F(NetnsDatabaseTest, ServesTlsWithTheApiCredentialsAndEnforcesTrustedSources) {
  auto endpoint = m_host->start("db-1", "10.250.0.200/24");
  ASSERT_TRUE(endpoint) << endpoint.error();
  EXPECT_EQ(endpoint->host, "10.250.0.200");
  EXPECT_EQ(endpoint->user, "doadmin");
  EXPECT_EQ(endpoint->database, "defaultdb");

  auto ok = query(*endpoint, "require", endpoint->password);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_TRUE(contains(*ok, "doadmin|t")) << *ok; // logged in as doadmin, over TLS

  EXPECT_FALSE(query(*endpoint, "disable", endpoint->password)) << "plain TCP is refused: hostssl only";
  EXPECT_FALSE(query(*endpoint, "require", "wrong")) << "a wrong password is refused";

  // Trusted sources: another address only -> refused; the client's -> admitted again.
  ASSERT_TRUE(m_host->set_trusted_sources("db-1", {"10.250.0.11"}));
  bool refused = false;
  for (int i = 0; i < 50 && !refused; ++i) refused = !query(*endpoint, "require", endpoint->password);
  EXPECT_TRUE(refused);
  ASSERT_TRUE(m_host->set_trusted_sources("db-1", {"10.250.0.10/32"}));
  bool admitted = false;
  for (int i = 0; i < 50 && !admitted; ++i) admitted = static_cast<bool>(query(*endpoint, "require", endpoint->password));
  EXPECT_TRUE(admitted);

  // Not reachable from the host's namespace: the VPC side has no address there.
  auto from_host = run_tool({"psql", "-X", "-At", "-c", "SELECT 1",
                             "postgresql://doadmin:" + endpoint->password + "@10.250.0.200:25060/defaultdb?sslmode=require&connect_timeout=3"},
                            std::chrono::seconds(20));
  EXPECT_FALSE(from_host);

  const auto data_dir = (m_work / "pg1" / "data").string();
  m_host->destroy("db-1");
  // No process of the cluster is left (its command line names the data directory).
  auto left = run_tool({"pgrep", "-f", data_dir});
  EXPECT_FALSE(left) << "still running: " << left.value_or("");
  auto namespaces = run_tool({"ip", "netns", "list"});
  ASSERT_TRUE(namespaces);
  EXPECT_FALSE(contains(*namespaces, NetnsDatabaseHost::namespace_name(m_pid, 1))) << *namespaces;
  EXPECT_FALSE(std::filesystem::exists(m_work / "pg1"));
}

} // namespace
