// When and how long to wait before trying a request again. Pure functions, tested without a server.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string_view>

namespace fp::cloud {

struct RetryPolicy {
  // Attempts in all (the first try included), and the time all of them together may take,
  // waits included. The first bound to run out ends the retries.
  int max_attempts = 5;
  std::chrono::milliseconds max_total{120'000};
  // Exponential backoff with full jitter: before retry n (1, 2, ...) wait a uniformly random
  // time in [0, min(cap, base * 2^(n-1))]. Jitter keeps parallel clients from retrying in step.
  std::chrono::milliseconds base_delay{1'000};
  std::chrono::milliseconds max_delay{30'000};
};

// The upper bound of the jittered wait before retry `retry` (1 for the first retry).
std::chrono::milliseconds backoff_ceiling(const RetryPolicy& policy, int retry);

// A random wait in [0, backoff_ceiling(policy, retry)].
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, std::mt19937_64& random);

// 429, 500, 502, 503, 504 are worth another try; 501 (not implemented) and everything else are not.
bool is_retryable_status(long status);

// `Retry-After: 29` or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT` -> how long to wait from `now`.
// nullopt when absent or unreadable; never negative.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

} // namespace fp::cloud
