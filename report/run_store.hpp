// The runs kept with a deployment: `fpctl bench` and `fpctl bench find` without a URL keep each run
// in <project>/.fpctl/runs/<UTC timestamp>-<scenario or question>/ so that `fpctl report` can
// assemble the assignment's report later, after the deployment is gone if need be:
//   result.json  bench's JSON (bench/report_json.cpp) of the run, or of a search's confirming run
//   run.json     what was asked (model, users, spawn rate, rate, duration), the target, start and end
//                (UTC), a search's answer and trials, and the deployment's resources at the time
//   hosts.json   each host's CPU, memory, network and load during the run (when it was sampled)
// Writing and reading live here together so the two cannot drift apart.
#pragma once

#include "run.hpp"
#include "search.hpp"
#include "stats.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace fp::report {

// One resource of the deployment as the state recorded it when the run started: enough to name the
// architecture and to price it later, even after `fpctl teardown` emptied the state.
struct DeploymentResource {
  std::string kind; // droplet | database | process | ...
  std::string name;
  std::string role; // lb | worker | db
  std::string size;
  std::string created_at;
  std::string public_ipv4;
  std::string private_ipv4;
  int port = 0;
};

struct TrialRecord {
  std::string label;
  double load = 0;
  double achieved = 0;
  std::uint64_t requests = 0;
  std::uint64_t failures = 0;
  std::uint64_t p99_us = 0;
  bool passed = false;
  std::string evidence;
};

// run.json.
struct RunMetadata {
  static constexpr int k_version = 1;
  std::string id;           // the directory's name (not stored in the file)
  std::string command;      // "bench" or "find"
  std::string question;     // find: "max-rps" or "peak-users"
  std::string scenario;
  std::string target;       // base URL: an address, hidden in reports unless asked
  std::string project;
  std::string provider;     // local | digitalocean
  std::string model;        // closed | open
  std::uint32_t users = 0;  // closed model
  double spawn_rate = 0;    // closed model, and peak-users' spawn rate
  double rate = 0;          // open model, constant rate
  std::vector<std::string> stages; // open model, ramping (DURATION:RATE as given)
  std::uint32_t connections = 0;   // open model
  std::string duration;     // --run-time, or a search's confirming duration, as given ("60s")
  std::string probe;        // max-rps: each probe's length
  double start_rate = 0;    // max-rps: the first probe's rate
  std::string started;      // ISO 8601 UTC, "2024-05-01T10:00:00Z"
  std::string ended;
  bool interrupted = false; // Ctrl-C
  // find only:
  std::optional<double> answer; // nullopt: no load passed, or the search was stopped
  std::string note;
  std::vector<TrialRecord> trials;
  std::vector<DeploymentResource> deployment;
};

// hosts.json (written by the host sampler; read here). t: seconds since the bench started.
struct HostSample {
  double t = 0;
  double cpu_percent = 0;
  double load1 = 0;
  double mem_used_mb = 0;
  double mem_total_mb = 0;
  double rx_kbps = 0;
  double tx_kbps = 0;
};
struct HostSeries {
  std::string host;
  std::string role;
  std::string error;
  std::vector<HostSample> samples;
};
struct HostsData {
  double interval_s = 1;
  std::vector<HostSeries> hosts;
};

// What a report needs of result.json: totals, failures by kind, and the per-second timeline.
struct TimelinePoint {
  double t = 0; // end of the second, seconds since the run started
  std::uint32_t users = 0;
  std::uint64_t requests = 0;
  std::uint64_t failures = 0;
  std::uint64_t p50_us = 0, p95_us = 0, p99_us = 0;
};
struct ResultSummary {
  std::string scenario;
  std::string target;
  std::string started;
  double elapsed_seconds = 0;
  bool stopped_early = false;
  std::uint64_t requests = 0;
  std::uint64_t failures = 0;
  double requests_per_second = 0;
  std::uint64_t p50_us = 0, p95_us = 0, p99_us = 0, max_us = 0;
  std::uint32_t peak_users = 0;
  std::map<std::string, std::uint64_t> failures_by_kind;
  std::vector<std::pair<std::string, std::uint64_t>> errors; // "GET /orders: HTTP 503" -> occurrences
  double generator_cpu_percent = 0;
  bool generator_bound = false;
  std::string generator_reason;
  std::vector<TimelinePoint> timeline;
};

struct StoredRun {
  RunMetadata meta;
  std::optional<ResultSummary> result; // absent: a search that confirmed nothing, or an unreadable file
  std::optional<HostsData> hosts;      // absent: nobody sampled the hosts
  std::vector<std::string> problems;   // unreadable files, in words (the report shows them)
};

// <project dir>/.fpctl/runs
std::filesystem::path runs_directory(const std::filesystem::path& project_dir);

// "20240501T100000Z" for a time.
std::string compact_utc(std::chrono::system_clock::time_point time);
std::string iso_utc(std::chrono::system_clock::time_point time);

// Creates runs_root/<compact UTC of `started`>-<label> (label sanitised to [a-z0-9._-]); when that
// exists already (two runs in one second), -2, -3, ... is appended. The directory's name is the id.
tl::expected<std::filesystem::path, std::string> create_run_directory(const std::filesystem::path& runs_root,
                                                                       std::chrono::system_clock::time_point started,
                                                                       const std::string& label);

TrialRecord to_record(const bench::Trial& trial);

// Writes result.json when `result` is given (bench's JSON writer), hosts.json when `hosts_json` is
// not empty (the host sampler's JSON text), then run.json: each file atomically, run.json last, so a
// directory with a run.json is complete.
tl::expected<void, std::string> write_run(const std::filesystem::path& directory, const RunMetadata& meta,
                                          const bench::RunResult* result, const std::string& hosts_json = {});

// Every run under runs_root, oldest first (ids begin with their UTC time); `only`: just those ids
// (an unknown id is an error naming the ones that exist). A missing runs_root is no runs.
tl::expected<std::vector<StoredRun>, std::string> load_runs(const std::filesystem::path& runs_root,
                                                            const std::vector<std::string>& only = {});

// The parsers, exposed for tests: an error names what is wrong, never throws.
tl::expected<RunMetadata, std::string> parse_run_metadata(const std::string& text);
tl::expected<ResultSummary, std::string> parse_result(const std::string& text);
tl::expected<HostsData, std::string> parse_hosts(const std::string& text);

} // namespace fp::report
