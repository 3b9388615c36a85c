#include "validate.hpp"
#include "suggest.hpp"

#include <algorithm>
#include <set>

namespace fp::pricing {
namespace {

std::vector<std::string> slugs_with_vcpus(const Catalog& catalog, int vcpus, const std::string& region) {
  std::vector<std::string> out;
  for (const auto& size : catalog.droplets) {
    if ((vcpus == 0 || size.vcpus == vcpus) && (region.empty() || catalog.sold_in(size, region))) out.push_back(size.slug);
  }
  return out;
}

// The vCPU count a slug claims ("s-1vcpu-3gb" -> 1), or 0.
int claimed_vcpus(const std::string& slug) {
  const auto at = slug.find("vcpu");
  if (at == std::string::npos) return 0;
  std::size_t start = at;
  while (start > 0 && slug[start - 1] >= '0' && slug[start - 1] <= '9') --start;
  if (start == at) return 0;
  return std::stoi(slug.substr(start, at - start));
}

std::string vcpu_words(int vcpus) { return std::to_string(vcpus) + (vcpus == 1 ? " vCPU" : " vCPUs"); }

void check_droplet_size(const plan::Plan& plan, const Catalog& catalog, const std::string& field, const std::string& slug,
                        std::vector<Problem>& problems) {
  const DropletSize* size = catalog.droplet(slug);
  if (!size) {
    if (catalog.database(slug)) {
      problems.push_back({field, "'" + slug + "' is a managed database size, not a droplet size; droplet sizes in " + plan.region +
                                     ": " + plan::join_alternatives(slugs_with_vcpus(catalog, 0, plan.region), ", ")});
      return;
    }
    const int vcpus = claimed_vcpus(slug);
    auto same = slugs_with_vcpus(catalog, vcpus, "");
    std::string message = "size '" + slug + "' does not exist";
    if (vcpus > 0 && !same.empty()) {
      message += "; sizes with " + vcpu_words(vcpus) + ": " + plan::join_alternatives(same, ", ");
    } else {
      message += "; sizes: " + plan::join_alternatives(slugs_with_vcpus(catalog, 0, ""), ", ");
    }
    std::vector<std::string> all = slugs_with_vcpus(catalog, 0, "");
    const std::string hint = plan::closest(slug, all);
    if (!hint.empty()) message += " (did you mean '" + hint + "'?)";
    problems.push_back({field, message});
    return;
  }
  const bool region_known = std::find(catalog.regions.begin(), catalog.regions.end(), plan.region) != catalog.regions.end();
  if (region_known && !catalog.sold_in(*size, plan.region)) {
    problems.push_back({field, "size '" + slug + "' is not sold in region " + plan.region + " (it is sold in " +
                                   plan::join_alternatives(size->regions, ", ") + "); sizes with " + vcpu_words(size->vcpus) +
                                   " in " + plan.region + ": " +
                                   plan::join_alternatives(slugs_with_vcpus(catalog, size->vcpus, plan.region), ", ")});
  }
}

std::vector<std::string> database_slugs(const Catalog& catalog, int min_nodes) {
  std::vector<std::string> out;
  for (const auto& size : catalog.databases) {
    if (size.max_nodes >= min_nodes) out.push_back(size.slug);
  }
  return out;
}

} // namespace

std::vector<Problem> validate(const plan::Plan& plan, const Catalog& catalog) {
  using plan::DatabaseKind;
  using plan::LoadBalancerKind;
  std::vector<Problem> problems;

  if (std::find(catalog.regions.begin(), catalog.regions.end(), plan.region) == catalog.regions.end()) {
    const std::string hint = plan::closest(plan.region, catalog.regions);
    problems.push_back({"region", "region '" + plan.region + "' is not a DigitalOcean region" +
                                      (hint.empty() ? "." : "; did you mean '" + hint + "'?") + " Regions: " +
                                      plan::join_alternatives(catalog.regions, ", ")});
  }

  const auto& lb = plan.load_balancer;
  if (lb.kind == LoadBalancerKind::droplet) check_droplet_size(plan, catalog, "load_balancer.size", lb.size, problems);
  if (lb.kind == LoadBalancerKind::managed &&
      std::find(catalog.regions.begin(), catalog.regions.end(), plan.region) != catalog.regions.end() &&
      std::find(catalog.load_balancer_regions.begin(), catalog.load_balancer_regions.end(), plan.region) ==
          catalog.load_balancer_regions.end()) {
    problems.push_back({"load_balancer.kind", "managed load balancers are not offered in " + plan.region +
                                                  "; use kind: droplet (nginx), or a region among " +
                                                  plan::join_alternatives(catalog.load_balancer_regions, ", ")});
  }
  if (lb.kind == LoadBalancerKind::none && plan.workers.count > 1) {
    problems.push_back({"load_balancer.kind", "kind none serves one worker directly, but workers.count is " +
                                                  std::to_string(plan.workers.count) +
                                                  "; use kind: droplet (nginx) or managed, or workers.count: 1"});
  }

  check_droplet_size(plan, catalog, "workers.size", plan.workers.size, problems);

  const auto& db = plan.database;
  if (db.kind == DatabaseKind::embedded && plan.workers.count > 1) {
    problems.push_back({"database.kind", "kind embedded keeps orders in SQLite on the one worker, but workers.count is " +
                                             std::to_string(plan.workers.count) +
                                             "; several workers need a shared database: kind managed or droplet"});
  }
  if (db.kind == DatabaseKind::droplet) check_droplet_size(plan, catalog, "database.size", db.size, problems);
  if (db.kind != DatabaseKind::embedded &&
      std::find(catalog.pg_versions.begin(), catalog.pg_versions.end(), db.version) == catalog.pg_versions.end()) {
    problems.push_back({"database.version", "PostgreSQL version '" + db.version + "' is not offered; versions: " +
                                                plan::join_alternatives(catalog.pg_versions, ", ")});
  }
  if (db.kind == DatabaseKind::managed) {
    const DatabaseSize* size = catalog.database(db.size);
    if (!size) {
      std::string message = "'" + db.size + "' is not a managed PostgreSQL size";
      if (catalog.droplet(db.size)) message += " (it is a droplet size: with kind: droplet PostgreSQL runs on a droplet of that size)";
      const auto all = database_slugs(catalog, 1);
      message += "; sizes: " + plan::join_alternatives(all, ", ");
      const std::string hint = plan::closest(db.size, all);
      if (!hint.empty() && !catalog.droplet(db.size)) message += " (did you mean '" + hint + "'?)";
      problems.push_back({"database.size", message});
    } else if (db.nodes > size->max_nodes) {
      problems.push_back({"database.nodes", std::to_string(db.nodes) + " nodes (a primary and " + std::to_string(db.nodes - 1) +
                                                (db.nodes == 2 ? " standby" : " standbys") + ") are not allowed on " + db.size +
                                                ": standby nodes need a plan with at least 2 GB of RAM (" +
                                                plan::join_alternatives(database_slugs(catalog, db.nodes), ", ") +
                                                "), or set nodes: 1"});
    }
    if (std::find(catalog.regions.begin(), catalog.regions.end(), plan.region) != catalog.regions.end() &&
        std::find(catalog.database_regions.begin(), catalog.database_regions.end(), plan.region) ==
            catalog.database_regions.end()) {
      problems.push_back({"database.kind", "managed PostgreSQL is not offered in " + plan.region + "; regions: " +
                                               plan::join_alternatives(catalog.database_regions, ", ")});
    }
  }
  return problems;
}

std::string describe(const std::vector<Problem>& problems_in, const plan::Plan& plan) {
  // In the order of the file, so the messages read top to bottom like the config.
  std::vector<Problem> problems = problems_in;
  const auto position = [&](const Problem& p) {
    const auto found = plan.marks.find(p.field);
    return found == plan.marks.end() ? std::pair{1 << 30, 0} : std::pair{found->second.line, found->second.column};
  };
  std::stable_sort(problems.begin(), problems.end(),
                   [&](const Problem& a, const Problem& b) { return position(a) < position(b); });
  std::string out;
  for (const auto& problem : problems) {
    if (!out.empty()) out += "\n";
    out += plan.where(problem.field) + problem.field + ": " + problem.message;
  }
  return out;
}

} // namespace fp::pricing
