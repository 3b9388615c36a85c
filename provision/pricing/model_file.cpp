// .fpctl/model.json: the capacity model with its origin and calibrations, read and written.
#include "capacity.hpp"

#include <cerrno>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

namespace fp::pricing {

namespace {
using json = nlohmann::ordered_json;
} // namespace

namespace {

json demand_json(const Demand& d) { return {{"get_base", d.get_base}, {"get_per_row", d.get_per_row}, {"post", d.post}}; }

Demand demand_from(const json& j, const Demand& fallback) {
  if (!j.is_object()) return fallback;
  return {j.value("get_base", fallback.get_base), j.value("get_per_row", fallback.get_per_row), j.value("post", fallback.post)};
}

} // namespace

tl::expected<CapacityModel, std::string> load_model(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return default_model();
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected("cannot read " + path.string() + ": " + std::generic_category().message(errno));
  CapacityModel m = default_model();
  try {
    const json j = json::parse(in);
    if (!j.is_object() || j.value("format", 0) != 1) {
      return tl::unexpected(path.string() + ": not an fpctl capacity model (expected {\"format\": 1, ...}); delete it to "
                                            "go back to the built-in model");
    }
    m.origin = j.value("origin", m.origin);
    if (j.contains("workload")) {
      const auto& w = j["workload"];
      m.workload = {w.value("get_share", m.workload.get_share), w.value("initial_orders", m.workload.initial_orders),
                    w.value("test_seconds", m.workload.test_seconds)};
    }
    m.utilization = j.value("utilization", m.utilization);
    if (j.contains("demands")) {
      const auto& d = j["demands"];
      m.server_pg = demand_from(d.value("server_pg", json()), m.server_pg);
      m.server_sqlite = demand_from(d.value("server_sqlite", json()), m.server_sqlite);
      m.postgres = demand_from(d.value("postgres", json()), m.postgres);
      m.nginx = demand_from(d.value("nginx", json()), m.nginx);
      m.bytes = demand_from(d.value("bytes", json()), m.bytes);
    }
    m.managed_lb_rps_per_node = j.value("managed_lb_rps_per_node", m.managed_lb_rps_per_node);
    m.network_mbps = j.value("network_mbps", m.network_mbps);
    if (j.contains("speed")) {
      for (const auto& [kind, value] : j["speed"].items()) m.speed[kind] = value.get<double>();
    }
    for (const auto& c : j.value("calibrations", json::array())) {
      m.calibrations.push_back({c.value("results_file", ""), c.value("architecture", ""), c.value("measured_rps", 0.0),
                                c.value("predicted_rps", 0.0), c.value("adjusted", "")});
    }
  } catch (const json::exception& e) {
    return tl::unexpected(path.string() + ": not a valid capacity model (" + e.what() + "); delete it to go back to the "
                                          "built-in model");
  }
  for (const auto& [kind, value] : m.speed) {
    if (!(value > 0) || !std::isfinite(value)) return tl::unexpected(path.string() + ": speed of " + kind + " must be above 0");
  }
  if (!(m.utilization > 0 && m.utilization <= 1) || !(m.workload.get_share > 0 && m.workload.get_share < 1) ||
      m.workload.test_seconds < 0 || m.workload.initial_orders < 0 || !(m.network_mbps > 0) || !(m.managed_lb_rps_per_node > 0)) {
    return tl::unexpected(path.string() + ": utilization must be in (0, 1], workload.get_share in (0, 1), other figures "
                                          "positive");
  }
  return m;
}

tl::expected<void, std::string> save_model(const std::filesystem::path& path, const CapacityModel& m) {
  json calibrations = json::array();
  for (const auto& c : m.calibrations) {
    calibrations.push_back({{"results_file", c.results_file}, {"architecture", c.architecture},
                            {"measured_rps", c.measured_rps}, {"predicted_rps", c.predicted_rps}, {"adjusted", c.adjusted}});
  }
  json speed = json::object();
  for (const auto& [kind, value] : m.speed) speed[kind] = value;
  const json document = {
      {"format", 1},
      {"origin", m.origin},
      {"workload",
       {{"get_share", m.workload.get_share}, {"initial_orders", m.workload.initial_orders}, {"test_seconds", m.workload.test_seconds}}},
      {"utilization", m.utilization},
      {"demands",
       {{"server_pg", demand_json(m.server_pg)},
        {"server_sqlite", demand_json(m.server_sqlite)},
        {"postgres", demand_json(m.postgres)},
        {"nginx", demand_json(m.nginx)},
        {"bytes", demand_json(m.bytes)}}},
      {"managed_lb_rps_per_node", m.managed_lb_rps_per_node},
      {"network_mbps", m.network_mbps},
      {"speed", speed},
      {"calibrations", calibrations},
  };
  std::error_code error;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
  if (error) return tl::unexpected("cannot create " + path.parent_path().string() + ": " + error.message());
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << document.dump(2) << "\n";
    out.close();
    if (!out) return tl::unexpected("cannot write " + temporary.string() + ": " + std::generic_category().message(errno));
  }
  std::filesystem::rename(temporary, path, error);
  if (error) return tl::unexpected("cannot replace " + path.string() + ": " + error.message());
  return {};
}

} // namespace fp::pricing
