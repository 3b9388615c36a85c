#include "money.hpp"

#include <cstdio>
#include <cstdlib>

namespace fp::pricing {

Cents round_to_cents(Micros micros) {
  const Micros half = k_micros_per_cent / 2;
  return micros >= 0 ? (micros + half) / k_micros_per_cent : -((-micros + half) / k_micros_per_cent);
}

std::int64_t to_rupiah(Cents cents, std::int64_t idr_per_usd) {
  const std::int64_t scaled = cents * idr_per_usd; // rupiah * 100
  return scaled >= 0 ? (scaled + 50) / 100 : -((-scaled + 50) / 100);
}

std::string format_usd(Cents cents) {
  char text[40];
  const long long magnitude = std::llabs(cents);
  std::snprintf(text, sizeof text, "%s%lld.%02lld", cents < 0 ? "-" : "", magnitude / 100, magnitude % 100);
  return text;
}

std::string format_rate(Micros micros) {
  // 5 decimals: hundred-thousandths of a dollar are 10 micro-dollars; rates are multiples of them
  // in the catalog, sums of them stay so, and anything finer is rounded half up.
  const long long magnitude = std::llabs(micros);
  const long long tens = (magnitude + 5) / 10;
  char text[40];
  std::snprintf(text, sizeof text, "%s%lld.%05lld", micros < 0 ? "-" : "", tens / 100000, tens % 100000);
  return text;
}

std::string format_idr(std::int64_t rupiah) {
  const std::string digits = std::to_string(std::llabs(rupiah));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (rupiah < 0 ? "-" : "") + out;
}

} // namespace fp::pricing
