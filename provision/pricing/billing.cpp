#include "billing.hpp"
#include "catalog.hpp"

#include <algorithm>

namespace fp::pricing {

Cents month_charge(Cents monthly, Micros hourly, std::int64_t seconds, BillingScheme scheme) {
  if (seconds <= 0) return 0;
  constexpr std::int64_t cap_seconds = k_monthly_cap_hours * 3600;
  if (seconds >= cap_seconds) return monthly;
  Cents charge = 0;
  if (scheme == BillingScheme::per_second) {
    const std::int64_t billed = std::max(seconds, k_minimum_billed_seconds);
    // hourly * billed / 3600 micro-dollars, rounded half up to the cent in one step (no
    // intermediate rounding): cents = (hourly * billed + 3600 * 5000) / (3600 * 10000).
    charge = (hourly * billed + 3600 * (k_micros_per_cent / 2)) / (3600 * k_micros_per_cent);
    charge = std::max(charge, k_minimum_charge);
  } else {
    const std::int64_t hours = (seconds + 3599) / 3600; // every started hour, at least one
    charge = round_to_cents(hourly * hours);
  }
  return std::min(charge, monthly);
}

Cents charge_between(Cents monthly, Micros hourly, std::chrono::sys_seconds created, std::chrono::sys_seconds until,
                     BillingScheme scheme) {
  using namespace std::chrono;
  Cents total = 0;
  sys_seconds start = created;
  while (start < until) {
    const year_month_day day{floor<days>(start)};
    const year_month next_month = year_month{day.year(), day.month()} + months{1};
    const sys_seconds month_end = sys_days{next_month / 1};
    const sys_seconds end = std::min(until, month_end);
    total += month_charge(monthly, hourly, (end - start).count(), scheme);
    start = end;
  }
  return total;
}

} // namespace fp::pricing
