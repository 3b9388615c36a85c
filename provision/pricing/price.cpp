#include "price.hpp"

namespace fp::pricing {
namespace {

// percent of an amount, half up (20 % of 0.06 US$/h in micro-dollars stays exact; of cents too).
std::int64_t percent_of(std::int64_t amount, int percent) { return (amount * percent + 50) / 100; }

CostLine droplet_line(std::string role, const DropletSize& size, int count) {
  CostLine line;
  line.role = std::move(role);
  line.slug = size.slug;
  line.count = count;
  line.vcpus = size.vcpus;
  line.memory_mib = size.memory_mib;
  line.unit_hourly = size.hourly;
  line.unit_monthly = size.monthly;
  line.confidence = size.confidence;
  return line;
}

} // namespace

Cents droplet_monthly(const DropletSize& size, const plan::Extras& extras, const Catalog& catalog) {
  return size.monthly + (extras.backups ? percent_of(size.monthly, catalog.backup_percent) : 0);
}

tl::expected<Cost, std::string> price(const plan::Plan& plan, const Catalog& catalog) {
  using plan::DatabaseKind;
  using plan::LoadBalancerKind;
  Cost cost;
  std::vector<std::pair<const DropletSize*, int>> droplets; // for backups and transfer

  const auto need_droplet = [&](const std::string& slug, const char* field) -> tl::expected<const DropletSize*, std::string> {
    const DropletSize* size = catalog.droplet(slug);
    if (!size) return tl::unexpected(std::string(field) + ": size '" + slug + "' is not in the " + catalog.origin);
    return size;
  };

  const auto& lb = plan.load_balancer;
  if (lb.kind == LoadBalancerKind::droplet) {
    auto size = need_droplet(lb.size, "load_balancer.size");
    if (!size) return tl::unexpected(size.error());
    cost.lines.push_back(droplet_line("load balancer (nginx)", **size, 1));
    droplets.emplace_back(*size, 1);
  } else if (lb.kind == LoadBalancerKind::managed) {
    CostLine line;
    line.role = "load balancer (managed)";
    line.slug = "lb-node";
    line.count = lb.nodes;
    line.unit_hourly = catalog.load_balancer_node.hourly;
    line.unit_monthly = catalog.load_balancer_node.monthly;
    line.confidence = catalog.load_balancer_node.confidence;
    cost.lines.push_back(line);
  }

  auto worker = need_droplet(plan.workers.size, "workers.size");
  if (!worker) return tl::unexpected(worker.error());
  cost.lines.push_back(droplet_line(plan.database.kind == DatabaseKind::embedded ? "worker (+ SQLite)" : "worker", **worker,
                                    plan.workers.count));
  droplets.emplace_back(*worker, plan.workers.count);

  const auto& db = plan.database;
  if (db.kind == DatabaseKind::droplet) {
    auto size = need_droplet(db.size, "database.size");
    if (!size) return tl::unexpected(size.error());
    cost.lines.push_back(droplet_line("database (PostgreSQL droplet)", **size, 1));
    droplets.emplace_back(*size, 1);
  } else if (db.kind == DatabaseKind::managed) {
    const DatabaseSize* size = catalog.database(db.size);
    if (!size) return tl::unexpected("database.size: '" + db.size + "' is not in the " + catalog.origin);
    CostLine primary;
    primary.role = "database (managed PostgreSQL " + db.version + ")";
    primary.slug = size->slug;
    primary.count = 1;
    primary.vcpus = size->vcpus;
    primary.memory_mib = size->memory_mib;
    primary.unit_hourly = size->hourly;
    primary.unit_monthly = size->monthly;
    primary.confidence = size->confidence;
    cost.lines.push_back(primary);
    if (db.nodes > 1) {
      CostLine standby = primary;
      standby.role = "database standby";
      standby.count = db.nodes - 1;
      standby.unit_hourly = size->standby_hourly;
      standby.unit_monthly = size->standby_monthly;
      cost.lines.push_back(standby);
    }
  }

  if (plan.extras.backups) {
    CostLine line;
    line.role = "backups (weekly, " + std::to_string(catalog.backup_percent) + " %)";
    line.confidence = catalog.backup_confidence;
    for (const auto& [size, count] : droplets) {
      line.count += count;
      line.hourly += percent_of(size->hourly, catalog.backup_percent) * count;
      line.monthly += percent_of(size->monthly, catalog.backup_percent) * count;
    }
    line.note = "of each droplet's price";
    cost.lines.push_back(line);
  }
  if (plan.extras.volume_gb > 0) {
    CostLine line;
    line.role = "volume";
    line.slug = std::to_string(plan.extras.volume_gb) + " GiB";
    line.count = plan.extras.volume_gb;
    line.unit_hourly = catalog.volume_per_gib.hourly;
    line.unit_monthly = catalog.volume_per_gib.monthly;
    line.confidence = catalog.volume_per_gib.confidence;
    cost.lines.push_back(line);
  }
  if (plan.extras.reserved_ip) {
    CostLine line;
    line.role = "reserved IP";
    line.count = 1;
    line.confidence = catalog.reserved_ip_assigned.confidence;
    line.note = "free while assigned";
    cost.lines.push_back(line);
  }
  if (plan.extras.monitoring) {
    CostLine line;
    line.role = "monitoring";
    line.count = 1;
    line.confidence = catalog.monitoring.confidence;
    line.note = "free";
    cost.lines.push_back(line);
  }

  for (auto& line : cost.lines) {
    if (line.unit_monthly != 0 || line.unit_hourly != 0) {
      line.hourly = line.unit_hourly * line.count;
      line.monthly = line.unit_monthly * line.count;
    }
    cost.hourly += line.hourly;
    cost.monthly += line.monthly;
  }
  for (const auto& [size, count] : droplets) cost.transfer_gb += size->transfer_gb * count;
  cost.budget = plan.budget.usd_cents_per_month;
  cost.headroom = cost.budget - cost.monthly;
  cost.idr_per_usd = plan.budget.idr_per_usd;
  return cost;
}

} // namespace fp::pricing
