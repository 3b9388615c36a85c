// The open model's schedule: arrival n (0, 1, 2, ... over all threads) is due when the number of
// arrivals the rate function promises reaches n — k6's constant/ramping arrival rate, wrk2's -R.
// Stages ramp linearly from the previous rate; after the last stage its rate holds.
#pragma once

#include "run.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace fp::bench {

class ArrivalSchedule {
public:
  explicit ArrivalSchedule(const OpenModel& model);

  // When arrival n is due, from the start; nullopt when the rate stays 0 from then on.
  std::optional<std::chrono::nanoseconds> due(std::uint64_t n) const;
  // Arrivals due in [0, t] by the rate function (fractional).
  double expected(std::chrono::nanoseconds t) const;
  double final_rate() const { return m_final_rate; }

private:
  struct Segment {
    double start = 0;    // seconds
    double length = 0;   // seconds
    double from = 0;     // rate at the start, per second
    double to = 0;       // rate at the end
    double before = 0;   // arrivals due before this segment
    double count() const { return (from + to) / 2 * length; }
  };
  std::vector<Segment> m_segments;
  double m_final_start = 0;  // seconds: where the final rate begins
  double m_final_before = 0; // arrivals due before that
  double m_final_rate = 0;
};

} // namespace fp::bench
