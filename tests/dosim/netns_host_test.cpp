// dosim --hosts netns: droplets that exist. Through the API (every answer held to the official
// schemas): a droplet boots a real sshd that takes the key it was created with, runs its user_data,
// shows the addresses the API reports, keeps its writes to itself; cloud firewalls decide who gets
// in; deleting it, stopping dosim and restarting after a crash leave nothing behind. Root only.
#include "api_test_client.hpp"
#include "netns_droplet_host.hpp"
#include "support/sshd_instance.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fp::test {
namespace {

using nlohmann::json;
using dosim::NamespaceDropletHost;

#define SKIP_UNLESS_ROOT()                                                                                       \
  if (::geteuid() != 0) GTEST_SKIP() << "dosim --hosts netns needs root (network namespaces, bridges, mounts)"

DosimOptions netns_options() {
  DosimOptions o;
  o.extra_args = {"--hosts", "netns"};
  return o;
}

json droplet_body(const std::string& name, long key_id, const std::string& user_data = "") {
  json body = {{"name", name}, {"region", "fra1"}, {"size", "s-1vcpu-1gb"}, {"image", "debian-12-x64"},
               {"ssh_keys", {key_id}}, {"tags", {"web"}}};
  if (!user_data.empty()) body["user_data"] = user_data;
  return body;
}

std::string address_of(const json& droplet, const std::string& type) {
  for (const auto& n : droplet["networks"]["v4"]) {
    if (n["type"] == type) return n["ip_address"].get<std::string>();
  }
  return "";
}

std::string gateway_of(const json& droplet) {
  for (const auto& n : droplet["networks"]["v4"]) {
    if (n["type"] == "public") return n["gateway"].get<std::string>();
  }
  return "";
}

// The OpenSSH client, key only, no known_hosts; bounded by ConnectTimeout and run_command's limit.
CommandResult ssh(const SshKeyPair& key, const std::string& address, const std::string& command) {
  return run_command({"ssh", "-i", key.private_key.string(), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                      "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=3",
                      "root@" + address, command},
                     {}, std::chrono::seconds(60));
}

// Whether a TCP connection to address:port from this (the host's) namespace is accepted within a
// few seconds; a dropped SYN is a "no" after the wait.
bool tcp_connects(const std::string& address, unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, address.c_str(), &to.sin_addr);
  bool connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0;
  if (!connected && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    connected = ::poll(&p, 1, 3000) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }
  ::close(fd);
  return connected;
}

std::string namespaces() { return run_command({"ip", "netns", "list"}).output; }
bool link_exists(const std::string& name) { return run_command({"ip", "link", "show", name}).exit_code == 0; }

// Gone, or a zombie waiting for its reaper (it holds no namespace, mount or socket any more).
bool process_gone(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return true;
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && (stat[close + 2] == 'Z' || stat[close + 2] == 'X');
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

class NetnsHost : public ::testing::Test {
protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    dosim.emplace(netns_options());
    api.emplace(dosim->port());
    key = make_ssh_key(dir.path(), "droplet-key");
    const auto created = api->post("/v2/account/keys", {{"name", "test"}, {"public_key", key.public_key}});
    ASSERT_EQ(created.status, 201u) << created.raw.body;
    key_id = created.body["ssh_key"]["id"].get<long>();
  }

  // Creates a droplet and returns it once active with its addresses (delay scale 0: the next GET).
  json create_droplet(const std::string& name, const std::string& user_data = "") {
    const auto created = api->post("/v2/droplets", droplet_body(name, key_id, user_data));
    EXPECT_EQ(created.status, 202u) << created.raw.body;
    const auto id = created.body["droplet"]["id"].get<long>();
    const auto got = api->get("/v2/droplets/" + std::to_string(id));
    EXPECT_EQ(got.body["droplet"]["status"], "active") << dosim->output();
    return got.body["droplet"];
  }

  std::string namespace_of(const json& droplet) const {
    return NamespaceDropletHost::namespace_name(dosim->pid(), droplet["id"].get<std::int64_t>());
  }

  TempDir dir{"fp-netns-test"};
  std::optional<DosimProcess> dosim;
  std::optional<ApiClient> api;
  SshKeyPair key;
  long key_id = 0;
};

TEST_F(NetnsHost, ADropletBootsSshdWithItsKeyRunsUserDataAndKeepsItsWritesToItself) {
  const std::string marker = "/etc/fp-netns-test-" + std::to_string(::getpid());
  const auto droplet = create_droplet("web-1", "#!/bin/sh\necho written-by-user-data > /etc/fp-user-data\n");
  const std::string public_ip = address_of(droplet, "public");
  const std::string private_ip = address_of(droplet, "private");
  ASSERT_FALSE(public_ip.empty()) << droplet.dump();
  ASSERT_FALSE(private_ip.empty()) << droplet.dump();
  EXPECT_NE(namespaces().find(namespace_of(droplet)), std::string::npos) << namespaces();

  // user_data runs in the background at boot, as cloud-init's does: wait (bounded) for its marker.
  CommandResult r;
  for (int i = 0; i < 100; ++i) {
    r = ssh(key, public_ip, "test -f /var/lib/cloud/instance/boot-finished && hostname && cat /etc/fp-user-data && ip -4 -o addr show");
    if (r.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(r.exit_code, 0) << r.output << dosim->output();
  EXPECT_NE(r.output.find("web-1\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("written-by-user-data"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("inet " + public_ip + "/24"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("inet " + private_ip + "/"), std::string::npos) << r.output;
  const auto log = ssh(key, public_ip, "cat /var/log/cloud-init-output.log");
  EXPECT_NE(log.output.find("user_data script exited with status 0"), std::string::npos) << log.output;

  // Writes to /etc inside stay inside; the host's /etc never sees them.
  ASSERT_EQ(ssh(key, public_ip, "echo inside > " + marker + " && cat " + marker).output, "inside\n");
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_FALSE(std::filesystem::exists("/etc/fp-user-data"));

  // Another key is refused: only the ones the droplet was created with are authorized.
  const auto stranger = make_ssh_key(dir.path(), "stranger");
  EXPECT_NE(ssh(stranger, public_ip, "true").exit_code, 0);
  EXPECT_TRUE(dosim->schema_violations().empty());
}

TEST_F(NetnsHost, CloudFirewallsDecideWhatGetsIn) {
  const auto droplet = create_droplet("web-1");
  const std::string ip = address_of(droplet, "public");
  const std::string host = gateway_of(droplet); // the host's address on the public bridge
  ASSERT_FALSE(host.empty()) << droplet.dump();
  ASSERT_EQ(ssh(key, ip, "cd / && (nohup python3 -m http.server 8080 >/dev/null 2>&1 &) && echo started").exit_code, 0);
  bool serving = false;
  for (int i = 0; i < 100 && !serving; ++i) { // bounded: python starting up
    serving = tcp_connects(ip, 8080);
    if (!serving) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(serving) << "without a firewall everything is open";

  // SSH only from somewhere else: the host gets neither 22 nor 8080.
  auto rules = [](const std::string& source) {
    return json::array({{{"protocol", "tcp"}, {"ports", "22"}, {"sources", {{"addresses", {source}}}}}});
  };
  const auto created = api->post("/v2/firewalls", {{"name", "web"}, {"tags", {"web"}}, {"inbound_rules", rules("192.0.2.99")}});
  ASSERT_EQ(created.status, 202u) << created.raw.body;
  const std::string firewall = "/v2/firewalls/" + created.body["firewall"]["id"].get<std::string>();
  EXPECT_NE(ssh(key, ip, "true").exit_code, 0);
  EXPECT_FALSE(tcp_connects(ip, 8080));

  // SSH from the host's address: in. 8080 still closed.
  const auto updated = api->put(firewall, {{"name", "web"}, {"tags", {"web"}}, {"inbound_rules", rules(host + "/32")}});
  ASSERT_EQ(updated.status, 200u) << updated.raw.body;
  EXPECT_EQ(ssh(key, ip, "true").exit_code, 0) << dosim->output();
  EXPECT_FALSE(tcp_connects(ip, 8080));

  // A rule for 8080 opens it.
  const auto added = api->post(firewall + "/rules",
                               {{"inbound_rules", {{{"protocol", "tcp"}, {"ports", "8080"}, {"sources", {{"addresses", {"0.0.0.0/0"}}}}}}}});
  ASSERT_EQ(added.status, 204u) << added.raw.body;
  EXPECT_TRUE(tcp_connects(ip, 8080));

  // Sources by tag: a second droplet tagged "web" may reach the first on 9090 from its own address.
  ASSERT_EQ(api->post(firewall + "/rules",
                      {{"inbound_rules", {{{"protocol", "tcp"}, {"ports", "9090"}, {"sources", {{"tags", {"web"}}}}}}}})
              .status,
            204u);
  const auto other = create_droplet("web-2");
  ASSERT_EQ(ssh(key, ip, "cd / && (nohup python3 -m http.server 9090 >/dev/null 2>&1 &) && sleep 1").exit_code, 0);
  const std::string probe = "python3 -c \"import socket; socket.create_connection(('" + ip + "', 9090), 3)\"";
  CommandResult from_other;
  for (int i = 0; i < 50; ++i) { // bounded: python starting up
    from_other = ssh(key, address_of(other, "public"), probe);
    if (from_other.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(from_other.exit_code, 0) << from_other.output;
  EXPECT_FALSE(tcp_connects(ip, 9090)) << "the host is not tagged web";

  // The droplet loses the tag: no firewall covers it any more, everything is open again.
  ASSERT_EQ(api->del("/v2/tags/web/resources",
                     json{{"resources", {{{"resource_id", std::to_string(droplet["id"].get<long>())}, {"resource_type", "droplet"}}}}})
              .status,
            204u);
  EXPECT_TRUE(tcp_connects(ip, 9090));
  EXPECT_TRUE(dosim->schema_violations().empty());
}

TEST_F(NetnsHost, DeletingADropletStopsItsProcessesAndRemovesItsNamespaceAndOverlays) {
  const auto droplet = create_droplet("web-1");
  const std::string ns = namespace_of(droplet);
  const auto pids = words(run_command({"ip", "netns", "pids", ns}).output);
  ASSERT_FALSE(pids.empty());
  const auto mounts = read_file("/proc/" + pids.back() + "/mounts");
  EXPECT_NE(mounts.find("overlay /etc overlay"), std::string::npos) << mounts;
  const auto droplet_dir = NamespaceDropletHost::work_dir(std::filesystem::temp_directory_path(), dosim->pid()) /
                           std::to_string(droplet["id"].get<long>());
  EXPECT_TRUE(std::filesystem::exists(droplet_dir));

  const std::string path = "/v2/droplets/" + std::to_string(droplet["id"].get<long>());
  ASSERT_EQ(api->del(path).status, 204u);
  EXPECT_EQ(api->get(path).status, 404u); // gone for the API: gone on the host

  EXPECT_EQ(namespaces().find(ns), std::string::npos) << namespaces();
  for (const auto& pid : pids) EXPECT_TRUE(process_gone(pid)) << "pid " << pid << " survived its droplet";
  EXPECT_EQ(read_file("/proc/mounts").find(droplet_dir.string()), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(droplet_dir));
}

TEST_F(NetnsHost, SigtermStopsEveryDropletAndRemovesTheBridges) {
  const auto a = create_droplet("web-1");
  const auto b = create_droplet("web-2");
  const pid_t pid = dosim->pid();
  const auto pids = words(run_command({"ip", "netns", "pids", namespace_of(a)}).output +
                          run_command({"ip", "netns", "pids", namespace_of(b)}).output);
  ASSERT_FALSE(pids.empty());
  ASSERT_TRUE(link_exists(NamespaceDropletHost::bridge_name(pid)));
  ASSERT_TRUE(link_exists(NamespaceDropletHost::vpc_bridge_name(pid)));

  EXPECT_EQ(dosim->stop(SIGTERM), 0);
  EXPECT_EQ(namespaces().find("fpd" + std::to_string(pid) + "-"), std::string::npos) << namespaces();
  EXPECT_FALSE(link_exists(NamespaceDropletHost::bridge_name(pid)));
  EXPECT_FALSE(link_exists(NamespaceDropletHost::vpc_bridge_name(pid)));
  for (const auto& p : pids) EXPECT_TRUE(process_gone(p)) << "pid " << p;
  EXPECT_FALSE(std::filesystem::exists(NamespaceDropletHost::work_dir(std::filesystem::temp_directory_path(), pid)));
}

TEST_F(NetnsHost, ANewDosimRemovesWhatAKilledOneLeftBehind) {
  create_droplet("web-1");
  const pid_t pid = dosim->pid();
  dosim->stop(SIGKILL); // no chance to clean up
  const std::string prefix = "fpd" + std::to_string(pid) + "-";
  ASSERT_NE(namespaces().find(prefix), std::string::npos) << "a killed dosim leaves its droplets";
  ASSERT_TRUE(link_exists(NamespaceDropletHost::bridge_name(pid)));

  DosimProcess next(netns_options());
  EXPECT_EQ(namespaces().find(prefix), std::string::npos) << namespaces();
  EXPECT_FALSE(link_exists(NamespaceDropletHost::bridge_name(pid)));
  EXPECT_FALSE(link_exists(NamespaceDropletHost::vpc_bridge_name(pid)));
  EXPECT_FALSE(std::filesystem::exists(NamespaceDropletHost::work_dir(std::filesystem::temp_directory_path(), pid)));
  EXPECT_NE(next.output().find("removed a leftover"), std::string::npos) << next.output();
}

TEST(NetnsHostWithoutRoot, IsRefusedWithTheReasonAndExitCode2) {
  SKIP_UNLESS_ROOT() << " (to drop to an unprivileged user)";
  TempDir dir("fp-netns-noroot");
  ::chmod(dir.path().c_str(), 0777);
  ProcessOptions o;
  o.output = dir / "out";
  auto process = Process::start(
    {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", FP_DOSIM_PATH, "--hosts", "netns"}, o);
  const auto status = process.wait_for(std::chrono::seconds(30));
  ASSERT_TRUE(status) << read_file(dir / "out");
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 2) << read_file(dir / "out");
  EXPECT_NE(read_file(dir / "out").find("--hosts netns: needs root"), std::string::npos) << read_file(dir / "out");
}

} // namespace
} // namespace fp::test
