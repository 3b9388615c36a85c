// fpctl up: creates on DigitalOcean the architecture of fpctl.yaml (SSH key, VPC, droplets, managed
// database, firewalls) after showing the plan and asking, then installs fp-order-server and nginx
// on the droplets over SSH; a second run changes nothing. With provider: local, the same roles run
// as processes on this machine (local_provider.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace fp::cli {

struct UpOptions {
  std::string config;
  bool dry_run = false;
  bool yes = false;
  bool verbose = false;
  bool infra_only = false; // create the infrastructure, install nothing over SSH
};

CLI::App* add_up_command(CLI::App& app, UpOptions& options);

// Exit codes: 0 done (or nothing to do); 1 the API or a wait failed (run again: it converges);
// 2 a mistake in fpctl.yaml, the command line or the token, or the plan was declined.
int run_up(const UpOptions& options);

} // namespace fp::cli
