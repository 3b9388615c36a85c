#include "live_prices.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fp::pricing {

tl::expected<Catalog, std::string> with_live_sizes(const Catalog& embedded, const std::vector<LiveSize>& sizes,
                                                   const std::string& origin, const std::string& as_of) {
  Catalog catalog = embedded;
  catalog.droplets.clear();
  catalog.origin = origin;
  catalog.as_of = as_of;
  const auto whole = [](long long value) { return static_cast<int>(std::clamp<long long>(value, 0, std::numeric_limits<int>::max())); };
  for (const auto& size : sizes) {
    if (!size.available) continue;
    if (!std::isfinite(size.price_monthly) || !std::isfinite(size.price_hourly) || size.price_monthly < 0 ||
        size.price_hourly < 0 || size.price_monthly > 1e7) {
      return tl::unexpected("GET /v2/sizes gave " + size.slug + " an impossible price");
    }
    DropletSize d;
    d.slug = size.slug;
    d.description = size.description;
    d.vcpus = whole(size.vcpus);
    d.memory_mib = whole(size.memory_mib);
    d.disk_gb = whole(size.disk_gb);
    d.transfer_gb = static_cast<int>(std::llround(size.transfer_tb * 1000));
    d.monthly = std::llround(size.price_monthly * 100);
    d.hourly = std::llround(size.price_hourly * 1e6);
    // An empty list means "everywhere" in the catalog; the API's empty list means "nowhere".
    d.regions = size.regions.empty() ? std::vector<std::string>{"(none)"} : size.regions;
    d.confidence = Confidence::official;
    d.source = origin;
    catalog.droplets.push_back(std::move(d));
    for (const auto& region : size.regions) {
      if (std::find(catalog.regions.begin(), catalog.regions.end(), region) == catalog.regions.end()) catalog.regions.push_back(region);
    }
  }
  if (catalog.droplets.empty()) return tl::unexpected(std::string("GET /v2/sizes listed no available size"));
  return catalog;
}

} // namespace fp::pricing
