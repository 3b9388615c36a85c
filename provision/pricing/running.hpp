// What a running deployment has cost since its resources were created, and what each further hour
// costs: the billing rules (billing.hpp) applied to the resources `fpctl up` recorded in
// .fpctl/state.json. Pure: the CLI reads the state file and passes plain values.
#pragma once

#include "catalog.hpp"
#include "money.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

namespace fp::pricing {

struct RunningResource {
  std::string name;
  std::string kind;  // droplet | database (other kinds cost nothing and are skipped)
  std::string size;  // a droplet or database size slug
  int nodes = 1;     // database: primary + standbys
  std::chrono::sys_seconds created;
};

struct RunningLine {
  std::string name;
  std::string size;
  std::chrono::sys_seconds created;
  Cents since_created = 0; // month by month, each capped at the monthly price
  Micros hourly = 0;
};

struct RunningCost {
  std::vector<RunningLine> lines;
  Cents since_created = 0;
  Micros hourly = 0;  // what each further hour costs
  std::vector<std::string> unpriced; // resources whose size the catalog does not know
};

RunningCost running_cost(const std::vector<RunningResource>& resources, const Catalog& catalog,
                         std::chrono::sys_seconds now);

// "2020-07-21T18:37:44Z" (fractions of a second and a "+00:00" zone allowed) -> UTC seconds.
std::optional<std::chrono::sys_seconds> parse_utc(std::string_view text);

} // namespace fp::pricing
