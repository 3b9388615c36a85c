#include "catalog.hpp"

#include <algorithm>

namespace fp::pricing {

std::string_view to_string(Confidence confidence) {
  switch (confidence) {
  case Confidence::official: return "official";
  case Confidence::third_party: return "third-party";
  case Confidence::unconfirmed: return "unconfirmed";
  }
  return "?";
}

std::string_view mark(Confidence confidence) {
  switch (confidence) {
  case Confidence::official: return "";
  case Confidence::third_party: return "~";
  case Confidence::unconfirmed: return "?";
  }
  return "?";
}

Micros hourly_from_monthly(Cents monthly) {
  // monthly cents * 10,000 / 672 micro-dollars, rounded half up to 10 micro-dollars (5 decimals).
  const std::int64_t tens_of_micros_x672 = monthly * 1000; // (monthly * 10000 / 10) * 672 / 672
  return (tens_of_micros_x672 + k_monthly_cap_hours / 2) / k_monthly_cap_hours * 10;
}

const DropletSize* Catalog::droplet(std::string_view slug) const {
  const auto found = std::find_if(droplets.begin(), droplets.end(), [&](const DropletSize& s) { return s.slug == slug; });
  return found == droplets.end() ? nullptr : &*found;
}

const DatabaseSize* Catalog::database(std::string_view slug) const {
  const auto found = std::find_if(databases.begin(), databases.end(), [&](const DatabaseSize& s) { return s.slug == slug; });
  return found == databases.end() ? nullptr : &*found;
}

bool Catalog::sold_in(const DropletSize& size, std::string_view region) const {
  const auto& where = size.regions.empty() ? regions : size.regions;
  return std::find(where.begin(), where.end(), region) != where.end();
}

} // namespace fp::pricing
