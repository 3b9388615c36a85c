// fpctl up: creates on DigitalOcean the architecture of fpctl.yaml (SSH key, VPC, droplets, managed
// database, firewalls) after showing the plan and asking; a second run changes nothing.
// fpctl status: what exists, its addresses, age and cost so far.
// fpctl teardown: deletes everything the project's tags mark, and proves nothing billable is left.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace fp::cli {

struct UpOptions {
  std::string config;
  bool dry_run = false;
  bool yes = false;
  bool verbose = false;
};

struct StatusOptions {
  std::string config;
  bool refresh = false;
  bool verbose = false;
};

struct TeardownOptions {
  std::string config;
  bool yes = false;
  bool verbose = false;
};

CLI::App* add_up_command(CLI::App& app, UpOptions& options);
CLI::App* add_status_command(CLI::App& app, StatusOptions& options);
CLI::App* add_teardown_command(CLI::App& app, TeardownOptions& options);

// Exit codes: 0 done (or nothing to do); 1 the API or a wait failed (run again: it converges);
// 2 a mistake in fpctl.yaml, the command line or the token, or the plan was declined.
int run_up(const UpOptions& options);
int run_status(const StatusOptions& options);
int run_teardown(const TeardownOptions& options);

} // namespace fp::cli
