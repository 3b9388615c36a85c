// What a plan costs: one line per resource with its unit and monthly price, the total against the
// budget, in US$ and Rupiah. Pure arithmetic on integers (money.hpp); no I/O.
#pragma once

#include "catalog.hpp"
#include "plan.hpp"

#include <string>
#include <tl/expected.hpp>
#include <vector>

namespace fp::pricing {

struct CostLine {
  std::string role;        // "load balancer (nginx)", "worker", "database primary", ...
  std::string slug;        // "s-1vcpu-2gb", "lb-node", "volume-gib", "" for extras without one
  int count = 0;           // how many (droplets, nodes, GiB)
  int vcpus = 0;           // per unit; 0 when it does not apply
  int memory_mib = 0;
  Micros unit_hourly = 0;
  Cents unit_monthly = 0;
  Micros hourly = 0;       // count x unit
  Cents monthly = 0;
  Confidence confidence = Confidence::official;
  std::string note;        // e.g. "free while assigned"
};

struct Cost {
  std::vector<CostLine> lines;
  Micros hourly = 0;       // what each further hour of the whole architecture costs
  Cents monthly = 0;       // a full calendar month (every resource capped at its monthly price)
  Cents budget = 0;
  Cents headroom = 0;      // budget - monthly (negative: over budget)
  std::int64_t idr_per_usd = 0;
  int transfer_gb = 0;     // pooled outbound allowance of the droplets, per month
  bool fits() const { return monthly <= budget; }
};

// The cost of a plan that validate() accepted; an error names what the catalog lacks otherwise.
tl::expected<Cost, std::string> price(const plan::Plan& plan, const Catalog& catalog);

// The monthly price of a droplet with the plan's extras (weekly backups add their share).
Cents droplet_monthly(const DropletSize& size, const plan::Extras& extras, const Catalog& catalog);

} // namespace fp::pricing
