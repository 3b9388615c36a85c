#include "search.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fp::bench {
namespace {

// A rate is sustained when this share of the scheduled requests finished in the probe.
constexpr double k_sustained_share = 0.95;
// Probes double the load until one fails, then this many halvings narrow the gap.
constexpr int k_narrowing_steps = 4;
constexpr double k_max_probe_rate = 5e6;
// A confirming run that fails is retried this much lower, at most this many times.
constexpr double k_backoff = 0.9;
constexpr int k_confirm_attempts = 4;

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, value >= 100 ? "%.0f" : "%.1f", value);
  return text;
}

// Forwards the engine's progress and, when asked, stops the run at its first failing second.
class TrialObserver final : public RunObserver {
public:
  TrialObserver(SearchObserver& outer, const std::atomic<bool>& user_stop, bool stop_at_failure)
    : m_outer(outer), m_user_stop(user_stop), m_stop_at_failure(stop_at_failure) {}

  void on_second(const SecondSample& sample, std::chrono::nanoseconds elapsed) override {
    m_outer.on_second(sample, elapsed);
    if (sample.failures == 0) {
      m_last_clean_users = std::max(m_last_clean_users, sample.users);
    } else if (!m_failed_at) {
      m_failed_at = sample.users;
      if (m_stop_at_failure) m_stop = true;
    }
    if (m_user_stop) m_stop = true;
  }
  void on_warning(const std::string& message) override { m_outer.on_warning(message); }

  const std::atomic<bool>& stop_flag() const { return m_stop; }
  std::uint32_t last_clean_users() const { return m_last_clean_users; }
  std::optional<std::uint32_t> failed_at() const { return m_failed_at; }

private:
  SearchObserver& m_outer;
  const std::atomic<bool>& m_user_stop;
  bool m_stop_at_failure;
  std::atomic<bool> m_stop{false};
  std::uint32_t m_last_clean_users = 0;
  std::optional<std::uint32_t> m_failed_at;
};

struct TrialRun {
  RunResult result;
  std::uint32_t last_clean_users = 0;
  std::optional<std::uint32_t> failed_at;
};

tl::expected<TrialRun, std::string> run_trial(const SearchOptions& options, RunOptions run, const std::string& label,
                                              SearchObserver& observer, const std::atomic<bool>& stop,
                                              bool stop_at_failure) {
  if (options.reset) {
    if (auto reset = options.reset(); !reset) return tl::unexpected("reset before '" + label + "': " + reset.error());
  }
  observer.on_trial_start(label);
  TrialObserver trial_observer(observer, stop, stop_at_failure);
  auto result = run_load(run, trial_observer, trial_observer.stop_flag());
  if (!result) return tl::unexpected(result.error());
  return TrialRun{std::move(*result), trial_observer.last_clean_users(), trial_observer.failed_at()};
}

Trial describe(const std::string& label, double load, const RunResult& result) {
  Trial trial;
  trial.label = label;
  trial.load = load;
  trial.requests = result.aggregate.requests;
  trial.failures = result.aggregate.failures;
  trial.p99_us = result.aggregate.latency.value_at_quantile(0.99);
  const double elapsed = seconds(result.elapsed);
  trial.achieved = elapsed > 0 ? static_cast<double>(trial.requests) / elapsed : 0;
  return trial;
}

// One constant-rate probe or confirming run of max-rps.
tl::expected<Trial, std::string> rate_trial(const SearchOptions& options, double rate, std::chrono::nanoseconds length,
                                            const std::string& label, SearchObserver& observer,
                                            const std::atomic<bool>& stop, std::optional<RunResult>* keep) {
  RunOptions run = options.base;
  OpenModel model = std::holds_alternative<OpenModel>(options.base.model) ? std::get<OpenModel>(options.base.model)
                                                                            : OpenModel{};
  model.start_rate = rate;
  model.stages = {{rate, std::chrono::nanoseconds(0)}};
  run.model = model;
  run.run_time = length;
  run.max_requests.reset();
  auto ran = run_trial(options, run, label, observer, stop, true);
  if (!ran) return tl::unexpected(ran.error());
  Trial trial = describe(label, rate, ran->result);
  const auto& generator = ran->result.generator;
  if (trial.failures > 0) {
    trial.evidence = std::to_string(trial.failures) + " of " + std::to_string(trial.requests) + " requests failed";
  } else if (generator.dropped_starts > 0) {
    trial.evidence = std::to_string(generator.dropped_starts) +
                     " requests could not start: every connection was still waiting for the server";
  } else if (trial.achieved < k_sustained_share * rate) {
    trial.evidence = "only " + format_number(trial.achieved) + "/s of " + format_number(rate) + "/s completed";
  } else {
    trial.passed = true;
    trial.evidence = "0 failures, " + format_number(trial.achieved) + "/s completed";
  }
  // A busy generator does not make a rate that was reached fail; it does make a miss suspect, since
  // the limit may then be the generator's rather than the server's.
  if (generator.generator_bound) trial.evidence += "; the load generator was busy (" + generator.reason + ")";
  observer.on_trial(trial);
  if (keep) *keep = std::move(ran->result);
  return trial;
}

} // namespace

tl::expected<SearchResult, std::string> find_max_rps(const SearchOptions& options, SearchObserver& observer,
                                                     const std::atomic<bool>& stop) {
  SearchResult search;
  double good = 0;
  double bad = 0;
  // 1. Double the rate until a probe fails.
  for (double rate = std::max(1.0, options.start_rate); rate <= k_max_probe_rate && !stop; rate *= 2) {
    auto trial = rate_trial(options, rate, options.probe, "probe " + format_number(rate) + "/s", observer, stop, nullptr);
    if (!trial) return tl::unexpected(trial.error());
    search.trials.push_back(*trial);
    if (!trial->passed) {
      bad = rate;
      break;
    }
    good = rate;
  }
  // 2. Narrow between the last rate that held and the first that did not.
  for (int step = 0; step < k_narrowing_steps && bad > 0 && good > 0 && !stop; ++step) {
    const double rate = std::round((good + bad) / 2);
    if (rate <= good || rate >= bad) break;
    auto trial = rate_trial(options, rate, options.probe, "narrow " + format_number(rate) + "/s", observer, stop, nullptr);
    if (!trial) return tl::unexpected(trial.error());
    search.trials.push_back(*trial);
    (trial->passed ? good : bad) = rate;
  }
  if (stop) {
    search.note = "stopped before the search finished";
    return search;
  }
  if (good == 0) {
    search.note = "even the first probe (" + format_number(options.start_rate) + "/s) failed; try a lower --start-rate";
    return search;
  }
  // 3. Confirm the best rate for the full duration, backing off if it does not hold that long.
  double rate = good;
  for (int attempt = 0; attempt < k_confirm_attempts && !stop; ++attempt, rate = std::round(rate * k_backoff)) {
    std::optional<RunResult> kept;
    auto trial = rate_trial(options, rate, options.duration, "confirm " + format_number(rate) + "/s", observer, stop, &kept);
    if (!trial) return tl::unexpected(trial.error());
    search.trials.push_back(*trial);
    if (trial->passed) {
      search.answer = trial->achieved;
      search.confirming = std::move(kept);
      return search;
    }
  }
  search.note = "no rate held for the whole duration at 0 % failures";
  return search;
}

tl::expected<SearchResult, std::string> find_peak_users(const SearchOptions& options, SearchObserver& observer,
                                                        const std::atomic<bool>& stop) {
  SearchResult search;
  // The ramp counts against the run time (as in Locust): more users than this can never start.
  const auto ceiling = static_cast<std::uint32_t>(std::floor(options.spawn_rate * seconds(options.duration)));
  if (ceiling == 0) return tl::unexpected(std::string("spawn rate × duration is less than one user"));

  const auto closed_run = [&](std::uint32_t users) {
    RunOptions run = options.base;
    run.model = ClosedModel{users, options.spawn_rate};
    run.run_time = options.duration;
    run.max_requests.reset();
    return run;
  };
  const auto closed_trial = [&](std::uint32_t users, const std::string& label,
                                bool stop_at_failure) -> tl::expected<std::pair<Trial, TrialRun>, std::string> {
    auto ran = run_trial(options, closed_run(users), label, observer, stop, stop_at_failure);
    if (!ran) return tl::unexpected(ran.error());
    Trial trial = describe(label, users, ran->result);
    trial.achieved = ran->result.users.peak;
    trial.passed = trial.failures == 0 && ran->result.users.peak >= users;
    trial.evidence = trial.failures > 0
                       ? std::to_string(trial.failures) + " failures; the first with " +
                           std::to_string(ran->failed_at.value_or(0)) + " users running"
                       : (trial.passed ? "0 failures with " + std::to_string(ran->result.users.peak) + " users"
                                       : "only " + std::to_string(ran->result.users.peak) + " users started");
    observer.on_trial(trial);
    return std::pair{trial, std::move(*ran)};
  };

  // 1. One ramp to the ceiling, stopped at the first failing second.
  auto probe = closed_trial(ceiling, "ramp to " + std::to_string(ceiling) + " users", true);
  if (!probe) return tl::unexpected(probe.error());
  search.trials.push_back(probe->first);
  if (probe->first.passed) {
    // The probe was itself a full-length run at the ceiling with 0 failures.
    search.answer = ceiling;
    search.confirming = std::move(probe->second.result);
    search.note = "limited by spawn rate × duration (" + format_number(options.spawn_rate) + "/s × " +
                  format_number(seconds(options.duration)) + " s), not by the server";
    return search;
  }
  // 2. Narrow between the last clean second's users and the users at the first failure with short
  //    runs (the ramp plus one probe length), since one-second samples are coarse at high spawn rates.
  std::uint32_t good = probe->second.last_clean_users;
  std::uint32_t bad = std::min(ceiling, probe->second.failed_at.value_or(ceiling));
  for (int step = 0; step < k_narrowing_steps && good + 1 < bad && !stop; ++step) {
    const std::uint32_t users = good + (bad - good) / 2;
    const auto length = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::duration<double>(users / options.spawn_rate)) + options.probe;
    const auto short_trial = [&]() -> tl::expected<std::pair<Trial, TrialRun>, std::string> {
      auto run = closed_run(users);
      run.run_time = length;
      auto ran = run_trial(options, run, "narrow " + std::to_string(users) + " users", observer, stop, true);
      if (!ran) return tl::unexpected(ran.error());
      Trial trial = describe("narrow " + std::to_string(users) + " users", users, ran->result);
      trial.achieved = ran->result.users.peak;
      trial.passed = trial.failures == 0 && ran->result.users.peak >= users;
      trial.evidence = trial.passed ? "0 failures with " + std::to_string(users) + " users"
                                    : std::to_string(trial.failures) + " failures";
      observer.on_trial(trial);
      return std::pair{trial, std::move(*ran)};
    }();
    if (!short_trial) return tl::unexpected(short_trial.error());
    search.trials.push_back(short_trial->first);
    (short_trial->first.passed ? good : bad) = users;
  }
  // 3. Confirm the best count for the full duration, backing off while it fails.
  auto users = std::max<std::uint32_t>(1, good);
  for (int attempt = 0; attempt < k_confirm_attempts && !stop; ++attempt) {
    auto trial = closed_trial(users, "confirm " + std::to_string(users) + " users", false);
    if (!trial) return tl::unexpected(trial.error());
    search.trials.push_back(trial->first);
    if (trial->first.passed) {
      search.answer = users;
      search.confirming = std::move(trial->second.result);
      return search;
    }
    if (users == 1) break;
    users = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(users * k_backoff));
  }
  search.note = "no user count held for the whole duration at 0 % failures";
  return search;
}

} // namespace fp::bench
