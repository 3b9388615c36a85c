#include "cmd_report.hpp"

#include "atomic_file.hpp"
#include "catalog.hpp"
#include "errors.hpp"
#include "project.hpp"
#include "report_model.hpp"
#include "run_store.hpp"

#include <iostream>

namespace fp::cli {

CLI::App* add_report_command(CLI::App& app, ReportOptions& o) {
  auto* cmd = app.add_subcommand("report", "Write the load-test report (Markdown and self-contained HTML) from the kept runs");
  cmd->add_option("-c,--config", o.config, "The plan (default: ./fpctl.yaml)");
  cmd->add_option("-o,--output", o.output, "Directory for report.md and report.html (default: .fpctl/report/ beside fpctl.yaml)");
  cmd->add_flag("--show-addresses", o.show_addresses, "Show the hosts' IP addresses and the target URL (hidden by default)");
  cmd->add_option("--run", o.runs, "Only this run (a directory name in .fpctl/runs/; repeatable)");
  return cmd;
}

int run_report(const ReportOptions& o) {
  const Project project = load_project(o.config);
  if (!project.note.empty()) std::cerr << "fpctl: " << project.note << "\n";
  const infra::State state = load_state_for(project);
  const auto runs_root = report::runs_directory(project.dir);
  auto runs = report::load_runs(runs_root, o.runs);
  if (!runs) throw UsageError("report: " + runs.error());
  const bool no_runs = runs->empty();

  report::ReportInputs inputs{project.plan, state, pricing::embedded_catalog(), std::move(*runs), o.show_addresses,
                              std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())};
  const report::ReportModel model = report::build_model(std::move(inputs));
  for (const auto& problem : model.problems) std::cerr << "fpctl: warning: " << problem << "\n";

  const std::filesystem::path directory = o.output.empty() ? project.fpctl_dir() / "report" : std::filesystem::path(o.output);
  if (auto made = ensure_directory(directory); !made) throw std::runtime_error("report: " + made.error());
  for (const auto& [name, content] : {std::pair{"report.md", report::render_markdown(model)},
                                      std::pair{"report.html", report::render_html(model)}}) {
    if (auto written = write_file_atomically(directory / name, content); !written)
      throw std::runtime_error("report: " + written.error());
  }

  std::cout << "Wrote " << (directory / "report.md").string() << " and " << (directory / "report.html").string()
            << " (" << model.runs.size() << (model.runs.size() == 1 ? " run" : " runs") << ").\n";
  std::cout << "Maximum RPS at 0% failures: "
            << (model.max_rps.value ? report::format_number(*model.max_rps.value, 1) + " (run " + model.max_rps.run_id + ")"
                                    : model.max_rps.note)
            << "\n";
  for (const auto& p : model.peak_users) {
    std::cout << "Peak users at spawn rate " << report::format_number(p.spawn_rate, 0) << "/s: "
              << (p.answer.value ? report::format_number(*p.answer.value, 0) + " (run " + p.answer.run_id + ")" : p.answer.note)
              << "\n";
  }
  std::cout << "Bottleneck: " << model.bottleneck << "\n";
  if (no_runs) {
    std::cerr << "fpctl: report: no runs in " << runs_root.string()
              << ": the report has the architecture and the cost only. Run 'fpctl bench -u 100 -r 25 -t 60s' or "
                 "'fpctl bench find max-rps' against the deployment (no URL), then 'fpctl report' again.\n";
    return k_exit_usage;
  }
  return k_exit_ok;
}

} // namespace fp::cli
