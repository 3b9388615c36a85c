#include "cmd_up.hpp"

#include "errors.hpp"
#include "local_provider.hpp"
#include "remote_deploy.hpp"
#include "project.hpp"
#include "terminal.hpp"

#include "billing.hpp"
#include "catalog.hpp"
#include "cloud/waits.hpp"
#include "infra/apply.hpp"
#include "infra/changes.hpp"
#include "infra/desired.hpp"
#include "infra/observe.hpp"
#include "infra/ssh_identity.hpp"
#include "infra/state.hpp"
#include "money.hpp"
#include "price.hpp"
#include "validate.hpp"

#include <chrono>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace fp::cli {
namespace {

// What one resource of the change set costs a month (0 for what DigitalOcean does not bill).
pricing::Cents monthly_cost(const infra::Change& change, const plan::Plan& plan, const pricing::Catalog& catalog) {
  if (change.kind == "droplet") {
    const auto* size = catalog.droplet(change.size);
    return size != nullptr ? pricing::droplet_monthly(*size, plan.extras, catalog) : 0;
  }
  if (change.kind == "database") {
    const auto* size = catalog.database(change.size);
    if (size == nullptr) return 0;
    return size->monthly + size->standby_monthly * std::max(0, plan.database.nodes - 1);
  }
  return 0;
}

void print_changes(const infra::ChangeSet& set, const plan::Plan& plan, const pricing::Catalog& catalog) {
  pricing::Cents after = 0;
  std::cout << "Plan for project '" << plan.project << "' in " << plan.region << " (prices: " << catalog.origin << ", "
            << catalog.as_of << "):\n";
  std::cout << "  " << std::left << std::setw(8) << "action" << std::setw(10) << "kind" << std::setw(28) << "name"
            << std::setw(18) << "size" << std::right << std::setw(12) << "US$/month" << "  note\n";
  for (const auto& change : set.changes) {
    const pricing::Cents monthly = monthly_cost(change, plan, catalog);
    if (change.action != infra::Action::remove) after += monthly;
    const std::string sign = change.action == infra::Action::remove ? "-" : change.action == infra::Action::keep ? " " : "+";
    std::cout << "  " << std::left << std::setw(8) << infra::to_string(change.action) << std::setw(10) << change.kind
              << std::setw(28) << change.name << std::setw(18) << (change.size.empty() ? "-" : change.size) << std::right
              << std::setw(12) << (monthly == 0 ? std::string("free") : sign + pricing::format_usd(monthly)) << "  "
              << change.detail << "\n";
  }
  const pricing::Cents budget = plan.budget.usd_cents_per_month;
  std::cout << "Monthly cost once applied: " << pricing::format_usd(after) << " of a " << pricing::format_usd(budget)
            << " budget (Rp " << pricing::format_idr(pricing::to_rupiah(after, plan.budget.idr_per_usd)) << ")";
  if (after > budget) std::cout << ": OVER BUDGET by " << pricing::format_usd(after - budget);
  std::cout << "\n" << set.count(infra::Action::create) << " to create, " << set.count(infra::Action::update) << " to update, "
            << set.count(infra::Action::replace) << " to replace, " << set.count(infra::Action::remove) << " to delete, "
            << set.count(infra::Action::keep) << " unchanged.\n";
}

// The resources a plan describes must exist in the catalog before anything is asked of the API.
void check_plan(const plan::Plan& plan, const pricing::Catalog& catalog) {
  const auto problems = pricing::validate(plan, catalog);
  if (!problems.empty()) throw UsageError(pricing::describe(problems, plan));
}

void resolve_auto_sources(std::vector<std::string>& sources) {
  // "auto" would need the operator's public address, which only an outside service can tell; say so
  // instead of guessing or opening SSH to the world.
  for (const auto& source : sources)
    if (source == "auto") {
      const char* address = std::getenv("FPCTL_OPERATOR_CIDR");
      if (address == nullptr || *address == '\0')
        throw UsageError("ssh.allow_from is 'auto', but fpctl cannot tell this machine's public address offline: put your "
                         "address in fpctl.yaml (ssh: {allow_from: [203.0.113.7/32]}) or set FPCTL_OPERATOR_CIDR");
    }
  for (auto& source : sources)
    if (source == "auto") source = std::getenv("FPCTL_OPERATOR_CIDR");
}

} // namespace

CLI::App* add_up_command(CLI::App& app, UpOptions& o) {
  auto* cmd = app.add_subcommand(
    "up", "Create the architecture of fpctl.yaml and install it: droplets on DigitalOcean (shows the plan, asks first), or "
          "processes on this machine with provider: local");
  cmd->add_option("-c,--config", o.config, "The plan (default: ./fpctl.yaml)");
  cmd->add_flag("--dry-run", o.dry_run, "Show what would be created, changed and deleted, and change nothing");
  cmd->add_flag("-y,--yes", o.yes, "Do not ask before spending");
  cmd->add_flag("-v,--verbose", o.verbose, "Log every API request and response (the token is redacted)");
  cmd->add_flag("--infra-only", o.infra_only, "Create the infrastructure only; install nothing over SSH (later: 'fpctl deploy')");
  return cmd;
}

int run_up(const UpOptions& o) {
  Project project = load_project(o.config);
  if (!project.note.empty()) std::cerr << "fpctl: " << project.note << "\n";
  const plan::Plan& plan = project.plan;
  if (plan.provider == plan::Provider::local) return local_up(project, LocalUpOptions{o.dry_run});
  const auto& catalog = pricing::embedded_catalog();
  check_plan(plan, catalog);
  auto desired = infra::desired_infrastructure(plan);
  if (!desired) throw UsageError(desired.error());
  for (auto& firewall : desired->firewalls)
    for (auto& rule : firewall.inbound) resolve_auto_sources(rule.addresses);

  auto identity = infra::load_or_generate_identity(plan.ssh.key, project.fpctl_dir(), "fpctl-" + plan.project);
  if (!identity) throw UsageError(identity.error());
  if (identity->generated) std::cerr << "fpctl: generated the SSH key " << identity->private_key.string() << "\n";

  cloud::Client client = connect(plan, o.verbose);
  auto observed = infra::observe(client, plan.project, identity->fingerprint);
  if (!observed) throw std::runtime_error(observed.error().describe());
  auto changes = infra::plan_changes(*desired, *observed);
  if (!changes) throw UsageError(changes.error());
  print_changes(*changes, plan, catalog);

  if (o.dry_run) {
    std::cout << "Dry run: nothing was changed.\n";
    return k_exit_ok;
  }
  if (!changes->mutating()) {
    std::cout << "Nothing to change: the account already matches fpctl.yaml.\n";
  } else {
    if (!o.yes && !confirm("Create and change these resources (they are billed from now on)?")) {
      std::cerr << "fpctl: nothing was changed.\n";
      return k_exit_usage;
    }
    infra::State state = load_state_for(project);
    state.api_url = client.base_url();
    infra::Session session{client, state, infra::state_path(project.dir),
                           [](const std::string& line) { std::cerr << "  " << line << "\n"; }, apply_options()};
    if (auto applied = infra::apply_changes(session, *desired, *identity, *changes); !applied)
      throw std::runtime_error(applied.error() + "\nWhat was created is recorded; run 'fpctl up' again to continue.");
    std::cout << "Infrastructure ready. State: " << infra::state_path(project.dir).string() << "\n";
  }
  if (o.infra_only) {
    std::cout << "Nothing installed (--infra-only): 'fpctl deploy' installs fp-order-server and nginx on the droplets.\n";
    return k_exit_ok;
  }
  infra::State state = load_state_for(project);
  deploy_droplets(project, state, client, deploy::Mode::parallel, false);
  if (const auto url = infra::entry_url(state, plan.workers.port))
    std::cout << "The orders API answers at " << *url << ". 'fpctl bench' with no URL load-tests it.\n";
  return k_exit_ok;
}

} // namespace fp::cli
