// The capacity model: component capacities along LB -> workers -> database, and the prediction.
#include "capacity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fp::pricing {

namespace {

using plan::DatabaseKind;
using plan::LoadBalancerKind;

constexpr double k_unbounded = 1e12;
const std::vector<std::string> k_speed_kinds = {"nginx",           "managed_lb",       "server_pg", "server_sqlite",
                                                "postgres_droplet", "postgres_managed", "network"};

// A resource with `capacity` units/s serving requests that each cost `demand` of it.
struct Constraint {
  std::string limit;
  std::string kind;
  double capacity = 0;
  Demand demand;
};

ComponentCapacity tightest(std::string role, std::string what, const std::vector<Constraint>& constraints,
                           const Workload& workload) {
  ComponentCapacity out{std::move(role), std::move(what), "", "", std::numeric_limits<double>::infinity(), {}};
  for (const auto& c : constraints) {
    const double rps = max_rate(c.capacity, c.demand, workload);
    if (rps < out.rps) {
      out.rps = rps;
      out.kind = c.kind;
      out.limit = c.limit;
      out.demand = c.demand;
    }
  }
  return out;
}

} // namespace

double CapacityModel::speed_of(const std::string& kind) const {
  const auto found = speed.find(kind);
  return found == speed.end() ? 1.0 : found->second;
}

CapacityModel default_model() {
  CapacityModel m;
  // CPU microseconds per request = (CPU share of one core) / (requests per second), from the
  // 2026-11-27 run in docs/PERFORMANCE.md (2-core AMD EPYC); docs/COST.md shows each division.
  m.server_pg = {36, 0.66, 48};
  m.postgres = {42, 0.61, 95};
  m.server_sqlite = {20, 0.68, 57};
  // nginx as a proxy was not measured: 3 x its static-response cost (8.7 µs) per request, and
  // copying the body at about 2.6 GB/s per core. Estimates; calibration corrects them.
  m.nginx = {26, 0.05, 26};
  // Response bytes: headers and {"orders":[...]} 170 B, each order of the course's body ~130 B.
  m.bytes = {170, 130, 300};
  for (const auto& kind : k_speed_kinds) m.speed[kind] = 1.0;
  m.origin = "built-in (measured on this project's 2-core test machine, docs/COST.md)";
  return m;
}

double load_at(double rate, const Demand& demand, const Workload& w) {
  const double rows = w.initial_orders + (1 - w.get_share) * rate * w.test_seconds;
  return rate * (w.get_share * (demand.get_base + demand.get_per_row * rows) + (1 - w.get_share) * demand.post);
}

double max_rate(double capacity, const Demand& demand, const Workload& w) {
  if (capacity <= 0) return 0;
  // load(R) = a R^2 + b R, with the table at its end-of-test size.
  const double a = w.get_share * demand.get_per_row * (1 - w.get_share) * w.test_seconds;
  const double b = w.get_share * (demand.get_base + demand.get_per_row * w.initial_orders) + (1 - w.get_share) * demand.post;
  if (a <= 0) return b <= 0 ? k_unbounded : capacity / b;
  // The stable form of (-b + sqrt(b^2 + 4ac)) / 2a: no cancellation when b^2 >> 4ac.
  return 2 * capacity / (b + std::sqrt(b * b + 4 * a * capacity));
}

std::string describe_architecture(const plan::Plan& p) {
  std::string out;
  switch (p.load_balancer.kind) {
  case LoadBalancerKind::droplet: out = "nginx " + p.load_balancer.size + " -> "; break;
  case LoadBalancerKind::managed: out = "managed LB x" + std::to_string(p.load_balancer.nodes) + " -> "; break;
  case LoadBalancerKind::none: break;
  }
  out += std::to_string(p.workers.count) + " x " + p.workers.size;
  switch (p.database.kind) {
  case DatabaseKind::managed:
    out += " -> managed " + p.database.size + (p.database.nodes > 1 ? " x" + std::to_string(p.database.nodes) : "");
    break;
  case DatabaseKind::droplet: out += " -> PostgreSQL " + p.database.size; break;
  case DatabaseKind::embedded: out += " (SQLite)"; break;
  }
  return out;
}

tl::expected<std::vector<ComponentCapacity>, std::string> components(const plan::Plan& plan, const Catalog& catalog,
                                                                     const CapacityModel& m) {
  const Workload& w = m.workload;
  const double link = m.network_mbps * 1e6 / 8 * m.speed_of("network"); // bytes/s
  const auto cpu = [&](int vcpus, const std::string& kind) { return vcpus * m.speed_of(kind) * m.utilization * 1e6; };
  std::vector<ComponentCapacity> out;

  const auto& lb = plan.load_balancer;
  if (lb.kind == LoadBalancerKind::droplet) {
    const DropletSize* size = catalog.droplet(lb.size);
    if (!size) return tl::unexpected("load_balancer.size: '" + lb.size + "' is not in the catalog");
    out.push_back(tightest("load balancer", "nginx on " + lb.size,
                           {{"CPU", "nginx", cpu(size->vcpus, "nginx"), m.nginx}, {"network", "network", link, m.bytes}}, w));
  } else if (lb.kind == LoadBalancerKind::managed) {
    out.push_back(tightest("load balancer", "managed, " + std::to_string(lb.nodes) + (lb.nodes == 1 ? " node" : " nodes"),
                           {{"nodes", "managed_lb", lb.nodes * m.managed_lb_rps_per_node * m.speed_of("managed_lb"), {1, 0, 1}}},
                           w));
  }

  const DropletSize* worker = catalog.droplet(plan.workers.size);
  if (!worker) return tl::unexpected("workers.size: '" + plan.workers.size + "' is not in the catalog");
  const bool embedded = plan.database.kind == DatabaseKind::embedded;
  const std::string server_kind = embedded ? "server_sqlite" : "server_pg";
  const int count = plan.workers.count;
  out.push_back(tightest("workers",
                         std::to_string(count) + " x " + plan.workers.size + (embedded ? " (fp-order-server + SQLite)" : " (fp-order-server)"),
                         {{"CPU", server_kind, count * cpu(worker->vcpus, server_kind), embedded ? m.server_sqlite : m.server_pg},
                          {"network", "network", count * link, m.bytes}},
                         w));

  if (plan.database.kind == DatabaseKind::droplet) {
    const DropletSize* size = catalog.droplet(plan.database.size);
    if (!size) return tl::unexpected("database.size: '" + plan.database.size + "' is not in the catalog");
    out.push_back(tightest("database", "PostgreSQL on " + plan.database.size,
                           {{"CPU", "postgres_droplet", cpu(size->vcpus, "postgres_droplet"), m.postgres},
                            {"network", "network", link, m.bytes}},
                           w));
  } else if (plan.database.kind == DatabaseKind::managed) {
    const DatabaseSize* size = catalog.database(plan.database.size);
    if (!size) return tl::unexpected("database.size: '" + plan.database.size + "' is not in the catalog");
    // Standby nodes replicate; they serve no queries of fp-order-server, so they add no capacity.
    out.push_back(tightest("database", "managed PostgreSQL " + plan.database.size,
                           {{"CPU", "postgres_managed", cpu(size->vcpus, "postgres_managed"), m.postgres},
                            {"network", "network", link, m.bytes}},
                           w));
  }
  return out;
}

tl::expected<Prediction, std::string> predict(const plan::Plan& plan, const Catalog& catalog, const CapacityModel& model) {
  auto parts = components(plan, catalog, model);
  if (!parts) return tl::unexpected(parts.error());
  Prediction prediction;
  prediction.components = std::move(*parts);
  prediction.rps = std::numeric_limits<double>::infinity();
  for (const auto& part : prediction.components) {
    if (part.rps < prediction.rps) {
      prediction.rps = part.rps;
      prediction.bottleneck = part.role;
    }
  }
  const Workload& w = model.workload;
  prediction.orders_at_end = w.initial_orders + (1 - w.get_share) * prediction.rps * w.test_seconds;
  return prediction;
}

} // namespace fp::pricing
