// Tags: created explicitly (idempotently, as terraform relies on) or implicitly by droplet and
// database creates; URLs must use the canonical capitalization.
#include "handlers.hpp"

#include <algorithm>

namespace fp::dosim {

using nlohmann::json;

namespace {

// The resource a tag/untag request names, or nullptr.
json* tagged_object(World& world, const json& resource) {
  if (!resource.is_object()) return nullptr;
  const auto id = body_string(resource, "resource_id");
  const auto type = body_string(resource, "resource_type");
  if (!id || !type) return nullptr;
  if (*type == "droplet") {
    const auto droplet_id = parse_id(*id);
    const auto it = droplet_id ? world.droplets.find(*droplet_id) : world.droplets.end();
    return it == world.droplets.end() ? nullptr : &it->second.object;
  }
  if (*type == "database") {
    for (auto& d : world.databases) {
      if (d.object["id"] == *id) return &d.object;
    }
  }
  return nullptr;
}

std::optional<ApiResponse> change_tags(World& world, Call& call, bool add) {
  const auto* tag = world.find_tag(call.params["tag_id"]);
  if (!tag) return not_found();
  const std::string name = *tag;
  if (!call.body.is_object() || !call.body.contains("resources") || !call.body["resources"].is_array()) {
    return unprocessable("resources is required: a list of {resource_id, resource_type}");
  }
  std::vector<json*> objects;
  for (const auto& resource : call.body["resources"]) {
    json* object = tagged_object(world, resource);
    if (!object) return unprocessable("resource " + resource.dump() + " was not found");
    objects.push_back(object);
  }
  for (json* object : objects) {
    auto& tags = (*object)["tags"];
    if (!tags.is_array()) tags = json::array();
    const bool has = std::find(tags.begin(), tags.end(), json(name)) != tags.end();
    if (add && !has) tags.push_back(name);
    if (!add && has) tags.erase(std::find(tags.begin(), tags.end(), json(name)));
  }
  return std::nullopt;
}

} // namespace

ApiResponse create_tag(World& world, Call& call) {
  const auto name = body_string(call.body, "name");
  if (!name || !World::valid_tag_name(*name)) {
    // The one endpoint whose error body has another shape [spec tags_create 400].
    const std::string cause = "tag name must match ^[a-zA-Z0-9_\\-\\:]+$ and be at most 255 characters";
    return json_response(400, {{"error", "invalid tag name"}, {"messages", nullptr}, {"root_causes", {cause}}});
  }
  return json_response(201, {{"tag", world.tag_json(world.ensure_tag(*name))}});
}

ApiResponse list_tags(World& world, Call& call) {
  json items = json::array();
  for (const auto& t : world.tags) items.push_back(world.tag_json(t));
  return paginated(call, "tags", items);
}

ApiResponse get_tag(World& world, Call& call) {
  const auto* tag = world.find_tag(call.params["tag_id"]);
  if (!tag) return not_found();
  return json_response(200, {{"tag", world.tag_json(*tag)}});
}

ApiResponse delete_tag(World& world, Call& call) {
  const auto* tag = world.find_tag(call.params["tag_id"]);
  if (!tag) return not_found();
  const json name = *tag;
  auto untag = [&](json& object) {
    auto& tags = object["tags"];
    if (tags.is_array()) tags.erase(std::remove(tags.begin(), tags.end(), name), tags.end());
  };
  for (auto& [id, d] : world.droplets) untag(d.object);
  for (auto& d : world.databases) untag(d.object);
  for (auto& f : world.firewalls) untag(f.object);
  std::erase(world.tags, name.get<std::string>());
  return no_content();
}

ApiResponse tag_resources(World& world, Call& call) {
  if (auto error = change_tags(world, call, true)) return *error;
  return no_content();
}

ApiResponse untag_resources(World& world, Call& call) {
  if (auto error = change_tags(world, call, false)) return *error;
  return no_content();
}

} // namespace fp::dosim
