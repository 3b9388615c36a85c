// What `fpctl report` says, gathered once from the plan (fpctl.yaml), the state (.fpctl/state.json),
// the price catalog and the kept runs (.fpctl/runs/); the Markdown and HTML renderers only format
// it, so the two documents never disagree. Every number comes from a file: what was not measured
// is said to be missing, never estimated.
#pragma once

#include "catalog.hpp"
#include "infra/state.hpp"
#include "plan.hpp"
#include "price.hpp"
#include "run_store.hpp"
#include "running.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fp::report {

struct HostEntry {
  std::string name;
  std::string status;
  std::string address; // "203.0.113.7 (private 10.0.0.5)", "127.0.0.1:8080"; empty unless --show-addresses
};

// One role of the architecture: a row of the table and a box of the diagram.
struct RoleEntry {
  std::string role;   // lb | worker | db
  std::string title;  // "Load balancer", "Workers", "Database"
  std::string kind;   // "nginx droplet", "fp-order-server", "managed PostgreSQL 16", "SQLite on the worker"
  std::string size;   // slug, or "" when the role has none
  int count = 0;      // planned
  int vcpus = 0;      // per unit, from the catalog; 0 when unknown
  int memory_mib = 0;
  std::vector<HostEntry> hosts; // as recorded (state, else the last run's snapshot)
};

struct Architecture {
  std::string project;
  std::string provider; // local | digitalocean
  std::string region;
  std::vector<RoleEntry> roles;
  std::string recorded_from; // "the recorded deployment (.fpctl/state.json)", "the snapshot kept with run X", ""
};

struct CostSection {
  std::optional<pricing::Cost> cost;
  std::string error;         // why there is no table (a size the catalog does not know, ...)
  std::string catalog;       // "embedded catalog as of 2025-..."
};

// What the experiment itself cost: the deployment's resources priced from their creation.
struct ExperimentCost {
  std::optional<pricing::RunningCost> running;
  std::string basis;  // what it covers and up to when
  std::string note;   // e.g. "provider: local runs on this machine: nothing was billed"
};

// The answer to one of the assignment's questions.
struct Answer {
  std::optional<double> value; // nullopt: not measured, or no load passed
  std::string run_id;          // the find run it comes from; empty: none
  std::string duration;        // how long it was confirmed for
  std::string note;            // the search's note, or why there is no value
};

struct PeakUsers {
  double spawn_rate = 0;
  Answer answer;
};

struct ReportModel {
  std::string generated;     // ISO 8601 UTC
  bool show_addresses = false;
  Architecture architecture;
  CostSection cost;
  ExperimentCost experiment;
  Answer max_rps;
  std::vector<PeakUsers> peak_users; // the course's spawn rates (25, 50, 100) and any other measured, ascending
  std::vector<StoredRun> runs;       // oldest first; targets hidden unless show_addresses
  std::string bottleneck;            // a sentence from data, or what data is missing
  std::vector<std::string> problems; // files that could not be read
};

struct ReportInputs {
  const plan::Plan& plan;
  const infra::State& state;         // empty when nothing is deployed now
  const pricing::Catalog& catalog;
  std::vector<StoredRun> runs;
  bool show_addresses = false;
  std::chrono::sys_seconds now;
};

ReportModel build_model(ReportInputs inputs);

// Renderers: pure functions of the model.
std::string render_markdown(const ReportModel& model);
std::string render_html(const ReportModel& model);

// The course's spawn rates for the peak-users question.
inline constexpr double k_course_spawn_rates[] = {25, 50, 100};

// Shared formatting: "1,234.5", "12 ms".
std::string format_number(double value, int decimals);
std::string format_ms(std::uint64_t micros);

} // namespace fp::report
