// fpctl: the one place that parses the command line, prints an error and picks the exit code.
// Every command lives in a cmd_<verb>.cpp that binds flags and calls one library function.
#include "cmd_bench.hpp"
#include "cmd_cost.hpp"
#include "cmd_deploy.hpp"
#include "cmd_init.hpp"
#include "cmd_logs.hpp"
#include "cmd_report.hpp"
#include "cmd_ssh.hpp"
#include "cmd_status.hpp"
#include "cmd_teardown.hpp"
#include "cmd_up.hpp"
#include "errors.hpp"
#include "suggest.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <unistd.h>

namespace {

constexpr const char* k_version = "0.1.0";
const std::vector<std::string> k_commands = {"bench", "cost", "init", "up", "deploy", "status", "teardown", "ssh", "logs", "report"};

std::atomic<bool> g_stop{false};

// First Ctrl-C: stop the run and still write every output. Second: leave now.
extern "C" void on_interrupt(int) {
  if (g_stop.exchange(true)) _exit(fp::cli::k_exit_interrupted);
}

} // namespace

int main(int argc, char** argv) {
  using namespace fp::cli;
  CLI::App app{"fpctl: price, deploy, load-test and tear down the orders API on DigitalOcean"};
  app.set_version_flag("--version", k_version);
  app.require_subcommand(1);

  BenchOptions bench_options;
  FindOptions find_options;
  CLI::App* bench_find = nullptr;
  auto* bench = add_bench_command(app, bench_options, find_options, &bench_find);
  CostOptions cost_options;
  auto* cost = add_cost_command(app, cost_options);
  InitOptions init_options;
  auto* init = add_init_command(app, init_options);
  UpOptions up_options;
  auto* up = add_up_command(app, up_options);
  DeployOptions deploy_options;
  auto* deploy = add_deploy_command(app, deploy_options);
  StatusOptions status_options;
  auto* status = add_status_command(app, status_options);
  TeardownOptions teardown_options;
  auto* teardown = add_teardown_command(app, teardown_options);
  SshOptions ssh_options;
  auto* ssh = add_ssh_command(app, ssh_options);
  LogsOptions logs_options;
  auto* logs = add_logs_command(app, logs_options);
  ReportOptions report_options;
  auto* report = add_report_command(app, report_options);

  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  try {
    const std::string first = argc > 1 ? argv[1] : "";
    if (!first.empty() && first[0] != '-' &&
        std::find(k_commands.begin(), k_commands.end(), first) == k_commands.end()) {
      const auto close = fp::plan::closest(first, k_commands);
      throw UsageError("unknown command '" + first + "'" + (close.empty() ? "" : "; did you mean '" + close + "'?") +
                       " Run 'fpctl --help' for the commands.");
    }
    app.parse(argc, argv);
    if (bench_find->parsed()) return run_bench_find(bench_options, find_options, g_stop);
    if (bench->parsed()) return run_bench(bench_options, g_stop);
    if (cost->parsed()) return run_cost(cost_options);
    if (init->parsed()) return run_init(init_options);
    if (up->parsed()) return run_up(up_options);
    if (deploy->parsed()) return run_deploy(deploy_options);
    if (status->parsed()) return run_status(status_options);
    if (teardown->parsed()) return run_teardown(teardown_options);
    if (ssh->parsed()) return run_ssh(ssh_options);
    if (logs->parsed()) return run_logs(logs_options, g_stop);
    if (report->parsed()) return run_report(report_options);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e); // --help, --version
    std::cerr << "fpctl: error: " << e.what() << "\nRun 'fpctl --help' (or 'fpctl COMMAND --help') for usage.\n";
    return k_exit_usage;
  } catch (const UsageError& e) {
    std::cerr << "fpctl: error: " << e.what() << "\n";
    return k_exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "fpctl: error: " << e.what() << "\n";
    return k_exit_failure;
  }
  return k_exit_usage;
}
