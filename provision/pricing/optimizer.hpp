// `fpctl cost --optimize`: the architecture with the highest predicted capacity within the budget.
// The search space is every load balancer (none, nginx on each droplet size, 1-3 managed nodes) x
// every worker size and count (1..max_workers) x every database (each managed size, PostgreSQL on
// each droplet size, SQLite on a single worker), in the plan's region, with the plan's extras.
// Because cost adds up per component and capacity is the minimum over components, a component
// option that costs more and serves less than another is never needed: each component's options
// are pruned to their cost/capacity frontier first, and only those are combined.
#pragma once

#include "capacity.hpp"
#include "catalog.hpp"
#include "money.hpp"
#include "plan.hpp"

#include <optional>
#include <string>
#include <tl/expected.hpp>
#include <vector>

namespace fp::pricing {

struct OptimizeOptions {
  Cents budget = 0;
  int max_workers = 10; // the bound that keeps the space finite
  int top = 5;
};

struct Candidate {
  plan::Plan plan;     // the input plan with this architecture
  Cents monthly = 0;
  double rps = 0;
  std::string bottleneck;
  std::string bottleneck_what;
  std::string bottleneck_limit;
  double runner_up_rps = 0; // the second-smallest component capacity (what removing the bottleneck would give)
};

struct Optimum {
  // Best first: the highest predicted rate within the budget, then each next-best that is cheaper
  // than every one above it (the cost/capacity frontier), at most `top`.
  std::vector<Candidate> top;
  std::size_t architectures = 0; // the size of the space searched
  // The cheapest architecture predicted to beat the winner, whatever the budget (to say what more money would buy).
  std::optional<Candidate> better_over_budget;
  std::string why; // why the winner wins, in a sentence or two
};

tl::expected<Optimum, std::string> optimize(const plan::Plan& base, const Catalog& catalog, const CapacityModel& model,
                                            const OptimizeOptions& options);

} // namespace fp::pricing
