#include "droplet_host.hpp"

#include <cstdio>

namespace fp::dosim {

bool parse_cidr(const std::string& cidr, std::uint32_t& network, int& prefix) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  int p = 0;
  char tail = 0;
  if (std::sscanf(cidr.c_str(), "%u.%u.%u.%u/%d%c", &a, &b, &c, &d, &p, &tail) != 5) return false;
  if (a > 255 || b > 255 || c > 255 || d > 255 || p < 0 || p > 32) return false;
  const std::uint32_t mask = p == 0 ? 0 : ~std::uint32_t{0} << (32 - p);
  network = ((a << 24) | (b << 16) | (c << 8) | d) & mask;
  prefix = p;
  return true;
}

std::string ipv4_text(std::uint32_t address) {
  char text[16];
  std::snprintf(text, sizeof text, "%u.%u.%u.%u", address >> 24, (address >> 16) & 255, (address >> 8) & 255,
                address & 255);
  return text;
}

DropletAddresses SimulatedDropletHost::place(const DropletPlacement& placement) {
  DropletAddresses a;
  const auto index = static_cast<std::uint32_t>(placement.id - m_first_id);
  if (placement.public_networking) {
    // 198.18.0.0/15: .1 of each /20 is the gateway, hosts from .2 on.
    const std::uint32_t base = (198u << 24) | (18u << 16);
    const std::uint32_t host = base + 16 + (index % 131000u);
    a.public_ipv4 = ipv4_text(host);
    a.public_gateway = ipv4_text((host & 0xfffff000u) + 1);
    if (placement.ipv6) {
      char text[64];
      std::snprintf(text, sizeof text, "2001:db8:0:1::%x", index + 16);
      a.ipv6 = text;
    }
  }
  std::uint32_t network = 0;
  int prefix = 0;
  if (parse_cidr(placement.vpc_ip_range, network, prefix) && prefix <= 29) {
    const std::uint32_t hosts = (std::uint32_t{1} << (32 - prefix)) - 4;
    a.private_ipv4 = ipv4_text(network + 2 + index % hosts);
    a.private_netmask = ipv4_text(~std::uint32_t{0} << (32 - prefix));
  }
  return a;
}

} // namespace fp::dosim
