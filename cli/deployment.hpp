// From a project's state to a deploy::Deployment: which hosts, which addresses, which database,
// which fp-order-server binary. Shared by `fpctl up` (after the infrastructure exists), `fpctl
// deploy` and the local provider.
#pragma once

#include "deploy/rollout.hpp"
#include "infra/state.hpp"
#include "project.hpp"

#include <filesystem>
#include <string>

namespace fp::cli {

// The fp-order-server fpctl installs: FPCTL_SERVER_BINARY, else the one beside fpctl (an
// installation), else the build tree's (build/server/ next to build/cli/). Throws UsageError naming
// the places it looked when none exists.
std::filesystem::path server_binary_path();
std::string read_server_binary(const std::filesystem::path& path);

// The hosts of the state (droplets or local processes), roles lb and worker, sorted by name, with
// their pinned host keys. `worker_port`: the plan's; a recorded port wins.
std::vector<deploy::HostSpec> hosts_from_state(const infra::State& state, const std::string& project, int worker_port);

// Prints "  [worker-1] line" on stderr: progress of the hosts.
void print_host_progress(const std::string& host, const std::string& line);

// Records the host keys seen on first contact (and only those) into the state and saves it.
void record_host_keys(const deploy::RolloutReport& report, infra::State& state, const std::filesystem::path& state_file);

} // namespace fp::cli
