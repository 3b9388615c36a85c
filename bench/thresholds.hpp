// Pass/fail rules on a run's statistics, k6-style, turned into exit codes by the CLI.
//   --fail-on 'failures>0'        the run fails when the expression is true
//   --threshold 'p95<500ms'       the run fails when the expression is false (k6's meaning)
// Expressions: [METHOD NAME:]METRIC OP VALUE, METRIC one of failures, failure_rate (0..1 or %),
// requests, rps, avg, min, max, p50, p66, p75, p80, p90, p95, p98, p99, p99.9, p99.99 (durations
// with units: 500ms, 1.5s); OP one of < <= > >= ==; without a name the aggregate is meant.
#pragma once

#include "stats.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace fp::bench {

struct Threshold {
  enum class Sense { fail_when_true, fail_when_false };
  Sense sense = Sense::fail_when_true;
  std::optional<RequestKey> scope; // nullopt: aggregate
  std::string metric;
  std::string op;
  double value = 0;                // durations in µs, rates as fractions
  std::string source;              // as written
};

tl::expected<Threshold, std::string> parse_threshold(std::string_view text, Threshold::Sense sense);

struct Breach {
  std::string threshold; // as written
  std::string observed;  // e.g. "p95 = 812ms"
};

std::vector<Breach> evaluate_thresholds(const std::vector<Threshold>& thresholds, const RunResult& result);

} // namespace fp::bench
