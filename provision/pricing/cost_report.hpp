// What `fpctl cost` prints: the cost table (or JSON) of one plan with its predicted capacity, and
// the optimizer's top architectures. Pure formatting into strings; the CLI decides where they go.
#pragma once

#include "capacity.hpp"
#include "catalog.hpp"
#include "optimizer.hpp"
#include "plan.hpp"
#include "price.hpp"
#include "running.hpp"

#include <string>

namespace fp::pricing {

struct CostView {
  const plan::Plan& plan;
  const Catalog& catalog;
  const Cost& cost;
  const Prediction* prediction = nullptr; // absent when the model could not be applied
  const CapacityModel* model = nullptr;
  const RunningCost* running = nullptr;   // a deployment `fpctl up` recorded, when there is one
};

// The table per resource, totals, budget and headroom in US$ and Rp, the notes (catalog date,
// marks, billing rule, transfer) and the predicted capacity. `color`: ANSI colours.
std::string format_cost_table(const CostView& view, bool color);
// The same data as JSON (money as numbers in US$ and Rp; the exact cents alongside).
std::string format_cost_json(const CostView& view);

// The one line that says whether the plan fits: "fits the budget: ..." / "over budget by ...".
std::string budget_verdict(const Cost& cost);

struct OptimumView {
  const plan::Plan& base;
  const Catalog& catalog;
  const Optimum& optimum;
  const CapacityModel& model;
  Cents budget = 0;
};

std::string format_optimum_table(const OptimumView& view, bool color);
std::string format_optimum_json(const OptimumView& view);

} // namespace fp::pricing
