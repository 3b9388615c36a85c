// The change set: what `fpctl up` will do to make the account match fpctl.yaml, computed from the
// desired architecture and what the API says exists (found by tag and name, never from the state
// file alone). Pure, so the dry run, the real run and the tests agree by construction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "cloud/databases.hpp"
#include "cloud/droplets.hpp"
#include "cloud/firewalls.hpp"
#include "cloud/ssh_keys.hpp"
#include "cloud/vpcs.hpp"
#include "infra/desired.hpp"

namespace fp::infra {

// What the account holds that concerns this project.
struct Observed {
  std::vector<cloud::Droplet> droplets;   // carrying fpctl-<project>
  std::vector<cloud::Database> databases; // carrying fpctl-<project>
  std::vector<cloud::Firewall> firewalls; // named <project>-<role> (firewalls carry no tags)
  std::optional<cloud::Vpc> vpc;          // named <project>-vpc
  std::optional<cloud::SshKey> ssh_key;   // the key fpctl uses, by fingerprint
};

enum class Action { create, keep, update, replace, remove };
std::string_view to_string(Action action);

struct Change {
  Action action = Action::keep;
  std::string kind; // droplet | database | firewall | vpc | ssh_key
  std::string name;
  std::optional<Role> role;
  std::string size;   // droplets and databases: the size it will have (remove: the size it had)
  std::string id;     // existing resources
  std::string detail; // why: "size s-1vcpu-1gb -> s-2vcpu-2gb", "duplicate of 3164444", "rules differ"
};

struct ChangeSet {
  std::vector<Change> changes; // in the order they are applied: keys, VPC, droplets, database, firewalls, removals
  bool mutating() const;       // anything other than keep
  std::size_t count(Action action) const;
};

// The firewall rules as fpctl writes them: SSH, the role's port, all outbound traffic.
cloud::FirewallSpec firewall_spec(const DesiredFirewall& firewall);

// `desired` must have its "auto" SSH sources resolved to addresses. Errors: a change fpctl refuses
// to make because it would lose data (a database droplet or cluster of another size).
tl::expected<ChangeSet, std::string> plan_changes(const Desired& desired, const Observed& observed);

} // namespace fp::infra
