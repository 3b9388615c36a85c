// The per-test configuration of the simulator: delays of its asynchronous changes, its rate limits,
// the account it pretends to be, sizes withdrawn from regions, and fault rules that answer the
// Nth matching request with an error. Read from a JSON or YAML file (--faults) and replaceable at
// run time (PUT /_dosim/faults). The format is documented in docs/DOSIM.md.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

namespace fp::dosim {

// Simulated seconds, multiplied by Faults::delay_scale when applied.
struct Delays {
  double droplet_visible = 0;  // GET of a new droplet answers 404 this long after the 202
  double droplet_active = 30;  // new -> active; the create action completes (or errors) then
  double droplet_ips = 0;      // after active, networks.v4 stays empty this long
  double droplet_delete = 3;   // a deleted droplet stays visible this long after the 204
  double database_visible = 0; // GET of a new cluster answers 404 this long after the 201
  double database_online = 120;
  double database_delete = 3;
  double firewall_ready = 3;   // waiting -> succeeded
  double load_balancer_active = 90; // new -> active; the IP appears then
  double load_balancer_delete = 3;
};

struct RateLimits {
  int hourly = 5000;        // per token, sliding hour
  int per_minute = 250;     // burst limit, sliding minute; a 429 from it carries retry-after
  int keys_per_minute = 10; // GET /v2/account/keys has its own limit
};

struct AccountSettings {
  int droplet_limit = 25;
  std::string status = "active"; // active | warning | locked
  bool read_only = false;        // the token is read-only: every write answers 403
};

struct FaultRule {
  std::string method = "*"; // exact method or *
  std::string path;         // the request path; * matches any run of characters
  int nth = 1;              // first matching call the rule answers (1-based)
  int count = 1;            // how many matching calls from the nth on; 0 = all of them
  unsigned status = 0;      // answer this status with DO's error body (0: no status fault)
  std::optional<int> retry_after;
  std::string message;      // error message; default: the usual one for the status
  bool after_apply = false; // carry the request out first, then answer `status` (lost response)
  bool create_fails = false; // POST /v2/droplets: accepted, then the action errors and the droplet vanishes
  std::optional<nlohmann::json> delays; // overrides of Delays for what this request creates
  int seen = 0;             // matching calls so far (runtime)
};

struct Faults {
  double delay_scale = 1.0;
  Delays delays;
  RateLimits rate_limits;
  AccountSettings account;
  std::vector<std::pair<std::string, std::string>> unavailable_sizes; // (region, size)
  bool null_empty_database_list = false; // answer {"databases":null} for an empty list
  std::vector<FaultRule> rules;
};

tl::expected<Faults, std::string> parse_faults(const nlohmann::json& document);
nlohmann::json faults_to_json(const Faults& faults);
// Applies `overrides` (an object of Delays fields) on top of `base`.
tl::expected<Delays, std::string> apply_delays(Delays base, const nlohmann::json& overrides);

// Reads a JSON or YAML file into JSON (YAML when it does not parse as JSON).
tl::expected<nlohmann::json, std::string> read_config_file(const std::filesystem::path& path);
tl::expected<nlohmann::json, std::string> parse_config_text(const std::string& text);

// True when `path` matches the glob (only * is special).
bool glob_match(std::string_view glob, std::string_view path);

} // namespace fp::dosim
