#include "project.hpp"

#include "cloud/account.hpp"
#include "cloud/log.hpp"
#include "config.hpp"
#include "errors.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace fp::cli {

Project load_project(const std::string& config) {
  Project project;
  std::filesystem::path path = config;
  std::error_code error;
  if (path.empty()) {
    if (!std::filesystem::exists("fpctl.yaml", error)) {
      project.note = "no fpctl.yaml here: using the built-in default plan (write it out with 'fpctl init', or give one with -c FILE)";
      project.dir = ".";
      return project;
    }
    path = "fpctl.yaml";
  }
  auto parsed = plan::load_plan(path);
  if (!parsed) throw UsageError(parsed.error().what());
  project.plan = std::move(*parsed);
  project.dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  return project;
}

std::string api_url(const plan::Plan& plan) {
  const char* url = std::getenv("DIGITALOCEAN_API_URL");
  return url != nullptr && *url != '\0' ? std::string(url) : plan.api_url;
}

cloud::Client connect(const plan::Plan& plan, bool verbose) {
  auto token = cloud::find_token();
  if (!token) throw UsageError(token.error().describe());
  if (token->token.empty())
    throw UsageError("no DigitalOcean token: set DIGITALOCEAN_TOKEN (make one at https://cloud.digitalocean.com/account/api/tokens "
                     "with read and write scopes), or log in with 'doctl auth init'");
  cloud::ClientOptions options;
  options.base_url = api_url(plan);
  options.token = token->token;
  if (verbose) options.log = [](const cloud::LogEntry& entry) { std::cerr << cloud::format_log_entry(entry) << "\n"; };
  auto client = cloud::Client::create(std::move(options));
  if (!client) throw UsageError(client.error().describe());
  auto account = cloud::check_account(*client);
  if (!account) {
    const auto kind = account.error().kind;
    if (kind == cloud::ErrorKind::unauthorized || kind == cloud::ErrorKind::forbidden || kind == cloud::ErrorKind::account ||
        kind == cloud::ErrorKind::config)
      throw UsageError(account.error().describe() + " (token from " + token->source + ")");
    throw std::runtime_error(account.error().describe());
  }
  for (const auto& warning : account->warnings) std::cerr << "fpctl: warning: " << warning << "\n";
  return std::move(*client);
}

namespace {

// Waits report on stderr, one line per poll, so a long database creation is visibly alive.
cloud::WaitOptions visible(cloud::WaitOptions options) {
  options.progress = [](const cloud::WaitProgress& p) {
    std::cerr << "  waiting: " << p.resource << ": " << p.status << " (" << p.elapsed.count() / 1000 << " s of "
              << p.limit.count() / 1000 << " s)\n";
  };
  return options;
}

} // namespace

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

infra::State load_state_for(const Project& project) {
  auto state = infra::load_state(infra::state_path(project.dir), project.plan.project);
  if (!state) throw std::runtime_error(state.error());
  return std::move(*state);
}

bool confirm(const std::string& question) {
  if (::isatty(STDIN_FILENO) == 0)
    throw UsageError(question + " There is no terminal to ask on: run again with --yes to go ahead.");
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

} // namespace fp::cli
