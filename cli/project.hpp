// What every command that touches a project shares: reading fpctl.yaml (or the built-in default
// plan), the project directory that holds .fpctl/, and a connection to the DigitalOcean API with
// the token found the documented way and the account checked.
#pragma once

#include <filesystem>
#include <string>

#include "cloud/client.hpp"
#include "infra/apply.hpp"
#include "infra/state.hpp"
#include "plan.hpp"

namespace fp::cli {

struct Project {
  plan::Plan plan;
  std::filesystem::path dir; // where .fpctl/ lives: beside the config file, or here
  std::string note;          // said on stderr (e.g. "no fpctl.yaml here: the built-in default plan")
  std::filesystem::path fpctl_dir() const { return dir / ".fpctl"; }
};

// `config`: -c FILE, or empty for ./fpctl.yaml, else the built-in default. Throws UsageError with
// file:line:column for a broken file.
Project load_project(const std::string& config);

// The API base URL: DIGITALOCEAN_API_URL, else api_url from fpctl.yaml.
std::string api_url(const plan::Plan& plan);

// A client with the token from DIGITALOCEAN_TOKEN / DIGITALOCEAN_ACCESS_TOKEN / doctl's config, and
// the account checked (GET /v2/account): a missing, wrong or read-only token, or a locked account,
// is an error that says what to do, before anything else is asked. `verbose` logs every exchange
// on stderr with the token redacted.
cloud::Client connect(const plan::Plan& plan, bool verbose);

// .fpctl/state.json of the project (empty when there is none); a broken file throws with what to do.
infra::State load_state_for(const Project& project);

// The waits of apply and teardown, each poll reported on stderr. FPCTL_POLL_INTERVAL_MS (tests
// against the simulator, which runs its delays faster) shortens the polls; never below 10 ms.
infra::ApplyOptions apply_options();

// Asks "question [y/N]" on the terminal. Without a terminal on stdin it never waits: it throws a
// UsageError telling to pass --yes.
bool confirm(const std::string& question);

} // namespace fp::cli
