#include "self_monitor.hpp"

#include "units.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <sched.h>
#include <string>

namespace fp::bench {
namespace {

std::string percent(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.0f %%", value);
  return text;
}

} // namespace

GeneratorHealth judge_generator(const HealthInputs& inputs) {
  GeneratorHealth health;
  health.late_starts = inputs.late_starts;
  health.dropped_starts = inputs.dropped_starts;
  if (inputs.lag != nullptr && inputs.lag->count() > 0) {
    health.max_loop_lag = std::chrono::microseconds(inputs.lag->max());
    health.p99_loop_lag = std::chrono::microseconds(inputs.lag->value_at_quantile(0.99));
  }
  const double elapsed = std::chrono::duration<double>(inputs.elapsed).count();
  if (elapsed > 0) health.cpu_percent = 100.0 * std::chrono::duration<double>(inputs.cpu).count() / elapsed;

  const std::uint32_t cores = inputs.cores == 0 ? 1 : inputs.cores;
  const double limit = 100.0 * k_cpu_bound_share * cores;
  std::string reason;
  if (health.cpu_percent >= limit) {
    reason = "generator CPU " + percent(health.cpu_percent) + " of " + std::to_string(cores) +
             (cores == 1 ? " core" : " cores") + " (limit " + percent(limit) + ")";
  }
  if (health.p99_loop_lag > k_max_loop_lag_p99) {
    if (!reason.empty()) reason += "; ";
    reason += "event-loop lag p99 " + format_duration(health.p99_loop_lag) + " (limit " +
              format_duration(k_max_loop_lag_p99) + ")";
  }
  if (!reason.empty()) {
    health.generator_bound = true;
    health.reason = reason + ": latencies and throughput include the generator's own delay";
  }
  return health;
}

std::uint32_t available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  const int count = CPU_COUNT(&set);
  return count > 0 ? static_cast<std::uint32_t>(count) : 1;
}

std::chrono::nanoseconds thread_cpu_time(pthread_t thread) {
  clockid_t clock{};
  if (::pthread_getcpuclockid(thread, &clock) != 0) return std::chrono::nanoseconds(0);
  timespec ts{};
  if (::clock_gettime(clock, &ts) != 0) return std::chrono::nanoseconds(0);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

} // namespace fp::bench
