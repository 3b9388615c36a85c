// Checking a Plan against the catalog: sizes that exist, are sold in the region and fit their role,
// and layouts the services allow. Each problem names the valid choices.
#pragma once

#include "catalog.hpp"
#include "plan.hpp"

#include <string>
#include <vector>

namespace fp::pricing {

struct Problem {
  std::string field;   // "workers.size": the plan's marks give its file:line:column
  std::string message; // "size 's-1vcpu-3gb' does not exist; sizes with 1 vCPU: ..."
};

// Every problem found (empty: the plan can be priced and created).
std::vector<Problem> validate(const plan::Plan& plan, const Catalog& catalog);

// "fpctl.yaml:14:9: workers.size: size ..." for each problem, one per line.
std::string describe(const std::vector<Problem>& problems, const plan::Plan& plan);

} // namespace fp::pricing
