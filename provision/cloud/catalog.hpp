// What can be bought where: GET /v2/sizes and GET /v2/regions. list_sizes is also what
// `fpctl cost --live` prices with; its signature and the Size fields are kept stable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "client.hpp"

namespace fp::cloud {

struct Size {
  std::string slug;        // "s-1vcpu-1gb"
  std::int64_t memory_mb = 0;
  std::int64_t vcpus = 0;
  std::int64_t disk_gb = 0;
  double transfer_tb = 0;  // outbound allowance per month
  double price_monthly = 0; // USD
  double price_hourly = 0;  // USD
  std::vector<std::string> regions; // where it can be created
  bool available = false;
  std::string description; // "Basic", "General Purpose", ...
};

struct Region {
  std::string slug; // "fra1"
  std::string name; // "Frankfurt 1"
  bool available = false;
  std::vector<std::string> sizes; // size slugs sold there
  std::vector<std::string> features;
};

Size size_from_json(const nlohmann::json& object);
Region region_from_json(const nlohmann::json& object);

// Every size (all pages), in the API's order.
tl::expected<std::vector<Size>, ApiError> list_sizes(Client& client);
// Every region (all pages).
tl::expected<std::vector<Region>, ApiError> list_regions(Client& client);

} // namespace fp::cloud
