// The capacity model: how many requests per second, at 0 % failures, an architecture serves for
// the course's fp-orders workload (GET /orders and POST /orders, 1:1). Every component — the load
// balancer, the workers, the database — has a capacity per vCPU (and per network link) derived from
// our own measurements (docs/COST.md); the prediction is the smallest along LB -> workers ->
// database, and that component is the bottleneck.
//
// GET /orders returns EVERY order, so its cost grows with the table, and the table grows with the
// POSTs of the test itself. The model assumes the table starts with `initial_orders` rows (the
// course empties it before each test: 0) and grows for `test_seconds` (60, the assignment's test
// length); a component must still keep up at the end, when the table is largest. The load at rate
// R is then quadratic in R, and each component's maximum rate is the root of that quadratic.
#pragma once

#include "catalog.hpp"
#include "plan.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <tl/expected.hpp>
#include <vector>

namespace fp::pricing {

struct Workload {
  double get_share = 0.5;      // share of requests that are GET /orders (the rest POST /orders)
  double initial_orders = 0;   // rows when the test starts
  double test_seconds = 60;    // how long the table grows; capacity is needed at the end
};

// What one request costs a resource, in that resource's units (CPU microseconds, bytes):
// a GET /orders costs get_base + get_per_row x rows, a POST costs post.
struct Demand {
  double get_base = 0;
  double get_per_row = 0;
  double post = 0;
};

// A calibration folded into the model (shown as the model's origin).
struct Calibration {
  std::string results_file;
  std::string architecture;   // "nginx s-1vcpu-1gb -> 2 x s-1vcpu-2gb -> managed db-s-1vcpu-1gb"
  double measured_rps = 0;
  double predicted_rps = 0;   // before this calibration
  std::string adjusted;       // "workers (fp-order-server): speed 1.00 -> 0.74"
};

struct CapacityModel {
  Workload workload;
  double utilization = 0.8;   // share of each vCPU the model plans to use (a margin for shared vCPUs)
  Demand server_pg;           // fp-order-server CPU-µs per request, PostgreSQL store
  Demand server_sqlite;       // fp-order-server CPU-µs per request, SQLite store (database kind embedded)
  Demand postgres;            // PostgreSQL CPU-µs per request
  Demand nginx;               // nginx CPU-µs per proxied request
  Demand bytes;               // bytes of each response (what crosses the network links)
  double managed_lb_rps_per_node = 10000; // DigitalOcean's figure per load balancer node
  double network_mbps = 2000;             // a droplet's network link (assumed, not published)
  // Multipliers per component kind, 1.0 by default; calibration moves them. Kinds: nginx,
  // managed_lb, server_pg, server_sqlite, postgres_droplet, postgres_managed, network.
  std::map<std::string, double> speed;
  std::string origin;         // where these figures come from
  std::vector<Calibration> calibrations;

  double speed_of(const std::string& kind) const;
};

// The built-in model: our measurements of fp-order-server, PostgreSQL and nginx (docs/COST.md).
CapacityModel default_model();

struct ComponentCapacity {
  std::string role;  // "load balancer", "workers", "database"
  std::string what;  // "nginx on s-1vcpu-1gb", "2 x s-1vcpu-2gb (fp-order-server)"
  std::string kind;  // the speed key of what limits it
  std::string limit; // "CPU", "network", "nodes"
  double rps = 0;
  Demand demand;     // of the limiting resource (calibration rescales its capacity)
};

struct Prediction {
  double rps = 0;                            // the smallest component capacity
  std::string bottleneck;                    // that component's role
  std::vector<ComponentCapacity> components; // along the path: LB, workers, database
  double orders_at_end = 0;                  // the table size the prediction was made for
};

// The largest rate R whose load (R requests/s of `demand` under `workload`) fits `capacity` units/s.
double max_rate(double capacity, const Demand& demand, const Workload& workload);
// The load of rate R in units/s (the inverse of max_rate; used by calibration and tests).
double load_at(double rate, const Demand& demand, const Workload& workload);

// Each component of the plan's path with its capacity. The plan must be valid for the catalog.
tl::expected<std::vector<ComponentCapacity>, std::string> components(const plan::Plan& plan, const Catalog& catalog,
                                                                     const CapacityModel& model);
tl::expected<Prediction, std::string> predict(const plan::Plan& plan, const Catalog& catalog, const CapacityModel& model);

// One line: "nginx s-1vcpu-1gb -> 2 x s-1vcpu-2gb -> managed db-s-1vcpu-1gb".
std::string describe_architecture(const plan::Plan& plan);

// .fpctl/model.json: the model with its origin. A missing file is the built-in model.
tl::expected<CapacityModel, std::string> load_model(const std::filesystem::path& path);
tl::expected<void, std::string> save_model(const std::filesystem::path& path, const CapacityModel& model);

struct CalibrationResult {
  CapacityModel model;      // the updated model
  Calibration calibration;  // what changed and why
};

// Folds a `fpctl bench --json` result, measured on the architecture of `plan`, into the model:
// the measured rate is taken as that architecture's capacity (run it at the rate `fpctl bench find
// max-rps` found, at 0 % failures). Components predicted slower than measured are sped up to the
// measurement; if the measurement is below the prediction, the predicted bottleneck is slowed to it.
tl::expected<CalibrationResult, std::string> calibrate(const CapacityModel& model, const plan::Plan& plan,
                                                       const Catalog& catalog, std::string_view results_json,
                                                       const std::string& results_file);

} // namespace fp::pricing
