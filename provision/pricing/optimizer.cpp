#include "optimizer.hpp"
#include "config.hpp"
#include "price.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace fp::pricing {
namespace {

using plan::DatabaseKind;
using plan::LoadBalancerKind;

struct Option {
  Cents monthly = 0;
  double rps = std::numeric_limits<double>::infinity();
  ComponentCapacity part; // empty role: no such component (no LB, embedded database)
  plan::LoadBalancer lb;
  plan::Workers workers;
  plan::Database database;
};

// Options sorted by cost, keeping only those that serve more than every cheaper one.
std::vector<Option> frontier(std::vector<Option> options) {
  std::stable_sort(options.begin(), options.end(), [](const Option& a, const Option& b) {
    return a.monthly != b.monthly ? a.monthly < b.monthly : a.rps > b.rps;
  });
  std::vector<Option> kept;
  double best = -1;
  for (auto& option : options) {
    if (option.rps > best) {
      best = option.rps;
      kept.push_back(std::move(option));
    }
  }
  return kept;
}

std::string money(Cents cents) { return format_usd(cents) + " US$"; }

std::string rate(double rps) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f req/s", rps);
  return text;
}

// The capacity of one role of `plan` (the same computation `fpctl cost` shows for a single plan).
tl::expected<Option, std::string> role_option(const plan::Plan& plan, const std::string& role, const Catalog& catalog,
                                              const CapacityModel& model) {
  auto parts = components(plan, catalog, model);
  if (!parts) return tl::unexpected(parts.error());
  Option option;
  for (const auto& part : *parts) {
    if (part.role == role) {
      option.part = part;
      option.rps = part.rps;
    }
  }
  return option;
}

bool better(const Candidate& a, const Candidate& b) {
  if (a.rps != b.rps) return a.rps > b.rps;
  if (a.monthly != b.monthly) return a.monthly < b.monthly;
  return describe_architecture(a.plan) < describe_architecture(b.plan);
}

} // namespace

tl::expected<Optimum, std::string> optimize(const plan::Plan& base, const Catalog& catalog, const CapacityModel& model,
                                            const OptimizeOptions& options) {
  const auto in = [](const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
  };
  if (!in(catalog.regions, base.region)) return tl::unexpected("region '" + base.region + "' is not in the catalog");

  // What does not depend on the architecture: volumes, monitoring, the reserved IP.
  plan::Plan bare = base;
  bare.load_balancer.kind = LoadBalancerKind::none;
  bare.database.kind = DatabaseKind::embedded;
  bare.workers.count = 1;
  std::vector<const DropletSize*> sizes;
  for (const auto& size : catalog.droplets) {
    if (catalog.sold_in(size, base.region)) sizes.push_back(&size);
  }
  if (sizes.empty()) return tl::unexpected("no droplet size is sold in " + base.region);
  bare.workers.size = sizes.front()->slug;
  auto bare_cost = price(bare, catalog);
  if (!bare_cost) return tl::unexpected(bare_cost.error());
  const Cents constant = bare_cost->monthly - droplet_monthly(*sizes.front(), base.extras, catalog);

  // Load balancer options (capacity does not depend on the other parts).
  std::vector<Option> lbs_all;
  Option no_lb;
  no_lb.lb.kind = LoadBalancerKind::none;
  for (const auto* size : sizes) {
    plan::Plan p = bare;
    p.load_balancer = {LoadBalancerKind::droplet, size->slug, 1};
    auto option = role_option(p, "load balancer", catalog, model);
    if (!option) return tl::unexpected(option.error());
    option->lb = p.load_balancer;
    option->monthly = droplet_monthly(*size, base.extras, catalog);
    lbs_all.push_back(*option);
  }
  if (in(catalog.load_balancer_regions, base.region)) {
    for (int nodes = 1; nodes <= 3; ++nodes) {
      plan::Plan p = bare;
      p.load_balancer = {LoadBalancerKind::managed, base.load_balancer.size, nodes};
      auto option = role_option(p, "load balancer", catalog, model);
      if (!option) return tl::unexpected(option.error());
      option->lb = p.load_balancer;
      option->monthly = catalog.load_balancer_node.monthly * nodes;
      lbs_all.push_back(*option);
    }
  }

  // Worker options, per database family: PostgreSQL-backed (any count) or SQLite (one worker).
  const int max_workers = std::clamp(options.max_workers, 1, plan::k_max_workers);
  std::vector<Option> workers_pg_all, workers_pg_single, workers_sqlite;
  for (const auto* size : sizes) {
    for (int count = 1; count <= max_workers; ++count) {
      plan::Plan p = bare;
      p.workers = {size->slug, count, base.workers.port};
      p.database.kind = DatabaseKind::droplet; // any shared database: only the workers' part is read
      p.database.size = size->slug;
      auto option = role_option(p, "workers", catalog, model);
      if (!option) return tl::unexpected(option.error());
      option->workers = p.workers;
      option->monthly = count * droplet_monthly(*size, base.extras, catalog);
      workers_pg_all.push_back(*option);
      if (count == 1) {
        workers_pg_single.push_back(*option);
        p.database.kind = DatabaseKind::embedded;
        auto sqlite = role_option(p, "workers", catalog, model);
        if (!sqlite) return tl::unexpected(sqlite.error());
        sqlite->workers = p.workers;
        sqlite->monthly = option->monthly;
        workers_sqlite.push_back(*sqlite);
      }
    }
  }

  // Shared database options.
  std::vector<Option> databases;
  for (const auto* size : sizes) {
    plan::Plan p = bare;
    p.database = base.database;
    p.database.kind = DatabaseKind::droplet;
    p.database.size = size->slug;
    p.database.nodes = 1;
    auto option = role_option(p, "database", catalog, model);
    if (!option) return tl::unexpected(option.error());
    option->database = p.database;
    option->monthly = droplet_monthly(*size, base.extras, catalog);
    databases.push_back(*option);
  }
  if (in(catalog.database_regions, base.region)) {
    for (const auto& size : catalog.databases) {
      plan::Plan p = bare;
      p.database = base.database;
      p.database.kind = DatabaseKind::managed;
      p.database.size = size.slug;
      p.database.nodes = 1; // standbys add cost, not capacity
      auto option = role_option(p, "database", catalog, model);
      if (!option) return tl::unexpected(option.error());
      option->database = p.database;
      option->monthly = size.monthly;
      databases.push_back(*option);
    }
  }
  Option embedded;
  embedded.database = base.database;
  embedded.database.kind = DatabaseKind::embedded;

  Optimum optimum;
  optimum.architectures = (lbs_all.size() * workers_pg_all.size() + workers_pg_single.size()) * databases.size() +
                          (lbs_all.size() + 1) * workers_sqlite.size();

  const auto lbs = frontier(lbs_all);
  const auto pg_all = frontier(workers_pg_all);
  const auto pg_single = frontier(workers_pg_single);
  const auto sqlite = frontier(workers_sqlite);
  const auto dbs = frontier(databases);

  plan::Plan stripped = base; // candidates are copied many times; positions in the file mean nothing to them
  stripped.marks.clear();
  std::vector<Candidate> feasible;
  std::vector<Candidate> over_budget;
  const auto consider = [&](const Option& lb, const Option& workers, const Option& db) {
    Candidate c;
    c.plan = stripped;
    c.plan.load_balancer = lb.lb;
    c.plan.workers = workers.workers;
    c.plan.database = db.database;
    c.monthly = constant + lb.monthly + workers.monthly + db.monthly;
    // The bottleneck and the runner-up along LB -> workers -> database.
    std::vector<const Option*> parts;
    for (const Option* part : {&lb, &workers, &db}) {
      if (!part->part.role.empty()) parts.push_back(part);
    }
    std::sort(parts.begin(), parts.end(), [](const Option* a, const Option* b) { return a->rps < b->rps; });
    c.rps = parts.front()->rps;
    c.bottleneck = parts.front()->part.role;
    c.bottleneck_what = parts.front()->part.what;
    c.bottleneck_limit = parts.front()->part.limit;
    c.runner_up_rps = parts.size() > 1 ? parts[1]->rps : c.rps;
    if (c.monthly <= options.budget) {
      feasible.push_back(std::move(c));
    } else {
      over_budget.push_back(std::move(c));
    }
  };
  for (const auto& db : dbs) {
    for (const auto& workers : pg_single) consider(no_lb, workers, db);
    for (const auto& lb : lbs) {
      for (const auto& workers : pg_all) consider(lb, workers, db);
    }
  }
  for (const auto& workers : sqlite) {
    consider(no_lb, workers, embedded);
    for (const auto& lb : lbs) consider(lb, workers, embedded);
  }

  if (feasible.empty()) {
    Cents cheapest = std::numeric_limits<Cents>::max();
    for (const auto& c : over_budget) cheapest = std::min(cheapest, c.monthly);
    return tl::unexpected("no architecture fits " + money(options.budget) + " a month in " + base.region +
                          "; the cheapest costs " + money(cheapest) + " (with this plan's extras)");
  }
  std::sort(feasible.begin(), feasible.end(), better);
  for (const auto& c : feasible) {
    if (optimum.top.empty() || c.monthly < optimum.top.back().monthly) optimum.top.push_back(c);
    if (static_cast<int>(optimum.top.size()) >= std::max(1, options.top)) break;
  }

  const Candidate& winner = optimum.top.front();
  for (const auto& c : over_budget) {
    if (c.rps > winner.rps && (!optimum.better_over_budget || c.monthly < optimum.better_over_budget->monthly ||
                               (c.monthly == optimum.better_over_budget->monthly && c.rps > optimum.better_over_budget->rps))) {
      optimum.better_over_budget = c;
    }
  }

  std::string why = describe_architecture(winner.plan) + " has the highest predicted rate within " + money(options.budget) + ": " +
                    rate(winner.rps) + " for " + money(winner.monthly) + ". It is limited by the " + winner.bottleneck + " (" +
                    winner.bottleneck_what + ", " + winner.bottleneck_limit + ")";
  if (winner.runner_up_rps > winner.rps) why += "; the next limit is " + rate(winner.runner_up_rps);
  why += ".";
  if (optimum.top.size() > 1) {
    const Candidate& second = optimum.top[1];
    why += " The next cheaper choice, " + describe_architecture(second.plan) + ", saves " + money(winner.monthly - second.monthly) +
           " but serves " + rate(winner.rps - second.rps) + " less.";
  }
  if (optimum.better_over_budget) {
    why += " Doing better takes at least " + money(optimum.better_over_budget->monthly) + " (" +
           describe_architecture(optimum.better_over_budget->plan) + ", " + rate(optimum.better_over_budget->rps) + ").";
  } else {
    why += " No architecture in the searched space is predicted to do better at any price.";
  }
  optimum.why = why;
  return optimum;
}

} // namespace fp::pricing
