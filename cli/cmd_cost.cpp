#include "cmd_cost.hpp"

#include "capacity.hpp"
#include "catalog.hpp"
#include "cloud/catalog.hpp"
#include "cloud/client.hpp"
#include "cloud/token.hpp"
#include "config.hpp"
#include "config_writer.hpp"
#include "cost_report.hpp"
#include "errors.hpp"
#include "infra/state.hpp"
#include "live_prices.hpp"
#include "optimizer.hpp"
#include "price.hpp"
#include "project.hpp"
#include "running.hpp"
#include "terminal.hpp"
#include "validate.hpp"

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <system_error>

namespace fp::cli {
namespace {

constexpr int k_exit_over_budget = 2;

std::string read_text(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(std::string(flag) + ": cannot read " + path + ": " + std::generic_category().message(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d", &utc);
  return date;
}

// --live: droplet prices from GET /v2/sizes through the API client; any failure falls back to the
// embedded catalog with a warning that says why, because a price list is still useful offline.
std::optional<pricing::Catalog> live_catalog(const plan::Plan& plan) {
  const auto& embedded = pricing::embedded_catalog();
  const std::string fallback = "; prices come from the " + embedded.origin + " as of " + embedded.as_of;
  auto token = cloud::find_token();
  if (!token) {
    std::cerr << "fpctl: warning: --live: " << token.error().describe() << fallback << "\n";
    return std::nullopt;
  }
  if (token->token.empty()) {
    std::cerr << "fpctl: warning: --live: no DigitalOcean token (set DIGITALOCEAN_TOKEN, or log in with doctl)" << fallback << "\n";
    return std::nullopt;
  }
  cloud::ClientOptions options;
  options.base_url = api_url(plan);
  options.token = token->token;
  // A price list is not worth a long wait: fail fast, then fall back.
  options.connect_timeout = std::chrono::seconds(5);
  options.request_timeout = std::chrono::seconds(15);
  options.retry.max_attempts = 2;
  options.retry.max_total = std::chrono::seconds(20);
  auto client = cloud::Client::create(std::move(options));
  if (!client) {
    std::cerr << "fpctl: warning: --live: " << client.error().describe() << fallback << "\n";
    return std::nullopt;
  }
  auto sizes = cloud::list_sizes(*client);
  if (!sizes) {
    std::cerr << "fpctl: warning: --live: " << sizes.error().describe() << fallback << "\n";
    return std::nullopt;
  }
  std::vector<pricing::LiveSize> live;
  for (const auto& s : *sizes) {
    live.push_back({s.slug, s.description, s.vcpus, s.memory_mb, s.disk_gb, s.transfer_tb, s.price_monthly, s.price_hourly,
                    s.regions, s.available});
  }
  auto catalog = pricing::with_live_sizes(embedded, live, "live GET /v2/sizes (" + client->base_url() + ")", today());
  if (!catalog) {
    std::cerr << "fpctl: warning: --live: " << catalog.error() << fallback << "\n";
    return std::nullopt;
  }
  return std::move(*catalog);
}

// What the deployment `fpctl up` recorded has cost so far (nothing when there is none).
std::optional<pricing::RunningCost> running_cost(const Project& project, const pricing::Catalog& catalog) {
  const auto path = infra::state_path(project.dir);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::nullopt;
  auto state = infra::load_state(path, project.plan.project);
  if (!state) {
    std::cerr << "fpctl: warning: " << state.error() << "; not showing the running deployment's cost\n";
    return std::nullopt;
  }
  std::vector<pricing::RunningResource> resources;
  for (const auto& r : state->resources) {
    if (r.kind != "droplet" && r.kind != "database") continue;
    auto created = pricing::parse_utc(r.created_at);
    if (!created) {
      std::cerr << "fpctl: warning: " << path.string() << ": " << r.name << " has no readable created_at ('" << r.created_at
                << "'); left out of the running cost\n";
      continue;
    }
    resources.push_back({r.name, r.kind, r.size, r.kind == "database" ? project.plan.database.nodes : 1, *created});
  }
  if (resources.empty()) return std::nullopt;
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  return pricing::running_cost(resources, catalog, now);
}

int run_optimize(const CostOptions& o, const Project& loaded, const pricing::Catalog& catalog,
                 const pricing::CapacityModel& model) {
  pricing::OptimizeOptions options;
  options.budget = loaded.plan.budget.usd_cents_per_month;
  options.top = o.top > 0 ? o.top : 5;
  options.max_workers = o.max_workers > 0 ? o.max_workers : 10;
  auto optimum = pricing::optimize(loaded.plan, catalog, model, options);
  if (!optimum) {
    std::cerr << "fpctl: " << optimum.error() << "\n";
    return k_exit_over_budget;
  }
  const pricing::OptimumView view{loaded.plan, catalog, *optimum, model, options.budget};
  std::cout << (o.output == "json" ? pricing::format_optimum_json(view) : pricing::format_optimum_table(view, Terminal::stdout_color()))
            << std::flush;
  if (!o.write.empty()) {
    std::vector<std::string> sections = {"load_balancer", "workers", "database"};
    if (!o.budget.empty()) sections.push_back("budget");
    auto written = plan::write_sections(o.write, optimum->top.front().plan, sections);
    if (!written) throw std::runtime_error("--write: " + written.error());
    std::cerr << "fpctl: wrote #1 (" << pricing::describe_architecture(optimum->top.front().plan) << ") into " << o.write
              << "; other settings and comments are kept\n";
  }
  return k_exit_ok;
}

} // namespace

CLI::App* add_cost_command(CLI::App& app, CostOptions& o) {
  auto* cmd = app.add_subcommand("cost", "Price the architecture in fpctl.yaml against the budget; --optimize finds the best one that fits");
  cmd->add_option("-c,--config", o.config, "The plan (default: ./fpctl.yaml, else the built-in default)");
  cmd->add_option("--output", o.output, "table or json")->capture_default_str()->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("--budget", o.budget, "US$ per month, instead of budget.usd_per_month (e.g. 65 or 80.50)");
  cmd->add_flag("--optimize", o.optimize, "Search every architecture within the budget for the highest predicted RPS");
  cmd->add_option("--top", o.top, "--optimize: how many architectures to list (default 5)")->check(CLI::Range(1, 100));
  cmd->add_option("--max-workers", o.max_workers, "--optimize: the largest worker count to consider (default 10)")
      ->check(CLI::Range(1, plan::k_max_workers));
  cmd->add_option("--write", o.write, "--optimize: write the winner into this fpctl.yaml (other lines are kept)");
  cmd->add_option("--calibrate", o.calibrate,
                  "Fold a 'fpctl bench --json' result, measured on this plan's architecture, into .fpctl/model.json");
  cmd->add_flag("--live", o.live, "Droplet prices from DigitalOcean's GET /v2/sizes (needs DIGITALOCEAN_TOKEN)");
  return cmd;
}

int run_cost(const CostOptions& o) {
  if (!o.optimize && (!o.write.empty() || o.top > 0 || o.max_workers > 0)) {
    throw UsageError(std::string(!o.write.empty() ? "--write writes" : o.top > 0 ? "--top lists" : "--max-workers bounds") +
                     " the optimizer's choice: add --optimize");
  }
  if (o.optimize && !o.calibrate.empty()) {
    throw UsageError("--calibrate and --optimize are two steps: calibrate first, then optimize with the calibrated model");
  }
  Project loaded = load_project(o.config);
  if (!loaded.note.empty()) std::cerr << "fpctl: " << loaded.note << "\n";
  if (!o.budget.empty()) {
    auto cents = plan::parse_usd_cents(o.budget);
    if (!cents) throw UsageError("--budget: " + cents.error());
    loaded.plan.budget.usd_cents_per_month = *cents;
  }

  const pricing::Catalog* catalog = &pricing::embedded_catalog();
  std::optional<pricing::Catalog> live;
  if (o.live) live = live_catalog(loaded.plan);
  if (live) catalog = &*live;

  const std::filesystem::path model_path = loaded.fpctl_dir() / "model.json";
  auto model = pricing::load_model(model_path);
  if (!model) throw UsageError(model.error());

  if (o.optimize) {
    // The optimizer proposes sizes for the plan's region; only the region and extras must be valid.
    auto problems = pricing::validate(loaded.plan, *catalog);
    std::erase_if(problems, [](const pricing::Problem& p) { return p.field != "region"; });
    if (!problems.empty()) throw UsageError(pricing::describe(problems, loaded.plan));
    return run_optimize(o, loaded, *catalog, *model);
  }

  const auto problems = pricing::validate(loaded.plan, *catalog);
  if (!problems.empty()) throw UsageError(pricing::describe(problems, loaded.plan));

  if (!o.calibrate.empty()) {
    const std::string results = read_text(o.calibrate, "--calibrate");
    auto calibrated = pricing::calibrate(*model, loaded.plan, *catalog, results, o.calibrate);
    if (!calibrated) throw UsageError("--calibrate: " + calibrated.error());
    auto saved = pricing::save_model(model_path, calibrated->model);
    if (!saved) throw std::runtime_error("--calibrate: " + saved.error());
    const auto& c = calibrated->calibration;
    char line[128];
    std::snprintf(line, sizeof line, "measured %.0f req/s where the model predicted %.0f", c.measured_rps, c.predicted_rps);
    std::cerr << "fpctl: calibrated " << model_path.string() << ": " << line << " on " << c.architecture << "; adjusted "
              << c.adjusted << "\n";
    model = calibrated->model;
  }

  auto cost = pricing::price(loaded.plan, *catalog);
  if (!cost) throw std::runtime_error(cost.error());
  auto prediction = pricing::predict(loaded.plan, *catalog, *model);
  const auto running = running_cost(loaded, *catalog);
  const pricing::CostView view{loaded.plan, *catalog, *cost, prediction ? &*prediction : nullptr, &*model,
                               running ? &*running : nullptr};
  if (o.output == "json") {
    std::cout << pricing::format_cost_json(view) << std::flush;
    if (!cost->fits()) std::cerr << "fpctl: " << pricing::budget_verdict(*cost) << "\n";
  } else {
    std::cout << pricing::format_cost_table(view, Terminal::stdout_color()) << std::flush;
  }
  return cost->fits() ? k_exit_ok : k_exit_over_budget;
}

} // namespace fp::cli
