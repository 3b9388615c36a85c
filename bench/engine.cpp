// run_load: checks the options, resolves the target once, starts one worker thread per core (each
// with its own event loop, connections and statistics), and coordinates from the calling thread:
// the stop flag, empty seconds of threads that finished early, progress once a second, a live CPU
// warning. After the join it merges everything the threads recorded and judges the generator.
#include "run.hpp"

#include "event_loop.hpp"
#include "open_model.hpp"
#include "self_monitor.hpp"
#include "target_url.hpp"
#include "units.hpp"
#include "worker.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <system_error>
#include <thread>
#include <utility>

#include <sys/resource.h>

namespace fp::bench {
namespace {

// How long requests in flight may finish once the run is over (capped by the request timeout);
// what is still in flight then is abandoned, not counted, and reported in a warning.
constexpr std::chrono::seconds k_drain_limit{2};
// The coordinator wakes this often to look at the stop flag and the threads.
constexpr std::chrono::milliseconds k_poll_interval{20};
// Workers hand a second over when it ends; the coordinator looks this much later.
constexpr std::chrono::milliseconds k_handover_margin{50};
// File descriptors beyond the sockets: epoll, the process's own files, a margin.
constexpr rlim_t k_spare_descriptors = 64;

using Warn = std::function<void(const std::string&)>;

std::string format_rate(double rate) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", rate);
  return text;
}

tl::unexpected<std::string> refuse(std::string message) { return tl::unexpected(std::move(message)); }

tl::expected<void, std::string> check_options(const RunOptions& options) {
  constexpr std::chrono::nanoseconds zero{0};
  if (options.run_time < zero) return refuse("the run time must not be negative");
  if (options.run_time == zero && !options.max_requests)
    return refuse("a run needs a run time, a request count, or both (it must end by itself)");
  if (options.max_requests && *options.max_requests == 0) return refuse("the request count must be at least 1");
  if (options.connect_timeout <= zero || options.request_timeout <= zero) return refuse("timeouts must be above 0");
  if (options.scenario.tasks.empty()) return refuse("the scenario '" + options.scenario.name + "' has no tasks");
  if (const auto* closed = std::get_if<ClosedModel>(&options.model)) {
    if (closed->users == 0) return refuse("the closed model needs at least 1 user");
    if (!(closed->spawn_rate > 0) || !std::isfinite(closed->spawn_rate))
      return refuse("the spawn rate must be above 0 users per second");
    return {};
  }
  const auto& open = std::get<OpenModel>(options.model);
  if (open.connections == 0) return refuse("the open model needs at least 1 connection");
  const auto valid_rate = [](double rate) { return rate >= 0 && std::isfinite(rate); };
  if (!valid_rate(open.start_rate)) return refuse("arrival rates must be 0 or more");
  bool any_rate = open.start_rate > 0;
  for (const auto& stage : open.stages) {
    if (!valid_rate(stage.rate)) return refuse("arrival rates must be 0 or more");
    if (stage.duration < zero) return refuse("stage durations must not be negative");
    any_rate = any_rate || stage.rate > 0;
  }
  if (!any_rate) return refuse("the arrival rate is 0 throughout: nothing would be sent");
  if (options.run_time == zero && ArrivalSchedule(open).final_rate() <= 0)
    return refuse("the arrival rate ends at 0 and no run time is set: the run might never end");
  return {};
}

// Sockets beyond the open-file limit would fail to connect: raise the limit (as root also the hard
// one), or say how many cannot work.
void ensure_descriptors(std::uint64_t sockets, std::size_t threads, const Warn& warn) {
  const rlim_t needed = static_cast<rlim_t>(sockets) + k_spare_descriptors + static_cast<rlim_t>(threads) * 2;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= needed) return;
  rlimit raised = limit;
  raised.rlim_cur = needed;
  raised.rlim_max = std::max(limit.rlim_max, needed);
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return;
  raised.rlim_cur = limit.rlim_max;
  raised.rlim_max = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &raised);
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < needed)
    warn("the open-file limit (" + std::to_string(limit.rlim_cur) + ") is below the " + std::to_string(needed) +
         " this run needs for its " + std::to_string(sockets) +
         " connections: connects beyond it fail (raise it with ulimit -n)");
}

// Users ÷ spawn rate longer than the run: Locust would silently run fewer users than asked.
void warn_about_ramp(const RunOptions& options, const ClosedModel& closed, const Warn& warn) {
  if (options.run_time <= std::chrono::nanoseconds(0)) return;
  const double run_seconds = std::chrono::duration<double>(options.run_time).count();
  const double ramp_seconds = static_cast<double>(closed.users - 1) / closed.spawn_rate;
  if (ramp_seconds < run_seconds) return;
  const double reachable = std::min(static_cast<double>(closed.users), std::ceil(run_seconds * closed.spawn_rate));
  const auto ramp = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(ramp_seconds));
  warn(std::to_string(closed.users) + " users at " + format_rate(closed.spawn_rate) + "/s take " +
       format_duration(ramp) + " to start, but the run time is " + format_duration(options.run_time) +
       ": at most " + format_rate(reachable) + " users will run");
}

using Workers = std::vector<std::unique_ptr<Worker>>;

std::chrono::nanoseconds cpu_of(const Workers& workers, std::vector<std::thread>& threads) {
  std::chrono::nanoseconds total{0};
  for (std::size_t i = 0; i < workers.size(); ++i) {
    total += workers[i]->done() ? workers[i]->summary().cpu : thread_cpu_time(threads[i].native_handle());
  }
  return total;
}

// The calling thread's part while the workers run: forwards the stop flag, fills the seconds of
// threads that finished early (their share of max_requests done) so the others' samples complete,
// reports each completed second, and warns once when the generator's CPU is at its limit.
// Returns whether the stop flag ended the run.
bool coordinate(const RunPlan& plan, Workers& workers, std::vector<std::thread>& threads, Timeline& timeline,
                std::uint32_t cores, RunObserver& observer, const std::atomic<bool>& stop,
                std::atomic<bool>& stop_workers) {
  bool stopped = false;
  std::vector<std::int64_t> filled_through(workers.size(), plan.start_unix_second - 1);
  std::int64_t reported_through = plan.start_unix_second - 1;
  std::int64_t marks = 1; // seconds since the start looked at so far
  auto cpu_before = cpu_of(workers, threads);
  auto cpu_measured_at = Clock::now();
  bool cpu_warned = false;
  while (!std::all_of(workers.begin(), workers.end(), [](const auto& worker) { return worker->done(); })) {
    if (!stopped && stop.load(std::memory_order_relaxed)) {
      stop_workers.store(true, std::memory_order_relaxed);
      stopped = true;
    }
    const TimePoint now = Clock::now();
    if (now >= plan.start + std::chrono::seconds(marks) + k_handover_margin) {
      const auto seconds_in = std::chrono::duration_cast<std::chrono::seconds>(now - plan.start).count();
      const std::int64_t completed = plan.start_unix_second + seconds_in - 1;
      for (std::size_t i = 0; i < workers.size(); ++i) {
        if (!workers[i]->done()) continue;
        filled_through[i] = std::max(filled_through[i], workers[i]->handed_through());
        for (; filled_through[i] < completed; ++filled_through[i])
          timeline.add(i, filled_through[i] + 1, EndpointStats{}, workers[i]->users_now());
      }
      if (const auto sample = timeline.latest(); sample && sample->unix_second > reported_through) {
        reported_through = sample->unix_second;
        observer.on_second(*sample, now - plan.start);
      }
      const auto cpu_now = cpu_of(workers, threads);
      const double share = std::chrono::duration<double>(cpu_now - cpu_before).count() /
                           std::chrono::duration<double>(now - cpu_measured_at).count();
      cpu_before = cpu_now;
      cpu_measured_at = now;
      if (!cpu_warned && share >= k_cpu_bound_share * cores) {
        cpu_warned = true;
        observer.on_warning("the generator is using " + std::to_string(static_cast<int>(share * 100)) + " % CPU of " +
                            std::to_string(cores) + (cores == 1 ? " core" : " cores") +
                            ": it may be the bottleneck, and its own delays count as latency");
      }
      marks = seconds_in + 1;
    }
    const auto next_mark = plan.start + std::chrono::seconds(marks) + k_handover_margin;
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(k_poll_interval, next_mark - now));
  }
  return stopped;
}

// After the join: everything the threads recorded, whatever ended the run, and the verdict on the
// generator.
void collect(const RunOptions& options, const RunPlan& plan, const Workers& workers, Timeline& timeline,
             std::uint32_t cores, RunResult& result, const Warn& warn) {
  std::vector<const StatsRecorder*> recorders;
  Histogram lag;
  HealthInputs health;
  TimePoint finished = plan.start, load_ended = plan.start, last_spawn = plan.start;
  std::uint64_t abandoned = 0;
  for (const auto& worker : workers) {
    const WorkerSummary& summary = worker->summary();
    recorders.push_back(&worker->recorder());
    lag.merge(worker->lag());
    health.cpu += summary.cpu;
    health.late_starts += summary.late_starts;
    health.dropped_starts += summary.dropped_starts;
    finished = std::max(finished, summary.finished);
    load_ended = std::max(load_ended, summary.load_ended);
    if (summary.last_spawn) last_spawn = std::max(last_spawn, *summary.last_spawn);
    abandoned += summary.abandoned;
    result.users.peak += summary.users;
    if (!summary.error.empty()) {
      result.stopped_early = true;
      warn("an engine thread stopped early: " + summary.error);
    }
  }
  merge_recorders(recorders, result);
  result.timeline = timeline.finish();
  result.elapsed = finished - plan.start;
  if (const auto* closed = std::get_if<ClosedModel>(&options.model)) {
    result.users.target = closed->users;
    result.users.peak_reached_after = last_spawn - plan.start;
    result.users.peak_held_for = std::max(std::chrono::nanoseconds(0), load_ended - last_spawn);
  }
  health.elapsed = result.elapsed;
  health.cores = cores;
  health.lag = &lag;
  result.generator = judge_generator(health);
  if (abandoned > 0)
    warn(std::to_string(abandoned) + " requests were still in flight " + format_duration(plan.drain_limit) +
         " after the end and are not counted");
  if (const auto* open = std::get_if<OpenModel>(&options.model); open && health.dropped_starts > 0)
    warn(std::to_string(health.dropped_starts) + " arrivals were due but never started: all " +
         std::to_string(open->connections) + " connections were busy (more connections, or a lower rate)");
  if (result.generator.generator_bound) warn("generator-bound: " + result.generator.reason);
}

} // namespace

tl::expected<RunResult, std::string> run_load(const RunOptions& options, RunObserver& observer,
                                              const std::atomic<bool>& stop) {
  if (auto checked = check_options(options); !checked) return tl::unexpected(checked.error());
  auto target = parse_target(options.target);
  if (!target) return tl::unexpected(target.error());
  if (auto resolved = resolve_target(*target); !resolved) return tl::unexpected(resolved.error());
  auto prepared = prepare_scenario(options.scenario, *target);
  if (!prepared) return tl::unexpected(prepared.error());

  const auto* closed = std::get_if<ClosedModel>(&options.model);
  const auto* open = std::get_if<OpenModel>(&options.model);
  const std::uint32_t sessions = closed ? closed->users : open->connections;
  std::size_t threads = options.threads != 0 ? options.threads : available_cores();
  threads = std::max<std::size_t>(1, std::min<std::size_t>(threads, sessions));
  const std::uint32_t cores = std::min<std::uint32_t>(static_cast<std::uint32_t>(threads), available_cores());

  RunResult result;
  result.scenario = options.scenario.name;
  result.target = target->base_url();
  result.keys = options.scenario.stats_keys;
  const Warn warn = [&](const std::string& message) {
    result.warnings.push_back(message);
    observer.on_warning(message);
  };
  if (closed) warn_about_ramp(options, *closed, warn);
  ensure_descriptors(sessions, threads, warn);

  Timeline timeline(threads);
  std::atomic<bool> stop_workers{false};
  RunPlan plan;
  plan.scenario = &options.scenario;
  plan.prepared = &*prepared;
  plan.target = &*target;
  plan.connect_timeout = options.connect_timeout;
  plan.request_timeout = options.request_timeout;
  plan.drain_limit = std::min<std::chrono::nanoseconds>(options.request_timeout, k_drain_limit);
  plan.threads = threads;
  plan.seed = options.seed ? *options.seed : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  plan.timeline = &timeline;
  plan.source_ports = SourcePorts::ephemeral_range();
  plan.stop = &stop_workers;
  result.started = std::chrono::system_clock::now();
  plan.start = Clock::now();
  plan.start_unix_second = std::chrono::duration_cast<std::chrono::seconds>(result.started.time_since_epoch()).count();
  if (options.run_time > std::chrono::nanoseconds(0)) plan.end = plan.start + options.run_time;

  Workers workers;
  for (std::size_t i = 0; i < threads; ++i) {
    auto loop = EventLoop::create();
    if (!loop) return tl::unexpected("cannot start the engine: " + loop.error());
    std::optional<std::uint64_t> quota; // max_requests split evenly: the sum is exact
    if (options.max_requests) quota = *options.max_requests / threads + (i < *options.max_requests % threads ? 1 : 0);
    workers.push_back(closed ? make_closed_worker(plan, i, quota, std::move(*loop), *closed)
                             : make_open_worker(plan, i, quota, std::move(*loop), *open));
  }
  std::vector<std::thread> running;
  try {
    for (auto& worker : workers) running.emplace_back([&worker] { worker->run(); });
  } catch (const std::system_error& error) {
    stop_workers = true;
    for (auto& thread : running) thread.join();
    return tl::unexpected("cannot start the engine's threads: " + std::string(error.what()));
  }
  result.stopped_early = coordinate(plan, workers, running, timeline, cores, observer, stop, stop_workers);
  for (auto& thread : running) thread.join();
  collect(options, plan, workers, timeline, cores, result, warn);
  return result;
}

} // namespace fp::bench
