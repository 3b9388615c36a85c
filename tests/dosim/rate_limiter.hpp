// DigitalOcean's per-token limits: a sliding hour (ratelimit-* headers describe it) and a sliding
// minute (the burst limit, whose 429 carries retry-after); GET /v2/account/keys has its own
// per-minute limit. Time is the simulator's clock, so advancing it expires requests.
#pragma once

#include "faults.hpp"
#include "sim_clock.hpp"

#include <deque>
#include <map>
#include <optional>
#include <string>

namespace fp::dosim {

struct RateDecision {
  bool allowed = true;
  int limit = 0;      // ratelimit-limit
  int remaining = 0;  // ratelimit-remaining
  long long reset = 0; // ratelimit-reset: epoch second when the oldest counted request expires
  std::optional<int> retry_after; // seconds, on a burst-limit 429
};

class RateLimiter {
public:
  // Counts the request if it is allowed. `keys_list` marks GET /v2/account/keys.
  RateDecision check(const std::string& token, bool keys_list, SimTime now, const RateLimits& limits);
  // The headers' values without counting anything (for answers before authentication).
  RateDecision peek(const std::string& token, SimTime now, const RateLimits& limits);

private:
  struct Window {
    std::deque<SimTime> hour;
    std::deque<SimTime> keys;
  };
  std::map<std::string, Window> m_windows;
};

} // namespace fp::dosim
