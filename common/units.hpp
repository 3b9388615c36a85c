// Human units in and out, as wrk and k6 write them: "30s", "2m", "500ms", "10k"; 1.21ms, 3.4MB.
// Shared by every library; depends on nothing of ours.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace fp {

// "1h", "2m", "30s", "1.5s", "500ms", "250us", "100ns"; a bare number is seconds. Negative, empty
// or unknown units are errors whose message says what to write instead.
tl::expected<std::chrono::nanoseconds, std::string> parse_duration(std::string_view text);

// "10", "10k" (10,000), "1.5M", "2G"; must be a whole number after scaling.
tl::expected<std::uint64_t, std::string> parse_count(std::string_view text);

// 1.21ms, 850us, 2.50s, 3m20s: three significant digits, the largest unit that keeps a value >= 1.
std::string format_duration(std::chrono::nanoseconds duration);

// 512B, 3.4KB, 12.0MB (powers of 1024, as wrk prints them).
std::string format_bytes(std::uint64_t bytes);

// 950, 12.3k, 4.56M.
std::string format_count(double count);

} // namespace fp
