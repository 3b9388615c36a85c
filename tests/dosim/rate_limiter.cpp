#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace fp::dosim {
namespace {

constexpr double k_hour = 3600;
constexpr double k_minute = 60;

void expire(std::deque<SimTime>& times, SimTime now, double window) {
  while (!times.empty() && times.front() + window <= now) times.pop_front();
}

std::size_t count_since(const std::deque<SimTime>& times, SimTime since) {
  return static_cast<std::size_t>(times.end() - std::upper_bound(times.begin(), times.end(), since));
}

int seconds_until(SimTime t, SimTime now) { return std::max(1, static_cast<int>(std::ceil(t - now))); }

RateDecision describe(const std::deque<SimTime>& hour, SimTime now, const RateLimits& limits) {
  RateDecision d;
  d.limit = limits.hourly;
  d.remaining = std::max(0, limits.hourly - static_cast<int>(hour.size()));
  d.reset = static_cast<long long>(std::ceil(hour.empty() ? now : hour.front() + k_hour));
  return d;
}

} // namespace

RateDecision RateLimiter::peek(const std::string& token, SimTime now, const RateLimits& limits) {
  auto& w = m_windows[token];
  expire(w.hour, now, k_hour);
  return describe(w.hour, now, limits);
}

RateDecision RateLimiter::check(const std::string& token, bool keys_list, SimTime now, const RateLimits& limits) {
  auto& w = m_windows[token];
  expire(w.hour, now, k_hour);
  expire(w.keys, now, k_minute);
  RateDecision d = describe(w.hour, now, limits);
  if (static_cast<int>(w.hour.size()) >= limits.hourly) {
    d.allowed = false;
    return d;
  }
  // The burst limit: the requests of the last minute, found in the hour's (sorted) window.
  const auto last_minute = count_since(w.hour, now - k_minute);
  if (static_cast<int>(last_minute) >= limits.per_minute) {
    d.allowed = false;
    const auto oldest_in_minute = *(w.hour.end() - static_cast<std::ptrdiff_t>(last_minute));
    d.retry_after = seconds_until(oldest_in_minute + k_minute, now);
    return d;
  }
  if (keys_list && static_cast<int>(w.keys.size()) >= limits.keys_per_minute) {
    d.allowed = false;
    d.retry_after = seconds_until(w.keys.front() + k_minute, now);
    return d;
  }
  w.hour.push_back(now);
  if (keys_list) w.keys.push_back(now);
  return describe(w.hour, now, limits);
}

} // namespace fp::dosim
