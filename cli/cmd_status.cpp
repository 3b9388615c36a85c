#include "cmd_status.hpp"

#include "errors.hpp"
#include "local_provider.hpp"
#include "project.hpp"
#include "terminal.hpp"

#include "billing.hpp"
#include "catalog.hpp"
#include "infra/observe.hpp"
#include "infra/records.hpp"
#include "infra/state.hpp"
#include "money.hpp"
#include "price.hpp"

#include <chrono>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace fp::cli {

CLI::App* add_status_command(CLI::App& app, StatusOptions& o) {
  auto* cmd = app.add_subcommand("status", "Show the project's resources: status, addresses, age, cost so far");
  cmd->add_option("-c,--config", o.config, "The plan (default: ./fpctl.yaml)");
  cmd->add_flag("--refresh", o.refresh, "Ask the API and rebuild .fpctl/state.json from the resources' tags");
  cmd->add_flag("-v,--verbose", o.verbose, "Log every API request and response (the token is redacted)");
  return cmd;
}

int run_status(const StatusOptions& o) {
  Project project = load_project(o.config);
  const plan::Plan& plan = project.plan;
  if (plan.provider == plan::Provider::local) return local_status(project);
  const auto& catalog = pricing::embedded_catalog();
  infra::State state;
  if (o.refresh) {
    cloud::Client client = connect(plan, o.verbose);
    auto observed = infra::observe(client, plan.project, "");
    if (!observed) throw std::runtime_error(observed.error().describe());
    const infra::State previous =
      infra::load_state(infra::state_path(project.dir), plan.project).value_or(infra::State{});
    state = infra::state_from(*observed, plan.project, client.base_url(), previous);
    if (auto saved = infra::save_state(infra::state_path(project.dir), state); !saved) throw std::runtime_error(saved.error());
  } else {
    state = load_state_for(project);
  }
  if (state.resources.empty()) {
    std::cout << "Project '" << plan.project << "': nothing recorded" << (o.refresh ? " and nothing found in the account" : "")
              << ". 'fpctl up' creates it" << (o.refresh ? "" : "; 'fpctl status --refresh' asks the API") << ".\n";
    return k_exit_ok;
  }
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  pricing::Cents so_far = 0;
  pricing::Micros per_hour = 0;
  std::cout << "Project '" << plan.project << "' (" << (o.refresh ? "from the API" : "from .fpctl/state.json") << "):\n";
  std::cout << "  " << std::left << std::setw(10) << "kind" << std::setw(26) << "name" << std::setw(12) << "status"
            << std::setw(17) << "public" << std::setw(17) << "private" << std::setw(9) << "age" << std::right << std::setw(10)
            << "so far" << "\n";
  for (const auto& r : state.resources) {
    std::string age = "-";
    pricing::Cents cost = 0;
    std::tm created_tm{};
    std::istringstream in(r.created_at);
    in >> std::get_time(&created_tm, "%Y-%m-%dT%H:%M:%S");
    if (!in.fail()) {
      const auto created = std::chrono::sys_seconds(std::chrono::seconds(timegm(&created_tm)));
      const auto seconds = std::max<std::int64_t>(0, (now - created).count());
      age = seconds < 3600 ? std::to_string(seconds / 60) + "m" : std::to_string(seconds / 3600) + "h";
      pricing::Cents monthly = 0;
      pricing::Micros hourly = 0;
      if (r.kind == "droplet") {
        if (const auto* size = catalog.droplet(r.size)) {
          monthly = pricing::droplet_monthly(*size, plan.extras, catalog);
          hourly = pricing::hourly_from_monthly(monthly);
        }
      } else if (r.kind == "database") {
        if (const auto* size = catalog.database(r.size)) {
          monthly = size->monthly;
          hourly = size->hourly;
        }
      }
      if (monthly > 0) {
        cost = pricing::charge_between(monthly, hourly, created, now);
        per_hour += hourly;
      }
    }
    so_far += cost;
    std::cout << "  " << std::left << std::setw(10) << r.kind << std::setw(26) << r.name << std::setw(12)
              << (r.status.empty() ? "-" : r.status) << std::setw(17) << (r.public_ipv4.empty() ? "-" : elide_middle(r.public_ipv4, 16))
              << std::setw(17) << (r.private_ipv4.empty() ? "-" : elide_middle(r.private_ipv4, 16)) << std::setw(9) << age << std::right
              << std::setw(10) << (cost == 0 ? std::string("-") : pricing::format_usd(cost)) << "\n";
  }
  std::cout << "Cost so far: " << pricing::format_usd(so_far) << "; each further hour: " << pricing::format_rate(per_hour)
            << " (prices: " << catalog.origin << ", " << catalog.as_of << ").\n";
  return k_exit_ok;
}

} // namespace fp::cli
