#include "sim_clock.hpp"

#include <chrono>
#include <cmath>
#include <ctime>

namespace fp::dosim {

SimTime SimClock::now() const {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration<double>(since_epoch).count() + m_offset;
}

void SimClock::advance(double seconds) {
  if (seconds > 0) m_offset += seconds;
}

std::string iso8601(SimTime t) {
  const auto seconds = static_cast<std::time_t>(std::floor(t));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const auto n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text, n);
}

} // namespace fp::dosim
