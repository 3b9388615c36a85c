// fpctl cost: prices the architecture in fpctl.yaml against the budget, predicts its capacity,
// and with --optimize finds the best architecture that fits.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace fp::cli {

struct CostOptions {
  std::string config;            // -c; default ./fpctl.yaml, else the built-in default plan
  std::string output = "table";  // table | json
  std::string budget;            // --budget USD: overrides budget.usd_per_month
  bool optimize = false;
  int top = 0;                   // --optimize: architectures listed (0: not given, 5)
  int max_workers = 0;           // --optimize: largest worker count searched (0: not given, 10)
  std::string write;             // --write FILE: the optimizer's winner into FILE
  std::string calibrate;         // --calibrate RESULTS.json
  bool live = false;             // droplet prices from GET /v2/sizes
};

CLI::App* add_cost_command(CLI::App& app, CostOptions& options);
// Exit codes: 0 fits the budget; 2 over budget, or a mistake in the command line or fpctl.yaml; 1 otherwise.
int run_cost(const CostOptions& options);

} // namespace fp::cli
