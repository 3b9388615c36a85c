// Where a droplet "runs". The simulator keeps the API side (status, actions, timing); a host decides
// what exists behind it. SimulatedDropletHost only hands out addresses. Issue 7 will add a host that
// backs each droplet with a network namespace and a real sshd: it implements this interface and the
// simulator passes it in instead, nothing else changes.
#pragma once

#include <cstdint>
#include <string>

namespace fp::dosim {

struct DropletPlacement {
  std::int64_t id = 0;
  std::string name;
  std::string region;
  std::string vpc_ip_range; // CIDR of the droplet's VPC, e.g. 10.110.16.0/20
  bool ipv6 = false;
  bool public_networking = true;
  std::string user_data;
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
