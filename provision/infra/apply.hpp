// Applying a change set, and tearing a project down. Both record every id in the state file the
// moment the API accepts a create (or confirms a delete), so killing fpctl at any point and running
// it again converges: the next run finds by tag and name what this one made.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include <tl/expected.hpp>

#include "cloud/client.hpp"
#include "cloud/waits.hpp"
#include "infra/changes.hpp"
#include "infra/ssh_identity.hpp"
#include "infra/state.hpp"

namespace fp::infra {

// One line per step ("droplet fp-orders-worker-1: created (id 3164444)"); waits report through
// the WaitOptions' own progress sinks.
using Progress = std::function<void(const std::string&)>;

struct ApplyOptions {
  cloud::WaitOptions droplet_wait = cloud::droplet_wait_defaults();
  cloud::WaitOptions database_wait = cloud::database_wait_defaults();
  cloud::WaitOptions delete_wait = cloud::delete_wait_defaults();
  // A VPC answers 409 while its members are still detaching after their deletes.
  int vpc_delete_attempts = 20;
  std::chrono::milliseconds vpc_delete_interval{3'000};
};

struct Session {
  cloud::Client& client;
  State& state;
  std::filesystem::path state_file;
  Progress progress;
  ApplyOptions options;
};

// The VPC description that marks a VPC as fpctl's (so teardown can tell, even without a state file).
std::string vpc_description(const std::string& project);

tl::expected<void, std::string> apply_changes(Session& session, const Desired& desired, const SshIdentity& identity,
                                              const ChangeSet& changes);

struct TeardownResult {
  std::size_t deleted = 0;
  std::vector<std::string> kept; // not fpctl's to delete: "VPC x (existed before fpctl)"
};

// Deletes everything carrying the project's tag, the project's firewalls, and the VPC and SSH key
// only if fpctl made them; waits until they are gone; then lists the account again and fails if
// anything billable of the project is left.
tl::expected<TeardownResult, std::string> teardown(Session& session, const std::string& project);

} // namespace fp::infra
