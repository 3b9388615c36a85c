#include "infra/desired.hpp"

#include <algorithm>

namespace fp::infra {
namespace {

constexpr std::string_view k_postgres_port = "5432";

std::vector<std::string> droplet_tags(const std::string& project, Role role) {
  return {std::string(k_fpctl_tag), project_tag(project), role_tag(project, role)};
}

DesiredRule ssh_rule(const plan::Plan& plan) { return DesiredRule{"22", plan.ssh.allow_from, {}}; }

} // namespace

std::string_view to_string(Role role) {
  switch (role) {
  case Role::lb: return "lb";
  case Role::worker: return "worker";
  case Role::db: return "db";
  }
  return "?";
}

std::string project_tag(const std::string& project) { return "fpctl-" + project; }
std::string role_tag(const std::string& project, Role role) { return project_tag(project) + "-" + std::string(to_string(role)); }

tl::expected<Desired, std::string> desired_infrastructure(const plan::Plan& plan) {
  if (plan.provider != plan::Provider::digitalocean)
    return tl::unexpected(plan.where("provider") + "provider is '" + std::string(plan::to_string(plan.provider)) +
                          "': set 'provider: digitalocean' in " + (plan.file.empty() ? "fpctl.yaml" : plan.file) +
                          " to create this architecture on DigitalOcean");
  if (plan.load_balancer.kind == plan::LoadBalancerKind::managed)
    return tl::unexpected(plan.where("load_balancer.kind") +
                          "load_balancer.kind 'managed' (a DigitalOcean load balancer) is priced by 'fpctl cost' but "
                          "not created by 'fpctl up' yet; use 'kind: droplet' (nginx on a droplet, as the course does)");
  if (plan.database.kind == plan::DatabaseKind::embedded && plan.workers.count > 1)
    return tl::unexpected(plan.where("database.kind") + "database.kind 'embedded' (SQLite) keeps the orders on one worker, "
                          "but workers.count is " + std::to_string(plan.workers.count) +
                          "; use 'kind: managed' or 'kind: droplet', or 'workers.count: 1'");

  const std::string& project = plan.project;
  Desired desired;
  desired.project = project;
  desired.region = plan.region;
  desired.image = plan.image;
  desired.vpc_name = project + "-vpc";
  desired.ssh_key_name = "fpctl-" + project;
  desired.monitoring = plan.extras.monitoring;
  desired.backups = plan.extras.backups;

  const bool has_lb = plan.load_balancer.kind == plan::LoadBalancerKind::droplet;
  if (has_lb)
    desired.droplets.push_back({project + "-lb", Role::lb, 0, plan.load_balancer.size, droplet_tags(project, Role::lb)});
  for (int i = 1; i <= plan.workers.count; ++i)
    desired.droplets.push_back(
      {project + "-worker-" + std::to_string(i), Role::worker, i, plan.workers.size, droplet_tags(project, Role::worker)});
  if (plan.database.kind == plan::DatabaseKind::droplet)
    desired.droplets.push_back({project + "-db", Role::db, 0, plan.database.size, droplet_tags(project, Role::db)});
  if (plan.database.kind == plan::DatabaseKind::managed)
    desired.database = DesiredDatabase{project + "-db",       plan.database.engine, plan.database.version,
                                       plan.database.size,    plan.database.nodes,  droplet_tags(project, Role::db),
                                       role_tag(project, Role::worker)};

  const std::string port = std::to_string(plan.workers.port);
  const std::vector<std::string> anywhere{"0.0.0.0/0", "::/0"};
  if (has_lb) {
    desired.firewalls.push_back({project + "-lb", Role::lb, role_tag(project, Role::lb),
                                 {ssh_rule(plan), DesiredRule{"80", anywhere, {}}}});
    desired.firewalls.push_back({project + "-worker", Role::worker, role_tag(project, Role::worker),
                                 {ssh_rule(plan), DesiredRule{port, {}, {role_tag(project, Role::lb)}}}});
  } else {
    // No load balancer: the workers are the entry point, so their port is public.
    desired.firewalls.push_back(
      {project + "-worker", Role::worker, role_tag(project, Role::worker), {ssh_rule(plan), DesiredRule{port, anywhere, {}}}});
  }
  if (plan.database.kind == plan::DatabaseKind::droplet)
    desired.firewalls.push_back({project + "-db", Role::db, role_tag(project, Role::db),
                                 {ssh_rule(plan), DesiredRule{std::string(k_postgres_port), {}, {role_tag(project, Role::worker)}}}});

  desired.tags = {std::string(k_fpctl_tag), project_tag(project)};
  for (const Role role : {Role::lb, Role::worker, Role::db}) desired.tags.push_back(role_tag(project, role));
  return desired;
}

} // namespace fp::infra
