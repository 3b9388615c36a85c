#include "plan.hpp"

#include <tuple>

namespace fp::plan {

std::string_view to_string(Provider provider) {
  return provider == Provider::digitalocean ? "digitalocean" : "local";
}

std::string_view to_string(LoadBalancerKind kind) {
  switch (kind) {
  case LoadBalancerKind::droplet: return "droplet";
  case LoadBalancerKind::managed: return "managed";
  case LoadBalancerKind::none: return "none";
  }
  return "?";
}

std::string_view to_string(DatabaseKind kind) {
  switch (kind) {
  case DatabaseKind::managed: return "managed";
  case DatabaseKind::droplet: return "droplet";
  case DatabaseKind::embedded: return "embedded";
  }
  return "?";
}

std::string Plan::where(const std::string& field) const {
  const auto found = marks.find(field);
  if (file.empty() || found == marks.end()) return "";
  return file + ":" + std::to_string(found->second.line) + ":" + std::to_string(found->second.column) + ": ";
}

bool same_settings(const Plan& a, const Plan& b) {
  const auto tie = [](const Plan& p) {
    return std::tie(p.project, p.provider, p.region, p.api_url, p.image, p.ssh.key, p.ssh.allow_from,
                    p.load_balancer.kind, p.load_balancer.size, p.load_balancer.nodes, p.workers.size, p.workers.count,
                    p.workers.port, p.database.kind, p.database.engine, p.database.version, p.database.size,
                    p.database.nodes, p.extras.backups, p.extras.monitoring, p.extras.reserved_ip, p.extras.volume_gb,
                    p.budget.usd_cents_per_month, p.budget.idr_per_usd);
  };
  return tie(a) == tie(b);
}

} // namespace fp::plan
