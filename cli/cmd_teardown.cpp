#include "cmd_teardown.hpp"

#include "errors.hpp"
#include "local_provider.hpp"
#include "project.hpp"
#include "terminal.hpp"

#include "infra/apply.hpp"
#include "infra/desired.hpp"
#include "infra/observe.hpp"
#include "infra/state.hpp"

#include <iostream>

namespace fp::cli {

CLI::App* add_teardown_command(CLI::App& app, TeardownOptions& o) {
  auto* cmd = app.add_subcommand("teardown", "Delete everything carrying the project's tag; spend goes back to zero");
  cmd->add_option("-c,--config", o.config, "The plan (default: ./fpctl.yaml)");
  cmd->add_flag("-y,--yes", o.yes, "Do not ask before deleting");
  cmd->add_flag("-v,--verbose", o.verbose, "Log every API request and response (the token is redacted)");
  return cmd;
}

int run_teardown(const TeardownOptions& o) {
  Project project = load_project(o.config);
  const plan::Plan& plan = project.plan;
  if (plan.provider == plan::Provider::local) return local_teardown(project, o.yes);
  cloud::Client client = connect(plan, o.verbose);
  auto observed = infra::observe(client, plan.project, "");
  if (!observed) throw std::runtime_error(observed.error().describe());
  const bool vpc_deletable = observed->vpc && !observed->vpc->is_default &&
                             observed->vpc->description == infra::vpc_description(plan.project);
  const std::size_t count = observed->droplets.size() + observed->databases.size() + observed->firewalls.size() +
                            (vpc_deletable ? 1 : 0) + (observed->ssh_key ? 1 : 0);
  if (count == 0) {
    infra::State state = load_state_for(project);
    state.resources.clear();
    if (auto saved = infra::save_state(infra::state_path(project.dir), state); !saved) throw std::runtime_error(saved.error());
    std::cout << "Nothing of project '" << plan.project << "' is left in the account (tag " << infra::project_tag(plan.project)
              << ").\n";
    return k_exit_ok;
  }
  std::cout << "Project '" << plan.project << "' holds (tag " << infra::project_tag(plan.project) << "):\n";
  for (const auto& d : observed->droplets)
    std::cout << "  droplet   " << d.name << " (" << d.id << ", " << d.size_slug << ", " << d.status << ")\n";
  for (const auto& d : observed->databases) std::cout << "  database  " << d.name << " (" << d.id << ", " << d.size << ")\n";
  for (const auto& f : observed->firewalls) std::cout << "  firewall  " << f.spec.name << " (" << f.id << ")\n";
  if (observed->vpc)
    std::cout << "  vpc       " << observed->vpc->name
              << (observed->vpc->description != infra::vpc_description(plan.project) ? " (kept: not created by fpctl)"
                  : observed->vpc->is_default ? " (kept: the region's default VPC now, which cannot be deleted; free)"
                                              : "")
              << "\n";
  if (observed->ssh_key) std::cout << "  ssh key   " << observed->ssh_key->name << "\n";
  if (!o.yes && !confirm("Delete all of it?")) {
    std::cerr << "fpctl: nothing was deleted.\n";
    return k_exit_usage;
  }
  infra::State state = load_state_for(project);
  infra::Session session{client, state, infra::state_path(project.dir),
                         [](const std::string& line) { std::cerr << "  " << line << "\n"; }, apply_options()};
  auto result = infra::teardown(session, plan.project);
  if (!result) throw std::runtime_error(result.error());
  std::cout << "Deleted " << result->deleted << " resource(s); the account holds nothing tagged "
            << infra::project_tag(plan.project) << ".\n";
  for (const auto& kept : result->kept) std::cout << "Kept: " << kept << "\n";
  return k_exit_ok;
}

} // namespace fp::cli
