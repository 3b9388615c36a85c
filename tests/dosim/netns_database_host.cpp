#include "netns_database_host.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include <csignal>
#include <pwd.h>
#include <unistd.h>

namespace fp::dosim {
namespace {

using namespace std::chrono_literals;

std::filesystem::path newest_bindir() {
  std::filesystem::path best;
  long best_version = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    char* end = nullptr;
    const long version = std::strtol(name.c_str(), &end, 10);
    if (end != name.c_str() && *end == '\0' && version > best_version &&
        std::filesystem::exists(entry.path() / "bin" / "postgres", ec)) {
      best = entry.path() / "bin";
      best_version = version;
    }
  }
  return best;
}

// The password DigitalOcean shows for doadmin: letters and digits, so it needs no quoting in a URL.
std::string random_password() {
  static constexpr char k_alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(k_alphabet) - 2);
  std::string password = "AVNS_";
  for (int i = 0; i < 20; ++i) password += k_alphabet[pick(device)];
  return password;
}

tl::expected<void, std::string> give_to_postgres(const std::filesystem::path& path) {
  const passwd* user = ::getpwnam("postgres");
  if (user == nullptr) return tl::unexpected(std::string("there is no 'postgres' user to run PostgreSQL as"));
  if (::chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) return tl::unexpected("cannot chown " + path.string());
  return {};
}

tl::expected<void, std::string> write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) return tl::unexpected("cannot write " + path.string());
  return {};
}

std::vector<std::string> as_postgres(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  return argv;
}

} // namespace

std::string NetnsDatabaseHost::namespace_name(pid_t owner_pid, int slot) {
  return "fpd" + std::to_string(owner_pid) + "-pg" + std::to_string(slot);
}

tl::expected<std::unique_ptr<NetnsDatabaseHost>, std::string> NetnsDatabaseHost::create(std::string vpc_bridge,
                                                                                         std::filesystem::path work,
                                                                                         pid_t owner_pid) {
  if (::geteuid() != 0) return tl::unexpected(std::string("managed databases that exist need root (network namespaces)"));
  std::unique_ptr<NetnsDatabaseHost> host(new NetnsDatabaseHost(std::move(vpc_bridge), std::move(work), owner_pid));
  if (host->m_bindir.empty())
    return tl::unexpected(std::string("PostgreSQL's server is not installed (apt-get install postgresql)"));
  std::error_code ec;
  std::filesystem::create_directories(host->m_work, ec);
  if (ec) return tl::unexpected("cannot create " + host->m_work.string() + ": " + ec.message());
  // `postgres` must pass through to its data directories.
  std::filesystem::permissions(host->m_work, std::filesystem::perms::others_exec, std::filesystem::perm_options::add, ec);
  return host;
}

NetnsDatabaseHost::NetnsDatabaseHost(std::string vpc_bridge, std::filesystem::path work, pid_t owner_pid)
  : m_vpc_bridge(std::move(vpc_bridge)), m_work(std::move(work)), m_owner_pid(owner_pid), m_bindir(newest_bindir()) {}

NetnsDatabaseHost::~NetnsDatabaseHost() {
  for (auto& [id, cluster] : m_clusters) stop(cluster);
  m_clusters.clear();
}

tl::expected<void, std::string> NetnsDatabaseHost::write_hba(const Cluster& cluster,
                                                             const std::vector<std::string>& sources) const {
  // Over TCP only TLS with a password, and only from the trusted sources (none listed: anyone, as
  // DigitalOcean does). The socket is for dosim's own administration.
  std::string hba = "local all all trust\n";
  for (const auto& source : sources.empty() ? std::vector<std::string>{"0.0.0.0/0"} : sources)
    hba += "hostssl all all " + (source.find('/') == std::string::npos ? source + "/32" : source) + " scram-sha-256\n";
  const auto path = cluster.dir / "data" / "pg_hba.conf";
  if (auto written = write_text(path, hba); !written) return written;
  return give_to_postgres(path);
}

tl::expected<ClusterEndpoint, std::string> NetnsDatabaseHost::start(const std::string& id, const std::string& address_cidr,
                                                                    const std::string& password) {
  if (m_clusters.contains(id)) return m_clusters.at(id).endpoint;
  int slot = 1;
  while (std::any_of(m_clusters.begin(), m_clusters.end(), [&](const auto& e) { return e.second.slot == slot; })) ++slot;
  Cluster cluster;
  cluster.slot = slot;
  cluster.dir = m_work / ("pg" + std::to_string(slot));
  cluster.address = address_cidr.substr(0, address_cidr.find('/'));
  cluster.endpoint.host = cluster.address;
  cluster.endpoint.password = password.empty() ? random_password() : password;
  auto& stored = m_clusters[id] = std::move(cluster);
  auto fail = [&](const std::string& why) -> tl::expected<ClusterEndpoint, std::string> {
    stop(stored);
    m_clusters.erase(id);
    return tl::unexpected("managed database " + id + ": " + why);
  };

  std::error_code ec;
  std::filesystem::remove_all(stored.dir, ec);
  std::filesystem::create_directories(stored.dir / "socket", ec);
  if (ec) return fail("cannot create " + stored.dir.string());
  for (const auto& dir : {stored.dir, stored.dir / "socket"})
    if (auto given = give_to_postgres(dir); !given) return fail(given.error());

  // The network first: a namespace on the VPC bridge with the cluster's address.
  const std::string ns = namespace_name(m_owner_pid, slot);
  const std::string host_end = "fp" + std::to_string(m_owner_pid) + "p" + std::to_string(slot);
  for (const auto& argv : std::vector<std::vector<std::string>>{
         {"ip", "netns", "add", ns},
         {"ip", "-n", ns, "link", "set", "lo", "up"},
         {"ip", "link", "add", host_end, "type", "veth", "peer", "name", "eth1", "netns", ns},
         {"ip", "link", "set", host_end, "master", m_vpc_bridge, "up"},
         {"ip", "-n", ns, "addr", "add", address_cidr, "dev", "eth1"},
         {"ip", "-n", ns, "link", "set", "eth1", "up"}}) {
    if (auto done = run_tool(argv); !done) return fail(done.error());
  }

  const auto data = stored.dir / "data";
  const auto key = stored.dir / "server.key";
  const auto certificate = stored.dir / "server.crt";
  if (auto made = run_tool(as_postgres({(m_bindir / "initdb").string(), "-D", data.string(), "-U", "postgres",
                                        "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C",
                                        "--no-sync", "--no-instructions"}),
                           60s);
      !made)
    return fail(made.error());
  if (auto made = run_tool({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                            "-days", "30", "-subj", "/CN=" + stored.address, "-keyout", key.string(), "-out",
                            certificate.string()});
      !made)
    return fail(made.error());
  std::filesystem::permissions(key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace, ec);
  for (const auto& file : {key, certificate})
    if (auto given = give_to_postgres(file); !given) return fail(given.error());
  if (auto hba = write_hba(stored, {}); !hba) return fail(hba.error());

  const std::string port = std::to_string(stored.endpoint.port);
  auto server = ChildProcess::start(
    {"ip", "netns", "exec", ns, "runuser", "-u", "postgres", "--", (m_bindir / "postgres").string(), "-D", data.string(),
     "-p", port, "-c", "listen_addresses=" + stored.address, "-c", "unix_socket_directories=" + (stored.dir / "socket").string(),
     "-c", "ssl=on", "-c", "ssl_cert_file=" + certificate.string(), "-c", "ssl_key_file=" + key.string(), "-c",
     "max_connections=100", "-c", "shared_buffers=32MB", "-c", "fsync=off", "-c", "synchronous_commit=off"},
    stored.dir / "postgres.log");
  if (!server) return fail(server.error());
  stored.server = std::move(*server);

  // Ready: the socket answers (it lives in this mount namespace; the TCP side is the VPC's).
  const auto socket = (stored.dir / "socket").string();
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!run_tool({(m_bindir / "pg_isready").string(), "-q", "-h", socket, "-p", port}, 5s)) {
    if (!stored.server.running() || std::chrono::steady_clock::now() > deadline) {
      std::ifstream log(stored.dir / "postgres.log");
      std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      return fail("PostgreSQL did not start: " + text);
    }
    std::this_thread::sleep_for(50ms);
  }
  const auto& endpoint = stored.endpoint;
  for (const auto& sql : {"CREATE ROLE " + endpoint.user + " LOGIN SUPERUSER PASSWORD '" + endpoint.password + "'",
                          "CREATE DATABASE " + endpoint.database + " OWNER " + endpoint.user}) {
    if (auto done = run_tool(as_postgres({(m_bindir / "psql").string(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", socket,
                                          "-p", port, "-U", "postgres", "-d", "postgres", "-c", sql}));
        !done)
      return fail(done.error());
  }
  return endpoint;
}

tl::expected<void, std::string> NetnsDatabaseHost::set_trusted_sources(const std::string& id,
                                                                       const std::vector<std::string>& sources) {
  const auto it = m_clusters.find(id);
  if (it == m_clusters.end()) return tl::unexpected("managed database " + id + " is not running");
  if (sources == it->second.sources) return {};
  if (auto hba = write_hba(it->second, sources); !hba) return hba;
  it->second.sources = sources;
  auto reloaded = run_tool(as_postgres({(m_bindir / "pg_ctl").string(), "reload", "-s", "-D", (it->second.dir / "data").string()}));
  if (!reloaded) return tl::unexpected(reloaded.error());
  return {};
}

void NetnsDatabaseHost::destroy(const std::string& id) {
  const auto it = m_clusters.find(id);
  if (it == m_clusters.end()) return;
  stop(it->second);
  m_clusters.erase(it);
}

void NetnsDatabaseHost::stop(Cluster& cluster) {
  // runuser puts the postmaster in a session of its own, so killing our child's group would leave
  // it running: pg_ctl's immediate stop (the data is thrown away with the cluster), then SIGKILL
  // to the postmaster of postmaster.pid if it is still there, then our child.
  const auto data = cluster.dir / "data";
  if (cluster.server.running())
    (void)run_tool(as_postgres({(m_bindir / "pg_ctl").string(), "stop", "-s", "-m", "immediate", "-w", "-D", data.string()}),
                   std::chrono::seconds(30));
  std::ifstream pid_file(data / "postmaster.pid");
  long postmaster = 0;
  if (pid_file >> postmaster && postmaster > 1) {
    const auto cmdline = std::filesystem::path("/proc") / std::to_string(postmaster) / "cmdline";
    std::ifstream in(cmdline, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Only a postgres serving this cluster's data directory (a reused pid is left alone).
    if (text.find(data.string()) != std::string::npos) ::kill(static_cast<pid_t>(postmaster), SIGKILL);
  }
  cluster.server.kill_and_reap();
  (void)run_tool({"ip", "netns", "del", namespace_name(m_owner_pid, cluster.slot)});
  (void)run_tool({"ip", "link", "del", "fp" + std::to_string(m_owner_pid) + "p" + std::to_string(cluster.slot)});
  std::error_code ec;
  std::filesystem::remove_all(cluster.dir, ec);
}

} // namespace fp::dosim
