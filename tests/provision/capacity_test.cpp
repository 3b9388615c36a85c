// The capacity model, calibration and the optimizer: the optimizer never exceeds the budget, agrees
// with an exhaustive search under the same model, and its figures are those `fpctl cost` shows for
// the same plan; calibration moves predictions the way the measurement says.
#include "capacity.hpp"
#include "catalog.hpp"
#include "optimizer.hpp"
#include "price.hpp"
#include "validate.hpp"
#include "support/temp_dir.hpp"

#include <cmath>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace fp::pricing;
using fp::plan::DatabaseKind;
using fp::plan::LoadBalancerKind;
using fp::plan::Plan;

namespace {

double predicted(const Plan& plan, const CapacityModel& model, const Catalog& catalog = embedded_catalog()) {
  auto p = predict(plan, catalog, model);
  if (!p) throw std::runtime_error(p.error());
  return p->rps;
}

// A `fpctl bench --json` result with the fields calibration reads.
std::string bench_json(double rps, double seconds, std::uint64_t failures = 0,
                       std::vector<std::pair<std::string, std::string>> endpoints = {{"GET", "/orders"}, {"POST", "/orders"}}) {
  // Equal counts per endpoint, so the run's GET share is exactly the model's 1:1.
  const auto each = static_cast<std::uint64_t>(rps * seconds) / endpoints.size();
  const auto total = each * endpoints.size();
  nlohmann::json requests = nlohmann::json::array();
  for (const auto& [method, name] : endpoints) {
    requests.push_back({{"method", method}, {"name", name}, {"requests", each}, {"failures", 0}});
  }
  return nlohmann::json{{"scenario", "fp-orders"},
                        {"elapsed_seconds", seconds},
                        {"requests", requests},
                        {"aggregate", {{"requests", total}, {"failures", failures}, {"requests_per_second", rps}}}}
      .dump();
}

// A smaller catalog (five droplet sizes, two database sizes) so every architecture can be listed.
Catalog small_catalog() {
  Catalog catalog = embedded_catalog();
  std::vector<DropletSize> kept;
  for (const char* slug : {"s-1vcpu-512mb-10gb", "s-1vcpu-1gb", "s-2vcpu-2gb", "s-2vcpu-4gb-amd", "s-4vcpu-8gb"}) {
    kept.push_back(*catalog.droplet(slug));
  }
  catalog.droplets = kept;
  catalog.databases.resize(2);
  return catalog;
}

// Every architecture of the optimizer's space, priced with price() and predicted with predict().
std::vector<Plan> every_architecture(const Plan& base, const Catalog& catalog, int max_workers) {
  std::vector<fp::plan::LoadBalancer> lbs = {{LoadBalancerKind::none, base.load_balancer.size, 1}};
  std::vector<fp::plan::Database> dbs = {{DatabaseKind::embedded}};
  for (const auto& size : catalog.droplets) {
    if (!catalog.sold_in(size, base.region)) continue;
    lbs.push_back({LoadBalancerKind::droplet, size.slug, 1});
    fp::plan::Database db;
    db.kind = DatabaseKind::droplet;
    db.size = size.slug;
    dbs.push_back(db);
  }
  for (int nodes = 1; nodes <= 3; ++nodes) lbs.push_back({LoadBalancerKind::managed, base.load_balancer.size, nodes});
  for (const auto& size : catalog.databases) {
    for (int nodes = 1; nodes <= size.max_nodes; ++nodes) {
      fp::plan::Database db;
      db.kind = DatabaseKind::managed;
      db.size = size.slug;
      db.nodes = nodes;
      dbs.push_back(db);
    }
  }
  std::vector<Plan> plans;
  for (const auto& lb : lbs) {
    for (const auto& size : catalog.droplets) {
      for (int count = 1; count <= max_workers; ++count) {
        for (const auto& db : dbs) {
          Plan p = base;
          p.load_balancer = lb;
          p.workers.size = size.slug;
          p.workers.count = count;
          p.database = db;
          if (validate(p, catalog).empty()) plans.push_back(p);
        }
      }
    }
  }
  return plans;
}

} // namespace

TEST(CapacityModel, MaxRateIsTheRateWhoseLoadFillsTheCapacity) {
  const Workload workload;
  for (const Demand demand : {Demand{36, 0.66, 48}, Demand{170, 130, 300}, Demand{1, 0, 1}, Demand{20, 0.68, 57}}) {
    for (const double capacity : {1e3, 8e5, 1.6e6, 2.5e8}) {
      const double rate = max_rate(capacity, demand, workload);
      EXPECT_NEAR(load_at(rate, demand, workload) / capacity, 1.0, 1e-9);
      EXPECT_LT(load_at(rate * 1.01, demand, workload), capacity * 1.03);
      EXPECT_GT(load_at(rate * 1.01, demand, workload), capacity);
    }
  }
  // A table that does not grow: load is linear in the rate.
  Workload still;
  still.test_seconds = 0;
  still.initial_orders = 1000;
  EXPECT_NEAR(max_rate(1e6, {36, 0.66, 48}, still), 1e6 / (0.5 * (36 + 660) + 0.5 * 48), 1e-6);
}

TEST(CapacityModel, MoreOrMoreCapableComponentsServeMore) {
  CapacityModel model = default_model();
  model.network_mbps = 1e6; // compare CPU, not the network link
  Plan plan;
  plan.database.kind = DatabaseKind::droplet;
  plan.database.size = "s-4vcpu-8gb";
  plan.load_balancer.kind = LoadBalancerKind::managed;
  const auto workers_rps = [&](const Plan& p) {
    auto parts = components(p, embedded_catalog(), model);
    for (const auto& part : *parts) {
      if (part.role == "workers") return part.rps;
    }
    return 0.0;
  };
  double last = 0;
  for (int count = 1; count <= 6; ++count) {
    plan.workers.count = count;
    EXPECT_GT(workers_rps(plan), last) << count;
    last = workers_rps(plan);
  }
  plan.workers.count = 1;
  plan.workers.size = "s-1vcpu-2gb";
  const double one = workers_rps(plan);
  plan.workers.size = "s-2vcpu-4gb";
  // Twice the CPU, but GET /orders gets dearer as the faster server fills the table faster: the
  // load is quadratic in the rate, so twice the capacity serves about sqrt(2) times the rate.
  EXPECT_GT(workers_rps(plan), one * 1.4);
  EXPECT_LT(workers_rps(plan), one * 2.0);
}

TEST(CapacityModel, ABiggerTableMeansFewerRequestsPerSecond) {
  // GET /orders lists every order: the model must get slower as the table grows.
  CapacityModel model = default_model();
  const Plan plan;
  const double empty = predicted(plan, model);
  model.workload.initial_orders = 10'000;
  const double full = predicted(plan, model);
  EXPECT_LT(full, empty * 0.8);
  model.workload.initial_orders = 0;
  model.workload.test_seconds = 600; // a longer test grows the table further
  EXPECT_LT(predicted(plan, model), empty);
}

TEST(CapacityModel, ThePredictionIsTheSmallestComponentAndNamesIt) {
  const CapacityModel model = default_model();
  for (const char* size : {"s-1vcpu-512mb-10gb", "s-1vcpu-2gb", "s-4vcpu-8gb"}) {
    Plan plan;
    plan.workers.size = size;
    auto p = predict(plan, embedded_catalog(), model);
    ASSERT_TRUE(p);
    ASSERT_EQ(p->components.size(), 3u);
    double smallest = p->components.front().rps;
    std::string role = p->components.front().role;
    for (const auto& c : p->components) {
      if (c.rps < smallest) {
        smallest = c.rps;
        role = c.role;
      }
    }
    EXPECT_EQ(p->rps, smallest);
    EXPECT_EQ(p->bottleneck, role);
  }
}

TEST(Calibration, AMeasurementBelowThePredictionSlowsTheBottleneck) {
  const CapacityModel model = default_model();
  const Plan plan;
  auto before = predict(plan, embedded_catalog(), model);
  ASSERT_TRUE(before);
  const double measured = before->rps * 0.5;
  auto result = calibrate(model, plan, embedded_catalog(), bench_json(measured, 60), "run.json");
  ASSERT_TRUE(result) << result.error();
  // The same architecture now predicts what was measured (same workload: 60 s, 1:1).
  EXPECT_NEAR(predicted(plan, result->model), measured, measured * 1e-6);
  // The bottleneck's kind is slower for every architecture that uses it.
  EXPECT_LT(result->model.speed_of("postgres_managed"), 1.0);
  EXPECT_EQ(result->model.speed_of("server_pg"), 1.0);
  Plan bigger = plan;
  bigger.database.size = "db-s-2vcpu-4gb";
  EXPECT_LT(predicted(bigger, result->model), predicted(bigger, model));
  EXPECT_NE(result->model.origin.find("calibrated"), std::string::npos);
  EXPECT_NE(result->model.origin.find("run.json"), std::string::npos);
  EXPECT_NE(result->calibration.adjusted.find("database"), std::string::npos) << result->calibration.adjusted;
}

TEST(Calibration, AMeasurementAboveThePredictionRaisesWhatLimitedIt) {
  const CapacityModel model = default_model();
  Plan plan;
  plan.load_balancer.kind = LoadBalancerKind::none;
  plan.workers.count = 1;
  plan.workers.size = "s-1vcpu-1gb";
  plan.database.kind = DatabaseKind::embedded;
  const double before = predicted(plan, model);
  const double measured = before * 1.6; // past the network figure too: both limits must move
  auto result = calibrate(model, plan, embedded_catalog(), bench_json(measured, 60), "fast.json");
  ASSERT_TRUE(result) << result.error();
  EXPECT_NEAR(predicted(plan, result->model), measured, measured * 1e-6);
  EXPECT_GT(result->model.speed_of("server_sqlite"), 1.0);
  Plan two_vcpu = plan;
  two_vcpu.workers.size = "s-2vcpu-4gb";
  EXPECT_GT(predicted(two_vcpu, result->model), predicted(two_vcpu, model));
}

TEST(Calibration, RefusesResultsThatCannotCalibrate) {
  const CapacityModel model = default_model();
  const Plan plan;
  const auto error = [&](const std::string& json) {
    auto result = calibrate(model, plan, embedded_catalog(), json, "r.json");
    return result ? std::string("(accepted)") : result.error();
  };
  EXPECT_NE(error(bench_json(100, 60, 3)).find("3 requests failed"), std::string::npos);
  EXPECT_NE(error(bench_json(100, 60, 0, {{"GET", "/orders/{id}"}})).find("fp-orders workload"), std::string::npos);
  EXPECT_NE(error("{nope").find("not JSON"), std::string::npos);
  EXPECT_NE(error("{\"aggregate\":{}}").find("not a `fpctl bench --json` result"), std::string::npos);
  EXPECT_NE(error(bench_json(0, 60)).find("no requests"), std::string::npos);
}

TEST(Calibration, TheModelFileRoundTripsAndBadFilesAreRefused) {
  fp::test::TempDir dir("fp-model");
  auto missing = load_model(dir / ".fpctl" / "model.json");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->origin, default_model().origin);

  auto calibrated = calibrate(default_model(), Plan{}, embedded_catalog(), bench_json(150, 60), "run.json");
  ASSERT_TRUE(calibrated);
  ASSERT_TRUE(save_model(dir / ".fpctl" / "model.json", calibrated->model));
  auto loaded = load_model(dir / ".fpctl" / "model.json");
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(loaded->origin, calibrated->model.origin);
  EXPECT_EQ(loaded->calibrations.size(), 1u);
  EXPECT_NEAR(predicted(Plan{}, *loaded), 150, 150 * 1e-6);

  { std::ofstream(dir / "bad.json") << "[1, 2]"; }
  auto bad = load_model(dir / "bad.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("not an fpctl capacity model"), std::string::npos) << bad.error();
  { std::ofstream(dir / "zero.json") << R"({"format": 1, "speed": {"nginx": 0}})"; }
  auto zero = load_model(dir / "zero.json");
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().find("speed of nginx must be above 0"), std::string::npos) << zero.error();
}

TEST(Optimizer, NeverReturnsAnArchitectureOverTheBudget) {
  const CapacityModel model = default_model();
  Plan base;
  base.extras.backups = true;
  base.extras.volume_gb = 10;
  for (Cents budget = 400; budget <= 20000; budget += 350) {
    OptimizeOptions options;
    options.budget = budget;
    options.top = 5;
    auto optimum = optimize(base, embedded_catalog(), model, options);
    if (!optimum) {
      EXPECT_LT(budget, 1000) << optimum.error(); // only a tiny budget fits nothing (4.00 + backups + volume)
      EXPECT_NE(optimum.error().find("no architecture fits"), std::string::npos);
      continue;
    }
    Cents previous = std::numeric_limits<Cents>::max();
    for (const auto& c : optimum->top) {
      EXPECT_LE(c.monthly, budget);
      EXPECT_LT(c.monthly, previous); // each next one is cheaper
      previous = c.monthly;
      // The optimizer's figures are the ones `fpctl cost` would show for that plan.
      EXPECT_EQ(describe(validate(c.plan, embedded_catalog()), c.plan), "");
      auto cost = price(c.plan, embedded_catalog());
      ASSERT_TRUE(cost);
      EXPECT_EQ(cost->monthly, c.monthly) << describe_architecture(c.plan);
      EXPECT_DOUBLE_EQ(predicted(c.plan, model), c.rps) << describe_architecture(c.plan);
    }
  }
}

TEST(Optimizer, ItsPickEqualsAnExhaustiveSearchOnASmallSpace) {
  const Catalog catalog = small_catalog();
  const int max_workers = 4;
  std::vector<CapacityModel> models = {default_model()};
  CapacityModel cpu_bound = default_model(); // a model where the network never limits
  cpu_bound.network_mbps = 1e6;
  models.push_back(cpu_bound);
  CapacityModel slow_db = cpu_bound;
  slow_db.speed["postgres_managed"] = 0.3;
  slow_db.speed["postgres_droplet"] = 0.5;
  slow_db.workload.initial_orders = 5000;
  models.push_back(slow_db);

  Plan base;
  base.region = "sgp1";
  const auto plans = every_architecture(base, catalog, max_workers);
  ASSERT_GT(plans.size(), 1000u);
  for (const auto& model : models) {
    std::vector<std::pair<Cents, double>> scored;
    for (const auto& plan : plans) scored.emplace_back(price(plan, catalog)->monthly, predicted(plan, model, catalog));
    for (Cents budget = 400; budget <= 30000; budget += 700) {
      double best_rps = -1;
      Cents best_cost = 0;
      for (const auto& [cost, rps] : scored) {
        if (cost > budget) continue;
        if (rps > best_rps || (rps == best_rps && cost < best_cost)) {
          best_rps = rps;
          best_cost = cost;
        }
      }
      OptimizeOptions options;
      options.budget = budget;
      options.max_workers = max_workers;
      auto optimum = optimize(base, catalog, model, options);
      ASSERT_TRUE(optimum) << optimum.error();
      EXPECT_DOUBLE_EQ(optimum->top.front().rps, best_rps) << "budget " << budget;
      EXPECT_EQ(optimum->top.front().monthly, best_cost) << "budget " << budget;
    }
  }
}

TEST(Optimizer, SaysWhyTheWinnerWinsAndWhatMoreMoneyWouldBuy) {
  CapacityModel model = default_model();
  model.network_mbps = 1e6;
  Plan base;
  OptimizeOptions options;
  options.budget = 3000;
  auto optimum = optimize(base, embedded_catalog(), model, options);
  ASSERT_TRUE(optimum) << optimum.error();
  const auto& why = optimum->why;
  EXPECT_NE(why.find("has the highest predicted rate within 30.00 US$"), std::string::npos) << why;
  EXPECT_NE(why.find("It is limited by the " + optimum->top.front().bottleneck), std::string::npos) << why;
  ASSERT_TRUE(optimum->better_over_budget.has_value());
  EXPECT_GT(optimum->better_over_budget->monthly, 3000);
  EXPECT_GT(optimum->better_over_budget->rps, optimum->top.front().rps);
  EXPECT_NE(why.find("Doing better takes at least"), std::string::npos) << why;
}
