// Wording and summaries the Markdown and HTML renderers share (internal to fp_report), so both
// documents say the same thing in the same words.
#pragma once

#include "report_model.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace fp::report {

// "512 MB", "2 GB".
std::string format_memory(int memory_mib);

// The boxes of the architecture diagram after the load generator, in request order.
struct DiagramNode {
  std::string id;     // lb | workers | db
  std::string title;  // "Load balancer"
  std::string detail; // "nginx on a droplet, s-1vcpu-1gb"
  bool several = false; // drawn as a stack
};
std::vector<DiagramNode> diagram_nodes(const Architecture& architecture);

// "Fits the budget with 5.00 US$ to spare." / "Over budget by ...".
std::string budget_sentence(const pricing::Cost& cost);
// "1,234.5 requests/s (run X, confirmed for 60s)" or the reason there is none.
std::string answer_text(const Answer& answer, int decimals, const std::string& unit);

std::string run_title(const StoredRun& run);      // "bench fp-orders", "find max-rps (fp-orders)"
std::string load_text(const RunMetadata& meta);   // "100 users at 25/s for 60s", "150/s for 30s, 64 connections"
std::string run_facts(const StoredRun& run, bool show_addresses); // one paragraph: when, target, outcome
std::size_t timeline_stride(std::size_t seconds); // rows of a per-second table: at most ~30

struct HostSummary {
  std::size_t samples = 0;
  double cpu_mean = 0, cpu_peak = 0, mem_peak_mb = 0, mem_total_mb = 0, load_peak = 0;
};
HostSummary summarize(const HostSeries& host);

} // namespace fp::report
