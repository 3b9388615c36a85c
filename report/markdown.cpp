// report.md: the report as text and tables (GitHub/GitLab Markdown; the diagram is a mermaid block,
// which both render). Charts need a picture: report.html holds them, and this file says so.
#include "report_model.hpp"
#include "report_text.hpp"

#include "money.hpp"

#include <algorithm>
#include <cmath>

namespace fp::report {
namespace {

// A table cell: pipes and line breaks would end the cell or the row.
std::string cell(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

std::string row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) out += " " + cell(c) + " |";
  return out + "\n";
}

std::string header(const std::vector<std::string>& cells) {
  std::string out = row(cells) + "|";
  for (std::size_t i = 0; i < cells.size(); ++i) out += "---|";
  return out + "\n";
}

// A mermaid node label: quotes would end it.
std::string label(std::string raw) {
  std::replace(raw.begin(), raw.end(), '"', '\'');
  return raw;
}

std::string architecture(const ReportModel& m) {
  const auto& a = m.architecture;
  std::string out = "## Architecture\n\n";
  out += "Provider: " + a.provider + (a.provider == "local" ? "" : ", region " + a.region) + ".";
  if (!a.recorded_from.empty()) out += " Hosts from " + a.recorded_from + ".";
  out += m.show_addresses ? "\n\n" : " Addresses are hidden (`fpctl report --show-addresses` shows them).\n\n";
  out += header({"Role", "What", "Size", "vCPU", "Memory", "Count", "Hosts"});
  for (const auto& r : a.roles) {
    std::string hosts;
    for (const auto& h : r.hosts) {
      hosts += (hosts.empty() ? "" : ", ") + h.name;
      if (m.show_addresses && !h.address.empty()) hosts += " " + h.address;
    }
    out += row({r.title, r.kind, r.size.empty() ? "-" : "`" + r.size + "`", r.vcpus > 0 ? std::to_string(r.vcpus) : "-",
                r.memory_mib > 0 ? format_memory(r.memory_mib) : "-", r.count > 0 ? std::to_string(r.count) : "-",
                hosts.empty() ? "-" : hosts});
  }
  out += "\n```mermaid\nflowchart LR\n  clients[\"Load generator<br/>fpctl bench\"]\n";
  std::string previous = "clients";
  for (const auto& node : diagram_nodes(m.architecture)) {
    const bool db = node.id == "db";
    out += "  " + node.id + (db ? "[(\"" : "[\"") + label(node.title) + "<br/>" + label(node.detail) + (db ? "\")]\n" : "\"]\n");
    out += "  " + previous + " --> " + node.id + "\n";
    previous = node.id;
  }
  return out + "```\n\n";
}

std::string cost(const ReportModel& m) {
  std::string out = "## Cost against the budget\n\n";
  if (!m.cost.cost) return out + "Not priced: " + m.cost.error + "\n\n";
  const auto& c = *m.cost.cost;
  const auto idr = [&](pricing::Cents cents) { return "Rp " + pricing::format_idr(pricing::to_rupiah(cents, c.idr_per_usd)); };
  out += header({"Resource", "Size", "Count", "US$/hour", "US$/month", "Rp/month"});
  for (const auto& line : c.lines) {
    out += row({line.role + std::string(pricing::mark(line.confidence)), line.slug.empty() ? "-" : "`" + line.slug + "`",
                std::to_string(line.count), pricing::format_rate(line.hourly), pricing::format_usd(line.monthly),
                idr(line.monthly)});
  }
  out += row({"**Total**", "", "", pricing::format_rate(c.hourly), "**" + pricing::format_usd(c.monthly) + "**",
              "**" + idr(c.monthly) + "**"});
  out += row({"Budget", "", "", "", pricing::format_usd(c.budget), idr(c.budget)});
  out += row({c.fits() ? "Headroom" : "**Over budget by**", "", "", "",
              pricing::format_usd(c.fits() ? c.headroom : -c.headroom), idr(c.fits() ? c.headroom : -c.headroom)});
  out += "\nPrices: " + m.cost.catalog + " (`~` third-party figure, `?` unconfirmed); Rp at " +
         pricing::format_idr(c.idr_per_usd) + " per US$. " + budget_sentence(c) + "\n\n";
  return out;
}

std::string experiment(const ReportModel& m) {
  std::string out = "## What the experiment cost\n\n";
  const auto& e = m.experiment;
  if (!e.running) return out + e.note + "\n\n";
  out += header({"Resource", "Size", "Created", "Cost so far (US$)"});
  for (const auto& line : e.running->lines) {
    out += row({line.name, "`" + line.size + "`", iso_utc(std::chrono::system_clock::time_point(line.created)),
                pricing::format_usd(line.since_created)});
  }
  out += row({"**Total**", "", "", "**" + pricing::format_usd(e.running->since_created) + "**"});
  out += "\n" + e.basis;
  if (m.cost.cost) {
    out += " In Rupiah: Rp " +
           pricing::format_idr(pricing::to_rupiah(e.running->since_created, m.cost.cost->idr_per_usd)) + ".";
  }
  out += " Each further hour costs " + pricing::format_rate(e.running->hourly) + " US$.";
  for (const auto& name : e.running->unpriced) out += " Not priced (size unknown to the catalog): " + name + ".";
  if (!e.note.empty()) out += " " + e.note;
  return out + "\n\n";
}

std::string answers(const ReportModel& m) {
  std::string out = "## Results at 0 % failures\n\n";
  out += "**Maximum RPS:** " + answer_text(m.max_rps, 1, "requests/s") + "\n\n";
  out += "**Peak users** (each confirmed for the run's duration at 0 % failures):\n\n";
  out += header({"Spawn rate (users/s)", "Peak users", "Run"});
  for (const auto& p : m.peak_users) {
    out += row({format_number(p.spawn_rate, p.spawn_rate == std::floor(p.spawn_rate) ? 0 : 1),
                p.answer.value ? format_number(*p.answer.value, 0) : p.answer.note,
                p.answer.value && !p.answer.note.empty() ? p.answer.run_id + " (" + p.answer.note + ")" : p.answer.run_id});
  }
  return out + "\n";
}

std::string runs(const ReportModel& m) {
  std::string out = "## Runs\n\n";
  if (m.runs.empty()) {
    return out + "No runs are kept with this deployment yet. `fpctl bench` (without a URL) and `fpctl bench find "
                 "max-rps|peak-users` keep theirs in `.fpctl/runs/`.\n\n";
  }
  out += "The charts (requests per second, response times, users and each host's CPU over time) are in **report.html**.\n\n";
  out += header({"Run", "What", "Load", "Requests", "Failures", "RPS", "p50", "p95", "p99"});
  for (const auto& run : m.runs) {
    const auto& r = run.result;
    out += row({run.meta.id, run_title(run), load_text(run.meta), r ? format_number(static_cast<double>(r->requests), 0) : "-",
                r ? format_number(static_cast<double>(r->failures), 0) : "-", r ? format_number(r->requests_per_second, 1) : "-",
                r ? format_ms(r->p50_us) : "-", r ? format_ms(r->p95_us) : "-", r ? format_ms(r->p99_us) : "-"});
  }
  out += "\n";
  for (const auto& run : m.runs) {
    out += "### " + run.meta.id + "\n\n" + run_facts(run, m.show_addresses) + "\n\n";
    if (!run.meta.trials.empty()) {
      out += header({"Trial", "Result", "Requests", "Failures", "p99", "Evidence"});
      for (const auto& t : run.meta.trials) {
        out += row({t.label, t.passed ? "PASS" : "FAIL", format_number(static_cast<double>(t.requests), 0),
                    format_number(static_cast<double>(t.failures), 0), format_ms(t.p99_us), t.evidence});
      }
      out += "\n";
    }
    if (run.result && !run.result->timeline.empty()) {
      out += "Per second (every " + std::to_string(timeline_stride(run.result->timeline.size())) + " s shown):\n\n";
      out += header({"t (s)", "Users", "Requests/s", "Failures/s", "p50", "p95"});
      const auto& timeline = run.result->timeline;
      const std::size_t stride = timeline_stride(timeline.size());
      for (std::size_t i = 0; i < timeline.size(); i += stride) {
        const auto& p = timeline[i];
        out += row({format_number(p.t, 0), std::to_string(p.users), format_number(static_cast<double>(p.requests), 0),
                    format_number(static_cast<double>(p.failures), 0), format_ms(p.p50_us), format_ms(p.p95_us)});
      }
      out += "\n";
    }
    if (run.hosts) {
      out += header({"Host", "Role", "CPU mean", "CPU peak", "Memory peak", "Load peak", "Samples"});
      for (const auto& h : run.hosts->hosts) {
        const auto s = summarize(h);
        out += row({h.host, h.role, s.samples ? format_number(s.cpu_mean, 0) + " %" : "-",
                    s.samples ? format_number(s.cpu_peak, 0) + " %" : "-",
                    s.samples ? format_number(s.mem_peak_mb, 0) + " / " + format_number(s.mem_total_mb, 0) + " MB" : "-",
                    s.samples ? format_number(s.load_peak, 2) : "-",
                    std::to_string(s.samples) + (h.error.empty() ? "" : " (error: " + h.error + ")")});
      }
      out += "\n";
    } else {
      out += "No host measurements were kept with this run.\n\n";
    }
  }
  return out;
}

} // namespace

std::string render_markdown(const ReportModel& m) {
  std::string out = "# Load-test report: " + m.architecture.project + "\n\n";
  out += "Generated by `fpctl report` on " + m.generated + ". Companion page with charts: `report.html`.\n\n";
  out += architecture(m) + cost(m) + experiment(m) + answers(m);
  out += "## Bottleneck\n\n" + m.bottleneck + "\n\n";
  out += runs(m);
  if (!m.problems.empty()) {
    out += "## Problems reading the runs\n\n";
    for (const auto& p : m.problems) out += "- " + p + "\n";
    out += "\n";
  }
  return out;
}

} // namespace fp::report
