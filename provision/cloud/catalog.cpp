#include "catalog.hpp"

#include "json_read.hpp"

namespace fp::cloud {

using namespace detail;

Size size_from_json(const nlohmann::json& object) {
  Size size;
  size.slug = text(object, "slug");
  size.memory_mb = integer(object, "memory");
  size.vcpus = integer(object, "vcpus");
  size.disk_gb = integer(object, "disk");
  size.transfer_tb = number(object, "transfer");
  size.price_monthly = number(object, "price_monthly");
  size.price_hourly = number(object, "price_hourly");
  size.regions = texts(object, "regions");
  size.available = boolean(object, "available");
  size.description = text(object, "description");
  return size;
}

Region region_from_json(const nlohmann::json& object) {
  Region region;
  region.slug = text(object, "slug");
  region.name = text(object, "name");
  region.available = boolean(object, "available");
  region.sizes = texts(object, "sizes");
  region.features = texts(object, "features");
  return region;
}

tl::expected<std::vector<Size>, ApiError> list_sizes(Client& client) {
  auto items = client.list("/v2/sizes", "sizes");
  if (!items) return tl::unexpected(items.error());
  std::vector<Size> sizes;
  sizes.reserve(items->size());
  for (const auto& item : *items) sizes.push_back(size_from_json(item));
  return sizes;
}

tl::expected<std::vector<Region>, ApiError> list_regions(Client& client) {
  auto items = client.list("/v2/regions", "regions");
  if (!items) return tl::unexpected(items.error());
  std::vector<Region> regions;
  regions.reserve(items->size());
  for (const auto& item : *items) regions.push_back(region_from_json(item));
  return regions;
}

} // namespace fp::cloud
