#include "running.hpp"
#include "billing.hpp"

#include <cstdio>

namespace fp::pricing {

std::optional<std::chrono::sys_seconds> parse_utc(std::string_view text) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char t = 0;
  const std::string copy(text.substr(0, 19));
  if (copy.size() != 19 || std::sscanf(copy.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &y, &mo, &d, &t, &h, &mi, &s) != 7 ||
      (t != 'T' && t != ' ')) {
    return std::nullopt;
  }
  std::string_view zone = text.substr(19);
  if (!zone.empty() && zone.front() == '.') {
    std::size_t digits = 1;
    while (digits < zone.size() && zone[digits] >= '0' && zone[digits] <= '9') ++digits;
    zone.remove_prefix(digits);
  }
  if (zone != "Z" && zone != "+00:00" && zone != "") return std::nullopt;
  const year_month_day day{year{y}, month{static_cast<unsigned>(mo)}, std::chrono::day{static_cast<unsigned>(d)}};
  if (!day.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return sys_seconds{sys_days{day}} + hours{h} + minutes{mi} + seconds{s};
}

RunningCost running_cost(const std::vector<RunningResource>& resources, const Catalog& catalog,
                         std::chrono::sys_seconds now) {
  RunningCost out;
  for (const auto& r : resources) {
    Cents monthly = 0;
    Micros hourly = 0;
    if (r.kind == "droplet") {
      const DropletSize* size = catalog.droplet(r.size);
      if (!size) {
        out.unpriced.push_back(r.name + " (" + r.size + ")");
        continue;
      }
      monthly = size->monthly;
      hourly = size->hourly;
    } else if (r.kind == "database") {
      const DatabaseSize* size = catalog.database(r.size);
      if (!size) {
        out.unpriced.push_back(r.name + " (" + r.size + ")");
        continue;
      }
      const int standbys = r.nodes > 1 ? r.nodes - 1 : 0;
      monthly = size->monthly + standbys * size->standby_monthly;
      hourly = size->hourly + standbys * size->standby_hourly;
    } else {
      continue; // firewalls, VPCs, SSH keys, tags: free
    }
    RunningLine line{r.name, r.size, r.created, charge_between(monthly, hourly, r.created, now), hourly};
    out.since_created += line.since_created;
    out.hourly += line.hourly;
    out.lines.push_back(std::move(line));
  }
  return out;
}

} // namespace fp::pricing
