#include "cmd_up.hpp"

#include "errors.hpp"
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

// Waits report on stderr, one line per poll, so a long database creation is visibly alive.
cloud::WaitOptions visible(cloud::WaitOptions options) {
  options.progress = [](const cloud::WaitProgress& p) {
    std::cerr << "  waiting: " << p.resource << ": " << p.status << " (" << p.elapsed.count() / 1000 << " s of "
              << p.limit.count() / 1000 << " s)\n";
  };
  return options;
}

infra::ApplyOptions apply_options() {
  infra::ApplyOptions options;
  options.droplet_wait = visible(options.droplet_wait);
  options.database_wait = visible(options.database_wait);
  options.delete_wait = visible(options.delete_wait);
  // Tests against the simulator shorten the polls (FPCTL_POLL_INTERVAL_MS); never below 10 ms.
  if (const char* ms = std::getenv("FPCTL_POLL_INTERVAL_MS"); ms != nullptr && *ms != '\0') {
    const auto interval = std::chrono::milliseconds(std::max(10L, std::strtol(ms, nullptr, 10)));
    options.droplet_wait.interval = options.database_wait.interval = options.delete_wait.interval = interval;
    options.vpc_delete_interval = interval;
  }
  return options;
}

infra::State load_state_or_throw(const Project& project) {
  auto state = infra::load_state(infra::state_path(project.dir), project.plan.project);
  if (!state) throw std::runtime_error(state.error());
  return std::move(*state);
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
  auto* cmd = app.add_subcommand("up", "Create the architecture of fpctl.yaml on DigitalOcean (shows the plan, asks first)");
  cmd->add_option("-c,--config", o.config, "The plan (default: ./fpctl.yaml)");
  cmd->add_flag("--dry-run", o.dry_run, "Show what would be created, changed and deleted, and change nothing");
  cmd->add_flag("-y,--yes", o.yes, "Do not ask before spending");
  cmd->add_flag("-v,--verbose", o.verbose, "Log every API request and response (the token is redacted)");
  return cmd;
}

int run_up(const UpOptions& o) {
  Project project = load_project(o.config);
  if (!project.note.empty()) std::cerr << "fpctl: " << project.note << "\n";
  const plan::Plan& plan = project.plan;
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
    infra::State state = load_state_or_throw(project);
    state.api_url = client.base_url();
    infra::Session session{client, state, infra::state_path(project.dir),
                           [](const std::string& line) { std::cerr << "  " << line << "\n"; }, apply_options()};
    if (auto applied = infra::apply_changes(session, *desired, *identity, *changes); !applied)
      throw std::runtime_error(applied.error() + "\nWhat was created is recorded; run 'fpctl up' again to continue.");
    std::cout << "Infrastructure ready. State: " << infra::state_path(project.dir).string() << "\n";
  }
  std::cout << "Installing fp-order-server and nginx over SSH is not part of this version of 'fpctl up' yet: the hosts "
               "exist and are reachable with the key "
            << identity->private_key.string() << ".\n";
  return k_exit_ok;
}

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
  const auto& catalog = pricing::embedded_catalog();
  infra::State state;
  if (o.refresh) {
    cloud::Client client = connect(plan, o.verbose);
    auto observed = infra::observe(client, plan.project, "");
    if (!observed) throw std::runtime_error(observed.error().describe());
    infra::State previous = infra::load_state(infra::state_path(project.dir), plan.project).value_or(infra::State{});
    state.project = plan.project;
    state.api_url = client.base_url();
    state.host_keys = previous.host_keys;
    const auto role_of = [&](const std::vector<std::string>& tags) {
      for (const auto role : {infra::Role::lb, infra::Role::worker, infra::Role::db})
        if (std::find(tags.begin(), tags.end(), infra::role_tag(plan.project, role)) != tags.end())
          return std::string(infra::to_string(role));
      return std::string();
    };
    if (observed->ssh_key)
      state.upsert({"ssh_key", std::to_string(observed->ssh_key->id), observed->ssh_key->name, "", "", "", "", "", "", "", true});
    if (observed->vpc)
      state.upsert({"vpc", observed->vpc->id, observed->vpc->name, "", "", observed->vpc->region, "", "", "",
                    observed->vpc->created_at, observed->vpc->description == infra::vpc_description(plan.project)});
    for (const auto& d : observed->droplets)
      state.upsert({"droplet", std::to_string(d.id), d.name, role_of(d.tags), d.size_slug, d.region, d.status, d.public_ipv4,
                    d.private_ipv4, d.created_at, true});
    for (const auto& d : observed->databases)
      state.upsert({"database", d.id, d.name, "db", d.size, d.region, d.status, d.connection.host,
                    d.private_connection.host, d.created_at, true});
    for (const auto& f : observed->firewalls)
      state.upsert({"firewall", f.id, f.spec.name, "", "", "", f.status, "", "", f.created_at, true});
    if (auto saved = infra::save_state(infra::state_path(project.dir), state); !saved) throw std::runtime_error(saved.error());
  } else {
    state = load_state_or_throw(project);
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
  cloud::Client client = connect(plan, o.verbose);
  auto observed = infra::observe(client, plan.project, "");
  if (!observed) throw std::runtime_error(observed.error().describe());
  const bool vpc_deletable = observed->vpc && !observed->vpc->is_default &&
                             observed->vpc->description == infra::vpc_description(plan.project);
  const std::size_t count = observed->droplets.size() + observed->databases.size() + observed->firewalls.size() +
                            (vpc_deletable ? 1 : 0) + (observed->ssh_key ? 1 : 0);
  if (count == 0) {
    infra::State state = load_state_or_throw(project);
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
  infra::State state = load_state_or_throw(project);
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
