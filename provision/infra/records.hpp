// What the state file records of a resource the API describes, and the whole state rebuilt from
// what the API lists (`fpctl status --refresh`). One place, so apply, teardown and refresh record
// resources alike.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cloud/databases.hpp"
#include "cloud/droplets.hpp"
#include "infra/changes.hpp"
#include "infra/desired.hpp"
#include "infra/state.hpp"

namespace fp::infra {

// The role a resource's tags give it within `project`, if any.
std::optional<Role> role_from_tags(const std::vector<std::string>& tags, const std::string& project);

StateResource record_of(const cloud::Droplet& droplet, const std::string& role);
StateResource record_of(const cloud::Database& database);

// The state as the API shows it; host keys (which only SSH learns) are carried over from `previous`.
State state_from(const Observed& observed, const std::string& project, const std::string& api_url, const State& previous);

// Now, as the API writes times ("2026-11-27T10:00:00Z"): for resources whose answer had none.
std::string now_iso8601();

} // namespace fp::infra
