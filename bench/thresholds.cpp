#include "thresholds.hpp"

#include "units.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace fp::bench {
namespace {

constexpr std::string_view k_form =
    "write [METHOD NAME:]METRIC OP VALUE, e.g. 'p95<500ms', 'failures==0', 'failure_rate<1%' or "
    "'GET /orders:p99<1s'";
constexpr std::string_view k_metrics =
    "failures, failure_rate, requests, rps, avg, min, max, p50, p66, p75, p80, p90, p95, p98, p99, p99.9, p99.99 "
    "(any pN with 0 < N <= 100)";

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || !(value >= 0)) return std::nullopt;
  return value;
}

// "p95" -> 0.95; nullopt when `metric` is not a percentile.
std::optional<double> percentile_of(std::string_view metric) {
  if (metric.size() < 2 || metric.front() != 'p') return std::nullopt;
  const auto number = parse_number(metric.substr(1));
  if (!number || *number <= 0 || *number > 100) return std::nullopt;
  return *number / 100;
}

bool is_duration_metric(std::string_view metric) {
  return metric == "avg" || metric == "min" || metric == "max" || percentile_of(metric).has_value();
}

bool is_known_metric(std::string_view metric) {
  return metric == "failures" || metric == "failure_rate" || metric == "requests" || metric == "rps" ||
         is_duration_metric(metric);
}

std::string format_number(double value) {
  char out[64];
  std::snprintf(out, sizeof out, "%.6g", value);
  return out;
}

std::string format_micros(double micros) {
  return format_duration(std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(micros * 1000.0)));
}

bool holds(double observed, const std::string& op, double value) {
  if (op == "<") return observed < value;
  if (op == "<=") return observed <= value;
  if (op == ">") return observed > value;
  if (op == ">=") return observed >= value;
  return observed == value; // "=="
}

} // namespace

tl::expected<Threshold, std::string> parse_threshold(std::string_view text, Threshold::Sense sense) {
  const std::string source(trim(text));
  const auto fail = [&](const std::string& why) {
    return tl::unexpected("'" + source + "': " + why);
  };
  Threshold threshold;
  threshold.sense = sense;
  threshold.source = source;

  // The scope ends at the last ':' (metrics and values never hold one; a name may).
  std::string_view expression = source;
  if (const auto colon = expression.rfind(':'); colon != std::string_view::npos) {
    const std::string_view scope = trim(expression.substr(0, colon));
    expression = expression.substr(colon + 1);
    if (scope != "Aggregated") {
      const auto space = scope.find_first_of(" \t");
      const std::string_view method = scope.substr(0, space);
      const bool method_ok = !method.empty() && std::all_of(method.begin(), method.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c)) != 0;
      });
      if (space == std::string_view::npos || !method_ok || trim(scope.substr(space)).empty()) {
        return fail("the part before ':' must be a METHOD and a NAME as the statistics show them, e.g. "
                    "'GET /orders:p95<500ms' (or nothing, for the aggregate)");
      }
      threshold.scope = RequestKey{std::string(method), std::string(trim(scope.substr(space)))};
    }
  }

  const auto op_at = expression.find_first_of("<>=!");
  if (op_at == std::string_view::npos) return fail("no comparison; " + std::string(k_form));
  std::string metric(trim(expression.substr(0, op_at)));
  std::transform(metric.begin(), metric.end(), metric.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (metric == "fail_ratio") metric = "failure_rate"; // Locust's and the plugins' name for it
  auto rest = expression.substr(op_at);
  const std::string op(rest.substr(0, std::min(rest.find_first_not_of("<>=!"), rest.size())));
  rest.remove_prefix(op.size());
  const std::string value_text(trim(rest));

  if (metric.empty()) return fail("no metric before '" + op + "'; " + std::string(k_form));
  if (!is_known_metric(metric)) return fail("unknown metric '" + metric + "'; write one of " + std::string(k_metrics));
  if (op == "=") return fail("write '==' to compare for equality, e.g. 'failures==0'");
  if (op == "!" || op == "!=") return fail("'!=' is not supported; write two thresholds, e.g. 'failures<1' and ...");
  if (op != "<" && op != "<=" && op != ">" && op != ">=" && op != "==") {
    return fail("unknown comparison '" + op + "'; write one of < <= > >= ==");
  }
  if (value_text.empty()) return fail("no value after '" + op + "'; " + std::string(k_form));

  threshold.metric = metric;
  threshold.op = op;
  if (is_duration_metric(metric)) {
    // A bare number would be seconds to parse_duration but milliseconds to a k6 user: refuse it.
    if (std::isdigit(static_cast<unsigned char>(value_text.back()))) {
      return fail("a duration needs a unit: write e.g. '" + metric + op + value_text + "ms' or '" + metric + op +
                  value_text + "s'");
    }
    const auto duration = parse_duration(value_text);
    if (!duration) return fail(duration.error());
    threshold.value = static_cast<double>(duration->count()) / 1000.0;
  } else if (metric == "failure_rate") {
    const bool percent = value_text.back() == '%';
    const std::string_view digits = std::string_view(value_text).substr(0, value_text.size() - (percent ? 1 : 0));
    const auto number = parse_number(trim(digits));
    if (!number || (percent && *number > 100) || (!percent && *number > 1)) {
      return fail("failure_rate is a fraction from 0 to 1 or a percentage: write e.g. 'failure_rate<0.01' or "
                  "'failure_rate<1%'");
    }
    threshold.value = percent ? *number / 100 : *number;
  } else if (metric == "rps") {
    const auto number = parse_number(value_text);
    if (!number) return fail("rps is requests per second, a number: write e.g. 'rps>=1000' or 'rps>=250.5'");
    threshold.value = *number;
  } else { // failures, requests: whole counts
    const auto count = parse_count(value_text);
    if (!count) return fail(metric + " is a count of requests: write e.g. '" + metric + op + "0' or '" + metric + op +
                            "10k'");
    threshold.value = static_cast<double>(*count);
  }
  return threshold;
}

std::vector<Breach> evaluate_thresholds(const std::vector<Threshold>& thresholds, const RunResult& result) {
  std::vector<Breach> breaches;
  const double elapsed = std::chrono::duration<double>(result.elapsed).count();
  for (const auto& threshold : thresholds) {
    const EndpointStats* stats = &result.aggregate;
    std::string prefix;
    if (threshold.scope) {
      const auto& scope = *threshold.scope;
      stats = nullptr;
      for (std::size_t i = 0; i < result.keys.size() && i < result.per_key.size(); ++i) {
        if (result.keys[i] == scope) stats = &result.per_key[i];
      }
      if (stats == nullptr) {
        // A misspelt name must not pass silently (k6 #1526): it is a breach whatever the sense.
        std::string known;
        for (const auto& key : result.keys) known += (known.empty() ? "" : ", ") + key.method + " " + key.name;
        breaches.push_back({threshold.source, "no requests named '" + scope.method + " " + scope.name +
                                                  "' in this scenario (it has: " + known + ")"});
        continue;
      }
      prefix = scope.method + " " + scope.name + ": ";
    }

    const Histogram& latency = stats->latency;
    std::optional<double> observed; // nullopt: undefined (a latency of no requests)
    std::string shown;
    const auto& m = threshold.metric;
    if (m == "failures") {
      observed = static_cast<double>(stats->failures);
      shown = std::to_string(stats->failures);
    } else if (m == "requests") {
      observed = static_cast<double>(stats->requests);
      shown = std::to_string(stats->requests);
    } else if (m == "failure_rate") {
      const double requests = static_cast<double>(stats->requests);
      observed = stats->requests == 0 ? 0.0 : static_cast<double>(stats->failures) / requests;
      shown = format_number(*observed * 100) + "% (" + std::to_string(stats->failures) + " of " +
              std::to_string(stats->requests) + ")";
    } else if (m == "rps") {
      observed = elapsed > 0 ? static_cast<double>(stats->requests) / elapsed : 0.0;
      shown = format_number(*observed);
    } else if (latency.count() > 0) {
      if (m == "avg") observed = latency.mean();
      else if (m == "min") observed = static_cast<double>(latency.min());
      else if (m == "max") observed = static_cast<double>(latency.max());
      else observed = static_cast<double>(latency.value_at_quantile(*percentile_of(m)));
      shown = format_micros(*observed);
    } else {
      shown = "undefined, no requests";
    }

    // An undefined value satisfies no condition: 'p95<500ms' cannot pass without requests, and
    // 'p95>2s' given to --fail-on does not fire.
    const bool condition = observed.has_value() && holds(*observed, threshold.op, threshold.value);
    const bool breached = threshold.sense == Threshold::Sense::fail_when_true ? condition : !condition;
    if (breached) breaches.push_back({threshold.source, prefix + m + " = " + shown});
  }
  return breaches;
}

} // namespace fp::bench
