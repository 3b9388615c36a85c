// fpctl status: what exists, its addresses, age and cost so far; --refresh asks the API and
// rebuilds .fpctl/state.json from the resources' tags.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace fp::cli {

struct StatusOptions {
  std::string config;
  bool refresh = false;
  bool verbose = false;
};

CLI::App* add_status_command(CLI::App& app, StatusOptions& options);
// Exit codes: 0 shown; 1 the API failed; 2 a mistake in fpctl.yaml or the token.
int run_status(const StatusOptions& options);

} // namespace fp::cli
