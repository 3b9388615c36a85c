// DigitalOcean's rate limits as the client sees them: the `ratelimit-*` headers of every response
// (5,000 requests per sliding hour per token) plus the limits no header shows — 250 requests per
// minute (the burst limit) and 10 `GET /v2/account/keys` per minute — which the client tracks
// itself so that it slows down before the API says 429.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace fp::cloud {

struct RateLimitInfo {
  std::optional<long> limit;     // ratelimit-limit, e.g. 5000
  std::optional<long> remaining; // ratelimit-remaining
  // ratelimit-reset: when the oldest counted request leaves the sliding hour (one slot frees up)
  std::optional<std::chrono::system_clock::time_point> reset;
};

// Reads ratelimit-limit / -remaining / -reset whatever their capitalisation (HTTP/2 sends them
// lowercase, HTTP/1.1 as "Ratelimit-Limit"). Unreadable values are left empty, never guessed.
RateLimitInfo parse_rate_limit(const std::map<std::string, std::string>& headers);

struct RateLimitPolicy {
  int per_minute = 250;     // the API's burst limit per token
  int minute_headroom = 10; // stay this far below it (other tools may share the token)
  int keys_per_minute = 10; // GET /v2/account/keys has its own limit
  long hourly_reserve = 10; // when the API says this few remain, wait for the window to free a slot
};

// Thread-safe. Every request asks `reserve` first and sleeps for what it returns.
class RateLimiter {
public:
  explicit RateLimiter(RateLimitPolicy policy = {}) : m_policy(policy) {}

  // Books a send slot for `method path` and returns how long to wait before using it (0 = now).
  std::chrono::milliseconds reserve(std::string_view method, std::string_view path,
                                    std::chrono::system_clock::time_point now);
  // Records what a response said about the hourly window.
  void observe(const RateLimitInfo& info);
  RateLimitInfo last() const;

private:
  using TimePoint = std::chrono::system_clock::time_point;
  static TimePoint book(std::deque<TimePoint>& window, int capacity, TimePoint now);

  RateLimitPolicy m_policy;
  mutable std::mutex m_mutex;
  std::deque<TimePoint> m_minute; // booked send times within the last minute
  std::deque<TimePoint> m_keys;
  RateLimitInfo m_last;
  long m_sent_since_observed = 0;
};

} // namespace fp::cloud
