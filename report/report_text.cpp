#include "report_text.hpp"

#include "money.hpp"

#include <algorithm>
#include <cmath>

namespace fp::report {

std::string format_memory(int memory_mib) {
  if (memory_mib < 1024) return std::to_string(memory_mib) + " MB";
  return format_number(memory_mib / 1024.0, memory_mib % 1024 == 0 ? 0 : 1) + " GB";
}

std::vector<DiagramNode> diagram_nodes(const Architecture& a) {
  std::vector<DiagramNode> nodes;
  for (const auto& r : a.roles) {
    std::string detail = r.kind;
    if (!r.size.empty()) detail += ", " + r.size;
    if (r.role == "worker") {
      nodes.push_back({"workers", std::to_string(r.count) + (r.count == 1 ? " worker" : " workers"), detail, r.count > 1});
    } else {
      if (r.role == "lb" && r.count > 1) detail += ", " + std::to_string(r.count) + " nodes";
      if (r.role == "db" && r.count > 1) detail += ", " + std::to_string(r.count) + " nodes";
      nodes.push_back({r.role, r.title, detail, r.count > 1});
    }
  }
  return nodes;
}

std::string budget_sentence(const pricing::Cost& c) {
  const auto idr = [&](pricing::Cents cents) { return pricing::format_idr(pricing::to_rupiah(cents, c.idr_per_usd)); };
  if (c.fits()) {
    return "Fits the budget of " + pricing::format_usd(c.budget) + " US$ (Rp " + idr(c.budget) + ") a month with " +
           pricing::format_usd(c.headroom) + " US$ (Rp " + idr(c.headroom) + ") to spare.";
  }
  return "Over the budget of " + pricing::format_usd(c.budget) + " US$ (Rp " + idr(c.budget) + ") a month by " +
         pricing::format_usd(-c.headroom) + " US$ (Rp " + idr(-c.headroom) + ").";
}

std::string answer_text(const Answer& a, int decimals, const std::string& unit) {
  if (!a.value) return a.note;
  std::string out = format_number(*a.value, decimals) + " " + unit + " (run " + a.run_id;
  if (!a.duration.empty()) out += ", confirmed for " + a.duration;
  out += ")";
  if (!a.note.empty()) out += "; note: " + a.note;
  return out;
}

std::string run_title(const StoredRun& run) {
  if (run.meta.command == "find") return "find " + run.meta.question + " (" + run.meta.scenario + ")";
  return "bench " + run.meta.scenario;
}

std::string load_text(const RunMetadata& m) {
  const auto rate = [](double r) { return format_number(r, r == std::floor(r) ? 0 : 1) + "/s"; };
  std::string out;
  if (m.command == "find" && m.question == "max-rps") {
    out = "probes of " + m.probe + " from " + rate(m.start_rate) + ", confirmed for " + m.duration;
  } else if (m.command == "find") {
    out = "users spawned at " + rate(m.spawn_rate) + ", confirmed for " + m.duration;
  } else if (m.model == "open") {
    if (m.rate > 0) out = rate(m.rate);
    for (const auto& s : m.stages) out += (out.empty() ? "stages " : ", ") + s;
    out += " for " + (m.duration.empty() ? std::string("the request budget") : m.duration) + ", " +
           std::to_string(m.connections) + " connections";
  } else {
    out = std::to_string(m.users) + " users at " + rate(m.spawn_rate) + " for " +
          (m.duration.empty() ? std::string("the request budget") : m.duration);
  }
  return out;
}

std::string run_facts(const StoredRun& run, bool show_addresses) {
  const auto& m = run.meta;
  std::string out = run_title(run) + ": " + load_text(m) + ". From " + m.started + " to " + m.ended + ".";
  if (show_addresses) out += " Target: " + m.target + ".";
  if (m.interrupted) out += " Interrupted (Ctrl-C): the figures cover only what ran.";
  if (m.command == "find") {
    if (m.answer) out += " Answer: " + format_number(*m.answer, m.question == "max-rps" ? 1 : 0) + ".";
    else out += " No load passed at 0 % failures.";
    if (!m.note.empty()) out += " Note: " + m.note + ".";
    out += run.result ? " The figures below are the confirming run's." : " No confirming run completed.";
  }
  if (run.result) {
    const auto& r = *run.result;
    out += " " + format_number(static_cast<double>(r.requests), 0) + " requests, " +
           format_number(static_cast<double>(r.failures), 0) + " failed, " + format_number(r.requests_per_second, 1) +
           " requests/s; peak users " + std::to_string(r.peak_users) + ".";
    if (r.generator_bound) out += " The load generator was at its limit: " + r.generator_reason + ".";
    for (const auto& [error, n] : r.errors) out += " Error: " + error + " (" + std::to_string(n) + "x).";
  }
  for (const auto& p : run.problems) out += " Problem: " + p + ".";
  return out;
}

std::size_t timeline_stride(std::size_t seconds) { return std::max<std::size_t>(1, (seconds + 29) / 30); }

HostSummary summarize(const HostSeries& host) {
  HostSummary s;
  s.samples = host.samples.size();
  for (const auto& sample : host.samples) {
    s.cpu_mean += sample.cpu_percent;
    s.cpu_peak = std::max(s.cpu_peak, sample.cpu_percent);
    s.mem_peak_mb = std::max(s.mem_peak_mb, sample.mem_used_mb);
    s.mem_total_mb = std::max(s.mem_total_mb, sample.mem_total_mb);
    s.load_peak = std::max(s.load_peak, sample.load1);
  }
  if (s.samples > 0) s.cpu_mean /= static_cast<double>(s.samples);
  return s;
}

} // namespace fp::report
