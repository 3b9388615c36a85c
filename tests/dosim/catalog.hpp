// What the simulated account can buy: regions, droplet sizes (prices as in
// ../shared/reference/digitalocean/PRICING.md), distribution images, and managed database options.
// Fixed data; faults can withdraw a size from a region (the 422 "Size is not available" case).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace fp::dosim {

struct RegionInfo {
  std::string slug;
  std::string name;
  bool available = true;
};

struct SizeInfo {
  std::string slug;
  int memory_mb = 0;
  int vcpus = 0;
  int disk_gb = 0;
  double transfer_tb = 0;
  double price_monthly = 0;
  double price_hourly = 0;
  std::string description;
  std::vector<std::string> regions; // empty: every available region
};

struct ImageInfo {
  std::int64_t id = 0;
  std::string slug;
  std::string name;
  std::string distribution;
  int min_disk_size = 0;
  double size_gigabytes = 0;
};

class Catalog {
public:
  Catalog();

  // (region, size) pairs withdrawn by the faults configuration.
  void set_withdrawn(std::set<std::pair<std::string, std::string>> withdrawn) { m_withdrawn = std::move(withdrawn); }

  const std::vector<RegionInfo>& regions() const { return m_regions; }
  const std::vector<SizeInfo>& sizes() const { return m_sizes; }
  const RegionInfo* region(const std::string& slug) const;
  const SizeInfo* size(const std::string& slug) const;
  const ImageInfo* image(const std::string& id_or_slug) const;
  bool sold_in(const SizeInfo& size, const std::string& region) const;

  nlohmann::json region_json(const RegionInfo& region) const;
  nlohmann::json size_json(const SizeInfo& size) const;
  nlohmann::json image_json(const ImageInfo& image) const;
  std::vector<ImageInfo> const& images() const { return m_images; }

  // Managed databases: GET /v2/databases/options, and the checks a create is held to.
  nlohmann::json database_options() const;
  std::optional<std::string> check_database(const std::string& engine, const std::string& version,
                                            const std::string& region, const std::string& size, int num_nodes) const;
  std::string default_database_version(const std::string& engine) const;

private:
  std::vector<RegionInfo> m_regions;
  std::vector<SizeInfo> m_sizes;
  std::vector<ImageInfo> m_images;
  std::set<std::pair<std::string, std::string>> m_withdrawn;
};

} // namespace fp::dosim
