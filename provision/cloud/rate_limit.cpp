#include "rate_limit.hpp"
#include "text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace fp::cloud {
namespace {

std::optional<long> header_number(const std::map<std::string, std::string>& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (!equals_ci(key, name)) continue;
    std::string_view text = value;
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    long number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty() || number < 0) return std::nullopt;
    return number;
  }
  return std::nullopt;
}

constexpr auto k_minute = std::chrono::seconds(60);

} // namespace

RateLimitInfo parse_rate_limit(const std::map<std::string, std::string>& headers) {
  RateLimitInfo info;
  info.limit = header_number(headers, "ratelimit-limit");
  info.remaining = header_number(headers, "ratelimit-remaining");
  if (const auto reset = header_number(headers, "ratelimit-reset"))
    info.reset = std::chrono::system_clock::time_point(std::chrono::seconds(*reset));
  return info;
}

RateLimiter::TimePoint RateLimiter::book(std::deque<TimePoint>& window, int capacity, TimePoint now) {
  while (!window.empty() && window.front() + k_minute <= now) window.pop_front();
  TimePoint at = now;
  if (capacity < 1) capacity = 1;
  if (window.size() >= static_cast<std::size_t>(capacity)) {
    // The slot frees when the request `capacity` places back leaves the minute.
    at = std::max(now, window[window.size() - static_cast<std::size_t>(capacity)] + k_minute);
  }
  window.push_back(std::max(at, window.empty() ? at : window.back()));
  return window.back();
}

std::chrono::milliseconds RateLimiter::reserve(std::string_view method, std::string_view path, TimePoint now) {
  std::lock_guard lock(m_mutex);
  TimePoint at = book(m_minute, m_policy.per_minute - m_policy.minute_headroom, now);
  if (method == "GET" && path.starts_with("/v2/account/keys"))
    at = std::max(at, book(m_keys, m_policy.keys_per_minute, now));
  if (m_last.remaining && m_last.reset) {
    const long left = *m_last.remaining - m_sent_since_observed;
    if (left <= m_policy.hourly_reserve && *m_last.reset > at) at = *m_last.reset;
  }
  ++m_sent_since_observed;
  return std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
}

void RateLimiter::observe(const RateLimitInfo& info) {
  std::lock_guard lock(m_mutex);
  if (!info.remaining) return;
  m_last = info;
  m_sent_since_observed = 0;
}

RateLimitInfo RateLimiter::last() const {
  std::lock_guard lock(m_mutex);
  return m_last;
}

} // namespace fp::cloud
