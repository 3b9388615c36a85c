// What fpctl.yaml asks to exist on DigitalOcean, resource by resource, with the names and tags
// fpctl finds them by. Pure: no API call, so `fpctl up --dry-run` and the tests can compute it.
//
// Naming and tagging (docs/DESIGN.md, "Names and tags"):
//   droplets   <project>-lb, <project>-worker-N (N from 1), <project>-db (PostgreSQL on a droplet)
//   database   <project>-db (managed cluster)
//   firewalls  <project>-lb, <project>-worker, <project>-db: one per role, so that port 80 is open
//              on the load balancer only and the server port on workers only
//   VPC        <project>-vpc;  SSH key  fpctl-<project>
//   tags       every droplet and cluster: `fpctl`, `fpctl-<project>`, `fpctl-<project>-<role>`
// Teardown deletes only what carries `fpctl-<project>` (firewalls, which carry no tags, are found by
// name and must target only the project's role tags).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "plan.hpp"

namespace fp::infra {

enum class Role { lb, worker, db };
std::string_view to_string(Role role);

std::string project_tag(const std::string& project); // fpctl-<project>
std::string role_tag(const std::string& project, Role role);
inline constexpr std::string_view k_fpctl_tag = "fpctl";

struct DesiredDroplet {
  std::string name;
  Role role = Role::worker;
  int index = 0; // workers: 1..count; others 0
  std::string size;
  std::vector<std::string> tags;
};

struct DesiredDatabase {
  std::string name;
  std::string engine;
  std::string version;
  std::string size;
  int nodes = 1;
  std::vector<std::string> tags;
  std::string trusted_tag; // only droplets with this tag (the workers) may connect
};

struct DesiredRule {
  std::string ports;                 // "22", "80", "8080", "5432"
  std::vector<std::string> addresses; // CIDRs ("auto" is resolved before apply)
  std::vector<std::string> tags;      // droplets carrying these tags
};

struct DesiredFirewall {
  std::string name;
  Role role = Role::worker;
  std::string target_tag; // the role tag it applies to
  std::vector<DesiredRule> inbound;
};

struct Desired {
  std::string project;
  std::string region;
  std::string image;
  std::string vpc_name;
  std::string ssh_key_name;
  bool monitoring = true;
  bool backups = false;
  std::vector<DesiredDroplet> droplets; // lb first, then workers by index, then a database droplet
  std::optional<DesiredDatabase> database;
  std::vector<DesiredFirewall> firewalls;
  std::vector<std::string> tags; // every tag above, to be created before the firewalls name them
};

// Refuses what fpctl cannot create yet (a managed load balancer) or what makes no sense on
// DigitalOcean (provider: local) with a message saying what to change.
tl::expected<Desired, std::string> desired_infrastructure(const plan::Plan& plan);

} // namespace fp::infra
