// Simulated time. Every delay the simulator applies (droplet new -> active, database creating ->
// online, deletes, rate-limit windows) is measured on this clock, so a test can make seconds pass
// instantly (advance) or shrink every configured delay (delay scale) instead of sleeping.
#pragma once

#include <string>

namespace fp::dosim {

// Seconds since the Unix epoch, as the simulator sees them (wall clock + offset).
using SimTime = double;

class SimClock {
public:
  SimTime now() const;
  // Moves simulated time forward; never backwards.
  void advance(double seconds);
  double offset() const { return m_offset; }
  void set_offset(double offset) { m_offset = offset; }

private:
  double m_offset = 0;
};

// "2026-11-27T13:37:44Z", the API's timestamp format.
std::string iso8601(SimTime t);

} // namespace fp::dosim
