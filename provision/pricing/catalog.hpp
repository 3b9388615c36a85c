// The price catalog: what each DigitalOcean resource fpctl can create costs, where the figure comes
// from and how sure we are of it. The embedded catalog is compiled from
// ../shared/reference/digitalocean/PRICING.md (catalog_data.cpp); `fpctl cost --live` replaces the
// droplet sizes with those of GET /v2/sizes. Only droplet prices have an API; everything else is a
// list price that may be out of date, and says so.
#pragma once

#include "money.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace fp::pricing {

// How sure a figure is (PRICING.md's marks). Anything but `official` is marked in fpctl's output.
enum class Confidence {
  official,    // a docs.digitalocean.com page, or the live API
  third_party, // reproductions of /v2/sizes, blog posts: consistent, not official
  unconfirmed, // no source found; a placeholder
};
std::string_view to_string(Confidence confidence);
// The mark printed beside a figure: "" official, "~" third party, "?" unconfirmed.
std::string_view mark(Confidence confidence);

// 672 hours (28 days): past this many hours in a calendar month the monthly price applies.
constexpr std::int64_t k_monthly_cap_hours = 672;

struct DropletSize {
  std::string slug;
  std::string description; // Basic, Premium AMD, Premium Intel, CPU-Optimized
  int vcpus = 0;
  int memory_mib = 0;
  int disk_gb = 0;
  int transfer_gb = 0;     // outbound allowance per month
  Cents monthly = 0;
  Micros hourly = 0;
  std::vector<std::string> regions; // where it is sold; empty: every region in the catalog
  Confidence confidence = Confidence::third_party;
  std::string source;
};

// A managed PostgreSQL plan.
struct DatabaseSize {
  std::string slug;
  int vcpus = 0;
  int memory_mib = 0;
  int disk_gb = 0;
  Cents monthly = 0;         // the primary node
  Micros hourly = 0;
  Cents standby_monthly = 0; // each standby node
  Micros standby_hourly = 0;
  int max_nodes = 1;         // 1: no standby allowed on this plan
  Confidence confidence = Confidence::unconfirmed;
  std::string source;
};

// A flat price with its provenance (per LB node, per GiB, ...).
struct ListPrice {
  Cents monthly = 0;
  Micros hourly = 0;
  Confidence confidence = Confidence::unconfirmed;
  std::string source;
};

struct Catalog {
  std::string as_of;  // the date the figures reflect
  std::string origin; // "embedded catalog" or "live GET /v2/sizes (...)"
  std::vector<DropletSize> droplets;
  std::vector<DatabaseSize> databases;
  std::vector<std::string> regions;            // droplet regions
  std::vector<std::string> database_regions;   // managed PostgreSQL
  std::vector<std::string> load_balancer_regions;
  std::vector<std::string> pg_versions;
  ListPrice load_balancer_node;
  int backup_percent = 20;                     // weekly backups: % of the droplet's price
  Confidence backup_confidence = Confidence::official;
  ListPrice volume_per_gib;
  ListPrice reserved_ip_assigned;              // free while assigned to a droplet
  ListPrice monitoring;
  Cents transfer_overage_per_gib = 1;

  const DropletSize* droplet(std::string_view slug) const;
  const DatabaseSize* database(std::string_view slug) const;
  bool sold_in(const DropletSize& size, std::string_view region) const;
};

// The catalog compiled into fpctl.
const Catalog& embedded_catalog();

// hourly = round(monthly / 672, 5 decimals): the relation every real /v2/sizes entry obeys; also
// how the catalog derives hourly rates that DigitalOcean does not publish (databases, LB nodes).
Micros hourly_from_monthly(Cents monthly);

} // namespace fp::pricing
