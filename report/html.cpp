// report.html: the same report as one self-contained page: tables, the architecture as an inline SVG
// diagram and every chart as inline SVG (bench's chart code). No script, font, stylesheet or image
// from anywhere, and a Content-Security-Policy that forbids fetching any, so the page opens the same
// offline, attached to a mail or years later, and cannot leak that it was opened.
#include "report_model.hpp"
#include "report_text.hpp"

#include "money.hpp"
#include "svg_chart.hpp"

#include <algorithm>
#include <cmath>

namespace fp::report {
namespace {

using bench::svg::fixed;
using bench::svg::Series;

std::string text(std::string_view raw) { return bench::svg::html_text(raw); }

std::string table_row(const std::vector<std::string>& cells, bool escape = true, const char* tag = "td") {
  std::string out = "<tr>";
  for (const auto& c : cells) out += std::string("<") + tag + ">" + (escape ? text(c) : c) + "</" + tag + ">";
  return out + "</tr>\n";
}

std::string table_head(const std::vector<std::string>& cells) {
  return "<thead>" + table_row(cells, true, "th") + "</thead>\n<tbody>\n";
}

// Boxes and arrows: load generator -> load balancer -> workers -> database.
std::string diagram(const Architecture& a) {
  std::vector<DiagramNode> nodes = {{"clients", "Load generator", "fpctl bench", false}};
  for (auto& n : diagram_nodes(a)) nodes.push_back(std::move(n));
  constexpr double k_box_w = 210, k_box_h = 72, k_gap = 56, k_margin = 12;
  const double width = 2 * k_margin + static_cast<double>(nodes.size()) * k_box_w +
                       static_cast<double>(nodes.size() - 1) * k_gap;
  const double height = k_box_h + 2 * k_margin + 12;
  std::string svg = "<svg id=\"diagram\" class=\"diagram\" viewBox=\"0 0 " + fixed(width, 0) + " " + fixed(height, 0) +
                    "\" role=\"img\" aria-label=\"Architecture\">\n"
                    "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" "
                    "markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n";
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const double x = k_margin + static_cast<double>(i) * (k_box_w + k_gap);
    const double y = k_margin;
    const auto& n = nodes[i];
    const std::string cls = n.id == "db" ? "box db" : n.id == "clients" ? "box clients" : "box";
    if (n.several) { // a stack: more than one of them
      svg += "<rect x=\"" + fixed(x + 8, 0) + "\" y=\"" + fixed(y + 8, 0) + "\" width=\"" + fixed(k_box_w, 0) +
             "\" height=\"" + fixed(k_box_h, 0) + "\" rx=\"8\" class=\"" + cls + " behind\"/>\n";
    }
    svg += "<rect x=\"" + fixed(x, 0) + "\" y=\"" + fixed(y, 0) + "\" width=\"" + fixed(k_box_w, 0) + "\" height=\"" +
           fixed(k_box_h, 0) + "\" rx=\"8\" class=\"" + cls + "\" data-node=\"" + text(n.id) + "\"/>\n";
    svg += "<text x=\"" + fixed(x + k_box_w / 2, 0) + "\" y=\"" + fixed(y + 30, 0) + "\" class=\"node-title\">" +
           text(n.title) + "</text>\n";
    svg += "<text x=\"" + fixed(x + k_box_w / 2, 0) + "\" y=\"" + fixed(y + 52, 0) + "\" class=\"node-detail\">" +
           text(n.detail) + "</text>\n";
    if (i + 1 < nodes.size()) {
      const double y_mid = y + k_box_h / 2;
      svg += "<line x1=\"" + fixed(x + k_box_w + 2, 0) + "\" y1=\"" + fixed(y_mid, 0) + "\" x2=\"" +
             fixed(x + k_box_w + k_gap - 4, 0) + "\" y2=\"" + fixed(y_mid, 0) +
             "\" class=\"arrow\" marker-end=\"url(#arrow)\"/>\n";
    }
  }
  return svg + "</svg>\n";
}

std::string architecture(const ReportModel& m) {
  const auto& a = m.architecture;
  std::string out = "<h2 id=\"architecture\">Architecture</h2>\n<p>Provider: " + text(a.provider) +
                    (a.provider == "local" ? "" : ", region " + text(a.region)) + ".";
  if (!a.recorded_from.empty()) out += " Hosts from " + text(a.recorded_from) + ".";
  if (!m.show_addresses) out += " Addresses are hidden (<code>fpctl report --show-addresses</code> shows them).";
  out += "</p>\n" + diagram(a) + "<table id=\"roles\">\n" +
         table_head({"Role", "What", "Size", "vCPU", "Memory", "Count", "Hosts"});
  for (const auto& r : a.roles) {
    std::string hosts;
    for (const auto& h : r.hosts) {
      hosts += (hosts.empty() ? "" : ", ") + h.name;
      if (m.show_addresses && !h.address.empty()) hosts += " " + h.address;
    }
    out += table_row({r.title, r.kind, r.size.empty() ? "-" : r.size, r.vcpus > 0 ? std::to_string(r.vcpus) : "-",
                      r.memory_mib > 0 ? format_memory(r.memory_mib) : "-", r.count > 0 ? std::to_string(r.count) : "-",
                      hosts.empty() ? "-" : hosts});
  }
  return out + "</tbody>\n</table>\n";
}

std::string cost(const ReportModel& m) {
  std::string out = "<h2 id=\"cost\">Cost against the budget</h2>\n";
  if (!m.cost.cost) return out + "<p class=\"warning\">Not priced: " + text(m.cost.error) + "</p>\n";
  const auto& c = *m.cost.cost;
  const auto idr = [&](pricing::Cents cents) { return "Rp " + pricing::format_idr(pricing::to_rupiah(cents, c.idr_per_usd)); };
  out += "<table id=\"cost-table\">\n" + table_head({"Resource", "Size", "Count", "US$/hour", "US$/month", "Rp/month"});
  for (const auto& line : c.lines) {
    out += table_row({line.role + std::string(pricing::mark(line.confidence)), line.slug.empty() ? "-" : line.slug,
                      std::to_string(line.count), pricing::format_rate(line.hourly), pricing::format_usd(line.monthly),
                      idr(line.monthly)});
  }
  out += "<tr class=\"total\"><td>Total</td><td></td><td></td><td>" + pricing::format_rate(c.hourly) + "</td><td>" +
         pricing::format_usd(c.monthly) + "</td><td>" + text(idr(c.monthly)) + "</td></tr>\n";
  out += table_row({"Budget", "", "", "", pricing::format_usd(c.budget), idr(c.budget)});
  out += table_row({c.fits() ? "Headroom" : "Over budget by", "", "", "",
                    pricing::format_usd(c.fits() ? c.headroom : -c.headroom), idr(c.fits() ? c.headroom : -c.headroom)});
  out += "</tbody>\n</table>\n<p" + std::string(c.fits() ? "" : " class=\"bad\"") + ">" + text(budget_sentence(c)) +
         "</p>\n<p class=\"small\">Prices: " + text(m.cost.catalog) + " (~ third-party figure, ? unconfirmed); Rp at " +
         pricing::format_idr(c.idr_per_usd) + " per US$.</p>\n";
  return out;
}

std::string experiment(const ReportModel& m) {
  std::string out = "<h2 id=\"experiment-cost\">What the experiment cost</h2>\n";
  const auto& e = m.experiment;
  if (!e.running) return out + "<p>" + text(e.note) + "</p>\n";
  out += "<table id=\"experiment-table\">\n" + table_head({"Resource", "Size", "Created", "Cost so far (US$)"});
  for (const auto& line : e.running->lines) {
    out += table_row({line.name, line.size, iso_utc(std::chrono::system_clock::time_point(line.created)),
                      pricing::format_usd(line.since_created)});
  }
  out += "<tr class=\"total\"><td>Total</td><td></td><td></td><td>" + pricing::format_usd(e.running->since_created) +
         "</td></tr>\n</tbody>\n</table>\n<p>" + text(e.basis);
  if (m.cost.cost) {
    out += " In Rupiah: Rp " +
           pricing::format_idr(pricing::to_rupiah(e.running->since_created, m.cost.cost->idr_per_usd)) + ".";
  }
  out += " Each further hour costs " + pricing::format_rate(e.running->hourly) + " US$.";
  for (const auto& name : e.running->unpriced) out += " Not priced (size unknown to the catalog): " + text(name) + ".";
  if (!e.note.empty()) out += " " + text(e.note);
  return out + "</p>\n";
}

std::string answers(const ReportModel& m) {
  std::string out = "<h2 id=\"results\">Results at 0 % failures</h2>\n";
  out += "<p id=\"max-rps\"" + std::string(m.max_rps.value ? " class=\"answer\"" : "") + "><strong>Maximum RPS:</strong> " +
         text(answer_text(m.max_rps, 1, "requests/s")) + "</p>\n";
  out += "<table id=\"peak-users\">\n" + table_head({"Spawn rate (users/s)", "Peak users", "Run"});
  for (const auto& p : m.peak_users) {
    out += table_row({format_number(p.spawn_rate, p.spawn_rate == std::floor(p.spawn_rate) ? 0 : 1),
                      p.answer.value ? format_number(*p.answer.value, 0) : p.answer.note,
                      p.answer.value && !p.answer.note.empty() ? p.answer.run_id + " (" + p.answer.note + ")"
                                                               : p.answer.run_id});
  }
  return out + "</tbody>\n</table>\n";
}

// A palette for several hosts on one chart.
const char* color(std::size_t i) {
  static constexpr const char* k_colors[] = {"#2b7bba", "#d7263d", "#3c9d5d", "#f29e4c", "#7b4fbf", "#1b998b", "#8c564b"};
  return k_colors[i % (sizeof k_colors / sizeof k_colors[0])];
}

std::string charts(const StoredRun& run, std::size_t index) {
  std::string out;
  const std::string id = "run-" + std::to_string(index + 1);
  if (run.result && !run.result->timeline.empty()) {
    std::vector<double> x;
    Series rps{"requests/s", "#2b7bba", {}, {}}, fails{"failures/s", "#d7263d", {}, {}};
    Series p50{"p50", "#2b7bba", {}, {}}, p95{"p95", "#f29e4c", {}, {}};
    Series users{"users", "#3c9d5d", {}, {}};
    for (const auto& p : run.result->timeline) {
      x.push_back(p.t);
      rps.values.push_back(static_cast<double>(p.requests));
      fails.values.push_back(static_cast<double>(p.failures));
      p50.values.push_back(static_cast<double>(p.p50_us) / 1000.0);
      p95.values.push_back(static_cast<double>(p.p95_us) / 1000.0);
      users.values.push_back(static_cast<double>(p.users));
    }
    out += bench::svg::line_chart(id + "-rps", "Requests per second", "per second", x, {rps, fails});
    out += bench::svg::line_chart(id + "-response-times", "Response times", "ms", x, {p50, p95});
    out += bench::svg::line_chart(id + "-users", "Users", "running users", x, {users});
  } else {
    out += "<p>No per-second results were kept with this run" +
           std::string(run.meta.command == "find" ? " (the search confirmed no load)" : "") + ".</p>\n";
  }
  if (run.hosts && !run.hosts->hosts.empty()) {
    std::vector<Series> cpu;
    for (std::size_t i = 0; i < run.hosts->hosts.size(); ++i) {
      const auto& h = run.hosts->hosts[i];
      if (h.samples.empty()) continue;
      Series s{h.host, color(i), {}, {}};
      for (const auto& sample : h.samples) {
        s.x.push_back(sample.t);
        s.values.push_back(sample.cpu_percent);
      }
      cpu.push_back(std::move(s));
    }
    if (!cpu.empty()) out += bench::svg::line_chart(id + "-cpu", "CPU per host", "%", {}, cpu, 100);
    out += "<table class=\"hosts\">\n" +
           table_head({"Host", "Role", "CPU mean", "CPU peak", "Memory peak", "Load peak", "Samples"});
    for (const auto& h : run.hosts->hosts) {
      const auto s = summarize(h);
      out += table_row({h.host, h.role, s.samples ? format_number(s.cpu_mean, 0) + " %" : "-",
                        s.samples ? format_number(s.cpu_peak, 0) + " %" : "-",
                        s.samples ? format_number(s.mem_peak_mb, 0) + " / " + format_number(s.mem_total_mb, 0) + " MB" : "-",
                        s.samples ? format_number(s.load_peak, 2) : "-",
                        std::to_string(s.samples) + (h.error.empty() ? "" : " (error: " + h.error + ")")});
    }
    out += "</tbody>\n</table>\n";
  } else {
    out += "<p class=\"small\">No host measurements (hosts.json) were kept with this run.</p>\n";
  }
  return out;
}

std::string runs(const ReportModel& m) {
  std::string out = "<h2 id=\"runs\">Runs</h2>\n";
  if (m.runs.empty()) {
    return out + "<p>No runs are kept with this deployment yet. <code>fpctl bench</code> (without a URL) and "
                 "<code>fpctl bench find max-rps|peak-users</code> keep theirs in <code>.fpctl/runs/</code>.</p>\n";
  }
  out += "<table id=\"runs-table\">\n" + table_head({"Run", "What", "Load", "Requests", "Failures", "RPS", "p50", "p95", "p99"});
  for (const auto& run : m.runs) {
    const auto& r = run.result;
    out += table_row({run.meta.id, run_title(run), load_text(run.meta),
                      r ? format_number(static_cast<double>(r->requests), 0) : "-",
                      r ? format_number(static_cast<double>(r->failures), 0) : "-",
                      r ? format_number(r->requests_per_second, 1) : "-", r ? format_ms(r->p50_us) : "-",
                      r ? format_ms(r->p95_us) : "-", r ? format_ms(r->p99_us) : "-"});
  }
  out += "</tbody>\n</table>\n";
  for (std::size_t i = 0; i < m.runs.size(); ++i) {
    const auto& run = m.runs[i];
    out += "<section class=\"run\" id=\"run-" + std::to_string(i + 1) + "\">\n<h3>" + text(run.meta.id) + "</h3>\n<p>" +
           text(run_facts(run, m.show_addresses)) + "</p>\n";
    if (!run.meta.trials.empty()) {
      out += "<table class=\"trials\">\n" + table_head({"Trial", "Result", "Requests", "Failures", "p99", "Evidence"});
      for (const auto& t : run.meta.trials) {
        out += table_row({t.label, t.passed ? "PASS" : "FAIL", format_number(static_cast<double>(t.requests), 0),
                          format_number(static_cast<double>(t.failures), 0), format_ms(t.p99_us), t.evidence});
      }
      out += "</tbody>\n</table>\n";
    }
    out += charts(run, i) + "</section>\n";
  }
  return out;
}

constexpr const char* k_style = R"(body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}h3{font-size:1.05em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em;margin:.6em 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}
th{background:#f3f3f3}tr.total td{font-weight:bold}.small{font-size:.85em;color:#555}
.bad{color:#d7263d;font-weight:bold}.warning{background:#fff4d6;border-left:4px solid #f29e4c;padding:6px 10px}
.answer strong{color:#3c9d5d}p#bottleneck{background:#eef5fb;border-left:4px solid #2b7bba;padding:6px 10px}
svg.chart{width:100%;max-width:960px;display:block;margin:1em 0}svg .grid{stroke:#e5e5e5}svg .axis{stroke:#888}
svg text{font-size:12px;fill:#444}svg .title{font-size:14px;font-weight:bold}svg .ylabel{text-anchor:end}
svg .xlabel{text-anchor:middle}svg.diagram{width:100%;max-width:1100px;display:block;margin:1em 0}
svg .box{fill:#eef5fb;stroke:#2b7bba;stroke-width:1.5}svg .box.behind{fill:#dbe9f5}svg .box.db{fill:#eef8f0;stroke:#3c9d5d}
svg .box.clients{fill:#f6f6f6;stroke:#888}svg .arrow{stroke:#555;stroke-width:1.5}
svg .node-title{font-size:14px;font-weight:bold;text-anchor:middle}svg .node-detail{font-size:11px;text-anchor:middle})";

} // namespace

std::string render_html(const ReportModel& m) {
  const std::string title = "Load-test report: " + m.architecture.project;
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
                     "'unsafe-inline'; img-src data:\">\n<title>" +
                     text(title) + "</title>\n<style>\n" + k_style + "\n</style>\n</head>\n<body>\n";
  html += "<h1>" + text(title) + "</h1>\n<p class=\"small\">Generated by fpctl report on " + text(m.generated) +
          ". The same report as text: report.md.</p>\n";
  html += architecture(m) + cost(m) + experiment(m) + answers(m);
  html += "<h2 id=\"bottleneck-heading\">Bottleneck</h2>\n<p id=\"bottleneck\">" + text(m.bottleneck) + "</p>\n";
  html += runs(m);
  if (!m.problems.empty()) {
    html += "<h2 id=\"problems\">Problems reading the runs</h2>\n<ul>\n";
    for (const auto& p : m.problems) html += "<li>" + text(p) + "</li>\n";
    html += "</ul>\n";
  }
  return html + "</body>\n</html>\n";
}

} // namespace fp::report
