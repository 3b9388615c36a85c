// Bounded, visible waits for DigitalOcean's asynchronous work, aware of the API's traps:
//   - a droplet or database can answer 404 for a while right after its create was accepted;
//   - a droplet whose placement fails disappears and its create action ends `errored`;
//   - a droplet can be `active` before its public IPv4 address is there;
//   - a database cluster stays `creating` for minutes;
//   - a delete answers 204 before the resource is gone.
// Every wait ends by itself (timeout) and reports each poll to an optional progress callback.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "actions.hpp"
#include "client.hpp"
#include "databases.hpp"
#include "droplets.hpp"

namespace fp::cloud {

struct WaitProgress {
  std::string resource; // "droplet web-1 (3164444)"
  std::string status;   // "new", "active, no public IPv4 yet", "not visible yet", ...
  std::chrono::milliseconds elapsed{0};
  std::chrono::milliseconds limit{0};
};
using ProgressSink = std::function<void(const WaitProgress&)>;

struct WaitOptions {
  std::chrono::milliseconds timeout{10 * 60'000};
  std::chrono::milliseconds interval{5'000};
  // How long a 404 right after a create still means "not visible yet" rather than "gone".
  std::chrono::milliseconds not_found_grace{2 * 60'000};
  ProgressSink progress;
};

// The defaults fpctl uses (documented in docs/API-CLIENT.md).
WaitOptions droplet_wait_defaults();  // 10 min, every 5 s, 404s tolerated for 2 min
WaitOptions database_wait_defaults(); // 30 min, every 15 s, 404s tolerated for 5 min
WaitOptions delete_wait_defaults();   // 2 min, every 3 s

// Until the action is `completed`; `errored` is ErrorKind::failed.
tl::expected<Action, ApiError> wait_for_action(Client& client, std::int64_t action_id, const WaitOptions& options);

// Until every droplet is `active` with a public IPv4 address; results in the order of `ids`.
// `create_actions` (from CreatedDroplets) let a vanished droplet be reported as "creation failed"
// with its action's status instead of as a timeout. Droplets are polled in parallel.
tl::expected<std::vector<Droplet>, ApiError> wait_for_droplets(Client& client, const std::vector<std::int64_t>& ids,
                                                               const std::vector<std::int64_t>& create_actions,
                                                               const WaitOptions& options);

// Until the cluster is `online`.
tl::expected<Database, ApiError> wait_for_database(Client& client, const std::string& id, const WaitOptions& options);

// Until GET `path` ("/v2/droplets/42") answers 404; `what` names it in progress and errors.
tl::expected<void, ApiError> wait_until_gone(Client& client, const std::string& path, const std::string& what,
                                             const WaitOptions& options);

} // namespace fp::cloud
