// A RunResult built the way the engine builds one (a recorder per thread, a Timeline fed once a
// second, merge_recorders at the end), from a list of samples the tests can also hand to Locust.
#pragma once

#include "histogram.hpp"
#include "stats.hpp"

#include <chrono>
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace fp::bench::test {

struct Sample {
  std::size_t key = 0;
  std::uint64_t micros = 0;
  std::uint64_t bytes = 0;
  std::int64_t unix_second = 0;
  std::optional<std::string> error; // a failure when set
  FailureKind kind = FailureKind::http_status;
};

inline constexpr std::int64_t k_start_second = 1795768541;

// The middle of the histogram bucket holding `micros`: the one value the histogram reports exactly,
// so that comparisons with Locust (which keeps every rounded sample) are exact.
inline std::uint64_t representable(std::uint64_t micros) {
  const auto bucket = Histogram::bucket_of(micros);
  return Histogram::bucket_lowest(bucket) + (Histogram::bucket_highest(bucket) - Histogram::bucket_lowest(bucket)) / 2;
}

inline std::vector<RequestKey> fixture_keys() {
  return {{"GET", "/orders"},     {"POST", "/orders"},         {"GET", "/orders/[id]"},
          {"GET", "/fail"},       {"DELETE", "/never-called"}, {"GET", "/slow, \"quoted\""},
          {"PUT", "/orders/[id]"}};
}

// Samples over 13 seconds from the start: fast GETs and POSTs, an id route, a route that always
// fails, a slow route (float medians above 100 ms), a route with one sample, and one never called.
inline std::vector<Sample> fixture_samples() {
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> fast(std::log(2500.0), 0.8);
  std::lognormal_distribution<double> slow(std::log(400'000.0), 1.2);
  std::uniform_int_distribution<std::int64_t> second(0, 12);
  std::vector<Sample> samples;
  const auto micros = [](double value) { return representable(static_cast<std::uint64_t>(std::max(1.0, value))); };
  const auto add = [&](std::size_t key, int count, auto& distribution, double scale, std::uint64_t bytes,
                       std::optional<std::string> error = {}, FailureKind kind = FailureKind::http_status) {
    for (int i = 0; i < count; ++i) {
      const auto us = micros(distribution(random) * scale);
      samples.push_back({key, us, bytes, k_start_second + second(random), error, kind});
    }
  };
  add(0, 900, fast, 1, 158);
  add(1, 700, fast, 1, 160);
  add(2, 90, fast, 1, 150);
  add(3, 40, fast, 1, 0, "HTTP 500");
  add(3, 5, fast, 1000, 0, "timeout after 5s, \"no answer\"", FailureKind::timeout);
  add(5, 60, slow, 1, 2048);
  samples.push_back({6, 3400, 17, k_start_second + 4, {}, {}}); // median clamped to the min: "3.4"
  return samples;
}

inline std::uint32_t fixture_users(std::int64_t unix_second) {
  return static_cast<std::uint32_t>(std::min<std::int64_t>(2 * (unix_second - k_start_second + 1), 10));
}

inline RunResult make_result(const std::vector<Sample>& samples, std::chrono::nanoseconds elapsed) {
  RunResult result;
  result.scenario = "fixture";
  result.target = "http://127.0.0.1:8080";
  result.started = std::chrono::system_clock::time_point(std::chrono::seconds(k_start_second));
  result.elapsed = elapsed;
  result.keys = fixture_keys();
  result.users = {10, 10, std::chrono::seconds(5), std::chrono::milliseconds(7500)};
  result.generator.cpu_percent = 12.5;
  result.generator.p99_loop_lag = std::chrono::microseconds(150);
  result.generator.max_loop_lag = std::chrono::microseconds(2100);

  // Two "threads", as the engine runs them; each hands over every second.
  std::vector<StatsRecorder> recorders;
  recorders.emplace_back(result.keys.size());
  recorders.emplace_back(result.keys.size());
  Timeline timeline(recorders.size());
  std::int64_t last = k_start_second;
  for (const auto& s : samples) last = std::max(last, s.unix_second);
  for (std::int64_t second = k_start_second; second <= last; ++second) {
    std::size_t n = 0;
    for (const auto& s : samples) {
      if (s.unix_second != second) continue;
      auto& recorder = recorders[n++ % recorders.size()];
      const auto latency = std::chrono::microseconds(static_cast<std::int64_t>(s.micros));
      if (s.error) recorder.record_failure(s.key, latency, latency, s.kind, *s.error);
      else recorder.record(s.key, latency, latency, s.bytes);
    }
    for (std::size_t t = 0; t < recorders.size(); ++t) {
      timeline.add(t, second, recorders[t].take_second(), fixture_users(second) / 2);
    }
  }
  result.timeline = timeline.finish();
  std::vector<const StatsRecorder*> pointers;
  for (const auto& recorder : recorders) pointers.push_back(&recorder);
  merge_recorders(pointers, result);
  return result;
}

} // namespace fp::bench::test
