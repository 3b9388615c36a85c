// Running a load: the engine's entry point. One event loop per thread (wrk's model), HTTP/1.1
// keep-alive, one connection per user in the closed model (as Locust), a connection pool in the
// open model; every run bounded by time and/or request count and stoppable at any moment.
#pragma once

#include "scenario.hpp"
#include "stats.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <tl/expected.hpp>

namespace fp::bench {

// Locust's model: `users` users started at `spawn_rate` per second, each looping over tasks with
// the scenario's think time. The ramp counts against the run time, as in Locust.
struct ClosedModel {
  std::uint32_t users = 1;
  double spawn_rate = 1;
};

// k6's constant-/ramping-arrival-rate and wrk2's -R: iterations (one task each) start on a fixed
// schedule whatever the latency; latency is measured from the intended start.
struct OpenModel {
  struct Stage {
    double rate = 0;                      // target iterations per second at the end of the stage
    std::chrono::nanoseconds duration{0}; // linear ramp from the previous stage's rate
  };
  double start_rate = 0;                  // rate at t=0 (for ramping); constant: == stages[0].rate
  std::vector<Stage> stages;
  std::uint32_t connections = 64;         // pool size over all threads (-c)
};

struct RunOptions {
  std::string target;                        // http://host:port (a path prefix is allowed)
  Scenario scenario;
  std::variant<ClosedModel, OpenModel> model;
  std::chrono::nanoseconds run_time{0};      // 0: until max_requests (one of the two is required)
  std::optional<std::uint64_t> max_requests;
  std::uint32_t threads = 0;                 // 0: one per core
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(5);
  std::chrono::nanoseconds request_timeout = std::chrono::seconds(30);
  std::optional<std::uint64_t> seed;         // think times and task choices; unset: a random seed
};

// Progress, called from the engine's coordinating thread about once a second; never from a hot loop.
class RunObserver {
public:
  virtual ~RunObserver() = default;
  virtual void on_second(const SecondSample& /*sample*/, std::chrono::nanoseconds /*elapsed*/) {}
  virtual void on_warning(const std::string& /*message*/) {}
};

// Runs the load until run_time or max_requests is reached, or `stop` becomes true. Errors are for
// runs that could not start (bad target URL, no threads); request failures are in the result.
tl::expected<RunResult, std::string> run_load(const RunOptions& options, RunObserver& observer,
                                              const std::atomic<bool>& stop);

} // namespace fp::bench
