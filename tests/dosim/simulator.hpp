// The simulator behind the HTTP listener: authentication, rate limits, fault rules, routing to the
// handlers, schema checks of request bodies, the request log, persistence (--state-dir) and the
// control endpoints under /_dosim/. Single-threaded: the listener calls handle() from one thread.
#pragma once

#include "api.hpp"
#include "catalog.hpp"
#include "droplet_host.hpp"
#include "faults.hpp"
#include "rate_limiter.hpp"
#include "request_log.hpp"
#include "schema_catalog.hpp"
#include "sim_clock.hpp"
#include "world.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <tl/expected.hpp>

namespace fp::dosim {

struct SimulatorOptions {
  std::optional<std::string> token;  // when set, the only bearer token accepted
  std::filesystem::path spec = FP_DOSIM_DEFAULT_SPEC;
  std::filesystem::path state_dir;   // empty: state in memory only
  nlohmann::json faults;             // the faults document (null: defaults)
  std::optional<double> delay_scale; // overrides the document's delay_scale
};

class Simulator {
public:
  // `host` defaults to SimulatedDropletHost (addresses only).
  static tl::expected<std::unique_ptr<Simulator>, std::string> create(SimulatorOptions options,
                                                                      std::unique_ptr<DropletHost> host = nullptr);

  // Where clients reach us, for the absolute URLs in links (http://127.0.0.1:PORT).
  void set_base_url(std::string url) { m_base_url = std::move(url); }
  ApiResponse handle(const ApiRequest& request);

private:
  Simulator(SimulatorOptions options, std::unique_ptr<DropletHost> host, std::unique_ptr<SchemaCatalog> schemas);
  ApiResponse handle_api(const ApiRequest& request, nlohmann::json& log_entry);
  ApiResponse handle_control(const ApiRequest& request);
  tl::expected<void, std::string> set_faults(const nlohmann::json& document);
  tl::expected<void, std::string> load_state();
  void save_state();

  SimulatorOptions m_options;
  std::unique_ptr<DropletHost> m_host;
  std::unique_ptr<SchemaCatalog> m_schemas;
  Catalog m_catalog;
  World m_world;
  Faults m_faults;
  SimClock m_clock;
  RateLimiter m_rate_limiter;
  RequestLog m_log;
  std::string m_base_url = "http://127.0.0.1";
  std::string m_state_error; // the last failure to write --state-dir, if any
};

} // namespace fp::dosim
