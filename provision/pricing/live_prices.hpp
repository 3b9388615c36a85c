// `fpctl cost --live`: the catalog with its droplet sizes replaced by what GET /v2/sizes answers
// (the only prices DigitalOcean's API publishes). Everything else keeps its embedded list price.
// This library does not talk to the network: the CLI fetches the sizes with provision/cloud and
// hands them over in this plain form.
#pragma once

#include "catalog.hpp"

#include <string>
#include <tl/expected.hpp>
#include <vector>

namespace fp::pricing {

struct LiveSize {
  std::string slug;
  std::string description;
  long long vcpus = 0;
  long long memory_mib = 0;
  long long disk_gb = 0;
  double transfer_tb = 0;
  double price_monthly = 0; // US$, as the API's JSON number
  double price_hourly = 0;
  std::vector<std::string> regions;
  bool available = true;
};

// Prices are converted to cents and micro-dollars once, rounding to the nearest (the API gives
// at most 5 decimals); sizes marked unavailable are left out. `origin` says where they came from,
// `as_of` when (today).
tl::expected<Catalog, std::string> with_live_sizes(const Catalog& embedded, const std::vector<LiveSize>& sizes,
                                                   const std::string& origin, const std::string& as_of);

} // namespace fp::pricing
