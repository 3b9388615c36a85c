// The assignment's questions answered by search rather than by hand: the maximum requests per second
// sustained at 0 % failures, and the peak users reachable at a spawn rate with 0 % failures. Each
// search spends little time (short probes up to the first failure, then narrowing), and ends with one
// full-length confirming run whose statistics are the evidence.
#pragma once

#include "run.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace fp::bench {

struct SearchOptions {
  RunOptions base;                               // target, scenario, threads, timeouts; model and time set per trial
  std::chrono::nanoseconds duration{std::chrono::seconds(60)}; // the confirming run (the course asks 60 s)
  std::chrono::nanoseconds probe{std::chrono::seconds(5)};     // each max-rps probe
  double start_rate = 50;                        // max-rps: the first probe's rate
  double spawn_rate = 25;                        // peak-users: users started per second
  // Runs before every trial, e.g. to empty the database as the course advises; an error stops the search.
  std::function<tl::expected<void, std::string>()> reset;
};

struct Trial {
  std::string label;          // "probe 800/s", "confirm 6,000 users", ...
  double load = 0;            // the rate (max-rps) or the users (peak-users) asked for
  double achieved = 0;        // RPS measured, or peak users reached
  std::uint64_t requests = 0;
  std::uint64_t failures = 0;
  std::uint64_t p99_us = 0;
  bool passed = false;
  std::string evidence;       // why it passed or failed, in words
};

class SearchObserver : public RunObserver {
public:
  virtual void on_trial_start(const std::string& /*label*/) {}
  virtual void on_trial(const Trial& /*trial*/) {}
};

struct SearchResult {
  std::vector<Trial> trials;
  std::optional<double> answer;   // nullopt: no load level passed (e.g. failures at the lowest)
  std::optional<RunResult> confirming;
  std::string note;               // e.g. "limited by spawn rate × duration, not by the server"
};

tl::expected<SearchResult, std::string> find_max_rps(const SearchOptions& options, SearchObserver& observer,
                                                     const std::atomic<bool>& stop);
tl::expected<SearchResult, std::string> find_peak_users(const SearchOptions& options, SearchObserver& observer,
                                                        const std::atomic<bool>& stop);

} // namespace fp::bench
