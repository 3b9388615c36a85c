#include "nft_ruleset.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <optional>

namespace fp::dosim {
namespace {

enum class Family { none, ipv4, ipv6 };

// "10.0.0.1", "10.0.0.0/8", "::/0": which family, or none when it is not an address at all.
Family address_family(const std::string& source) {
  const auto slash = source.find('/');
  const std::string address = source.substr(0, slash);
  unsigned char buffer[16];
  Family family = Family::none;
  if (inet_pton(AF_INET, address.c_str(), buffer) == 1) family = Family::ipv4;
  if (inet_pton(AF_INET6, address.c_str(), buffer) == 1) family = Family::ipv6;
  if (family == Family::none || slash == std::string::npos) return family;
  const std::string_view prefix = std::string_view(source).substr(slash + 1);
  int bits = -1;
  const auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), bits);
  const int most = family == Family::ipv4 ? 32 : 128;
  if (ec != std::errc() || end != prefix.data() + prefix.size() || prefix.empty() || bits < 0 || bits > most) return Family::none;
  return family;
}

// "22" or "8000-9000" as nft writes them; empty for all ports; nullopt when malformed.
std::optional<std::string> port_match(const std::string& ports) {
  if (ports.empty() || ports == "0") return std::string();
  for (char c : ports) {
    if (!(c >= '0' && c <= '9') && c != '-') return std::nullopt;
  }
  return ports;
}

// Host bits set ("10.0.0.5/8") are refused by nft; the API accepts them, so mask them off here.
std::string network_of(const std::string& source, Family family) {
  const auto slash = source.find('/');
  if (slash == std::string::npos) return source;
  const int bits = std::stoi(source.substr(slash + 1));
  unsigned char buffer[16] = {};
  const int af = family == Family::ipv4 ? AF_INET : AF_INET6;
  inet_pton(af, source.substr(0, slash).c_str(), buffer);
  const int total = family == Family::ipv4 ? 4 : 16;
  for (int i = 0; i < total; ++i) {
    const int keep = std::max(0, std::min(8, bits - i * 8));
    buffer[i] = static_cast<unsigned char>(buffer[i] & (keep == 0 ? 0 : (0xff << (8 - keep)) & 0xff));
  }
  char text[INET6_ADDRSTRLEN];
  inet_ntop(af, buffer, text, sizeof text);
  return std::string(text) + "/" + std::to_string(bits);
}

} // namespace

std::string nft_ruleset(const DropletFirewall& firewall) {
  const std::string table = std::string("inet ") + k_firewall_table;
  // Declaring before deleting makes the delete valid whether or not the table exists.
  std::string out = "table " + table + "\ndelete table " + table + "\n";
  if (!firewall.enforced) return out;
  out += "table " + table + " {\n"
         "  chain input {\n"
         "    type filter hook input priority filter; policy drop;\n"
         "    iif \"lo\" accept\n"
         "    ct state established,related accept\n";
  for (const auto& rule : firewall.inbound) {
    const auto ports = port_match(rule.ports);
    if (!ports || (rule.protocol != "tcp" && rule.protocol != "udp" && rule.protocol != "icmp")) continue;
    for (const auto& source : rule.sources) {
      const Family family = address_family(source);
      if (family == Family::none) continue;
      const std::string from = std::string(family == Family::ipv4 ? "ip" : "ip6") + " saddr " + network_of(source, family);
      if (rule.protocol == "icmp") {
        out += "    " + from + " meta l4proto " + (family == Family::ipv4 ? "icmp" : "ipv6-icmp") + " accept\n";
      } else if (ports->empty()) {
        out += "    " + from + " meta l4proto " + rule.protocol + " accept\n";
      } else {
        out += "    " + from + " " + rule.protocol + " dport " + *ports + " accept\n";
      }
    }
  }
  out += "  }\n}\n";
  return out;
}

} // namespace fp::dosim
