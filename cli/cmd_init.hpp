// fpctl init: writes the commented fpctl.yaml (templates/fpctl.yaml, compiled in).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace fp::cli {

struct InitOptions {
  std::string file = "fpctl.yaml";
  bool force = false;
  bool local = false;        // provider: local (this machine)
  bool digitalocean = false; // provider: digitalocean
};

CLI::App* add_init_command(CLI::App& app, InitOptions& options);
int run_init(const InitOptions& options);

} // namespace fp::cli
