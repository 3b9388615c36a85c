#include "firewalls.hpp"

#include "json_read.hpp"
#include "names.hpp"

namespace fp::cloud {

using namespace detail;

namespace {

FirewallTargets targets_from_json(const nlohmann::json& object) {
  return FirewallTargets{texts(object, "addresses"), texts(object, "tags"), integers(object, "droplet_ids"),
                         texts(object, "load_balancer_uids")};
}

std::vector<FirewallRule> rules_from_json(const nlohmann::json& array, const char* targets_key) {
  std::vector<FirewallRule> rules;
  if (!array.is_array()) return rules;
  for (const auto& item : array)
    rules.push_back({text(item, "protocol"), text(item, "ports"), targets_from_json(member(item, targets_key))});
  return rules;
}

nlohmann::json targets_json(const FirewallTargets& targets) {
  nlohmann::json object = nlohmann::json::object();
  if (!targets.addresses.empty()) object["addresses"] = targets.addresses;
  if (!targets.tags.empty()) object["tags"] = targets.tags;
  if (!targets.droplet_ids.empty()) object["droplet_ids"] = targets.droplet_ids;
  if (!targets.load_balancer_uids.empty()) object["load_balancer_uids"] = targets.load_balancer_uids;
  return object;
}

nlohmann::json rules_json(const std::vector<FirewallRule>& rules, const char* targets_key) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& rule : rules) {
    // icmp has no ports; the API answers "0" for them and the official schema requires the field,
    // so "0" is sent rather than nothing.
    nlohmann::json item = {{"protocol", rule.protocol}};
    item["ports"] = rule.protocol == "icmp" || rule.ports.empty() ? "0" : rule.ports;
    item[targets_key] = targets_json(rule.targets);
    array.push_back(std::move(item));
  }
  return array;
}

tl::expected<void, ApiError> check_spec(const FirewallSpec& spec) {
  if (auto ok = check_firewall_name(spec.name); !ok) return ok;
  if (spec.inbound.empty() && spec.outbound.empty())
    return tl::unexpected(make_error(ErrorKind::config, "firewall '" + spec.name + "' has no rules",
                                     "give at least one inbound or outbound rule"));
  for (const auto& tag : spec.tags)
    if (auto ok = check_tag_name(tag); !ok) return ok;
  return {};
}

} // namespace

Firewall firewall_from_json(const nlohmann::json& object) {
  Firewall firewall;
  firewall.id = text(object, "id");
  firewall.status = text(object, "status");
  firewall.created_at = text(object, "created_at");
  firewall.spec.name = text(object, "name");
  firewall.spec.inbound = rules_from_json(member(object, "inbound_rules"), "sources");
  firewall.spec.outbound = rules_from_json(member(object, "outbound_rules"), "destinations");
  firewall.spec.droplet_ids = integers(object, "droplet_ids");
  firewall.spec.tags = texts(object, "tags");
  const auto& pending = member(object, "pending_changes");
  firewall.pending_changes = pending.is_array() ? pending.size() : 0;
  return firewall;
}

nlohmann::json firewall_body(const FirewallSpec& spec) {
  nlohmann::json body = {{"name", spec.name}};
  body["inbound_rules"] = rules_json(spec.inbound, "sources");
  body["outbound_rules"] = rules_json(spec.outbound, "destinations");
  body["droplet_ids"] = spec.droplet_ids;
  body["tags"] = spec.tags;
  return body;
}

tl::expected<std::vector<Firewall>, ApiError> list_firewalls(Client& client) {
  auto items = client.list("/v2/firewalls", "firewalls");
  if (!items) return tl::unexpected(items.error());
  std::vector<Firewall> firewalls;
  for (const auto& item : *items) firewalls.push_back(firewall_from_json(item));
  return firewalls;
}

tl::expected<std::optional<Firewall>, ApiError> find_firewall(Client& client, const std::string& name) {
  auto firewalls = list_firewalls(client);
  if (!firewalls) return tl::unexpected(firewalls.error());
  for (auto& firewall : *firewalls)
    if (firewall.spec.name == name) return std::optional<Firewall>(std::move(firewall));
  return std::optional<Firewall>();
}

tl::expected<Firewall, ApiError> create_firewall(Client& client, const FirewallSpec& spec) {
  if (auto ok = check_spec(spec); !ok) return tl::unexpected(ok.error());
  auto response = client.post("/v2/firewalls", firewall_body(spec), Replay::create);
  if (!response) return tl::unexpected(response.error());
  auto object = single(*response, "firewall", "POST /v2/firewalls");
  if (!object) return tl::unexpected(object.error());
  return firewall_from_json(**object);
}

tl::expected<Firewall, ApiError> update_firewall(Client& client, const std::string& id, const FirewallSpec& spec) {
  if (auto ok = check_spec(spec); !ok) return tl::unexpected(ok.error());
  const std::string path = "/v2/firewalls/" + path_segment(id);
  auto response = client.put(path, firewall_body(spec));
  if (!response) return tl::unexpected(response.error());
  auto object = single(*response, "firewall", "PUT " + path);
  if (!object) return tl::unexpected(object.error());
  return firewall_from_json(**object);
}

tl::expected<bool, ApiError> delete_firewall(Client& client, const std::string& id) {
  auto response = client.del("/v2/firewalls/" + path_segment(id));
  if (response) return true;
  if (response.error().kind == ErrorKind::not_found) return false;
  return tl::unexpected(response.error());
}

} // namespace fp::cloud
