// fpctl ssh: a shell (or one command) on a host of the deployment, named by role ("lb",
// "worker-2"); OpenSSH's client with the project's key and the pinned host key. Hosts of
// provider: local are directories on this machine. --forget-host-key drops a pinned key.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace fp::cli {

struct SshOptions {
  std::string config;
  std::string host;
  std::vector<std::string> command; // after "--"; empty: an interactive shell
  bool forget_host_key = false;
};

CLI::App* add_ssh_command(CLI::App& app, SshOptions& options);
// Exit codes: the command's own (or the shell's); 255 ssh could not connect; 1 the host key
// changed or ssh could not start; 2 no state, no such host, no address, no key recorded.
int run_ssh(const SshOptions& options);

} // namespace fp::cli
