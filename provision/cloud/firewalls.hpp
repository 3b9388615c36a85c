// Cloud firewalls (/v2/firewalls). Names are not unique at the API, so fpctl names its firewall
// after the project and finds it by name before creating one. An update is a PUT of the whole
// firewall: attributes left out are reset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "client.hpp"

namespace fp::cloud {

// Where a rule's traffic may come from (inbound `sources`) or go to (outbound `destinations`).
struct FirewallTargets {
  std::vector<std::string> addresses; // IPv4/IPv6 addresses or CIDRs
  std::vector<std::string> tags;      // droplets carrying the tag (the tag must exist)
  std::vector<std::int64_t> droplet_ids;
  std::vector<std::string> load_balancer_uids;
};

struct FirewallRule {
  std::string protocol; // tcp | udp | icmp
  std::string ports;    // "22", "8000-9000", "0" or "all" for every port; sent as "0" for icmp
  FirewallTargets targets;
};

struct FirewallSpec {
  std::string name;
  std::vector<FirewallRule> inbound;
  std::vector<FirewallRule> outbound;
  std::vector<std::int64_t> droplet_ids;
  std::vector<std::string> tags; // must exist: create_tag first
};

struct Firewall {
  std::string id;
  std::string status; // waiting | succeeded | failed
  std::string created_at;
  FirewallSpec spec;
  std::size_t pending_changes = 0; // 0 once applied to every droplet
};

Firewall firewall_from_json(const nlohmann::json& object);
nlohmann::json firewall_body(const FirewallSpec& spec);

tl::expected<std::vector<Firewall>, ApiError> list_firewalls(Client& client);
tl::expected<std::optional<Firewall>, ApiError> find_firewall(Client& client, const std::string& name);
// A create: ErrorKind::outcome_unknown when its answer is lost (then find_firewall first).
tl::expected<Firewall, ApiError> create_firewall(Client& client, const FirewallSpec& spec);
tl::expected<Firewall, ApiError> update_firewall(Client& client, const std::string& id, const FirewallSpec& spec);
// true when deleted, false when it was already gone.
tl::expected<bool, ApiError> delete_firewall(Client& client, const std::string& id);

} // namespace fp::cloud
