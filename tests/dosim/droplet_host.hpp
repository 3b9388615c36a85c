// Where a droplet "runs". The simulator keeps the API side (status, actions, timing); a host decides
// what exists behind it. SimulatedDropletHost only hands out addresses; NamespaceDropletHost
// (netns_droplet_host.hpp, `dosim --hosts netns`) backs each droplet with a network namespace, a
// private mount namespace and a real sshd, and enforces the cloud firewalls.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <vector>

namespace fp::dosim {

struct DropletPlacement {
  std::int64_t id = 0;
  std::string name;
  std::string region;
  std::string vpc_ip_range; // CIDR of the droplet's VPC, e.g. 10.110.16.0/20
  bool ipv6 = false;
  bool public_networking = true;
  std::string user_data;
  std::vector<std::string> ssh_public_keys; // "ssh-ed25519 AAAA... comment", the keys given at creation
};

// One inbound rule of a cloud firewall as it applies to one droplet: sources already resolved to
// addresses (tags and droplet ids replaced by those droplets' public and private IPv4).
struct FirewallInboundRule {
  std::string protocol;             // tcp, udp or icmp
  std::string ports;                // as the API stores them: "0" (all), "22", "8000-9000"
  std::vector<std::string> sources; // IPv4/IPv6 addresses or CIDRs; empty: the rule admits nothing
  bool operator==(const FirewallInboundRule&) const = default;
};

// What the cloud firewalls say about one droplet's inbound traffic.
struct DropletFirewall {
  bool enforced = false; // false: no firewall covers the droplet, everything may come in (as on DigitalOcean)
  std::vector<FirewallInboundRule> inbound;
  bool operator==(const DropletFirewall&) const = default;
};

struct DropletAddresses {
  std::string public_ipv4;  // empty: no public interface
  std::string public_netmask = "255.255.240.0";
  std::string public_gateway;
  std::string private_ipv4;
  std::string private_netmask;
  std::string ipv6;         // empty unless ipv6 was asked for
};

class DropletHost {
public:
  virtual ~DropletHost() = default;
  // The create was accepted: reserve what the droplet needs; returns the addresses it will show.
  virtual DropletAddresses place(const DropletPlacement& placement) = 0;
  // new -> active (a real host would have booted it by now).
  virtual void activate(std::int64_t id) = 0;
  // Deleted, or its creation failed: release everything.
  virtual void destroy(std::int64_t id) = 0;
  // The firewalls covering the droplet, after any change (called often; unchanged input is cheap).
  virtual void apply_firewall(std::int64_t /*id*/, const DropletFirewall& /*firewall*/) {}

  // Managed PostgreSQL clusters. A host that runs them starts one at its create and returns the
  // address its connections show (on the VPC side); the default host runs none (nullopt), and the
  // API keeps showing made-up host names.
  virtual std::optional<std::string> start_database(const std::string& /*id*/, const std::string& /*vpc_ip_range*/,
                                                    const std::string& /*password*/) {
    return std::nullopt;
  }
  // The trusted sources as addresses or CIDRs (empty: everyone), after any change (called often).
  virtual void set_database_sources(const std::string& /*id*/, const std::vector<std::string>& /*sources*/) {}
  virtual void destroy_database(const std::string& /*id*/) {}
};

// Addresses only: public IPv4 from 198.18.0.0/15 (reserved for testing, never routed), private
// IPv4 from the VPC's range, both derived from the droplet id so a restart gives the same ones.
class SimulatedDropletHost final : public DropletHost {
public:
  explicit SimulatedDropletHost(std::int64_t first_id) : m_first_id(first_id) {}
  DropletAddresses place(const DropletPlacement& placement) override;
  void activate(std::int64_t) override {}
  void destroy(std::int64_t) override {}

private:
  std::int64_t m_first_id;
};

// "10.110.16.0/20" -> network address and prefix length; false when not an IPv4 CIDR.
bool parse_cidr(const std::string& cidr, std::uint32_t& network, int& prefix);
std::string ipv4_text(std::uint32_t address);

} // namespace fp::dosim
