// Money without binary floating point. Monthly prices and totals are whole cents; hourly rates are
// micro-dollars (DigitalOcean quotes them to 5 decimals: 0.00893 US$ = 8,930 micro-dollars).
// Conversions round half up, once, where an invoice would: a resource's charge to the cent, a
// Rupiah amount to the whole rupiah.
#pragma once

#include <cstdint>
#include <string>

namespace fp::pricing {

using Cents = std::int64_t;
using Micros = std::int64_t; // 1e-6 US$

constexpr Micros k_micros_per_cent = 10'000;

// Half up (away from zero for negative amounts, so headroom of -0.5 cents shows as -1).
Cents round_to_cents(Micros micros);
// `cents` in rupiah at `idr_per_usd`, half up.
std::int64_t to_rupiah(Cents cents, std::int64_t idr_per_usd);

// "45.00", "-12.50".
std::string format_usd(Cents cents);
// "0.00893" (5 decimals, as DigitalOcean quotes hourly rates).
std::string format_rate(Micros micros);
// "1,000,025", "-184,620".
std::string format_idr(std::int64_t rupiah);

} // namespace fp::pricing
