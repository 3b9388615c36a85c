// The embedded catalog, written by hand from ../shared/reference/digitalocean/PRICING.md (compiled
// 2026-11-27). A C++ table rather than an embedded YAML file: the compiler checks every field, the
// catalog costs nothing to load (fpctl cost must answer in milliseconds), and each row carries its
// source next to its figures. Change a price here and catalog_test checks the /672 rule for it.
#include "catalog.hpp"

namespace fp::pricing {
namespace {

constexpr const char* k_droplet_source =
    "third-party reproductions of GET /v2/sizes (PRICING.md section 2); consistent with hourly = monthly / 672";

DropletSize droplet(const char* slug, const char* description, int vcpus, int memory_mib, int disk_gb, int transfer_gb,
                    Cents monthly, Micros hourly, std::vector<std::string> regions = {}) {
  return DropletSize{slug, description, vcpus, memory_mib, disk_gb, transfer_gb, monthly, hourly, std::move(regions),
                     Confidence::third_party, k_droplet_source};
}

Catalog build() {
  Catalog c;
  c.as_of = "2026-11-27";
  c.origin = "embedded catalog";
  c.droplets = {
      droplet("s-1vcpu-512mb-10gb", "Basic", 1, 512, 10, 500, 400, 5950, {"ams3", "fra1", "nyc1", "sfo3", "sgp1", "syd1"}),
      droplet("s-1vcpu-1gb", "Basic", 1, 1024, 25, 1000, 600, 8930),
      droplet("s-1vcpu-2gb", "Basic", 1, 2048, 50, 2000, 1200, 17860),
      droplet("s-2vcpu-2gb", "Basic", 2, 2048, 60, 3000, 1800, 26790),
      droplet("s-2vcpu-4gb", "Basic", 2, 4096, 80, 4000, 2400, 35710),
      droplet("s-4vcpu-8gb", "Basic", 4, 8192, 160, 5000, 4800, 71430),
      droplet("s-1vcpu-1gb-amd", "Premium AMD", 1, 1024, 25, 1000, 700, 10420),
      droplet("s-1vcpu-1gb-intel", "Premium Intel", 1, 1024, 25, 1000, 700, 10420),
      droplet("s-1vcpu-1gb-35gb-intel", "Premium Intel", 1, 1024, 35, 1000, 800, 11900),
      droplet("s-1vcpu-2gb-amd", "Premium AMD", 1, 2048, 50, 2000, 1400, 20830),
      droplet("s-1vcpu-2gb-intel", "Premium Intel", 1, 2048, 50, 2000, 1400, 20830),
      droplet("s-1vcpu-2gb-70gb-intel", "Premium Intel", 1, 2048, 70, 2000, 1600, 23810),
      droplet("s-2vcpu-2gb-amd", "Premium AMD", 2, 2048, 60, 3000, 2100, 31250),
      droplet("s-2vcpu-2gb-intel", "Premium Intel", 2, 2048, 60, 3000, 2100, 31250),
      droplet("s-2vcpu-2gb-90gb-intel", "Premium Intel", 2, 2048, 90, 3000, 2400, 35710),
      droplet("s-2vcpu-4gb-amd", "Premium AMD", 2, 4096, 80, 4000, 2800, 41670),
      droplet("s-2vcpu-4gb-intel", "Premium Intel", 2, 4096, 80, 4000, 2800, 41670),
      droplet("s-2vcpu-4gb-120gb-intel", "Premium Intel", 2, 4096, 120, 4000, 3200, 47620),
      droplet("s-2vcpu-8gb-amd", "Premium AMD", 2, 8192, 100, 5000, 4200, 62500),
      droplet("s-4vcpu-8gb-amd", "Premium AMD", 4, 8192, 160, 5000, 5600, 83330),
      droplet("s-4vcpu-8gb-intel", "Premium Intel", 4, 8192, 160, 5000, 5600, 83330),
      droplet("c-2", "CPU-Optimized", 2, 4096, 25, 4000, 4200, 62500),
  };

  // Managed PostgreSQL. Only the 1 GB plan's $15 has a (third-party) source; the larger plans are the
  // commonly quoted list prices, not found in any stored source, and each standby node is priced
  // like the primary (an upper bound). Hourly rates follow the droplet rule (monthly / 672).
  const auto database = [](const char* slug, int vcpus, int memory_mib, int disk_gb, Cents monthly, int max_nodes,
                           Confidence confidence, const char* source) {
    return DatabaseSize{slug, vcpus, memory_mib, disk_gb, monthly, hourly_from_monthly(monthly), monthly,
                        hourly_from_monthly(monthly), max_nodes, confidence, source};
  };
  c.databases = {
      database("db-s-1vcpu-1gb", 1, 1024, 10, 1500, 1, Confidence::third_party,
               "PRICING.md section 8: $15/month from third-party articles (UNCONFIRMED officially); no standby allowed"),
      database("db-s-1vcpu-2gb", 1, 2048, 25, 3000, 3, Confidence::unconfirmed,
               "not in PRICING.md: commonly quoted list price, placeholder; standby priced as the primary"),
      database("db-s-2vcpu-4gb", 2, 4096, 38, 6000, 3, Confidence::unconfirmed,
               "not in PRICING.md: commonly quoted list price, placeholder; standby priced as the primary"),
  };

  // Region slugs: the spec's enum without the regions closed to new resources (ams2, sfo1), plus
  // atl1 and ric1 from the database options example. The 512 MiB size lists its own regions.
  c.regions = {"ams3", "atl1", "blr1", "fra1", "lon1", "nyc1", "nyc2", "nyc3", "ric1", "sfo2", "sfo3", "sgp1", "syd1", "tor1"};
  c.database_regions = {"ams3", "atl1", "blr1", "fra1", "lon1", "nyc1", "nyc2", "nyc3",
                        "ric1", "sfo2", "sfo3", "sgp1", "syd1", "tor1"};
  // Managed load balancers: `size_unit` is not offered in nyc2 (API.md section 11).
  c.load_balancer_regions = {"ams3", "atl1", "blr1", "fra1", "lon1", "nyc1", "nyc3", "ric1", "sfo2", "sfo3", "sgp1", "syd1", "tor1"};
  c.pg_versions = {"13", "14", "15", "16", "17"};

  c.load_balancer_node = {1200, hourly_from_monthly(1200), Confidence::unconfirmed,
                          "PRICING.md section 9: $12/node is the figure quoted since 2022-07 (UNCONFIRMED; the stored "
                          "docs copy says $10)"};
  c.backup_percent = 20;
  c.backup_confidence = Confidence::official;
  c.volume_per_gib = {10, hourly_from_monthly(10), Confidence::third_party,
                      "PRICING.md section 6: $0.10 per GiB-month (third-party only)"};
  c.reserved_ip_assigned = {0, 0, Confidence::official,
                            "PRICING.md section 7: assigned reserved IPv4 addresses are free (docs, 2025-06-17)"};
  c.monitoring = {0, 0, Confidence::unconfirmed, "DigitalOcean's metrics agent; no charge known (not in PRICING.md)"};
  c.transfer_overage_per_gib = 1;
  return c;
}

} // namespace

const Catalog& embedded_catalog() {
  static const Catalog catalog = build();
  return catalog;
}

} // namespace fp::pricing
