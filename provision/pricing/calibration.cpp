// Folding a `fpctl bench --json` result into the capacity model (docs/COST.md, "Calibration").
#include "capacity.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace fp::pricing {

namespace {

using json = nlohmann::ordered_json;

std::string number(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

} // namespace

tl::expected<CalibrationResult, std::string> calibrate(const CapacityModel& model, const plan::Plan& plan,
                                                       const Catalog& catalog, std::string_view results_json,
                                                       const std::string& results_file) {
  json results;
  try {
    results = json::parse(results_json);
  } catch (const json::exception& e) {
    return tl::unexpected(results_file + ": not JSON (" + std::string(e.what()) + "); give the file `fpctl bench --json` wrote");
  }
  double measured = 0, elapsed = 0, failures = 0, total = 0, gets = 0;
  try {
    const auto& aggregate = results.at("aggregate");
    measured = aggregate.at("requests_per_second").get<double>();
    failures = aggregate.at("failures").get<double>();
    total = aggregate.at("requests").get<double>();
    elapsed = results.at("elapsed_seconds").get<double>();
    for (const auto& entry : results.at("requests")) {
      const std::string method = entry.at("method").get<std::string>();
      const std::string name = entry.at("name").get<std::string>();
      if (name != "/orders" || (method != "GET" && method != "POST")) {
        return tl::unexpected(results_file + ": it measured " + method + " " + name +
                              "; the capacity model describes the fp-orders workload (GET /orders and POST /orders "
                              "only): calibrate with a run of --scenario fp-orders");
      }
      if (method == "GET") gets += entry.at("requests").get<double>();
    }
  } catch (const json::exception& e) {
    return tl::unexpected(results_file + ": not a `fpctl bench --json` result (" + std::string(e.what()) + ")");
  }
  if (failures > 0) {
    return tl::unexpected(results_file + ": " + number(failures, 0) + " requests failed; the model needs a rate served at 0 % "
                                         "failures (run `fpctl bench find max-rps`, then a --rate run at the rate it found "
                                         "with --json)");
  }
  if (total <= 0 || measured <= 0 || elapsed <= 0) return tl::unexpected(results_file + ": it recorded no requests");

  CapacityModel updated = model;
  // The run's own workload: its GET share and length (the table grew for that long).
  CapacityModel for_run = model;
  for_run.workload.get_share = std::clamp(gets / total, 0.01, 0.99);
  for_run.workload.test_seconds = elapsed;

  auto before = predict(plan, catalog, for_run);
  if (!before) return tl::unexpected(before.error());

  std::vector<std::string> adjusted;
  const auto rescale = [&](const ComponentCapacity& part) {
    // Capacity is linear in the speed factor; the load that rate R puts on the component is
    // load_at(R). The factor that makes the component's capacity exactly R:
    const double factor = load_at(measured, part.demand, for_run.workload) / load_at(part.rps, part.demand, for_run.workload);
    const double old_speed = for_run.speed_of(part.kind);
    for_run.speed[part.kind] = old_speed * factor;
    adjusted.push_back(part.role + " (" + part.kind + ", " + part.limit + "): speed " + number(old_speed, 2) + " -> " +
                       number(old_speed * factor, 2));
  };
  if (measured < before->rps) {
    for (const auto& part : before->components) {
      if (part.role == before->bottleneck) {
        rescale(part);
        break;
      }
    }
  } else {
    // Every component that the model said could not carry the measured rate did carry it. Raising
    // one constraint can leave another (the CPU after the network) below the rate: repeat.
    for (int round = 0; round < 8; ++round) {
      auto now = predict(plan, catalog, for_run);
      if (!now) return tl::unexpected(now.error());
      bool changed = false;
      for (const auto& part : now->components) {
        if (part.rps < measured * (1 - 1e-9)) {
          rescale(part);
          changed = true;
        }
      }
      if (!changed) break;
    }
  }
  updated.speed = for_run.speed;

  Calibration c;
  c.results_file = results_file;
  c.architecture = describe_architecture(plan);
  c.measured_rps = measured;
  c.predicted_rps = before->rps;
  for (const auto& line : adjusted) c.adjusted += (c.adjusted.empty() ? "" : "; ") + line;
  if (c.adjusted.empty()) c.adjusted = "nothing: the prediction matched";
  updated.calibrations.push_back(c);

  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d", &utc);
  updated.origin = "calibrated " + std::string(date) + " from " + results_file + " (" + c.architecture + ", measured " +
                   number(measured, 0) + " req/s; " + std::to_string(updated.calibrations.size()) +
                   (updated.calibrations.size() == 1 ? " calibration" : " calibrations") + " in all)";
  return CalibrationResult{updated, c};
}

} // namespace fp::pricing
