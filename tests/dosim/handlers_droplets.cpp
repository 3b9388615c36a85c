// Droplets: create (one or up to ten names), list (by tag or name), get, delete (one or by tag),
// and their actions. Lifecycle timing lives in DropletRecord and World::advance.
#include "handlers.hpp"

#include <algorithm>
#include <regex>

namespace fp::dosim {

using nlohmann::json;

namespace {

constexpr std::size_t k_max_names = 10;
constexpr std::size_t k_max_user_data = 64 * 1024;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool valid_hostname(const std::string& name) {
  static const std::regex pattern("^[a-zA-Z0-9]?[a-z0-9A-Z.\\-]*[a-z0-9A-Z]$");
  return !name.empty() && name.size() <= 255 && std::regex_match(name, pattern);
}

// "nyc3" exactly, or a prefix such as "nyc" meaning any data centre of it that sells the size.
const RegionInfo* choose_region(const Catalog& catalog, const std::string& wanted, const SizeInfo& size) {
  if (const auto* exact = catalog.region(wanted)) return exact;
  for (const auto& r : catalog.regions()) {
    if (r.slug.rfind(wanted, 0) == 0 && catalog.sold_in(size, r.slug)) return &r;
  }
  return nullptr;
}

json action_json(std::int64_t id, std::int64_t droplet_id, const json& region, SimTime now) {
  return {{"id", id},
          {"status", "in-progress"},
          {"type", "create"},
          {"started_at", iso8601(now)},
          {"completed_at", nullptr},
          {"resource_id", droplet_id},
          {"resource_type", "droplet"},
          {"region", region},
          {"region_slug", region["slug"]}};
}

json networks_json(const DropletAddresses& a) {
  json v4 = json::array();
  if (!a.private_ipv4.empty()) {
    // The spec's examples carry the literal string "nil" as a private gateway; so do we.
    v4.push_back({{"ip_address", a.private_ipv4}, {"netmask", a.private_netmask}, {"gateway", "nil"}, {"type", "private"}});
  }
  if (!a.public_ipv4.empty()) {
    v4.push_back({{"ip_address", a.public_ipv4}, {"netmask", a.public_netmask}, {"gateway", a.public_gateway},
                  {"type", "public"}});
  }
  json v6 = json::array();
  if (!a.ipv6.empty()) v6.push_back({{"ip_address", a.ipv6}, {"netmask", 64}, {"gateway", "2001:db8:0:1::1"}, {"type", "public"}});
  return {{"v4", v4}, {"v6", v6}};
}

// A key of the account named by its id (number or text) or its fingerprint; nullptr when none is.
const json* find_ssh_key(const World& world, const json& wanted) {
  for (const auto& key : world.ssh_keys) {
    if ((wanted.is_number_integer() && key["id"] == wanted) ||
        (wanted.is_string() && (key["fingerprint"] == wanted ||
                                std::to_string(key["id"].get<std::int64_t>()) == wanted.get<std::string>()))) {
      return &key;
    }
  }
  return nullptr;
}

int live_droplets(const World& world) {
  return static_cast<int>(std::count_if(world.droplets.begin(), world.droplets.end(),
                                        [](const auto& d) { return !d.second.gone_at; }));
}

} // namespace

ApiResponse create_droplets(World& world, Call& call) {
  const json& body = call.body;
  if (!body.is_object()) return unprocessable("The request body must be a JSON object.");
  std::vector<std::string> names;
  const bool multi = body.contains("names");
  if (multi) {
    if (!body["names"].is_array() || body["names"].empty()) return unprocessable("names must be a non-empty list of names");
    for (const auto& n : body["names"]) {
      if (!n.is_string()) return unprocessable("names must be a list of strings");
      names.push_back(n.get<std::string>());
    }
    if (names.size() > k_max_names) return unprocessable("You may only create up to 10 Droplets at once.");
  } else {
    const auto name = body_string(body, "name");
    if (!name) return unprocessable("Name is required");
    names.push_back(*name);
  }
  for (const auto& n : names) {
    if (!valid_hostname(n)) return unprocessable("Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)");
  }

  const auto size_slug = body_string(body, "size");
  const auto* size = size_slug ? world.catalog().size(*size_slug) : nullptr;
  if (!size) return unprocessable("You specified an invalid size for Droplet creation.");

  const ImageInfo* image = nullptr;
  if (body.contains("image") && body["image"].is_string()) image = world.catalog().image(body["image"].get<std::string>());
  if (body.contains("image") && body["image"].is_number_integer()) {
    image = world.catalog().image(std::to_string(body["image"].get<std::int64_t>()));
  }
  if (!image) return unprocessable("You specified an invalid image for Droplet creation.");

  const RegionInfo* region = nullptr;
  if (const auto wanted = body_string(body, "region")) {
    region = choose_region(world.catalog(), *wanted, *size);
    if (!region) return unprocessable("You specified an invalid region for Droplet creation.");
  } else {
    for (const auto& r : world.catalog().regions()) {
      if (!region && world.catalog().sold_in(*size, r.slug)) region = &r;
    }
    if (!region) return unprocessable("Size is not available in this region.");
  }
  if (!region->available) return unprocessable("Region is not available");
  if (!world.catalog().sold_in(*size, region->slug)) return unprocessable("Size is not available in this region.");

  // ssh_keys: ids or fingerprints of keys on the account; names are refused as the API does.
  if (body.contains("ssh_keys") && !body["ssh_keys"].is_null()) {
    if (!body["ssh_keys"].is_array()) return unprocessable("ssh_keys must be a list of key ids or fingerprints");
    std::string invalid;
    for (const auto& k : body["ssh_keys"]) {
      if (!find_ssh_key(world, k)) invalid += (invalid.empty() ? "" : ", ") + (k.is_string() ? k.get<std::string>() : k.dump());
    }
    if (!invalid.empty()) return unprocessable(invalid + " are invalid key identifiers for Droplet creation.");
  }

  std::vector<std::string> tags;
  if (body.contains("tags") && !body["tags"].is_null()) {
    if (!body["tags"].is_array()) return unprocessable("tags must be a list of tag names");
    for (const auto& t : body["tags"]) {
      if (!t.is_string() || !World::valid_tag_name(t.get<std::string>())) {
        return unprocessable("tag names may only contain letters, numbers, colons, dashes and underscores");
      }
      tags.push_back(t.get<std::string>());
    }
  }
  const auto user_data = body_string(body, "user_data").value_or("");
  if (user_data.size() > k_max_user_data) return unprocessable("user_data must be less than 64 KiB");

  std::string vpc_range;
  std::string vpc_uuid;
  if (const auto wanted = body_string(body, "vpc_uuid"); wanted && !wanted->empty()) {
    const json* vpc = world.find_vpc(*wanted);
    if (!vpc) return unprocessable("The specified VPC does not exist.");
    if ((*vpc)["region"] != region->slug) return unprocessable("The specified VPC is not in the Droplet's region.");
    vpc_uuid = *wanted;
    vpc_range = (*vpc)["ip_range"].get<std::string>();
  }

  const int limit = call.faults.account.droplet_limit;
  if (live_droplets(world) + static_cast<int>(names.size()) > limit) {
    return unprocessable(names.size() == 1 ? "creating this droplet will exceed your droplet limit"
                                           : "creating these droplets will exceed your droplet limit");
  }
  if (call.faults.account.status == "locked") return error_response(403, "forbidden", "Your account has been locked.");

  // Everything checked: the account changes from here on.
  if (vpc_uuid.empty()) {
    const json& vpc = world.default_vpc(region->slug, call.now);
    vpc_uuid = vpc["id"].get<std::string>();
    vpc_range = vpc["ip_range"].get<std::string>();
  }
  json canonical_tags = json::array();
  for (const auto& t : tags) canonical_tags.push_back(world.ensure_tag(t));

  const bool ipv6 = body_bool(body, "ipv6", false);
  const bool public_networking = body_bool(body, "public_networking", true);
  json features = json::array({"private_networking"});
  if (body_bool(body, "monitoring", false)) features.push_back("monitoring");
  if (ipv6) features.push_back("ipv6");
  if (body_bool(body, "backups", false)) features.push_back("backups");
  if (body_bool(body, "with_droplet_agent", false)) features.push_back("droplet_agent");

  // The keys' public halves: a droplet host installs them as root's authorized_keys.
  std::vector<std::string> ssh_public_keys;
  if (body.contains("ssh_keys") && body["ssh_keys"].is_array()) {
    for (const auto& k : body["ssh_keys"]) ssh_public_keys.push_back(find_ssh_key(world, k)->value("public_key", ""));
  }

  const json region_json = world.catalog().region_json(*region);
  json created = json::array();
  json links = json::array();
  for (const auto& name : names) {
    const auto id = world.new_droplet_id();
    const auto action_id = world.new_action_id();
    DropletPlacement placement{id, name, region->slug, vpc_range, ipv6, public_networking, user_data, ssh_public_keys};
    DropletRecord record;
    record.networks = networks_json(world.host().place(placement));
    record.object = {{"id", id},
                     {"name", name},
                     {"memory", size->memory_mb},
                     {"vcpus", size->vcpus},
                     {"disk", size->disk_gb},
                     {"disk_info", json::array({{{"type", "local"}, {"size", {{"amount", size->disk_gb}, {"unit", "gib"}}}}})},
                     {"locked", true},
                     {"status", "new"},
                     {"kernel", nullptr},
                     {"created_at", iso8601(call.now)},
                     {"features", features},
                     {"backup_ids", json::array()},
                     {"next_backup_window", nullptr},
                     {"snapshot_ids", json::array()},
                     {"image", world.catalog().image_json(*image)},
                     {"volume_ids", json::array()},
                     {"size", world.catalog().size_json(*size)},
                     {"size_slug", size->slug},
                     {"networks", {{"v4", json::array()}, {"v6", json::array()}}},
                     {"region", region_json},
                     {"tags", canonical_tags},
                     {"vpc_uuid", vpc_uuid}};
    record.visible_at = call.now + call.delays.droplet_visible;
    record.active_at = call.now + call.delays.droplet_active;
    record.ips_at = record.active_at + call.delays.droplet_ips;
    record.fails = call.create_fails;
    record.action_id = action_id;
    world.actions[action_id] = ActionRecord{action_json(action_id, id, region_json, call.now)};
    created.push_back(record.object);
    links.push_back({{"id", action_id}, {"rel", "create"}, {"href", call.base_url + "/v2/actions/" + std::to_string(action_id)}});
    world.droplets[id] = std::move(record);
  }
  if (multi) return json_response(202, {{"droplets", created}, {"links", {{"actions", links}}}});
  return json_response(202, {{"droplet", created[0]}, {"links", {{"actions", links}}}});
}

ApiResponse list_droplets(World& world, Call& call) {
  const auto tag = call.query.find("tag_name");
  const auto name = call.query.find("name");
  const auto type = call.query.find("type");
  if (tag != call.query.end() && (name != call.query.end() || type != call.query.end())) {
    return unprocessable("tag_name cannot be combined with name or type");
  }
  if (type != call.query.end() && type->second != "droplets" && type->second != "gpus") {
    return unprocessable("type must be droplets or gpus");
  }
  json items = json::array();
  if (type == call.query.end() || type->second == "droplets") {
    for (const auto& [id, d] : world.droplets) {
      if (!world.droplet_visible(d, call.now)) continue;
      if (tag != call.query.end() && !world.has_tag(d.object, tag->second)) continue;
      if (name != call.query.end() && lower(d.object["name"].get<std::string>()) != lower(name->second)) continue;
      items.push_back(d.object);
    }
  }
  return paginated(call, "droplets", items);
}

ApiResponse delete_droplets_by_tag(World& world, Call& call) {
  const auto tag = call.query.find("tag_name");
  if (tag == call.query.end() || tag->second.empty()) {
    return unprocessable("tag_name is required: DELETE /v2/droplets only deletes by tag");
  }
  if (!world.find_tag_any_case(tag->second)) return not_found();
  for (auto& [id, d] : world.droplets) {
    if (world.has_tag(d.object, tag->second) && !d.gone_at) d.gone_at = call.now + call.delays.droplet_delete;
  }
  return no_content();
}

ApiResponse get_droplet(World& world, Call& call) {
  const auto id = parse_id(call.params["droplet_id"]);
  auto* d = id ? visible_droplet(world, call, *id) : nullptr;
  if (!d) return not_found();
  return json_response(200, {{"droplet", d->object}});
}

ApiResponse delete_droplet(World& world, Call& call) {
  const auto id = parse_id(call.params["droplet_id"]);
  auto* d = id ? visible_droplet(world, call, *id) : nullptr;
  if (!d) return not_found();
  if (!d->gone_at) d->gone_at = call.now + call.delays.droplet_delete;
  return no_content();
}

ApiResponse list_droplet_actions(World& world, Call& call) {
  const auto id = parse_id(call.params["droplet_id"]);
  if (!id || !visible_droplet(world, call, *id)) return not_found();
  json items = json::array();
  for (auto it = world.actions.rbegin(); it != world.actions.rend(); ++it) {
    if (it->second.object["resource_id"] == *id) items.push_back(it->second.object);
  }
  return paginated(call, "actions", items);
}

ApiResponse get_droplet_action(World& world, Call& call) {
  const auto id = parse_id(call.params["droplet_id"]);
  const auto action_id = parse_id(call.params["action_id"]);
  if (!id || !action_id) return not_found();
  const auto it = world.actions.find(*action_id);
  if (it == world.actions.end() || it->second.object["resource_id"] != *id) return not_found();
  return json_response(200, {{"action", it->second.object}});
}

} // namespace fp::dosim
