// Actions (/v2/actions): what a 202 started. wait_for_action is in waits.hpp.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "client.hpp"

namespace fp::cloud {

struct Action {
  std::int64_t id = 0;
  std::string status; // in-progress | completed | errored
  std::string type;   // create, destroy, ...
  std::int64_t resource_id = 0;
  std::string resource_type;
  std::string region_slug;
  std::string started_at;
  std::string completed_at; // empty while running
};

Action action_from_json(const nlohmann::json& object);

tl::expected<Action, ApiError> get_action(Client& client, std::int64_t id);

} // namespace fp::cloud
