#include "remote_deploy.hpp"

#include "deployment.hpp"
#include "errors.hpp"

#include "catalog.hpp"
#include "cloud/databases.hpp"
#include "cloud/probe.hpp"
#include "infra/ssh_identity.hpp"

#include <iostream>
#include <thread>

namespace fp::cli {
namespace {

std::string database_url(const Project& project, const infra::State& state, cloud::Client& client) {
  const plan::Plan& plan = project.plan;
  switch (plan.database.kind) {
  case plan::DatabaseKind::embedded:
    return "sqlite:///var/lib/fpctl/orders.db";
  case plan::DatabaseKind::droplet:
    return ""; // the database droplet's own step makes it and tells the workers (rollout.hpp)
  case plan::DatabaseKind::managed:
    break;
  }
  for (const auto& r : state.resources)
    if (r.kind == "database") {
      auto database = cloud::get_database(client, r.id);
      if (!database) throw std::runtime_error(database.error().describe());
      // The private side: the workers reach the cluster over the VPC, never the public internet.
      std::string uri = database->private_connection.uri.empty() ? database->connection.uri : database->private_connection.uri;
      if (uri.empty()) throw std::runtime_error("the API gave no connection details for the database " + r.name);
      if (uri.find("sslmode=") == std::string::npos) uri += (uri.find('?') == std::string::npos ? "?" : "&") + std::string("sslmode=require");
      return uri;
    }
  throw std::runtime_error("the state records no database for project '" + plan.project + "': run 'fpctl up' first");
}

// From here, through the public address, as a user's browser or load test will come: a firewall
// rule or a route that the hosts' own checks cannot see shows up now, not in the middle of a bench.
void check_entry(const infra::State& state, int worker_port) {
  const auto url = infra::entry_url(state, worker_port);
  if (!url) return;
  std::string last;
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto status = cloud::probe_http(*url + "/healthz", std::chrono::seconds(5));
    if (status && *status == 200) {
      std::cout << "Checked from here: " << *url << "/healthz answers 200.\n";
      return;
    }
    last = status ? "HTTP " + std::to_string(*status) : status.error();
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  throw std::runtime_error("every host checked itself, but " + *url + "/healthz does not answer from here (" + last +
                           "): check the firewall's port 80 rule and the load balancer ('fpctl logs lb')");
}

} // namespace

void deploy_droplets(const Project& project, infra::State& state, cloud::Client& client, deploy::Mode mode, bool restart) {
  const plan::Plan& plan = project.plan;
  auto identity = infra::load_or_generate_identity(plan.ssh.key, project.fpctl_dir(), "fpctl-" + plan.project);
  if (!identity) throw UsageError(identity.error());
  deploy::Deployment deployment;
  deployment.identity = identity->private_key;
  deployment.hosts = hosts_from_state(state, plan.project, plan.workers.port);
  if (deployment.hosts.empty()) throw UsageError("no droplets recorded for project '" + plan.project + "': run 'fpctl up' first");
  for (const auto& host : deployment.hosts)
    if (host.address.empty()) throw std::runtime_error(host.name + " has no public address yet: run 'fpctl status --refresh'");
  deployment.database_url = database_url(project, state, client);
  if (const auto* size = pricing::embedded_catalog().droplet(plan.database.size))
    deployment.database_memory_mb = size->memory_mib;
  deployment.server_binary = read_server_binary(server_binary_path());
  deploy::RolloutOptions options;
  options.mode = mode;
  options.restart = restart;
  options.progress = print_host_progress;
  if (const char* seconds = std::getenv("FPCTL_SSH_TIMEOUT_S"); seconds != nullptr && *seconds != '\0')
    options.connect_timeout = std::chrono::seconds(std::max(1L, std::strtol(seconds, nullptr, 10)));
  const auto report = deploy::roll_out(deployment, options);
  record_host_keys(report, state, infra::state_path(project.dir));
  if (!report.ok()) throw std::runtime_error("the deployment is not complete: " + report.summary() + "\nRun the command again: finished hosts report nothing to do.");
  std::cout << "Deployed: " << report.summary() << "\n";
  check_entry(state, plan.workers.port);
}

} // namespace fp::cli
