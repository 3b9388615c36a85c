// The generator watching itself: its CPU time and its event loops' lag. When either says the
// generator, not the server, was the bottleneck, the result is marked generator-bound with the
// reason — Locust reports its own queueing as a 2-second server latency; we say so instead.
#pragma once

#include "histogram.hpp"
#include "stats.hpp"

#include <chrono>
#include <cstdint>
#include <pthread.h>

namespace fp::bench {

// CPU at or above this share of the cores the generator may use means it had none to spare.
inline constexpr double k_cpu_bound_share = 0.90;
// Loop lag p99 above this: responses waited this long to be read, so latencies include it.
inline constexpr std::chrono::milliseconds k_max_loop_lag_p99{5};

struct HealthInputs {
  std::chrono::nanoseconds cpu{0};     // all engine threads together
  std::chrono::nanoseconds elapsed{0};
  std::uint32_t cores = 1;             // cores the engine threads could use: min(threads, CPUs allowed)
  const Histogram* lag = nullptr;      // µs, every thread's probe merged
  std::uint64_t late_starts = 0;
  std::uint64_t dropped_starts = 0;
};

GeneratorHealth judge_generator(const HealthInputs& inputs);

// CPUs this process may run on (taskset / cgroup affinity), at least 1.
std::uint32_t available_cores();

// CPU time consumed so far by another thread of this process (0 when it cannot be read).
std::chrono::nanoseconds thread_cpu_time(pthread_t thread);

} // namespace fp::bench
