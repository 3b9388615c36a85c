#include "catalog.hpp"

#include <algorithm>

namespace fp::dosim {
namespace {

using nlohmann::json;

// Sizes and prices from PRICING.md §2 (third-party reproductions of /v2/sizes, hourly = monthly / 672).
// The 512 MiB plan is sold only where a real 2023 response listed it.
std::vector<SizeInfo> make_sizes() {
  const std::vector<std::string> small_regions = {"ams3", "fra1", "nyc1", "sfo3", "sgp1", "syd1"};
  std::vector<SizeInfo> sizes = {
    {"s-1vcpu-512mb-10gb", 512, 1, 10, 0.5, 4.00, 0.00595, "Basic", small_regions},
    {"s-1vcpu-1gb", 1024, 1, 25, 1.0, 6.00, 0.00893, "Basic", {}},
    {"s-1vcpu-2gb", 2048, 1, 50, 2.0, 12.00, 0.01786, "Basic", {}},
    {"s-2vcpu-2gb", 2048, 2, 60, 3.0, 18.00, 0.02679, "Basic", {}},
    {"s-2vcpu-4gb", 4096, 2, 80, 4.0, 24.00, 0.03571, "Basic", {}},
    {"s-4vcpu-8gb", 8192, 4, 160, 5.0, 48.00, 0.07143, "Basic", {}},
    {"s-1vcpu-1gb-amd", 1024, 1, 25, 1.0, 7.00, 0.01042, "Premium AMD", {}},
    {"s-1vcpu-1gb-intel", 1024, 1, 25, 1.0, 7.00, 0.01042, "Premium Intel", {}},
    {"s-1vcpu-2gb-amd", 2048, 1, 50, 2.0, 14.00, 0.02083, "Premium AMD", {}},
    {"s-1vcpu-2gb-intel", 2048, 1, 50, 2.0, 14.00, 0.02083, "Premium Intel", {}},
    {"s-2vcpu-2gb-amd", 2048, 2, 60, 3.0, 21.00, 0.03125, "Premium AMD", {}},
    {"s-2vcpu-2gb-intel", 2048, 2, 60, 3.0, 21.00, 0.03125, "Premium Intel", {}},
    {"s-2vcpu-4gb-amd", 4096, 2, 80, 4.0, 28.00, 0.04167, "Premium AMD", {}},
    {"s-2vcpu-4gb-intel", 4096, 2, 80, 4.0, 28.00, 0.04167, "Premium Intel", {}},
    {"s-2vcpu-8gb-amd", 8192, 2, 100, 5.0, 42.00, 0.0625, "Premium AMD", {}},
    {"s-4vcpu-8gb-amd", 8192, 4, 160, 5.0, 56.00, 0.08333, "Premium AMD", {}},
    {"s-4vcpu-8gb-intel", 8192, 4, 160, 5.0, 56.00, 0.08333, "Premium Intel", {}},
    {"c-2", 4096, 2, 25, 4.0, 42.00, 0.0625, "CPU-Optimized", {}},
  };
  return sizes;
}

struct DatabaseEngine {
  std::string engine;
  std::vector<std::string> versions; // oldest first; the last is the default
  std::vector<std::pair<int, std::vector<std::string>>> layouts;
};

const std::vector<std::string> k_db_regions = {"ams3", "blr1", "fra1", "lon1", "nyc1", "nyc3",
                                               "sfo2", "sfo3", "sgp1", "syd1", "tor1"};

// From the spec's GET /v2/databases/options example (API.md §10.3): the 1 GB plan cannot have
// standby nodes; MongoDB runs 1 or 3 nodes.
const std::vector<DatabaseEngine>& database_engines() {
  static const std::vector<std::string> all = {"db-s-1vcpu-1gb", "db-s-1vcpu-2gb", "db-s-2vcpu-4gb", "db-s-4vcpu-8gb"};
  static const std::vector<std::string> standby = {"db-s-1vcpu-2gb", "db-s-2vcpu-4gb", "db-s-4vcpu-8gb"};
  static const std::vector<DatabaseEngine> engines = {
    {"pg", {"13", "14", "15", "16", "17"}, {{1, all}, {2, standby}, {3, standby}}},
    {"mysql", {"8"}, {{1, all}, {2, standby}, {3, standby}}},
    {"mongodb", {"6.0", "7.0"}, {{1, all}, {3, all}}},
    {"valkey", {"8"}, {{1, all}, {2, standby}, {3, standby}}},
  };
  return engines;
}

} // namespace

Catalog::Catalog() : m_sizes(make_sizes()) {
  m_regions = {
    {"ams3", "Amsterdam 3", true}, {"blr1", "Bangalore 1", true},     {"fra1", "Frankfurt 1", true},
    {"lon1", "London 1", true},    {"nyc1", "New York 1", true},      {"nyc2", "New York 2", false},
    {"nyc3", "New York 3", true},  {"sfo2", "San Francisco 2", true}, {"sfo3", "San Francisco 3", true},
    {"sgp1", "Singapore 1", true}, {"syd1", "Sydney 1", true},        {"tor1", "Toronto 1", true},
  };
  m_images = {
    {139311111, "debian-12-x64", "12 x64", "Debian", 7, 0.53},
    {168832323, "ubuntu-24-04-x64", "24.04 (LTS) x64", "Ubuntu", 7, 0.96},
    {129211873, "ubuntu-22-04-x64", "22.04 (LTS) x64", "Ubuntu", 7, 0.89},
  };
}

const RegionInfo* Catalog::region(const std::string& slug) const {
  for (const auto& r : m_regions) {
    if (r.slug == slug) return &r;
  }
  return nullptr;
}

const SizeInfo* Catalog::size(const std::string& slug) const {
  for (const auto& s : m_sizes) {
    if (s.slug == slug) return &s;
  }
  return nullptr;
}

const ImageInfo* Catalog::image(const std::string& id_or_slug) const {
  for (const auto& i : m_images) {
    if (i.slug == id_or_slug || std::to_string(i.id) == id_or_slug) return &i;
  }
  return nullptr;
}

bool Catalog::sold_in(const SizeInfo& size, const std::string& region_slug) const {
  const auto* r = region(region_slug);
  if (!r || !r->available) return false;
  if (m_withdrawn.count({region_slug, size.slug})) return false;
  return size.regions.empty() || std::find(size.regions.begin(), size.regions.end(), region_slug) != size.regions.end();
}

json Catalog::region_json(const RegionInfo& region) const {
  json sizes = json::array();
  for (const auto& s : m_sizes) {
    if (sold_in(s, region.slug)) sizes.push_back(s.slug);
  }
  json features = region.available ? json{"backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"}
                                   : json::array();
  return {{"name", region.name}, {"slug", region.slug}, {"features", features}, {"available", region.available},
          {"sizes", sizes}};
}

json Catalog::size_json(const SizeInfo& size) const {
  json regions = json::array();
  for (const auto& r : m_regions) {
    if (sold_in(size, r.slug)) regions.push_back(r.slug);
  }
  return {{"slug", size.slug},
          {"memory", size.memory_mb},
          {"vcpus", size.vcpus},
          {"disk", size.disk_gb},
          {"transfer", size.transfer_tb},
          {"price_monthly", size.price_monthly},
          {"price_hourly", size.price_hourly},
          {"regions", regions},
          {"available", true},
          {"description", size.description},
          {"disk_info", json::array({{{"type", "local"}, {"size", {{"amount", size.disk_gb}, {"unit", "gib"}}}}})}};
}

json Catalog::image_json(const ImageInfo& image) const {
  json regions = json::array();
  for (const auto& r : m_regions) {
    if (r.available) regions.push_back(r.slug);
  }
  return {{"id", image.id},
          {"name", image.name},
          {"type", "base"},
          {"distribution", image.distribution},
          {"slug", image.slug},
          {"public", true},
          {"regions", regions},
          {"created_at", "2025-06-12T10:00:00Z"},
          {"min_disk_size", image.min_disk_size},
          {"size_gigabytes", image.size_gigabytes},
          {"description", image.distribution + " " + image.name},
          {"tags", json::array()},
          {"status", "available"},
          {"error_message", ""}};
}

json Catalog::database_options() const {
  json options = json::object();
  json availability = json::object();
  for (const auto& engine : database_engines()) {
    json layouts = json::array();
    for (const auto& [nodes, sizes] : engine.layouts) layouts.push_back({{"num_nodes", nodes}, {"sizes", sizes}});
    options[engine.engine] = {{"regions", k_db_regions}, {"versions", engine.versions}, {"layouts", layouts}};
    json versions = json::array();
    for (const auto& v : engine.versions) {
      versions.push_back({{"version", v}, {"end_of_life", nullptr}, {"end_of_availability", nullptr}});
    }
    availability[engine.engine] = versions;
  }
  return {{"options", options}, {"version_availability", availability}};
}

std::string Catalog::default_database_version(const std::string& engine) const {
  for (const auto& e : database_engines()) {
    if (e.engine == engine) return e.versions.back();
  }
  return "";
}

std::optional<std::string> Catalog::check_database(const std::string& engine, const std::string& version,
                                                   const std::string& region, const std::string& size,
                                                   int num_nodes) const {
  const DatabaseEngine* found = nullptr;
  for (const auto& e : database_engines()) {
    if (e.engine == engine) found = &e;
  }
  if (!found) return "invalid engine '" + engine + "'";
  if (!version.empty() && std::find(found->versions.begin(), found->versions.end(), version) == found->versions.end()) {
    return "invalid version '" + version + "' for engine " + engine;
  }
  if (std::find(k_db_regions.begin(), k_db_regions.end(), region) == k_db_regions.end()) {
    return "invalid region '" + region + "'";
  }
  bool size_known = false;
  for (const auto& [nodes, sizes] : found->layouts) {
    const bool has = std::find(sizes.begin(), sizes.end(), size) != sizes.end();
    size_known = size_known || has;
    if (nodes == num_nodes && has) return std::nullopt;
  }
  if (!size_known) return "invalid size '" + size + "'";
  return "invalid number of nodes (" + std::to_string(num_nodes) + ") for size " + size;
}

} // namespace fp::dosim
