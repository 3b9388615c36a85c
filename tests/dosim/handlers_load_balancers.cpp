// Managed load balancers: fpctl's default is an nginx droplet, but the managed one is an option
// (and priced). Create answers 202 with status new and an empty ip; active (with its IP) after a
// delay. Targets are droplet ids or one tag, never both.
#include "handlers.hpp"

#include <algorithm>

namespace fp::dosim {

using nlohmann::json;

namespace {

const json k_entry_protocols = {"http", "https", "http2", "http3", "tcp", "udp"};
const json k_target_protocols = {"http", "https", "http2", "tcp", "udp"};

LoadBalancerRecord* find_load_balancer(World& world, const std::string& id) {
  for (auto& l : world.load_balancers) {
    if (l.object["id"] == id) return &l;
  }
  return nullptr;
}

bool contains(const json& list, const json& value) { return std::find(list.begin(), list.end(), value) != list.end(); }

// Fills `o` from a full representation (create and PUT); an error message otherwise.
std::optional<std::string> build(World& world, const Call& call, json& o) {
  const json& b = call.body;
  if (!b.is_object()) return "the body must be a load balancer object";
  const auto region_slug = body_string(b, "region");
  const auto* region = region_slug ? world.catalog().region(*region_slug) : nullptr;
  if (!region || !region->available) return "region is required and must be an available region slug";
  const bool by_ids = b.contains("droplet_ids") && !b["droplet_ids"].is_null();
  const bool by_tag = b.contains("tag") && b["tag"].is_string() && !b["tag"].get<std::string>().empty();
  if (by_ids && by_tag) return "droplet_ids and tag are mutually exclusive";
  json droplet_ids = json::array();
  if (by_ids) {
    if (!b["droplet_ids"].is_array()) return "droplet_ids must be a list of droplet ids";
    for (const auto& id : b["droplet_ids"]) {
      if (!id.is_number_integer() || !world.droplets.count(id.get<std::int64_t>())) return "droplet " + id.dump() + " does not exist";
      droplet_ids.push_back(id);
    }
  }
  if (!b.contains("forwarding_rules") || !b["forwarding_rules"].is_array() || b["forwarding_rules"].empty()) {
    return "forwarding_rules is required: at least one rule";
  }
  json rules = json::array();
  for (const auto& r : b["forwarding_rules"]) {
    if (!r.is_object() || !contains(k_entry_protocols, r.value("entry_protocol", json())) ||
        !contains(k_target_protocols, r.value("target_protocol", json())) || !r.value("entry_port", json()).is_number_integer() ||
        !r.value("target_port", json()).is_number_integer()) {
      return "each forwarding rule needs entry_protocol, entry_port, target_protocol and target_port";
    }
    rules.push_back({{"entry_protocol", r["entry_protocol"]}, {"entry_port", r["entry_port"]},
                     {"target_protocol", r["target_protocol"]}, {"target_port", r["target_port"]},
                     {"certificate_id", r.value("certificate_id", "")}, {"tls_passthrough", r.value("tls_passthrough", false)}});
  }
  int size_unit = 1;
  if (b.contains("size_unit")) {
    if (!b["size_unit"].is_number_integer() || b["size_unit"].get<int>() < 1 || b["size_unit"].get<int>() > 100) {
      return "size_unit must be 1 to 100";
    }
    size_unit = b["size_unit"].get<int>();
  } else if (const auto size = body_string(b, "size")) {
    size_unit = *size == "lb-large" ? 6 : *size == "lb-medium" ? 3 : 1;
  }
  std::string vpc_uuid = body_string(b, "vpc_uuid").value_or("");
  if (!vpc_uuid.empty()) {
    const json* vpc = world.find_vpc(vpc_uuid);
    if (!vpc || (*vpc)["region"] != region->slug) return "vpc_uuid must name a VPC in the load balancer's region";
  } else {
    vpc_uuid = world.default_vpc(region->slug, call.now)["id"].get<std::string>();
  }
  json health = {{"protocol", "http"}, {"port", 80}, {"path", "/"}, {"check_interval_seconds", 10},
                 {"response_timeout_seconds", 5}, {"healthy_threshold", 3}, {"unhealthy_threshold", 5}};
  if (b.contains("health_check") && b["health_check"].is_object()) health.update(b["health_check"]);
  json sticky = {{"type", "none"}};
  if (b.contains("sticky_sessions") && b["sticky_sessions"].is_object()) sticky.update(b["sticky_sessions"]);
  o["name"] = body_string(b, "name").value_or("lb-" + o["id"].get<std::string>().substr(0, 8));
  o["size_unit"] = size_unit;
  o["forwarding_rules"] = rules;
  o["health_check"] = health;
  o["sticky_sessions"] = sticky;
  o["region"] = world.catalog().region_json(*region);
  o["tag"] = by_tag ? b["tag"] : json("");
  o["droplet_ids"] = droplet_ids;
  o["redirect_http_to_https"] = body_bool(b, "redirect_http_to_https", false);
  o["enable_proxy_protocol"] = body_bool(b, "enable_proxy_protocol", false);
  o["enable_backend_keepalive"] = body_bool(b, "enable_backend_keepalive", false);
  o["http_idle_timeout_seconds"] = b.value("http_idle_timeout_seconds", json(60));
  o["vpc_uuid"] = vpc_uuid;
  o["disable_lets_encrypt_dns_records"] = body_bool(b, "disable_lets_encrypt_dns_records", false);
  o["network"] = b.value("network", json("EXTERNAL"));
  o["network_stack"] = b.value("network_stack", json("IPV4"));
  o["type"] = b.value("type", json("REGIONAL"));
  return std::nullopt;
}

ApiResponse change_droplets(World& world, Call& call, bool add) {
  auto* l = find_load_balancer(world, call.params["lb_id"]);
  if (!l) return not_found();
  if (!l->object["tag"].get<std::string>().empty()) {
    return unprocessable("this load balancer selects its droplets by tag; droplets cannot be added or removed by id");
  }
  const json ids = call.body.is_object() ? call.body.value("droplet_ids", json()) : json();
  if (!ids.is_array()) return unprocessable("droplet_ids is required: a list of droplet ids");
  auto& current = l->object["droplet_ids"];
  for (const auto& id : ids) {
    if (!id.is_number_integer() || !world.droplets.count(id.get<std::int64_t>())) {
      return unprocessable("droplet " + id.dump() + " does not exist");
    }
  }
  for (const auto& id : ids) {
    const auto at = std::find(current.begin(), current.end(), id);
    if (add && at == current.end()) current.push_back(id);
    if (!add && at != current.end()) current.erase(at);
  }
  return no_content();
}

} // namespace

ApiResponse create_load_balancer(World& world, Call& call) {
  LoadBalancerRecord l;
  l.object = {{"id", world.ids().uuid()}, {"ip", ""}, {"ipv6", ""}, {"status", "new"}, {"created_at", iso8601(call.now)}};
  if (auto e = build(world, call, l.object)) return unprocessable(*e);
  const auto n = world.new_load_balancer_number();
  l.ip = "198.19." + std::to_string((n / 250) % 250) + "." + std::to_string(n % 250 + 1);
  l.active_at = call.now + call.delays.load_balancer_active;
  world.load_balancers.push_back(l);
  return json_response(202, {{"load_balancer", l.object}});
}

ApiResponse list_load_balancers(World& world, Call& call) {
  json items = json::array();
  for (const auto& l : world.load_balancers) items.push_back(l.object);
  return paginated(call, "load_balancers", items);
}

ApiResponse get_load_balancer(World& world, Call& call) {
  auto* l = find_load_balancer(world, call.params["lb_id"]);
  if (!l) return not_found();
  return json_response(200, {{"load_balancer", l->object}});
}

ApiResponse update_load_balancer(World& world, Call& call) {
  auto* l = find_load_balancer(world, call.params["lb_id"]);
  if (!l) return not_found();
  json updated = l->object;
  if (auto e = build(world, call, updated)) return unprocessable(*e);
  l->object = updated;
  return json_response(200, {{"load_balancer", l->object}});
}

ApiResponse delete_load_balancer(World& world, Call& call) {
  auto* l = find_load_balancer(world, call.params["lb_id"]);
  if (!l) return not_found();
  if (!l->gone_at) l->gone_at = call.now + call.delays.load_balancer_delete;
  return no_content();
}

ApiResponse add_load_balancer_droplets(World& world, Call& call) { return change_droplets(world, call, true); }
ApiResponse remove_load_balancer_droplets(World& world, Call& call) { return change_droplets(world, call, false); }

} // namespace fp::dosim
