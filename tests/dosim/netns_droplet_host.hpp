// `dosim --hosts netns`: droplets that exist. Each droplet is a network namespace on bridges this
// dosim owns, with a private mount namespace (overlays over /etc, /opt, /var, /usr/local; its own
// /root; a fresh /run and /tmp), its own pid namespace and hostname, a real OpenSSH sshd that accepts the
// keys it was created with, its user_data script run at boot, and the cloud firewalls enforced by
// nftables inside it. Needs root. Layout and names: docs/DOSIM.md, "Droplets that exist".
//
//   bridge fpd<PID>   public side, 100.64.X.1/24 on the host (X from dosim's pid, a /24 no route
//                     of the host uses); droplet eth0 100.64.X.(slot+1)/24, default route via .1
//   bridge fpd<PID>v  VPC side, no host address: only droplets (and whatever a test attaches)
//                     reach it; droplet eth1 gets its VPC address
//   netns fpd<PID>-<droplet id>, host veth ends fp<PID>a<slot>/fp<PID>b<slot>
//   $TMPDIR/fpd<PID>/<droplet id>/   overlay upper/work dirs, boot.log, firewall.nft
#pragma once

#include "droplet_host.hpp"
#include "host_command.hpp"
#include "netns_database_host.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <tl/expected.hpp>

namespace fp::dosim {

struct NetnsHostOptions {
  // Problems with a droplet (its sshd did not start, a firewall was refused) and leftovers removed
  // at start; dosim prints them on stderr. The API cannot say these things.
  std::function<void(const std::string&)> log;
  std::filesystem::path work_root; // empty: the temporary directory
};

class NamespaceDropletHost final : public DropletHost {
public:
  // Refuses (with the reason) without root or without the tools; removes the leftovers of dosims
  // that died without cleaning up; creates the bridges.
  static tl::expected<std::unique_ptr<NamespaceDropletHost>, std::string> create(std::int64_t first_droplet_id,
                                                                                  NetnsHostOptions options = {});
  ~NamespaceDropletHost() override; // every droplet destroyed, bridges and work directory removed
  NamespaceDropletHost(const NamespaceDropletHost&) = delete;
  NamespaceDropletHost& operator=(const NamespaceDropletHost&) = delete;

  DropletAddresses place(const DropletPlacement& placement) override;
  void activate(std::int64_t id) override;
  void destroy(std::int64_t id) override;
  void apply_firewall(std::int64_t id, const DropletFirewall& firewall) override;
  std::optional<std::string> start_database(const std::string& id, const std::string& vpc_ip_range,
                                            const std::string& password) override;
  void set_database_sources(const std::string& id, const std::vector<std::string>& sources) override;
  void destroy_database(const std::string& id) override;

  // The names a dosim with this pid uses (tests look for them, leftover cleanup parses them).
  static std::string bridge_name(pid_t pid);
  static std::string vpc_bridge_name(pid_t pid);
  static std::string namespace_name(pid_t pid, std::int64_t droplet_id);
  static std::filesystem::path work_dir(const std::filesystem::path& root, pid_t pid);

private:
  struct Droplet {
    DropletPlacement placement;
    DropletAddresses addresses;
    int slot = 0;
    std::string private_prefix; // "/20"
    ChildProcess init;
    bool active = false;
    std::optional<DropletFirewall> firewall; // the latest the world asked for
    std::string applied_rules;               // the nft script in force
    std::string refused_rules;               // the last script nft refused (not retried)
  };

  NamespaceDropletHost(std::int64_t first_droplet_id, NetnsHostOptions options);
  tl::expected<void, std::string> create_bridges();
  tl::expected<void, std::string> start(std::int64_t id, Droplet& d);
  tl::expected<void, std::string> connect(std::int64_t id, Droplet& d);
  tl::expected<void, std::string> enforce_firewall(std::int64_t id, Droplet& d);
  void stop(std::int64_t id, Droplet& d);
  std::filesystem::path droplet_dir(std::int64_t id) const;
  void log(const std::string& message) const;

  NetnsHostOptions m_options;
  SimulatedDropletHost m_private_addresses; // private IPv4 exactly as the default host hands them out
  std::unique_ptr<NetnsDatabaseHost> m_databases; // made at the first cluster
  std::map<std::uint32_t, std::string> m_database_offsets; // from the top of the VPC range -> cluster id
  pid_t m_pid;
  std::filesystem::path m_work;
  std::uint32_t m_public_network = 0; // 100.64.X.0
  bool m_bridges_created = false;
  std::map<std::int64_t, Droplet> m_droplets;
};

// Removes what dosims that are no longer running left behind: their namespaces (droplets' and
// database clusters', with every process in them), bridges, veth ends and work directories.
// Returns one line per thing removed.
std::vector<std::string> remove_leftovers(const std::filesystem::path& work_root);

} // namespace fp::dosim
