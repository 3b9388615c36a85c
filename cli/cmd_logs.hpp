// fpctl logs: the last lines of a host's service log (fp-order-server on a worker, nginx's access
// and error logs on the load balancer, PostgreSQL on a database droplet), and with --follow what
// is appended after. Droplets are read over SSH like `fpctl ssh` does; local hosts from their files.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <string>

namespace fp::cli {

struct LogsOptions {
  std::string config;
  std::string host;
  int lines = 100;
  bool follow = false;
};

CLI::App* add_logs_command(CLI::App& app, LogsOptions& options);
// `stop` turns true on Ctrl-C, which ends --follow (exit 0). Exit codes: 0 shown; 1 no log yet or
// the host could not be read (255: ssh could not connect); 2 no state, no such host, no address.
int run_logs(const LogsOptions& options, const std::atomic<bool>& stop);

} // namespace fp::cli
