// DigitalOcean's billing rules as pure functions on integers (PRICING.md section 1):
// - since 2026-01-01 droplets are billed per second, at least 60 s or 0.01 US$, whichever is higher;
//   before, per started hour with a one-hour minimum;
// - in a calendar month a resource never costs more than its monthly price (the cap is reached at
//   672 hours, 28 days);
// - a month's charge for one resource is rounded half up to the cent, once (an invoice line).
// The same rules are applied, by analogy, to the resources whose billing is not documented
// (databases, load balancer nodes, volumes): prorated by time, capped at the monthly price.
#pragma once

#include "money.hpp"

#include <chrono>
#include <cstdint>

namespace fp::pricing {

enum class BillingScheme {
  per_second, // 2026 onwards
  hourly,     // before 2026
};

constexpr std::int64_t k_minimum_billed_seconds = 60;
constexpr Cents k_minimum_charge = 1;

// What one resource costs for `seconds` of existence within one calendar month.
Cents month_charge(Cents monthly, Micros hourly, std::int64_t seconds, BillingScheme scheme = BillingScheme::per_second);

// What one resource costs from `created` to `until` (UTC), month by month: each calendar month is
// charged and capped on its own, as DigitalOcean invoices monthly.
Cents charge_between(Cents monthly, Micros hourly, std::chrono::sys_seconds created, std::chrono::sys_seconds until,
                     BillingScheme scheme = BillingScheme::per_second);

} // namespace fp::pricing
