#include "waits.hpp"

#include <map>
#include <optional>
#include <thread>

#include "parallel.hpp"

namespace fp::cloud {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

void report(const WaitOptions& options, std::string resource, std::string status, Clock::time_point start) {
  if (options.progress) options.progress(WaitProgress{std::move(resource), std::move(status), since(start), options.timeout});
}

// Sleeps until the next poll; false when the next poll would be past the deadline.
bool next_poll(const WaitOptions& options, Clock::time_point start) {
  if (since(start) + options.interval > options.timeout) return false;
  std::this_thread::sleep_for(options.interval);
  return true;
}

std::string seconds(milliseconds duration) { return std::to_string((duration.count() + 500) / 1000) + " s"; }

ApiError timed_out(const std::string& what, const std::string& last_status, const WaitOptions& options,
                   const std::string& hint) {
  return make_error(ErrorKind::timeout,
                    what + " still " + last_status + " after " + seconds(options.timeout) + " (the wait's limit)", hint);
}

std::string droplet_label(std::int64_t id, const std::string& name) {
  return "droplet " + (name.empty() ? std::string() : name + " ") + "(" + std::to_string(id) + ")";
}

// The status of the create action that made droplet `id`, if one of `actions` is it.
std::optional<Action> create_action_of(Client& client, const std::vector<std::int64_t>& actions, std::int64_t id) {
  for (const auto action_id : actions) {
    auto action = get_action(client, action_id);
    if (!action) continue;
    if (action->resource_id == id || (action->resource_id == 0 && actions.size() == 1)) return *action;
  }
  return std::nullopt;
}

} // namespace

WaitOptions droplet_wait_defaults() { return WaitOptions{milliseconds(10 * 60'000), milliseconds(5'000), milliseconds(2 * 60'000), {}}; }
WaitOptions database_wait_defaults() { return WaitOptions{milliseconds(30 * 60'000), milliseconds(15'000), milliseconds(5 * 60'000), {}}; }
WaitOptions delete_wait_defaults() { return WaitOptions{milliseconds(2 * 60'000), milliseconds(3'000), milliseconds(0), {}}; }

tl::expected<Action, ApiError> wait_for_action(Client& client, std::int64_t action_id, const WaitOptions& options) {
  const auto start = Clock::now();
  const std::string what = "action " + std::to_string(action_id);
  std::string status = "unknown";
  for (;;) {
    auto action = get_action(client, action_id);
    if (!action) {
      if (action.error().kind != ErrorKind::not_found || since(start) > options.not_found_grace)
        return tl::unexpected(action.error());
      status = "not visible yet";
    } else {
      status = action->status;
      if (status == "completed") {
        report(options, what, status, start);
        return *action;
      }
      if (status == "errored") {
        report(options, what, status, start);
        return tl::unexpected(make_error(ErrorKind::failed,
                                         what + " (" + action->type + " of " + action->resource_type + " " +
                                           std::to_string(action->resource_id) + ") ended errored",
                                         "DigitalOcean gives no reason; check the control panel, then run again"));
      }
    }
    report(options, what, status, start);
    if (!next_poll(options, start))
      return tl::unexpected(timed_out(what, status, options, "it may still finish: run again later to resume"));
  }
}

tl::expected<std::vector<Droplet>, ApiError> wait_for_droplets(Client& client, const std::vector<std::int64_t>& ids,
                                                               const std::vector<std::int64_t>& create_actions,
                                                               const WaitOptions& options) {
  const auto start = Clock::now();
  std::vector<std::optional<Droplet>> ready(ids.size());
  std::vector<bool> seen(ids.size(), false);
  std::vector<std::string> names(ids.size());
  std::vector<std::string> statuses(ids.size(), "unknown");
  for (;;) {
    std::vector<std::size_t> pending;
    for (std::size_t i = 0; i < ids.size(); ++i)
      if (!ready[i]) pending.push_back(i);
    if (pending.empty()) break;
    auto polled = parallel_map<tl::expected<Droplet, ApiError>>(
      pending.size(), client.parallelism(), [&](std::size_t k) { return get_droplet(client, ids[pending[k]]); });
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const std::size_t i = pending[k];
      auto& result = polled[k];
      if (result) {
        seen[i] = true;
        names[i] = result->name;
        if (result->status == "active" && !result->public_ipv4.empty()) {
          statuses[i] = "active, " + result->public_ipv4;
          ready[i] = std::move(*result);
        } else {
          statuses[i] = result->status == "active" ? "active, no public IPv4 yet" : result->status;
        }
      } else if (result.error().kind == ErrorKind::not_found) {
        const bool too_long = since(start) > options.not_found_grace;
        if (seen[i] || too_long) {
          const auto action = create_action_of(client, create_actions, ids[i]);
          std::string message = droplet_label(ids[i], names[i]) +
                                (seen[i] ? " disappeared while it was being created"
                                         : " never became visible (404 for " + seconds(since(start)) + ")");
          if (action) message += "; its create action is " + action->status;
          return tl::unexpected(make_error(ErrorKind::failed, message,
                                           "DigitalOcean could not place it (capacity, limits): run again to create "
                                           "it anew, or choose another region or size"));
        }
        statuses[i] = "not visible yet";
      } else {
        return tl::unexpected(result.error());
      }
      report(options, droplet_label(ids[i], names[i]), statuses[i], start);
    }
    bool all_ready = true;
    for (const auto& droplet : ready) all_ready = all_ready && droplet.has_value();
    if (all_ready) break;
    if (!next_poll(options, start)) {
      std::string waiting;
      for (std::size_t i = 0; i < ids.size(); ++i)
        if (!ready[i]) waiting += (waiting.empty() ? "" : ", ") + droplet_label(ids[i], names[i]) + ": " + statuses[i];
      return tl::unexpected(make_error(ErrorKind::timeout,
                                       "droplets not ready after " + seconds(options.timeout) + " (" + waiting + ")",
                                       "they exist and are billed: run again to keep waiting, or tear down"));
    }
  }
  std::vector<Droplet> droplets;
  for (auto& droplet : ready) droplets.push_back(std::move(*droplet));
  return droplets;
}

tl::expected<Database, ApiError> wait_for_database(Client& client, const std::string& id, const WaitOptions& options) {
  const auto start = Clock::now();
  std::string what = "database cluster " + id;
  std::string status = "unknown";
  for (;;) {
    auto database = get_database(client, id);
    if (database) {
      what = "database cluster " + database->name + " (" + id + ")";
      status = database->status;
      if (status == "online") {
        report(options, what, status, start);
        return *database;
      }
    } else if (database.error().kind == ErrorKind::not_found && since(start) <= options.not_found_grace) {
      status = "not visible yet";
    } else {
      return tl::unexpected(database.error());
    }
    report(options, what, status, start);
    if (!next_poll(options, start))
      return tl::unexpected(timed_out(what, status, options,
                                      "clusters often take 5-10 minutes; it exists and is billed: run again to keep "
                                      "waiting, or tear down"));
  }
}

tl::expected<void, ApiError> wait_until_gone(Client& client, const std::string& path, const std::string& what,
                                             const WaitOptions& options) {
  const auto start = Clock::now();
  for (;;) {
    auto response = client.get(path);
    if (!response) {
      if (response.error().kind == ErrorKind::not_found) {
        report(options, what, "gone", start);
        return {};
      }
      return tl::unexpected(response.error());
    }
    report(options, what, "deleting", start);
    if (!next_poll(options, start))
      return tl::unexpected(timed_out(what, "present", options, "run the teardown again to check"));
  }
}

} // namespace fp::cloud
