#include "infra/changes.hpp"

#include "infra/records.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace fp::infra {
namespace {

// Rules compared as sets: the API may return addresses, tags and rules in another order.
using RuleKey = std::tuple<std::string, std::string, std::set<std::string>, std::set<std::string>>;

std::set<RuleKey> rule_keys(const std::vector<cloud::FirewallRule>& rules) {
  std::set<RuleKey> keys;
  for (const auto& rule : rules) {
    // The API answers "0" for "all ports"; fpctl writes "all".
    std::string ports = rule.ports == "0" ? "all" : rule.ports;
    if (rule.protocol == "icmp") ports.clear();
    keys.emplace(rule.protocol, ports, std::set<std::string>(rule.targets.addresses.begin(), rule.targets.addresses.end()),
                 std::set<std::string>(rule.targets.tags.begin(), rule.targets.tags.end()));
  }
  return keys;
}

bool same_firewall(const cloud::FirewallSpec& want, const cloud::FirewallSpec& have) {
  return rule_keys(want.inbound) == rule_keys(have.inbound) && rule_keys(want.outbound) == rule_keys(have.outbound) &&
         std::set<std::string>(want.tags.begin(), want.tags.end()) == std::set<std::string>(have.tags.begin(), have.tags.end());
}

} // namespace

std::string_view to_string(Action action) {
  switch (action) {
  case Action::create: return "create";
  case Action::keep: return "keep";
  case Action::update: return "update";
  case Action::replace: return "replace";
  case Action::remove: return "delete";
  }
  return "?";
}

bool ChangeSet::mutating() const {
  return std::any_of(changes.begin(), changes.end(), [](const Change& c) { return c.action != Action::keep; });
}

std::size_t ChangeSet::count(Action action) const {
  return static_cast<std::size_t>(
    std::count_if(changes.begin(), changes.end(), [&](const Change& c) { return c.action == action; }));
}

cloud::FirewallSpec firewall_spec(const DesiredFirewall& firewall) {
  cloud::FirewallSpec spec;
  spec.name = firewall.name;
  spec.tags = {firewall.target_tag};
  for (const auto& rule : firewall.inbound) {
    cloud::FirewallRule inbound;
    inbound.protocol = "tcp";
    inbound.ports = rule.ports;
    inbound.targets.addresses = rule.addresses;
    inbound.targets.tags = rule.tags;
    spec.inbound.push_back(std::move(inbound));
  }
  const std::vector<std::string> anywhere{"0.0.0.0/0", "::/0"};
  for (const char* protocol : {"tcp", "udp", "icmp"}) {
    cloud::FirewallRule outbound;
    outbound.protocol = protocol;
    outbound.ports = std::string_view(protocol) == "icmp" ? "" : "all";
    outbound.targets.addresses = anywhere;
    spec.outbound.push_back(std::move(outbound));
  }
  return spec;
}

tl::expected<ChangeSet, std::string> plan_changes(const Desired& desired, const Observed& observed) {
  ChangeSet set;
  auto& changes = set.changes;

  if (observed.ssh_key) changes.push_back({Action::keep, "ssh_key", observed.ssh_key->name, {}, {}, std::to_string(observed.ssh_key->id), {}});
  else changes.push_back({Action::create, "ssh_key", desired.ssh_key_name, {}, {}, {}, "upload the public key"});
  if (observed.vpc) changes.push_back({Action::keep, "vpc", observed.vpc->name, {}, {}, observed.vpc->id, {}});
  else changes.push_back({Action::create, "vpc", desired.vpc_name, {}, {}, {}, "private network in " + desired.region});

  // Droplets by name, oldest first: of duplicates (a create retried by an older tool, or by hand)
  // the oldest is kept and the others are removed.
  std::map<std::string, std::vector<const cloud::Droplet*>> by_name;
  for (const auto& droplet : observed.droplets) by_name[droplet.name].push_back(&droplet);
  for (auto& [name, list] : by_name)
    std::sort(list.begin(), list.end(), [](const cloud::Droplet* a, const cloud::Droplet* b) { return a->id < b->id; });

  std::vector<Change> removals;
  std::set<std::string> wanted;
  for (const auto& want : desired.droplets) {
    wanted.insert(want.name);
    const auto found = by_name.find(want.name);
    if (found == by_name.end()) {
      changes.push_back({Action::create, "droplet", want.name, want.role, want.size, {}, {}});
      continue;
    }
    const cloud::Droplet& have = *found->second.front();
    const std::string id = std::to_string(have.id);
    if (have.size_slug == want.size) {
      changes.push_back({Action::keep, "droplet", want.name, want.role, want.size, id, {}});
    } else if (want.role == Role::db) {
      return tl::unexpected("droplet " + want.name + " holds the database and is " + have.size_slug + ", but fpctl.yaml asks for " +
                            want.size + ": fpctl does not replace it (the orders would be lost). Put database.size back to " +
                            have.size_slug + ", or resize it in the control panel first.");
    } else {
      changes.push_back({Action::replace, "droplet", want.name, want.role, want.size, id,
                         "size " + have.size_slug + " -> " + want.size + " (a new droplet, then the old one is deleted)"});
    }
    for (std::size_t i = 1; i < found->second.size(); ++i)
      removals.push_back({Action::remove, "droplet", want.name, want.role, found->second[i]->size_slug,
                          std::to_string(found->second[i]->id), "duplicate of " + id});
  }
  for (const auto& droplet : observed.droplets) {
    if (wanted.count(droplet.name) != 0) continue;
    removals.push_back({Action::remove, "droplet", droplet.name, role_from_tags(droplet.tags, desired.project), droplet.size_slug,
                        std::to_string(droplet.id), "not in fpctl.yaml any more"});
  }
  // Workers go from the highest number down, so that scaling 3 -> 1 keeps worker-1.
  std::stable_sort(removals.begin(), removals.end(), [](const Change& a, const Change& b) { return a.name > b.name; });

  std::set<std::string> wanted_databases;
  if (desired.database) {
    const auto& want = *desired.database;
    wanted_databases.insert(want.name);
    const auto have = std::find_if(observed.databases.begin(), observed.databases.end(),
                                   [&](const cloud::Database& d) { return d.name == want.name; });
    if (have == observed.databases.end()) {
      changes.push_back({Action::create, "database", want.name, Role::db, want.size, {},
                         want.engine + " " + want.version + ", " + std::to_string(want.nodes) + " node(s)"});
    } else if (have->size != want.size || have->num_nodes != want.nodes || have->engine != want.engine) {
      return tl::unexpected("database cluster " + want.name + " is " + have->engine + " " + have->size + " with " +
                            std::to_string(have->num_nodes) + " node(s), but fpctl.yaml asks for " + want.engine + " " +
                            want.size + " with " + std::to_string(want.nodes) +
                            ": fpctl does not resize or replace a database (the orders would be at risk). "
                            "Change fpctl.yaml back, or resize the cluster in the control panel first.");
    } else {
      changes.push_back({Action::keep, "database", want.name, Role::db, want.size, have->id, {}});
    }
  }
  for (const auto& database : observed.databases)
    if (wanted_databases.count(database.name) == 0)
      removals.push_back({Action::remove, "database", database.name, Role::db, database.size, database.id,
                          "not in fpctl.yaml any more"});

  std::set<std::string> wanted_firewalls;
  for (const auto& want : desired.firewalls) {
    wanted_firewalls.insert(want.name);
    const auto have = std::find_if(observed.firewalls.begin(), observed.firewalls.end(),
                                   [&](const cloud::Firewall& f) { return f.spec.name == want.name; });
    if (have == observed.firewalls.end())
      changes.push_back({Action::create, "firewall", want.name, want.role, {}, {}, {}});
    else if (!same_firewall(firewall_spec(want), have->spec))
      changes.push_back({Action::update, "firewall", want.name, want.role, {}, have->id, "rules differ from fpctl.yaml"});
    else
      changes.push_back({Action::keep, "firewall", want.name, want.role, {}, have->id, {}});
  }
  for (const auto& firewall : observed.firewalls)
    if (wanted_firewalls.count(firewall.spec.name) == 0)
      removals.push_back({Action::remove, "firewall", firewall.spec.name, {}, {}, firewall.id, "not in fpctl.yaml any more"});

  changes.insert(changes.end(), removals.begin(), removals.end());
  return set;
}

} // namespace fp::infra
