// fpctl bench: binds the flags to a BenchOptions and runs the load generator.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace fp::cli {

struct BenchOptions {
  std::string url;                 // positional, or --host (Locust's name); empty: the deployment's entry point
  std::string config;              // --config: the fpctl.yaml whose deployment is the default target
  std::string scenario = "fp-orders";
  std::string locustfile;
  std::string users = "1";         // -u, human count (10k)
  std::string spawn_rate;          // -r; default: all users at once
  std::string run_time;            // -t
  std::string requests;            // -n: stop after this many requests
  std::string rate;                // --rate: open model, iterations per second
  std::vector<std::string> stages; // --stage DURATION:RATE (repeatable): ramping arrival rate
  std::string connections = "64";  // -c: open model's connection pool
  std::size_t threads = 0;
  std::string connect_timeout = "5s";
  std::string timeout = "30s";
  std::string csv_prefix;
  std::string json_path;
  std::string html_path;
  std::vector<std::string> fail_on;
  std::vector<std::string> thresholds;
  bool quiet = false;
};

// fpctl bench find max-rps|peak-users: the assignment's questions, answered by search.
struct FindOptions {
  std::string question;             // max-rps | peak-users
  std::string duration = "60s";     // the confirming run
  std::string probe = "5s";         // each max-rps probe
  std::string start_rate = "50";
  std::string spawn_rate = "25";
  std::string reset_command;        // run with /bin/sh -c before each trial
};

// Adds `bench` to the app; `exit_code` receives the command's exit code when it ran.
CLI::App* add_bench_command(CLI::App& app, BenchOptions& options, FindOptions& find, CLI::App** find_command);
// Runs it; `stop` turns true on Ctrl-C (the run then stops and still writes every output).
int run_bench(const BenchOptions& options, const std::atomic<bool>& stop);
int run_bench_find(const BenchOptions& options, const FindOptions& find, const std::atomic<bool>& stop);

} // namespace fp::cli
