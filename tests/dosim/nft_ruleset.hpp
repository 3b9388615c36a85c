// A droplet's cloud firewall as an nftables script for `nft -f` inside its network namespace.
// Pure text: the namespace host runs it; the unit test reads it.
#pragma once

#include "droplet_host.hpp"

#include <string>

namespace fp::dosim {

// The table every script replaces as a whole (declare, delete, define: one atomic transaction).
inline constexpr const char* k_firewall_table = "fp_cloud_firewall";

// Enforced: inbound dropped except loopback, established/related traffic and what the rules admit
// (one nft rule per source; sources that are not IP addresses or CIDRs are left out, so nothing
// from the API can reach the script unchecked). Not enforced: the table is removed, all is open.
// Outbound is never filtered.
std::string nft_ruleset(const DropletFirewall& firewall);

} // namespace fp::dosim
