// The catalog, the billing rules and plan pricing, to the cent; every invalid plan refused with a
// message naming the valid choices; the course's reference architectures at their real cost.
#include "billing.hpp"
#include "catalog.hpp"
#include "config.hpp"
#include "price.hpp"
#include "running.hpp"
#include "validate.hpp"

#include <chrono>
#include <filesystem>
#include <gtest/gtest.h>

using namespace fp::pricing;
using fp::plan::DatabaseKind;
using fp::plan::LoadBalancerKind;
using fp::plan::Plan;

namespace {

const Catalog& catalog() { return embedded_catalog(); }

// One droplet of `slug`, nothing else: its line is the whole bill.
Plan single_droplet(const std::string& slug, const std::string& region) {
  Plan plan;
  plan.region = region;
  plan.load_balancer.kind = LoadBalancerKind::none;
  plan.workers.size = slug;
  plan.workers.count = 1;
  plan.database.kind = DatabaseKind::embedded;
  plan.extras.monitoring = false;
  return plan;
}

std::string problems_of(const Plan& plan) { return describe(validate(plan, catalog()), plan); }

Plan load(const std::string& name) {
  auto plan = fp::plan::load_plan(std::filesystem::path(FP_ARCHITECTURES_DIR) / name);
  if (!plan) throw std::runtime_error(plan.error().what());
  return *plan;
}

} // namespace

TEST(Money, RoundsHalfUpAndFormats) {
  EXPECT_EQ(round_to_cents(4999), 0);
  EXPECT_EQ(round_to_cents(5000), 1);
  EXPECT_EQ(round_to_cents(-5000), -1);
  EXPECT_EQ(format_usd(4500), "45.00");
  EXPECT_EQ(format_usd(-1250), "-12.50");
  EXPECT_EQ(format_usd(7), "0.07");
  EXPECT_EQ(format_rate(8930), "0.00893");
  EXPECT_EQ(format_rate(66970), "0.06697");
  EXPECT_EQ(to_rupiah(6500, 15385), 1'000'025);
  EXPECT_EQ(to_rupiah(-1200, 15385), -184'620);
  EXPECT_EQ(format_idr(1'000'025), "1,000,025");
  EXPECT_EQ(format_idr(-184'620), "-184,620");
  EXPECT_EQ(format_idr(999), "999");
}

TEST(Catalog, EveryHourlyRateIsTheMonthlyPriceOver672Hours) {
  for (const auto& size : catalog().droplets) {
    EXPECT_EQ(size.hourly, hourly_from_monthly(size.monthly)) << size.slug;
    EXPECT_GT(size.vcpus, 0) << size.slug;
    EXPECT_NE(mark(size.confidence), "") << size.slug << ": droplet prices are third-party, and must be marked";
  }
  EXPECT_EQ(hourly_from_monthly(600), 8930);
  EXPECT_EQ(hourly_from_monthly(400), 5950);
  EXPECT_EQ(hourly_from_monthly(800), 11900);
  EXPECT_EQ(hourly_from_monthly(1500), 22320);
  EXPECT_FALSE(catalog().as_of.empty());
}

TEST(Catalog, HasTheCoursePriceTable) {
  // seed/README.md: vm1..vm6 are DigitalOcean's Basic droplets.
  const std::vector<std::tuple<std::string, int, int, Cents>> course = {
      {"s-1vcpu-512mb-10gb", 1, 512, 400}, {"s-1vcpu-1gb", 1, 1024, 600}, {"s-1vcpu-2gb", 1, 2048, 1200},
      {"s-2vcpu-2gb", 2, 2048, 1800},      {"s-2vcpu-4gb", 2, 4096, 2400}, {"s-4vcpu-8gb", 4, 8192, 4800}};
  for (const auto& [slug, vcpus, memory, monthly] : course) {
    const auto* size = catalog().droplet(slug);
    ASSERT_NE(size, nullptr) << slug;
    EXPECT_EQ(size->vcpus, vcpus);
    EXPECT_EQ(size->memory_mib, memory);
    EXPECT_EQ(size->monthly, monthly);
  }
}

TEST(Pricing, EveryDropletSizePricesToTheCent) {
  for (const auto& size : catalog().droplets) {
    const std::string region = size.regions.empty() ? "fra1" : size.regions.front();
    const Plan plan = single_droplet(size.slug, region);
    ASSERT_EQ(problems_of(plan), "") << size.slug;
    auto cost = price(plan, catalog());
    ASSERT_TRUE(cost) << cost.error();
    ASSERT_EQ(cost->lines.size(), 1u) << size.slug;
    EXPECT_EQ(cost->monthly, size.monthly) << size.slug;
    EXPECT_EQ(cost->hourly, size.hourly) << size.slug;
    // Three of them: exactly three times, no rounding drift.
    Plan three = plan;
    three.workers.count = 3;
    three.load_balancer.kind = LoadBalancerKind::droplet;
    three.load_balancer.size = size.slug;
    three.database.kind = DatabaseKind::droplet;
    three.database.size = size.slug;
    auto five = price(three, catalog());
    ASSERT_TRUE(five);
    EXPECT_EQ(five->monthly, 5 * size.monthly) << size.slug;
    EXPECT_EQ(five->hourly, 5 * size.hourly) << size.slug;
  }
}

TEST(Pricing, EveryManagedDatabaseLayoutPricesToTheCent) {
  for (const auto& size : catalog().databases) {
    for (int nodes = 1; nodes <= size.max_nodes; ++nodes) {
      Plan plan = single_droplet("s-1vcpu-1gb", "sgp1");
      plan.database.kind = DatabaseKind::managed;
      plan.database.size = size.slug;
      plan.database.nodes = nodes;
      ASSERT_EQ(problems_of(plan), "") << size.slug << " x" << nodes;
      auto cost = price(plan, catalog());
      ASSERT_TRUE(cost);
      EXPECT_EQ(cost->monthly, 600 + size.monthly + (nodes - 1) * size.standby_monthly) << size.slug;
      EXPECT_EQ(cost->hourly, 8930 + size.hourly + (nodes - 1) * size.standby_hourly) << size.slug;
    }
  }
  EXPECT_EQ(catalog().database("db-s-1vcpu-1gb")->monthly, 1500);
}

TEST(Pricing, LoadBalancerNodesBackupsVolumesAndFreeExtras) {
  Plan plan = single_droplet("s-1vcpu-1gb", "sgp1");
  plan.workers.count = 2;
  plan.load_balancer.kind = LoadBalancerKind::managed;
  plan.load_balancer.nodes = 3;
  plan.database.kind = DatabaseKind::droplet;
  plan.database.size = "s-1vcpu-2gb";
  plan.extras = {true, true, true, 50};
  auto cost = price(plan, catalog());
  ASSERT_TRUE(cost) << cost.error();
  // 3 LB nodes x 12 + 2 x 6 + 12, backups 20 % of the 3 droplets (24.00 -> 4.80), 50 GiB x 0.10.
  EXPECT_EQ(cost->monthly, 3600 + 1200 + 1200 + 480 + 500);
  // Hourly: the same resources at their hourly rates; backups 20 % of each droplet's rate.
  EXPECT_EQ(cost->hourly, 3 * 17860 + 2 * 8930 + 17860 + (2 * 1786 + 3572) + 50 * 150);
  bool saw_ip = false, saw_monitoring = false;
  for (const auto& line : cost->lines) {
    if (line.role == "reserved IP") saw_ip = line.monthly == 0;
    if (line.role == "monitoring") saw_monitoring = line.monthly == 0;
  }
  EXPECT_TRUE(saw_ip);
  EXPECT_TRUE(saw_monitoring);
  EXPECT_EQ(cost->transfer_gb, 2 * 1000 + 2000);
}

TEST(Pricing, BudgetAndHeadroomInDollarsAndRupiah) {
  Plan plan = load("course-group-managed-db.yaml");
  auto cost = price(plan, catalog());
  ASSERT_TRUE(cost);
  EXPECT_EQ(cost->budget, 6500);
  EXPECT_EQ(cost->headroom, 6500 - 5700);
  EXPECT_TRUE(cost->fits());
  plan.budget.usd_cents_per_month = 5000;
  auto over = price(plan, catalog());
  ASSERT_TRUE(over);
  EXPECT_FALSE(over->fits());
  EXPECT_EQ(over->headroom, -700);
  EXPECT_EQ(to_rupiah(over->headroom, over->idr_per_usd), -107'695);
}

TEST(Pricing, TheCourseReferenceArchitecturesCostWhatTheyReallyCost) {
  const std::vector<std::pair<std::string, Cents>> references = {
      {"course-single-4usd.yaml", 400},        // one 4 US$ droplet
      {"course-three-18usd-nginx.yaml", 6000}, // three 18 US$ droplets + a 6 US$ nginx droplet
      {"course-group-managed-db.yaml", 5700},  // 2 x 18 + 6 nginx + 15 managed database
  };
  for (const auto& [file, expected] : references) {
    const Plan plan = load(file);
    EXPECT_EQ(problems_of(plan), "") << file;
    auto cost = price(plan, catalog());
    ASSERT_TRUE(cost) << file;
    EXPECT_EQ(cost->monthly, expected) << file;
    EXPECT_TRUE(cost->fits()) << file;
  }
}

TEST(Billing, PerSecondWithAMinuteOrACentMinimum) {
  const Cents monthly = 600;
  const Micros hourly = 8930;
  EXPECT_EQ(month_charge(monthly, hourly, 0), 0);
  EXPECT_EQ(month_charge(monthly, hourly, 1), 1);        // 60 s minimum -> 0.000149 US$ -> the 0.01 minimum
  EXPECT_EQ(month_charge(monthly, hourly, 3600), 1);     // 0.00893 -> 0.01
  EXPECT_EQ(month_charge(monthly, hourly, 36 * 3600), 32);  // 0.32148
  EXPECT_EQ(month_charge(monthly, hourly, 100 * 3600), 89); // 0.893
  EXPECT_EQ(month_charge(monthly, hourly, 100 * 3600 + 1800), 90); // 0.8974650 -> 0.90 (per second, not per hour)
  EXPECT_EQ(month_charge(4800, 71430, 1000), 2);          // 0.0198417 -> 0.02
  // A 4 US$ droplet for 10 minutes: 0.00595 / 6 = 0.00099 -> the 0.01 minimum.
  EXPECT_EQ(month_charge(400, 5950, 600), 1);
}

TEST(Billing, TheMonthlyPriceIsACapReachedAt672Hours) {
  EXPECT_EQ(month_charge(600, 8930, 671 * 3600), 599);     // 5.99203
  EXPECT_EQ(month_charge(600, 8930, 672 * 3600 - 1), 600);  // 6.00096 - 0.0000025 -> capped at 6.00
  EXPECT_EQ(month_charge(600, 8930, 672 * 3600), 600);
  EXPECT_EQ(month_charge(600, 8930, 744 * 3600), 600);      // a 31-day month
  for (const auto& size : embedded_catalog().droplets) {
    for (std::int64_t hours = 1; hours <= 744; ++hours) {
      const Cents charge = month_charge(size.monthly, size.hourly, hours * 3600);
      ASSERT_LE(charge, size.monthly) << size.slug << " " << hours << " h";
      ASSERT_GE(charge, 1) << size.slug;
    }
  }
}

TEST(Billing, Before2026EveryStartedHourWasBilled) {
  EXPECT_EQ(month_charge(600, 8930, 1, BillingScheme::hourly), 1);
  EXPECT_EQ(month_charge(600, 8930, 3601, BillingScheme::hourly), 2);      // two hours: 0.01786
  EXPECT_EQ(month_charge(600, 8930, 100 * 3600 + 1800, BillingScheme::hourly), 90); // 101 h: 0.90193
  EXPECT_EQ(month_charge(4800, 71430, 7200, BillingScheme::hourly), 14);   // 0.14286
  EXPECT_EQ(month_charge(600, 8930, 700 * 3600, BillingScheme::hourly), 600);
}

TEST(Billing, PartialMonthsAreChargedAndCappedMonthByMonth) {
  using namespace std::chrono;
  const auto at = [](int y, unsigned m, unsigned d, int h) {
    return sys_seconds{sys_days{year{y} / month{m} / day{d}}} + hours{h};
  };
  // 12 h in January (0.10716 -> 0.11) and 36 h in February (0.32148 -> 0.32).
  EXPECT_EQ(charge_between(600, 8930, at(2026, 1, 31, 12), at(2026, 2, 2, 12)), 43);
  // Two whole months: each capped at 6.00 (January has 744 h, February 672 h).
  EXPECT_EQ(charge_between(600, 8930, at(2026, 1, 1, 0), at(2026, 3, 1, 0)), 1200);
  // Created on the 20th of a 31-day month: 12 days = 288 h = 2.57184 -> 2.57, then a full month.
  EXPECT_EQ(charge_between(600, 8930, at(2026, 3, 20, 0), at(2026, 5, 1, 0)), 257 + 600);
  EXPECT_EQ(charge_between(600, 8930, at(2026, 3, 20, 0), at(2026, 3, 20, 0)), 0);
}

TEST(Validate, EveryInvalidPlanNamesTheValidChoices) {
  const auto with = [](auto change) {
    Plan plan;
    change(plan);
    return problems_of(plan);
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {with([](Plan& p) { p.workers.size = "s-1vcpu-3gb"; }),
       "workers.size: size 's-1vcpu-3gb' does not exist; sizes with 1 vCPU: s-1vcpu-512mb-10gb, s-1vcpu-1gb, s-1vcpu-2gb,"},
      {with([](Plan& p) { p.workers.size = "s-1vcpu-2g"; }), "(did you mean 's-1vcpu-2gb'?)"},
      {with([](Plan& p) { p.workers.size = "huge"; }), "size 'huge' does not exist; sizes: s-1vcpu-512mb-10gb"},
      {with([](Plan& p) { p.region = "blr1"; p.workers.size = "s-1vcpu-512mb-10gb"; }),
       "workers.size: size 's-1vcpu-512mb-10gb' is not sold in region blr1 (it is sold in ams3, fra1, nyc1, sfo3, sgp1, "
       "syd1); sizes with 1 vCPU in blr1: s-1vcpu-1gb,"},
      {with([](Plan& p) { p.region = "sgp2"; }), "region: region 'sgp2' is not a DigitalOcean region; did you mean 'sgp1'?"},
      {with([](Plan& p) { p.database.nodes = 2; }),
       "database.nodes: 2 nodes (a primary and 1 standby) are not allowed on db-s-1vcpu-1gb: standby nodes need a plan with "
       "at least 2 GB of RAM (db-s-1vcpu-2gb, db-s-2vcpu-4gb), or set nodes: 1"},
      {with([](Plan& p) { p.database.size = "db-s-1vcpu-4gb"; }),
       "database.size: 'db-s-1vcpu-4gb' is not a managed PostgreSQL size; sizes: db-s-1vcpu-1gb, db-s-1vcpu-2gb, db-s-2vcpu-4gb"},
      {with([](Plan& p) { p.database.size = "s-1vcpu-2gb"; }), "(it is a droplet size: with kind: droplet"},
      {with([](Plan& p) { p.database.kind = DatabaseKind::droplet; }),
       "database.size: 'db-s-1vcpu-1gb' is a managed database size, not a droplet size"},
      {with([](Plan& p) { p.workers.size = "db-s-1vcpu-1gb"; }), "workers.size: 'db-s-1vcpu-1gb' is a managed database size"},
      {with([](Plan& p) { p.database.version = "12"; }), "database.version: PostgreSQL version '12' is not offered; versions: 13, 14, 15, 16, 17"},
      {with([](Plan& p) { p.database.kind = DatabaseKind::embedded; }),
       "database.kind: kind embedded keeps orders in SQLite on the one worker, but workers.count is 2"},
      {with([](Plan& p) { p.load_balancer.kind = LoadBalancerKind::none; }),
       "load_balancer.kind: kind none serves one worker directly, but workers.count is 2"},
      {with([](Plan& p) { p.region = "nyc2"; p.load_balancer.kind = LoadBalancerKind::managed; }),
       "load_balancer.kind: managed load balancers are not offered in nyc2"},
      {with([](Plan& p) { p.load_balancer.size = "s-9vcpu-1gb"; }), "load_balancer.size: size 's-9vcpu-1gb' does not exist"},
  };
  for (const auto& [message, expected] : cases) {
    EXPECT_NE(message.find(expected), std::string::npos) << "expected: " << expected << "\ngot: " << message;
  }
  EXPECT_EQ(with([](Plan&) {}), "");
}

TEST(Validate, ProblemsPointAtTheLineInTheFile) {
  auto plan = fp::plan::parse_plan("region: sgp1\nworkers:\n  size: s-1vcpu-3gb\n", "shop.yaml");
  ASSERT_TRUE(plan);
  const auto message = problems_of(*plan);
  EXPECT_EQ(message.rfind("shop.yaml:3:9: workers.size: size 's-1vcpu-3gb' does not exist", 0), 0u) << message;
}

TEST(RunningCost, ParsesTheApisTimes) {
  using namespace std::chrono;
  const sys_seconds expected = sys_days{year{2020} / July / day{21}} + hours{18} + minutes{37} + seconds{44};
  EXPECT_EQ(parse_utc("2020-07-21T18:37:44Z"), expected);
  EXPECT_EQ(parse_utc("2020-07-21T18:37:44.442049222Z"), expected);
  EXPECT_EQ(parse_utc("2020-07-21T18:37:44+00:00"), expected);
  EXPECT_FALSE(parse_utc("2020-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_utc("2020-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_utc("2020-07-21T18:37:44+07:00"));
  EXPECT_FALSE(parse_utc("yesterday"));
  EXPECT_FALSE(parse_utc(""));
}

TEST(RunningCost, SinceCreatedMonthByMonthAndEachFurtherHour) {
  using namespace std::chrono;
  const sys_seconds created = sys_days{year{2026} / January / day{31}} + hours{12};
  const sys_seconds now = sys_days{year{2026} / February / day{2}} + hours{12};
  const std::vector<RunningResource> resources = {
      {"fp-orders-lb", "droplet", "s-1vcpu-1gb", 1, created},
      {"fp-orders-db", "database", "db-s-1vcpu-2gb", 2, created}, // a primary and a standby
      {"fp-orders-fw", "firewall", "", 1, created},                // free
      {"fp-orders-odd", "droplet", "s-99vcpu-1tb", 1, created},    // not in the catalog
  };
  const auto cost = running_cost(resources, embedded_catalog(), now);
  ASSERT_EQ(cost.lines.size(), 2u);
  // s-1vcpu-1gb: 12 h in January (0.10716 -> 0.11) + 36 h in February (0.32148 -> 0.32).
  EXPECT_EQ(cost.lines[0].since_created, 43);
  // Two 30 US$ nodes (0.08928 US$/h): 12 h -> 1.07, 36 h -> 3.21.
  EXPECT_EQ(cost.lines[1].since_created, 107 + 321);
  EXPECT_EQ(cost.since_created, 43 + 428);
  EXPECT_EQ(cost.hourly, 8930 + 2 * 44640);
  ASSERT_EQ(cost.unpriced.size(), 1u);
  EXPECT_EQ(cost.unpriced[0], "fp-orders-odd (s-99vcpu-1tb)");
  // A resource that has existed for months costs its monthly price per month, no more.
  const auto long_ago = running_cost({{"w", "droplet", "s-1vcpu-1gb", 1, sys_days{year{2026} / March / day{1}}}},
                                     embedded_catalog(), sys_days{year{2026} / June / day{1}});
  EXPECT_EQ(long_ago.since_created, 3 * 600);
}
