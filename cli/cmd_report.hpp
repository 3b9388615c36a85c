// fpctl report: the assignment's report, as report.md and a self-contained report.html, from the
// plan, the recorded deployment and the runs kept in .fpctl/runs/.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace fp::cli {

struct ReportOptions {
  std::string config;             // -c: fpctl.yaml (default ./fpctl.yaml)
  std::string output;             // -o: directory (default <project>/.fpctl/report)
  bool show_addresses = false;
  std::vector<std::string> runs;  // --run ID (repeatable): only these runs
};

CLI::App* add_report_command(CLI::App& app, ReportOptions& options);
// Exit codes: 0 written; 2 a mistake in the command line or fpctl.yaml, or no run to report (the
// architecture and cost are written all the same); 1 the files could not be written.
int run_report(const ReportOptions& options);

} // namespace fp::cli
