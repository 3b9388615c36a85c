// fpctl teardown: deletes everything the project's tag marks (and the VPC and SSH key only if fpctl
// made them), waits until it is gone, and lists the account again to prove nothing is left.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace fp::cli {

struct TeardownOptions {
  std::string config;
  bool yes = false;
  bool verbose = false;
};

CLI::App* add_teardown_command(CLI::App& app, TeardownOptions& options);
// Exit codes: 0 nothing of the project is left; 1 the API or a wait failed (run it again);
// 2 a mistake in fpctl.yaml or the token, or the deletion was declined.
int run_teardown(const TeardownOptions& options);

} // namespace fp::cli
