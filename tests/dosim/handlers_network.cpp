// VPCs (one default per region, members block deletion) and cloud firewalls (rules normalized the
// way the API echoes them, status waiting -> succeeded after a delay).
#include "handlers.hpp"

#include <algorithm>
#include <charconv>
#include <regex>

namespace fp::dosim {

using nlohmann::json;

namespace {

// ---- VPCs ----

json members_of(const World& world, const std::string& vpc_id, const std::string& type) {
  json members = json::array();
  if (type.empty() || type == "droplet") {
    for (const auto& [id, d] : world.droplets) {
      if (d.object["vpc_uuid"] == vpc_id) {
        members.push_back({{"urn", "do:droplet:" + std::to_string(id)}, {"name", d.object["name"]},
                           {"created_at", d.object["created_at"]}});
      }
    }
  }
  if (type.empty() || type == "loadbalancer") {
    for (const auto& l : world.load_balancers) {
      if (l.object["vpc_uuid"] == vpc_id) {
        members.push_back({{"urn", "do:loadbalancer:" + l.object["id"].get<std::string>()}, {"name", l.object["name"]},
                           {"created_at", l.object["created_at"]}});
      }
    }
  }
  if (type.empty() || type == "dbaas") {
    for (const auto& d : world.databases) {
      if (d.object["private_network_uuid"] == vpc_id) {
        members.push_back({{"urn", "do:dbaas:" + d.object["id"].get<std::string>()}, {"name", d.object["name"]},
                           {"created_at", d.object["created_at"]}});
      }
    }
  }
  return members;
}

bool private_range(std::uint32_t network, int prefix) {
  const auto in = [&](std::uint32_t base, int bits) {
    const std::uint32_t mask = ~std::uint32_t{0} << (32 - bits);
    return prefix >= bits && (network & mask) == base;
  };
  return in(0x0a000000u, 8) || in(0xac100000u, 12) || in(0xc0a80000u, 16);
}

// ---- firewalls ----

std::optional<std::string> normalize_ports(const json& rule, std::string& ports) {
  const std::string protocol = rule.value("protocol", "");
  if (protocol == "icmp") {
    ports = "0";
    return std::nullopt;
  }
  if (!rule.contains("ports") || !rule["ports"].is_string()) return "ports is required for " + protocol + " rules";
  ports = rule["ports"].get<std::string>();
  if (ports == "all" || ports == "1-65535" || ports == "0") {
    ports = "0";
    return std::nullopt;
  }
  auto number = [](std::string_view text) -> int {
    int value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && ptr == text.data() + text.size() && value >= 1 && value <= 65535 ? value : -1;
  };
  const auto dash = ports.find('-');
  if (dash == std::string::npos ? number(ports) > 0
                                : number(std::string_view(ports).substr(0, dash)) > 0 &&
                                    number(std::string_view(ports).substr(dash + 1)) >= number(std::string_view(ports).substr(0, dash))) {
    return std::nullopt;
  }
  return "invalid ports '" + ports + "': use a port (22), a range (8000-9000), 0 or all";
}

// Checks and normalizes one rule list ("inbound_rules" with "sources" or "outbound_rules" with
// "destinations") as the API stores it.
std::optional<std::string> normalize_rules(const World& world, const json& in, const char* side, json& out) {
  out = json::array();
  if (in.is_null()) return std::nullopt;
  if (!in.is_array()) return "rules must be a list";
  for (const auto& rule : in) {
    if (!rule.is_object()) return "each rule must be an object";
    const std::string protocol = rule.value("protocol", "");
    if (protocol != "tcp" && protocol != "udp" && protocol != "icmp") return "protocol must be tcp, udp or icmp";
    std::string ports;
    if (auto e = normalize_ports(rule, ports)) return e;
    if (!rule.contains(side) || !rule[side].is_object()) return std::string(side) + " is required in each rule";
    json target = json::object();
    for (const auto& [key, value] : rule[side].items()) {
      if (value.is_null()) continue;
      if (!value.is_array()) return std::string(side) + "." + key + " must be a list";
      if (key == "tags") {
        for (const auto& t : value) {
          if (!t.is_string() || !world.find_tag_any_case(t.get<std::string>())) return "tag " + t.dump() + " does not exist";
        }
      }
      if (key == "droplet_ids") {
        for (const auto& id : value) {
          if (!id.is_number_integer() || !world.droplets.count(id.get<std::int64_t>())) {
            return "droplet " + id.dump() + " does not exist";
          }
        }
      }
      if (!value.empty()) target[key] = value;
    }
    out.push_back({{"protocol", protocol}, {"ports", ports}, {side, target}});
  }
  return std::nullopt;
}

std::optional<std::string> check_droplet_ids(const World& world, const json& ids) {
  if (ids.is_null()) return std::nullopt;
  if (!ids.is_array()) return "droplet_ids must be a list of droplet ids";
  for (const auto& id : ids) {
    if (!id.is_number_integer() || !world.droplets.count(id.get<std::int64_t>())) return "droplet " + id.dump() + " does not exist";
  }
  return std::nullopt;
}

std::optional<std::string> check_tags(const World& world, const json& tags, json& canonical) {
  canonical = json::array();
  if (tags.is_null()) return std::nullopt;
  if (!tags.is_array()) return "tags must be a list of tag names";
  for (const auto& t : tags) {
    const auto* existing = t.is_string() ? world.find_tag_any_case(t.get<std::string>()) : nullptr;
    if (!existing) return "tag " + t.dump() + " does not exist: create it first (POST /v2/tags)";
    canonical.push_back(*existing);
  }
  return std::nullopt;
}

// The firewall is being applied again: every droplet it covers is pending until ready_at.
void reapply(World& world, FirewallRecord& f, const Call& call) {
  auto& o = f.object;
  json pending = json::array();
  std::vector<std::int64_t> ids;
  for (const auto& id : o["droplet_ids"]) ids.push_back(id.get<std::int64_t>());
  for (const auto& [id, d] : world.droplets) {
    for (const auto& t : o["tags"]) {
      if (world.has_tag(d.object, t.get<std::string>())) ids.push_back(id);
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (auto id : ids) pending.push_back({{"droplet_id", id}, {"removing", false}, {"status", "waiting"}});
  o["status"] = "waiting";
  o["pending_changes"] = pending;
  f.ready_at = call.now + call.delays.firewall_ready;
}

// Builds the firewall from a full representation (create and PUT); nullopt on success.
std::optional<std::string> build_firewall(World& world, const Call& call, json& o) {
  const json& body = call.body;
  if (!body.is_object()) return "the body must be a firewall object";
  static const std::regex name_pattern("^[a-zA-Z0-9][a-zA-Z0-9\\.-]+$");
  const auto name = body_string(body, "name");
  if (!name || !std::regex_match(*name, name_pattern)) {
    return "name is required and may contain letters, digits, dots and dashes (at least two characters)";
  }
  json inbound, outbound, tags;
  if (auto e = normalize_rules(world, body.value("inbound_rules", json()), "sources", inbound)) return e;
  if (auto e = normalize_rules(world, body.value("outbound_rules", json()), "destinations", outbound)) return e;
  if (inbound.empty() && outbound.empty()) return "a firewall needs at least one inbound or outbound rule";
  const json droplet_ids = body.value("droplet_ids", json());
  if (auto e = check_droplet_ids(world, droplet_ids)) return e;
  if (auto e = check_tags(world, body.value("tags", json()), tags)) return e;
  o["name"] = *name;
  o["inbound_rules"] = inbound;
  o["outbound_rules"] = outbound;
  o["droplet_ids"] = droplet_ids.is_array() ? droplet_ids : json::array();
  o["tags"] = tags;
  return std::nullopt;
}

FirewallRecord* find_firewall(World& world, const std::string& id) {
  for (auto& f : world.firewalls) {
    if (f.object["id"] == id) return &f;
  }
  return nullptr;
}

ApiResponse firewall_error(const std::string& message) { return error_response(400, "bad_request", message); }

} // namespace

ApiResponse create_vpc(World& world, Call& call) {
  static const std::regex name_pattern("^[a-zA-Z0-9\\-\\.]+$");
  const auto name = body_string(call.body, "name");
  if (!name || !std::regex_match(*name, name_pattern)) {
    return unprocessable("name is required and may contain letters, digits, dashes and dots");
  }
  if (std::any_of(world.vpcs.begin(), world.vpcs.end(), [&](const json& v) { return v["name"] == *name; })) {
    return unprocessable("A VPC with the name " + *name + " already exists.");
  }
  const auto region_slug = body_string(call.body, "region");
  const auto* region = region_slug ? world.catalog().region(*region_slug) : nullptr;
  if (!region) return unprocessable("region is required and must be a valid region slug");
  if (!region->available) return unprocessable("Region is not available");
  const auto description = body_string(call.body, "description").value_or("");
  if (description.size() > 255) return unprocessable("description must be at most 255 characters");
  std::string range = world.allocate_ip_range();
  if (const auto wanted = body_string(call.body, "ip_range")) {
    std::uint32_t network = 0;
    int prefix = 0;
    if (!parse_cidr(*wanted, network, prefix) || prefix < 16 || prefix > 28 || !private_range(network, prefix)) {
      return unprocessable("ip_range must be an RFC 1918 range from /16 to /28");
    }
    if (world.range_overlaps(*wanted)) return unprocessable("ip_range overlaps with an existing VPC");
    range = ipv4_text(network) + "/" + std::to_string(prefix);
  }
  const bool first_in_region =
    std::none_of(world.vpcs.begin(), world.vpcs.end(), [&](const json& v) { return v["region"] == region->slug; });
  const std::string id = world.ids().uuid();
  json vpc = {{"id", id},       {"urn", "do:vpc:" + id}, {"name", *name},           {"description", description},
              {"region", region->slug}, {"ip_range", range}, {"default", first_in_region}, {"created_at", iso8601(call.now)}};
  world.vpcs.push_back(vpc);
  return json_response(201, {{"vpc", vpc}});
}

ApiResponse list_vpcs(World& world, Call& call) { return paginated(call, "vpcs", world.vpcs); }

ApiResponse get_vpc(World& world, Call& call) {
  const json* vpc = world.find_vpc(call.params["vpc_id"]);
  if (!vpc) return not_found();
  return json_response(200, {{"vpc", *vpc}});
}

ApiResponse delete_vpc(World& world, Call& call) {
  const std::string id = call.params["vpc_id"];
  const json* vpc = world.find_vpc(id);
  if (!vpc) return not_found();
  if ((*vpc)["default"] == true) return error_response(403, "forbidden", "Cannot delete the default VPC of a region.");
  if (!members_of(world, id, "").empty()) return error_response(409, "conflict", "Can not delete VPC with members");
  std::erase_if(world.vpcs, [&](const json& v) { return v["id"] == id; });
  return no_content();
}

ApiResponse list_vpc_members(World& world, Call& call) {
  const std::string id = call.params["vpc_id"];
  if (!world.find_vpc(id)) return not_found();
  const auto type = call.query.count("resource_type") ? call.query["resource_type"] : "";
  return paginated(call, "members", members_of(world, id, type));
}

ApiResponse create_firewall(World& world, Call& call) {
  FirewallRecord f;
  f.object = {{"id", world.ids().uuid()}, {"created_at", iso8601(call.now)}};
  if (auto e = build_firewall(world, call, f.object)) return firewall_error(*e);
  reapply(world, f, call);
  world.firewalls.push_back(f);
  return json_response(202, {{"firewall", f.object}});
}

ApiResponse list_firewalls(World& world, Call& call) {
  json items = json::array();
  for (const auto& f : world.firewalls) items.push_back(f.object);
  return paginated(call, "firewalls", items);
}

ApiResponse get_firewall(World& world, Call& call) {
  auto* f = find_firewall(world, call.params["firewall_id"]);
  if (!f) return not_found();
  return json_response(200, {{"firewall", f->object}});
}

ApiResponse update_firewall(World& world, Call& call) {
  auto* f = find_firewall(world, call.params["firewall_id"]);
  if (!f) return not_found();
  json updated = f->object;
  if (auto e = build_firewall(world, call, updated)) return firewall_error(*e);
  f->object = updated;
  reapply(world, *f, call);
  return json_response(200, {{"firewall", f->object}});
}

ApiResponse delete_firewall(World& world, Call& call) {
  const std::string id = call.params["firewall_id"];
  if (!find_firewall(world, id)) return not_found();
  std::erase_if(world.firewalls, [&](const FirewallRecord& f) { return f.object["id"] == id; });
  return no_content();
}

namespace {

ApiResponse change_droplets(World& world, Call& call, bool add) {
  auto* f = find_firewall(world, call.params["firewall_id"]);
  if (!f) return not_found();
  const json ids = call.body.is_object() ? call.body.value("droplet_ids", json()) : json();
  if (!ids.is_array()) return firewall_error("droplet_ids is required: a list of droplet ids");
  if (auto e = check_droplet_ids(world, ids)) return firewall_error(*e);
  auto& current = f->object["droplet_ids"];
  for (const auto& id : ids) {
    const auto at = std::find(current.begin(), current.end(), id);
    if (add && at == current.end()) current.push_back(id);
    if (!add && at != current.end()) current.erase(at);
  }
  reapply(world, *f, call);
  return no_content();
}

ApiResponse change_tags(World& world, Call& call, bool add) {
  auto* f = find_firewall(world, call.params["firewall_id"]);
  if (!f) return not_found();
  const json tags = call.body.is_object() ? call.body.value("tags", json()) : json();
  if (!tags.is_array()) return firewall_error("tags is required: a list of tag names");
  json canonical;
  if (auto e = check_tags(world, tags, canonical)) return firewall_error(*e);
  auto& current = f->object["tags"];
  for (const auto& t : canonical) {
    const auto at = std::find(current.begin(), current.end(), t);
    if (add && at == current.end()) current.push_back(t);
    if (!add && at != current.end()) current.erase(at);
  }
  reapply(world, *f, call);
  return no_content();
}

ApiResponse change_rules(World& world, Call& call, bool add) {
  auto* f = find_firewall(world, call.params["firewall_id"]);
  if (!f) return not_found();
  if (!call.body.is_object()) return firewall_error("the body must hold inbound_rules and/or outbound_rules");
  for (auto [key, side] : {std::pair{"inbound_rules", "sources"}, {"outbound_rules", "destinations"}}) {
    json rules;
    if (auto e = normalize_rules(world, call.body.value(key, json()), side, rules)) return firewall_error(*e);
    auto& current = f->object[key];
    for (const auto& rule : rules) {
      const auto at = std::find(current.begin(), current.end(), rule);
      if (add && at == current.end()) current.push_back(rule);
      if (!add && at != current.end()) current.erase(at);
    }
  }
  reapply(world, *f, call);
  return no_content();
}

} // namespace

ApiResponse add_firewall_droplets(World& world, Call& call) { return change_droplets(world, call, true); }
ApiResponse remove_firewall_droplets(World& world, Call& call) { return change_droplets(world, call, false); }
ApiResponse add_firewall_tags(World& world, Call& call) { return change_tags(world, call, true); }
ApiResponse remove_firewall_tags(World& world, Call& call) { return change_tags(world, call, false); }
ApiResponse add_firewall_rules(World& world, Call& call) { return change_rules(world, call, true); }
ApiResponse remove_firewall_rules(World& world, Call& call) { return change_rules(world, call, false); }

} // namespace fp::dosim
