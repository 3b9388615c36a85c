// fpctl deploy: re-installs fp-order-server and the configurations on the hosts that exist, one
// worker at a time (drained, updated, checked, back in service) so that clients see no failure.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace fp::cli {

struct DeployOptions {
  std::string config;
  bool restart = false;
  bool verbose = false;
};

CLI::App* add_deploy_command(CLI::App& app, DeployOptions& options);
// Exit codes: 0 every host done; 1 a host failed (the rollout stopped there; run again);
// 2 nothing deployed yet, or a mistake in fpctl.yaml or the token.
int run_deploy(const DeployOptions& options);

} // namespace fp::cli
