#include "cost_report.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fp::pricing {
namespace {

using json = nlohmann::ordered_json;

constexpr const char* k_bold = "\x1b[1m";
constexpr const char* k_red = "\x1b[31m";
constexpr const char* k_green = "\x1b[32m";
constexpr const char* k_reset = "\x1b[0m";

std::string paint(const std::string& text, const char* code, bool color) { return color ? code + text + k_reset : text; }

std::string memory(int mib) {
  if (mib <= 0) return "-";
  if (mib % 1024 == 0) return std::to_string(mib / 1024) + " GiB";
  return std::to_string(mib) + " MiB";
}

std::string rate(double rps) {
  if (!std::isfinite(rps)) return "unbounded";
  char text[32];
  std::snprintf(text, sizeof text, "%.0f", rps);
  std::string digits = text;
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string pad(const std::string& text, std::size_t width, bool right = false) {
  if (text.size() >= width) return text;
  return right ? std::string(width - text.size(), ' ') + text : text + std::string(width - text.size(), ' ');
}

double usd(Cents cents) { return static_cast<double>(cents) / 100.0; }
double usd_rate(Micros micros) { return static_cast<double>(micros) / 1e6; }

std::string workload_words(const Workload& w) {
  char text[200];
  std::snprintf(text, sizeof text, "fp-orders: GET /orders %.0f %%, POST /orders %.0f %%; %s orders at the start, growing for %.0f s",
                w.get_share * 100, (1 - w.get_share) * 100, rate(w.initial_orders).c_str(), w.test_seconds);
  return text;
}

json prediction_json(const Prediction& p, const CapacityModel& model) {
  json parts = json::array();
  for (const auto& c : p.components) {
    parts.push_back({{"role", c.role}, {"what", c.what}, {"limit", c.limit}, {"rps", std::round(c.rps * 10) / 10}});
  }
  return {{"rps", std::round(p.rps * 10) / 10},
          {"bottleneck", p.bottleneck},
          {"components", parts},
          {"orders_at_end", std::round(p.orders_at_end)},
          {"workload",
           {{"scenario", "fp-orders"},
            {"get_share", model.workload.get_share},
            {"initial_orders", model.workload.initial_orders},
            {"test_seconds", model.workload.test_seconds}}},
          {"model_origin", model.origin}};
}

std::string utc_minutes(std::chrono::sys_seconds time) {
  const auto day = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss clock{time - day};
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u %02ld:%02ld UTC", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<long>(clock.hours().count()), static_cast<long>(clock.minutes().count()));
  return text;
}

} // namespace

std::string budget_verdict(const Cost& cost) {
  if (cost.fits()) {
    return "fits the budget: " + format_usd(cost.headroom) + " US$ (Rp " + format_idr(to_rupiah(cost.headroom, cost.idr_per_usd)) +
           ") a month to spare";
  }
  return "over budget by " + format_usd(-cost.headroom) + " US$ (Rp " + format_idr(to_rupiah(-cost.headroom, cost.idr_per_usd)) +
         ") a month: " + format_usd(cost.monthly) + " US$ against a budget of " + format_usd(cost.budget) + " US$";
}

std::string format_cost_table(const CostView& v, bool color) {
  std::ostringstream out;
  const auto& cost = v.cost;
  out << paint(v.plan.project, k_bold, color) << ": " << describe_architecture(v.plan) << ", region " << v.plan.region;
  out << (v.plan.file.empty() ? " (built-in default plan)" : " (" + v.plan.file + ")") << "\n\n";

  const std::vector<std::size_t> widths = {34, 24, 5, 5, 8, 11, 11};
  out << pad("role", widths[0]) << pad("slug", widths[1]) << pad("count", widths[2], true) << pad("vCPU", widths[3], true) << "  "
      << pad("RAM", widths[4]) << pad("US$/hour", widths[5], true) << pad("US$/month", widths[6], true) << "\n";
  bool any_third_party = false, any_unconfirmed = false;
  for (const auto& line : cost.lines) {
    const std::string m(mark(line.confidence));
    any_third_party |= line.confidence == Confidence::third_party;
    any_unconfirmed |= line.confidence == Confidence::unconfirmed;
    out << pad(line.role, widths[0]) << pad(line.slug.empty() ? "-" : line.slug, widths[1])
        << pad(std::to_string(line.count), widths[2], true) << pad(line.vcpus > 0 ? std::to_string(line.vcpus) : "-", widths[3], true)
        << "  " << pad(memory(line.memory_mib), widths[4]) << pad(format_rate(line.hourly), widths[5] - 1, true) << pad(m, 1)
        << pad(format_usd(line.monthly), widths[6] - 1, true) << pad(m, 1);
    if (!line.note.empty()) out << "  " << line.note;
    out << "\n";
  }
  const std::size_t label = widths[0] + widths[1] + widths[2] + widths[3] + 2 + widths[4];
  const auto idr = [&](Cents cents) { return "  Rp " + format_idr(to_rupiah(cents, cost.idr_per_usd)); };
  out << paint(pad("total", label) + pad(format_rate(cost.hourly), widths[5] - 1, true) + " " +
                   pad(format_usd(cost.monthly), widths[6] - 1, true) + " " + idr(cost.monthly),
               k_bold, color)
      << "\n";
  out << pad("budget", label) << pad("", widths[5]) << pad(format_usd(cost.budget), widths[6] - 1, true) << " " << idr(cost.budget)
      << "\n";
  out << paint(pad("headroom", label) + pad("", widths[5]) + pad(format_usd(cost.headroom), widths[6] - 1, true) + " " +
                   idr(cost.headroom),
               cost.fits() ? k_green : k_red, color)
      << "\n\n";

  out << "prices: " << v.catalog.origin << " as of " << v.catalog.as_of;
  if (any_third_party || any_unconfirmed) {
    out << "; ";
    if (any_third_party) out << "~ third-party figure";
    if (any_third_party && any_unconfirmed) out << ", ";
    if (any_unconfirmed) out << "? unconfirmed list price";
    out << " (docs/COST.md lists the sources)";
  }
  out << "\n";
  out << "billing: per second (at least 60 s or 0.01 US$), never more than the monthly price in a calendar month "
         "(reached after 672 h); US$/month is a full month\n";
  out << "transfer: " << rate(cost.transfer_gb) << " GB outbound included per month (pooled over the droplets); beyond it "
      << format_usd(v.catalog.transfer_overage_per_gib) << " US$/GiB\n";
  out << "rupiah: Rp " << format_idr(cost.idr_per_usd) << " per US$ (budget.idr_per_usd)\n";
  if (v.plan.provider == plan::Provider::local) {
    out << "provider local: this architecture on this machine costs nothing (fpctl up for it is not built yet); these are its DigitalOcean prices\n";
  }

  if (v.prediction && v.model) {
    const auto& p = *v.prediction;
    out << "\npredicted capacity: " << paint(rate(p.rps) + " req/s", k_bold, color) << " at 0 % failures, limited by the "
        << p.bottleneck << "\n";
    for (const auto& c : p.components) {
      out << "  " << pad(c.role, 15) << pad(c.what, 46) << pad(rate(c.rps), 9, true) << " req/s  (" << c.limit << ")"
          << (c.role == p.bottleneck ? "  <- bottleneck" : "") << "\n";
    }
    out << "  workload: " << workload_words(v.model->workload) << " (" << rate(p.orders_at_end) << " orders at the end)\n";
    out << "  model: " << v.model->origin << "\n";
  }
  if (v.running && !v.running->lines.empty()) {
    const auto& r = *v.running;
    auto first = r.lines.front().created;
    for (const auto& line : r.lines) first = std::min(first, line.created);
    out << "\nrunning deployment (.fpctl/state.json): " << r.lines.size() << (r.lines.size() == 1 ? " resource" : " resources")
        << " since " << utc_minutes(first) << ": " << paint(format_usd(r.since_created) + " US$", k_bold, color) << " (Rp "
        << format_idr(to_rupiah(r.since_created, cost.idr_per_usd)) << ") so far; each further hour " << format_rate(r.hourly)
        << " US$\n";
    for (const auto& name : r.unpriced) out << "  not priced (size not in the catalog): " << name << "\n";
  }
  out << "\n" << paint(budget_verdict(cost), cost.fits() ? k_green : k_red, color) << "\n";
  return out.str();
}

std::string format_cost_json(const CostView& v) {
  const auto& cost = v.cost;
  json resources = json::array();
  for (const auto& line : cost.lines) {
    resources.push_back({{"role", line.role},
                         {"slug", line.slug},
                         {"count", line.count},
                         {"vcpus", line.vcpus},
                         {"memory_mib", line.memory_mib},
                         {"usd_per_hour", usd_rate(line.hourly)},
                         {"usd_per_month", usd(line.monthly)},
                         {"unit_usd_per_hour", usd_rate(line.unit_hourly)},
                         {"unit_usd_per_month", usd(line.unit_monthly)},
                         {"cents_per_month", line.monthly},
                         {"confidence", std::string(to_string(line.confidence))},
                         {"note", line.note}});
  }
  json document = {
      {"project", v.plan.project},
      {"provider", std::string(plan::to_string(v.plan.provider))},
      {"region", v.plan.region},
      {"config", v.plan.file},
      {"architecture", describe_architecture(v.plan)},
      {"catalog", {{"origin", v.catalog.origin}, {"as_of", v.catalog.as_of}}},
      {"resources", resources},
      {"total", {{"usd_per_hour", usd_rate(cost.hourly)}, {"usd_per_month", usd(cost.monthly)}, {"cents_per_month", cost.monthly},
                 {"idr_per_month", to_rupiah(cost.monthly, cost.idr_per_usd)}}},
      {"budget", {{"usd_per_month", usd(cost.budget)}, {"cents_per_month", cost.budget},
                  {"idr_per_month", to_rupiah(cost.budget, cost.idr_per_usd)}, {"idr_per_usd", cost.idr_per_usd}}},
      {"headroom", {{"usd_per_month", usd(cost.headroom)}, {"cents_per_month", cost.headroom},
                    {"idr_per_month", to_rupiah(cost.headroom, cost.idr_per_usd)}}},
      {"fits", cost.fits()},
      {"transfer_gb_included", cost.transfer_gb},
  };
  if (v.prediction && v.model) document["prediction"] = prediction_json(*v.prediction, *v.model);
  if (v.running && !v.running->lines.empty()) {
    json lines = json::array();
    for (const auto& line : v.running->lines) {
      lines.push_back({{"name", line.name}, {"size", line.size}, {"created", utc_minutes(line.created)},
                       {"cents_since_created", line.since_created}, {"usd_per_hour", usd_rate(line.hourly)}});
    }
    document["running"] = {{"usd_since_created", usd(v.running->since_created)},
                           {"cents_since_created", v.running->since_created},
                           {"idr_since_created", to_rupiah(v.running->since_created, cost.idr_per_usd)},
                           {"usd_per_hour", usd_rate(v.running->hourly)},
                           {"resources", lines},
                           {"unpriced", v.running->unpriced}};
  }
  return document.dump(2) + "\n";
}

std::string format_optimum_table(const OptimumView& v, bool color) {
  std::ostringstream out;
  out << paint("best architectures for fp-orders within " + format_usd(v.budget) + " US$ a month", k_bold, color) << " (region "
      << v.base.region << ", searched " << rate(static_cast<double>(v.optimum.architectures)) << " architectures)\n\n";
  std::size_t arch_width = 14;
  for (const auto& c : v.optimum.top) arch_width = std::max(arch_width, describe_architecture(c.plan).size() + 2);
  out << pad("#", 3) << pad("architecture", arch_width) << pad("US$/month", 10, true) << pad("req/s", 9, true)
      << pad("req/s per US$", 15, true) << "  " << pad("bottleneck", 24) << pad("headroom US$", 12, true) << "\n";
  int rank = 1;
  for (const auto& c : v.optimum.top) {
    char per_dollar[32];
    std::snprintf(per_dollar, sizeof per_dollar, "%.1f", c.monthly > 0 ? c.rps / usd(c.monthly) : 0.0);
    const std::string row = pad(std::to_string(rank), 3) + pad(describe_architecture(c.plan), arch_width) +
                            pad(format_usd(c.monthly), 10, true) + pad(rate(c.rps), 9, true) + pad(per_dollar, 15, true) + "  " +
                            pad(c.bottleneck + " (" + c.bottleneck_limit + ")", 24) +
                            pad(format_usd(v.budget - c.monthly), 12, true);
    out << (rank == 1 ? paint(row, k_bold, color) : row) << "\n";
    ++rank;
  }
  out << "\nwhy #1: " << v.optimum.why << "\n";
  out << "workload: " << workload_words(v.model.workload) << "\n";
  out << "model: " << v.model.origin << "\n";
  const bool live = v.catalog.droplets.empty() || v.catalog.droplets.front().confidence == Confidence::official;
  out << "prices: " << v.catalog.origin << " as of " << v.catalog.as_of << " (droplet prices "
      << (live ? "from the API" : "third-party") << ", managed database and load balancer prices list prices, "
      << "partly unconfirmed: docs/COST.md)\n";
  return out.str();
}

std::string format_optimum_json(const OptimumView& v) {
  json top = json::array();
  for (const auto& c : v.optimum.top) {
    top.push_back({{"architecture", describe_architecture(c.plan)},
                   {"load_balancer", {{"kind", std::string(plan::to_string(c.plan.load_balancer.kind))},
                                      {"size", c.plan.load_balancer.size}, {"nodes", c.plan.load_balancer.nodes}}},
                   {"workers", {{"size", c.plan.workers.size}, {"count", c.plan.workers.count}}},
                   {"database", {{"kind", std::string(plan::to_string(c.plan.database.kind))}, {"size", c.plan.database.size},
                                 {"nodes", c.plan.database.nodes}}},
                   {"usd_per_month", usd(c.monthly)},
                   {"cents_per_month", c.monthly},
                   {"rps", std::round(c.rps * 10) / 10},
                   {"rps_per_usd", c.monthly > 0 ? std::round(c.rps / usd(c.monthly) * 100) / 100 : 0.0},
                   {"bottleneck", c.bottleneck},
                   {"bottleneck_limit", c.bottleneck_limit},
                   {"headroom_usd", usd(v.budget - c.monthly)}});
  }
  json document = {{"budget_usd_per_month", usd(v.budget)},
                   {"region", v.base.region},
                   {"architectures_searched", v.optimum.architectures},
                   {"top", top},
                   {"why", v.optimum.why},
                   {"model_origin", v.model.origin},
                   {"catalog", {{"origin", v.catalog.origin}, {"as_of", v.catalog.as_of}}}};
  return document.dump(2) + "\n";
}

} // namespace fp::pricing
