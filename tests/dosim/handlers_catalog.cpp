// Read-only catalog endpoints (sizes, regions, images) and the actions log.
#include "handlers.hpp"

namespace fp::dosim {

using nlohmann::json;

ApiResponse list_sizes(World& world, Call& call) {
  json items = json::array();
  for (const auto& s : world.catalog().sizes()) items.push_back(world.catalog().size_json(s));
  return paginated(call, "sizes", items);
}

ApiResponse list_regions(World& world, Call& call) {
  json items = json::array();
  for (const auto& r : world.catalog().regions()) items.push_back(world.catalog().region_json(r));
  return paginated(call, "regions", items);
}

ApiResponse list_images(World& world, Call& call) {
  // Only distribution images exist here; private=true and type=application find none.
  const auto type = call.query.count("type") ? call.query["type"] : "";
  const bool private_only = call.query.count("private") && call.query["private"] == "true";
  json items = json::array();
  if (!private_only && (type.empty() || type == "distribution")) {
    for (const auto& i : world.catalog().images()) items.push_back(world.catalog().image_json(i));
  }
  return paginated(call, "images", items);
}

ApiResponse get_image(World& world, Call& call) {
  const auto* image = world.catalog().image(call.params["image_id"]);
  if (!image) return not_found();
  return json_response(200, {{"image", world.catalog().image_json(*image)}});
}

ApiResponse list_actions(World& world, Call& call) {
  json items = json::array();
  // Newest first, as the API lists them.
  for (auto it = world.actions.rbegin(); it != world.actions.rend(); ++it) items.push_back(it->second.object);
  return paginated(call, "actions", items);
}

ApiResponse get_action(World& world, Call& call) {
  const auto id = parse_id(call.params["action_id"]);
  const auto it = id ? world.actions.find(*id) : world.actions.end();
  if (it == world.actions.end()) return not_found();
  return json_response(200, {{"action", it->second.object}});
}

} // namespace fp::dosim
