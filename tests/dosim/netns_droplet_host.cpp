#include "netns_droplet_host.hpp"

#include "droplet_boot.hpp"
#include "nft_ruleset.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace fp::dosim {
namespace {

constexpr auto k_sshd_start_limit = std::chrono::seconds(20);
constexpr auto k_processes_gone_limit = std::chrono::seconds(10);
constexpr std::uint32_t k_shared_space = (100u << 24) | (64u << 16); // 100.64.0.0/10 (RFC 6598)
constexpr std::uint32_t k_shared_space_blocks = 1u << 14;             // its /24s
constexpr int k_slots = 253;                                          // .2 to .254

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string first_word(const std::string& line) { return line.substr(0, line.find(' ')); }

// Whether a dosim other than us runs with this pid (a pid reused by another program does not count).
bool other_dosim_running(pid_t pid) {
  if (pid == ::getpid()) return false; // we just started: anything carrying our pid is a leftover
  // "PID (COMM) STATE ...": a zombie (Z) or dying (X) dosim no longer counts.
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const auto open = stat.find('(');
  const auto close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 2 >= stat.size()) return false;
  const std::string name = stat.substr(open + 1, close - open - 1);
  const char state = stat[close + 2];
  return name.rfind("dosim", 0) == 0 && state != 'Z' && state != 'X';
}

// Kills every process whose network namespace is `ns` (by pid, as `ip netns pids` lists them)
// until none is left; bounded.
void kill_namespace_processes(const std::string& ns) {
  const auto deadline = std::chrono::steady_clock::now() + k_processes_gone_limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto pids = run_tool({"ip", "netns", "pids", ns});
    if (!pids || lines(*pids).empty()) return;
    for (const auto& p : lines(*pids)) {
      try {
        ::kill(static_cast<pid_t>(std::stol(p)), SIGKILL);
      } catch (const std::exception&) {
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool overlaps(std::uint32_t a, int a_prefix, std::uint32_t b, int b_prefix) {
  const int shorter = std::min(a_prefix, b_prefix);
  const std::uint32_t mask = shorter == 0 ? 0 : ~std::uint32_t{0} << (32 - shorter);
  return (a & mask) == (b & mask);
}

// A /24 of 100.64.0.0/10 that no address or route of the host touches, starting from one derived
// from our pid so that dosims running side by side pick different ones.
tl::expected<std::uint32_t, std::string> choose_public_network(pid_t pid) {
  std::vector<std::pair<std::uint32_t, int>> used;
  auto routes = run_tool({"ip", "-4", "-o", "route", "show"});
  auto addresses = run_tool({"ip", "-4", "-o", "addr", "show"});
  if (!routes) return tl::unexpected(routes.error());
  if (!addresses) return tl::unexpected(addresses.error());
  for (const auto& line : lines(*routes)) {
    std::string destination = first_word(line);
    if (destination == "default") continue;
    if (destination.find('/') == std::string::npos) destination += "/32";
    std::uint32_t network = 0;
    int prefix = 0;
    if (parse_cidr(destination, network, prefix)) used.emplace_back(network, prefix);
  }
  for (const auto& line : lines(*addresses)) {
    std::istringstream in(line);
    std::string word, cidr;
    while (in >> word) {
      if (word == "inet" && in >> cidr) break;
    }
    std::uint32_t network = 0;
    int prefix = 0;
    if (parse_cidr(cidr, network, prefix)) used.emplace_back(network, prefix);
  }
  for (std::uint32_t k = 0; k < k_shared_space_blocks; ++k) {
    const std::uint32_t block = (static_cast<std::uint32_t>(pid) + k) % k_shared_space_blocks;
    const std::uint32_t candidate = k_shared_space + (block << 8);
    if (std::none_of(used.begin(), used.end(), [&](const auto& u) { return overlaps(candidate, 24, u.first, u.second); })) {
      return candidate;
    }
  }
  return tl::unexpected(std::string("every /24 of 100.64.0.0/10 is in use by this machine's addresses or routes"));
}

} // namespace

std::string NamespaceDropletHost::bridge_name(pid_t pid) { return "fpd" + std::to_string(pid); }
std::string NamespaceDropletHost::vpc_bridge_name(pid_t pid) { return "fpd" + std::to_string(pid) + "v"; }
std::string NamespaceDropletHost::namespace_name(pid_t pid, std::int64_t droplet_id) {
  return "fpd" + std::to_string(pid) + "-" + std::to_string(droplet_id);
}
std::filesystem::path NamespaceDropletHost::work_dir(const std::filesystem::path& root, pid_t pid) {
  return root / ("fpd" + std::to_string(pid));
}

std::vector<std::string> remove_leftovers(const std::filesystem::path& work_root) {
  std::vector<std::string> removed;
  // Droplets fpd<PID>-<id> (veths fp<PID>a/b<slot>) and database clusters fpd<PID>-pg<slot> (fp<PID>p<slot>).
  static const std::regex namespace_pattern("^fpd([0-9]+)-(?:pg)?[0-9]+$");
  static const std::regex link_pattern("^(?:fpd([0-9]+)v?|fp([0-9]+)[abp][0-9]+)$");
  static const std::regex dir_pattern("^fpd([0-9]+)$");
  std::smatch m;
  if (const auto list = run_tool({"ip", "netns", "list"})) {
    for (const auto& line : lines(*list)) {
      const std::string name = first_word(line);
      if (!std::regex_match(name, m, namespace_pattern) || other_dosim_running(static_cast<pid_t>(std::stol(m[1])))) continue;
      kill_namespace_processes(name);
      if (run_tool({"ip", "netns", "del", name})) removed.push_back("network namespace " + name);
    }
  }
  if (const auto list = run_tool({"ip", "-o", "link", "show"})) {
    for (const auto& line : lines(*list)) {
      // "7: fpd1234: <BROADCAST,..." or "9: fp1234a1@if2: <...": the name, without its peer.
      std::istringstream in(line);
      std::string index, name;
      in >> index >> name;
      name = name.substr(0, name.find_first_of("@:"));
      if (!std::regex_match(name, m, link_pattern)) continue;
      const std::string pid = m[1].matched ? m[1].str() : m[2].str();
      if (other_dosim_running(static_cast<pid_t>(std::stol(pid)))) continue;
      if (run_tool({"ip", "link", "del", name})) removed.push_back("link " + name);
    }
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(work_root, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory(ec) || !std::regex_match(name, m, dir_pattern)) continue;
    if (other_dosim_running(static_cast<pid_t>(std::stol(m[1])))) continue;
    std::filesystem::remove_all(entry.path(), ec);
    removed.push_back("directory " + entry.path().string());
  }
  return removed;
}

tl::expected<std::unique_ptr<NamespaceDropletHost>, std::string> NamespaceDropletHost::create(std::int64_t first_droplet_id,
                                                                                               NetnsHostOptions options) {
  if (::geteuid() != 0) {
    return tl::unexpected(std::string("needs root: it creates network namespaces, bridges and mounts "
                                      "(run dosim as root, as CI does, or leave out --hosts netns)"));
  }
  const std::pair<const char*, const char*> tools[] = {
    {"ip", "iproute2"}, {"nft", "nftables"}, {"unshare", "util-linux"}, {"ssh-keygen", "openssh-client"}};
  for (const auto& [tool, package] : tools) {
    if (find_tool(tool).empty()) return tl::unexpected(std::string(tool) + " not found: apt-get install " + package);
  }
  if (::access("/usr/sbin/sshd", X_OK) != 0) return tl::unexpected(std::string("/usr/sbin/sshd not found: apt-get install openssh-server"));
  if (options.work_root.empty()) options.work_root = std::filesystem::temp_directory_path();
  for (const auto& line : remove_leftovers(options.work_root)) {
    if (options.log) options.log("removed a leftover of a dosim that is gone: " + line);
  }
  std::unique_ptr<NamespaceDropletHost> host(new NamespaceDropletHost(first_droplet_id, std::move(options)));
  std::error_code ec;
  std::filesystem::create_directories(host->m_work, ec);
  if (ec) return tl::unexpected("cannot create " + host->m_work.string() + ": " + ec.message());
  auto network = choose_public_network(host->m_pid);
  if (!network) return tl::unexpected(network.error());
  host->m_public_network = *network;
  if (auto made = host->create_bridges(); !made) return tl::unexpected(made.error());
  return host;
}

NamespaceDropletHost::NamespaceDropletHost(std::int64_t first_droplet_id, NetnsHostOptions options)
  : m_options(std::move(options)), m_private_addresses(first_droplet_id), m_pid(::getpid()),
    m_work(work_dir(m_options.work_root, m_pid)) {}

NamespaceDropletHost::~NamespaceDropletHost() {
  m_databases.reset(); // clusters first: their veths hang on the VPC bridge
  for (auto& [id, d] : m_droplets) stop(id, d);
  m_droplets.clear();
  if (m_bridges_created) {
    (void)run_tool({"ip", "link", "del", bridge_name(m_pid)});
    (void)run_tool({"ip", "link", "del", vpc_bridge_name(m_pid)});
  }
  std::error_code ec;
  std::filesystem::remove_all(m_work, ec);
}

void NamespaceDropletHost::log(const std::string& message) const {
  if (m_options.log) m_options.log(message);
}

tl::expected<void, std::string> NamespaceDropletHost::create_bridges() {
  const std::string gateway = ipv4_text(m_public_network + 1) + "/24";
  for (const auto& argv : std::vector<std::vector<std::string>>{
         {"ip", "link", "add", bridge_name(m_pid), "type", "bridge"},
         {"ip", "addr", "add", gateway, "dev", bridge_name(m_pid)},
         {"ip", "link", "set", bridge_name(m_pid), "up"},
         {"ip", "link", "add", vpc_bridge_name(m_pid), "type", "bridge"},
         {"ip", "link", "set", vpc_bridge_name(m_pid), "up"}}) {
    auto done = run_tool(argv);
    m_bridges_created = true; // from the first add on, the destructor removes what exists
    if (!done) return tl::unexpected(done.error());
  }
  return {};
}

std::filesystem::path NamespaceDropletHost::droplet_dir(std::int64_t id) const { return m_work / std::to_string(id); }

DropletAddresses NamespaceDropletHost::place(const DropletPlacement& placement) {
  Droplet d;
  d.placement = placement;
  d.addresses = m_private_addresses.place(placement);
  d.addresses.ipv6.clear(); // not configured inside, so not shown either
  std::uint32_t network = 0;
  int prefix = 0;
  if (parse_cidr(placement.vpc_ip_range, network, prefix)) d.private_prefix = "/" + std::to_string(prefix);
  // The lowest free slot: its public address is .slot+1 of our /24.
  for (int slot = 1; slot <= k_slots && d.slot == 0; ++slot) {
    if (std::none_of(m_droplets.begin(), m_droplets.end(), [&](const auto& e) { return e.second.slot == slot; })) d.slot = slot;
  }
  if (d.slot == 0) log("droplet " + std::to_string(placement.id) + ": all 253 public addresses are taken; it gets none");
  if (placement.public_networking && d.slot != 0) {
    d.addresses.public_ipv4 = ipv4_text(m_public_network + static_cast<std::uint32_t>(d.slot) + 1);
    d.addresses.public_netmask = "255.255.255.0";
    d.addresses.public_gateway = ipv4_text(m_public_network + 1);
  } else {
    d.addresses.public_ipv4.clear();
    d.addresses.public_gateway.clear();
  }
  const DropletAddresses shown = d.addresses;
  m_droplets[placement.id] = std::move(d);
  return shown;
}

tl::expected<void, std::string> NamespaceDropletHost::connect(std::int64_t id, Droplet& d) {
  const std::string ns = namespace_name(m_pid, id);
  const std::string slot = std::to_string(d.slot);
  std::vector<std::vector<std::string>> steps = {{"ip", "netns", "add", ns}, {"ip", "-n", ns, "link", "set", "lo", "up"}};
  auto attach = [&](const std::string& host_end, const std::string& inside, const std::string& bridge, const std::string& cidr) {
    steps.push_back({"ip", "link", "add", host_end, "type", "veth", "peer", "name", inside, "netns", ns});
    steps.push_back({"ip", "link", "set", host_end, "master", bridge, "up"});
    steps.push_back({"ip", "-n", ns, "addr", "add", cidr, "dev", inside});
    steps.push_back({"ip", "-n", ns, "link", "set", inside, "up"});
  };
  const std::string base = "fp" + std::to_string(m_pid);
  if (!d.addresses.public_ipv4.empty()) {
    attach(base + "a" + slot, "eth0", bridge_name(m_pid), d.addresses.public_ipv4 + "/24");
    steps.push_back({"ip", "-n", ns, "route", "add", "default", "via", d.addresses.public_gateway});
  }
  if (!d.addresses.private_ipv4.empty() && !d.private_prefix.empty() && d.slot != 0) {
    attach(base + "b" + slot, "eth1", vpc_bridge_name(m_pid), d.addresses.private_ipv4 + d.private_prefix);
  }
  for (const auto& argv : steps) {
    if (auto done = run_tool(argv); !done) return tl::unexpected(done.error());
  }
  d.applied_rules = nft_ruleset(DropletFirewall{}); // a new namespace has no table: all open
  return {};
}

tl::expected<void, std::string> NamespaceDropletHost::enforce_firewall(std::int64_t id, Droplet& d) {
  const std::string rules = nft_ruleset(d.firewall.value_or(DropletFirewall{}));
  if (rules == d.applied_rules || rules == d.refused_rules) return {}; // a refusal is reported once

  const auto path = droplet_dir(id) / "firewall.nft";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << rules;
    if (!out.flush()) return tl::unexpected("cannot write " + path.string());
  }
  auto loaded = run_tool({"ip", "netns", "exec", namespace_name(m_pid, id), "nft", "-f", path.string()});
  if (!loaded) {
    d.refused_rules = rules;
    return tl::unexpected("firewall not applied: " + loaded.error());
  }
  d.applied_rules = rules;
  return {};
}

tl::expected<void, std::string> NamespaceDropletHost::start(std::int64_t id, Droplet& d) {
  const auto dir = droplet_dir(id);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::vector<std::string> listen;
  for (const auto* address : {&d.addresses.public_ipv4, &d.addresses.private_ipv4}) {
    if (!address->empty()) listen.push_back(*address);
  }
  if (auto prepared = prepare_droplet_files(dir, d.placement, listen); !prepared) return prepared;
  if (auto connected = connect(id, d); !connected) return connected;
  // Before sshd starts, so no connection slips in ahead of the rules.
  if (auto enforced = enforce_firewall(id, d); !enforced) return enforced;
  auto init = ChildProcess::start({"ip", "netns", "exec", namespace_name(m_pid, id), "unshare", "--mount", "--uts", "--pid",
                                   "--fork", "--kill-child", "--propagation", "private", "--mount-proc", "/bin/sh", "-c",
                                   boot_script(), "fp-droplet-boot", dir.string(), droplet_hostname(d.placement.name)},
                                  dir / "boot.log");
  if (!init) return tl::unexpected(init.error());
  d.init = std::move(*init);
  // Active means reachable: wait (bounded) for sshd's pid file, written once it listens. The init
  // (unshare) shares the droplet's mount namespace, so its /proc root shows the droplet's /run.
  const auto pid_file = std::filesystem::path("/proc") / std::to_string(d.init.pid()) / "root" / k_sshd_pid_file;
  const auto deadline = std::chrono::steady_clock::now() + k_sshd_start_limit;
  while (!std::filesystem::exists(pid_file, ec)) {
    auto read_log = [&](const std::filesystem::path& p) {
      std::ifstream in(p);
      std::stringstream s;
      s << in.rdbuf();
      return s.str();
    };
    if (!d.init.running()) return tl::unexpected("the droplet's init exited at boot: " + read_log(dir / "boot.log"));
    if (std::chrono::steady_clock::now() > deadline) {
      return tl::unexpected("sshd did not start in time: " + read_log(overlay_upper(dir, "var") / "log/sshd.log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {};
}

void NamespaceDropletHost::activate(std::int64_t id) {
  const auto it = m_droplets.find(id);
  if (it == m_droplets.end() || it->second.active) return;
  Droplet& d = it->second;
  d.active = true;
  if (auto started = start(id, d); !started) {
    log("droplet " + std::to_string(id) + " (" + d.placement.name + ") did not boot: " + started.error());
    stop(id, d);
  }
}

void NamespaceDropletHost::stop(std::int64_t id, Droplet& d) {
  if (!d.active) return;
  const std::string ns = namespace_name(m_pid, id);
  // The init (unshare --kill-child) takes its child, pid 1 of the droplet, with it, and with that
  // the whole pid namespace; whatever entered the network namespace from outside is killed by pid.
  d.init.kill_and_reap();
  kill_namespace_processes(ns);
  const std::string base = "fp" + std::to_string(m_pid);
  // Deleting the host ends now, rather than when the kernel gets round to freeing the namespace.
  for (const char* side : {"a", "b"}) (void)run_tool({"ip", "link", "del", base + side + std::to_string(d.slot)});
  (void)run_tool({"ip", "netns", "del", ns});
  d.active = false;
  d.applied_rules.clear();
}

void NamespaceDropletHost::destroy(std::int64_t id) {
  const auto it = m_droplets.find(id);
  if (it == m_droplets.end()) return;
  stop(id, it->second);
  std::error_code ec;
  std::filesystem::remove_all(droplet_dir(id), ec);
  m_droplets.erase(it);
}

void NamespaceDropletHost::apply_firewall(std::int64_t id, const DropletFirewall& firewall) {
  const auto it = m_droplets.find(id);
  if (it == m_droplets.end()) return;
  Droplet& d = it->second;
  d.firewall = firewall;
  if (!d.active) return; // applied when it boots
  if (auto enforced = enforce_firewall(id, d); !enforced) log("droplet " + std::to_string(id) + ": " + enforced.error());
}

} // namespace fp::dosim

namespace fp::dosim {

// A cluster's address: from the top of its VPC's range (droplets take theirs from the bottom),
// one per cluster, so the two never meet in a VPC of realistic size.
std::optional<std::string> NamespaceDropletHost::start_database(const std::string& id, const std::string& vpc_ip_range,
                                                                const std::string& password) {
  std::uint32_t network = 0;
  int prefix = 0;
  if (!parse_cidr(vpc_ip_range, network, prefix) || prefix > 28) {
    log("managed database " + id + ": no usable VPC range '" + vpc_ip_range + "'; it runs nowhere");
    return std::nullopt;
  }
  if (!m_databases) {
    auto made = NetnsDatabaseHost::create(vpc_bridge_name(m_pid), m_work / "databases", m_pid);
    if (!made) {
      log("managed databases: " + made.error());
      return std::nullopt;
    }
    m_databases = std::move(*made);
  }
  const std::uint32_t size = std::uint32_t{1} << (32 - prefix);
  std::uint32_t offset = 2;
  while (m_database_offsets.contains(offset)) ++offset;
  const std::string address = ipv4_text(network + size - offset);
  auto started = m_databases->start(id, address + "/" + std::to_string(prefix), password);
  if (!started) {
    log(started.error());
    return std::nullopt;
  }
  m_database_offsets[offset] = id;
  return started->host;
}

void NamespaceDropletHost::set_database_sources(const std::string& id, const std::vector<std::string>& sources) {
  if (!m_databases || !m_databases->running(id)) return;
  if (auto set = m_databases->set_trusted_sources(id, sources); !set) log("managed database " + id + ": " + set.error());
}

void NamespaceDropletHost::destroy_database(const std::string& id) {
  if (!m_databases) return;
  m_databases->destroy(id);
  std::erase_if(m_database_offsets, [&](const auto& entry) { return entry.second == id; });
}

} // namespace fp::dosim
