#include "actions.hpp"

#include "json_read.hpp"

namespace fp::cloud {

using namespace detail;

Action action_from_json(const nlohmann::json& object) {
  Action action;
  action.id = integer(object, "id");
  action.status = text(object, "status");
  action.type = text(object, "type");
  action.resource_id = integer(object, "resource_id");
  action.resource_type = text(object, "resource_type");
  action.region_slug = text(object, "region_slug");
  if (action.region_slug.empty()) action.region_slug = text(member(object, "region"), "slug");
  action.started_at = text(object, "started_at");
  action.completed_at = text(object, "completed_at");
  return action;
}

tl::expected<Action, ApiError> get_action(Client& client, std::int64_t id) {
  const std::string path = "/v2/actions/" + std::to_string(id);
  auto response = client.get(path);
  if (!response) return tl::unexpected(response.error());
  auto object = single(*response, "action", "GET " + path);
  if (!object) return tl::unexpected(object.error());
  return action_from_json(**object);
}

} // namespace fp::cloud
