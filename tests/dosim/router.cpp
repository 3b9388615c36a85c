#include "router.hpp"

namespace fp::dosim {
namespace {

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// Matches with literal segments preferred; fills params.
int match(const std::string& path_template, const std::vector<std::string>& path, std::map<std::string, std::string>& params) {
  const auto parts = segments(path_template);
  if (parts.size() != path.size()) return -1;
  int literals = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].size() > 2 && parts[i].front() == '{' && parts[i].back() == '}') {
      if (path[i].empty()) return -1;
      params[parts[i].substr(1, parts[i].size() - 2)] = percent_decode(path[i]);
    } else if (parts[i] == path[i]) {
      ++literals;
    } else {
      return -1;
    }
  }
  return literals;
}

} // namespace

const std::vector<Route>& routes() {
  static const std::vector<Route> table = {
    {"GET", "/v2/account", get_account},
    {"GET", "/v2/account/keys", list_ssh_keys},
    {"POST", "/v2/account/keys", create_ssh_key},
    {"GET", "/v2/account/keys/{ssh_key_identifier}", get_ssh_key},
    {"PUT", "/v2/account/keys/{ssh_key_identifier}", update_ssh_key},
    {"DELETE", "/v2/account/keys/{ssh_key_identifier}", delete_ssh_key},

    {"GET", "/v2/sizes", list_sizes},
    {"GET", "/v2/regions", list_regions},
    {"GET", "/v2/images", list_images},
    {"GET", "/v2/images/{image_id}", get_image},
    {"GET", "/v2/actions", list_actions},
    {"GET", "/v2/actions/{action_id}", get_action},

    {"POST", "/v2/droplets", create_droplets},
    {"GET", "/v2/droplets", list_droplets},
    {"DELETE", "/v2/droplets", delete_droplets_by_tag},
    {"GET", "/v2/droplets/{droplet_id}", get_droplet},
    {"DELETE", "/v2/droplets/{droplet_id}", delete_droplet},
    {"GET", "/v2/droplets/{droplet_id}/actions", list_droplet_actions},
    {"GET", "/v2/droplets/{droplet_id}/actions/{action_id}", get_droplet_action},

    {"POST", "/v2/tags", create_tag},
    {"GET", "/v2/tags", list_tags},
    {"GET", "/v2/tags/{tag_id}", get_tag},
    {"DELETE", "/v2/tags/{tag_id}", delete_tag},
    {"POST", "/v2/tags/{tag_id}/resources", tag_resources},
    {"DELETE", "/v2/tags/{tag_id}/resources", untag_resources},

    {"POST", "/v2/vpcs", create_vpc},
    {"GET", "/v2/vpcs", list_vpcs},
    {"GET", "/v2/vpcs/{vpc_id}", get_vpc},
    {"DELETE", "/v2/vpcs/{vpc_id}", delete_vpc},
    {"GET", "/v2/vpcs/{vpc_id}/members", list_vpc_members},

    {"POST", "/v2/firewalls", create_firewall},
    {"GET", "/v2/firewalls", list_firewalls},
    {"GET", "/v2/firewalls/{firewall_id}", get_firewall},
    {"PUT", "/v2/firewalls/{firewall_id}", update_firewall},
    {"DELETE", "/v2/firewalls/{firewall_id}", delete_firewall},
    {"POST", "/v2/firewalls/{firewall_id}/droplets", add_firewall_droplets},
    {"DELETE", "/v2/firewalls/{firewall_id}/droplets", remove_firewall_droplets},
    {"POST", "/v2/firewalls/{firewall_id}/tags", add_firewall_tags},
    {"DELETE", "/v2/firewalls/{firewall_id}/tags", remove_firewall_tags},
    {"POST", "/v2/firewalls/{firewall_id}/rules", add_firewall_rules},
    {"DELETE", "/v2/firewalls/{firewall_id}/rules", remove_firewall_rules},

    {"POST", "/v2/load_balancers", create_load_balancer},
    {"GET", "/v2/load_balancers", list_load_balancers},
    {"GET", "/v2/load_balancers/{lb_id}", get_load_balancer},
    {"PUT", "/v2/load_balancers/{lb_id}", update_load_balancer},
    {"DELETE", "/v2/load_balancers/{lb_id}", delete_load_balancer},
    {"POST", "/v2/load_balancers/{lb_id}/droplets", add_load_balancer_droplets},
    {"DELETE", "/v2/load_balancers/{lb_id}/droplets", remove_load_balancer_droplets},

    {"GET", "/v2/databases/options", database_options},
    {"POST", "/v2/databases", create_database},
    {"GET", "/v2/databases", list_databases},
    {"GET", "/v2/databases/{database_cluster_uuid}", get_database},
    {"DELETE", "/v2/databases/{database_cluster_uuid}", delete_database},
    {"GET", "/v2/databases/{database_cluster_uuid}/firewall", get_database_firewall},
    {"PUT", "/v2/databases/{database_cluster_uuid}/firewall", put_database_firewall},
    {"GET", "/v2/databases/{database_cluster_uuid}/pools", list_database_pools},
    {"POST", "/v2/databases/{database_cluster_uuid}/pools", create_database_pool},
    {"GET", "/v2/databases/{database_cluster_uuid}/pools/{pool_name}", get_database_pool},
    {"DELETE", "/v2/databases/{database_cluster_uuid}/pools/{pool_name}", delete_database_pool},
    {"GET", "/v2/databases/{database_cluster_uuid}/dbs", list_database_dbs},
    {"POST", "/v2/databases/{database_cluster_uuid}/dbs", create_database_db},
    {"GET", "/v2/databases/{database_cluster_uuid}/users", list_database_users},
    {"POST", "/v2/databases/{database_cluster_uuid}/users", create_database_user},
  };
  return table;
}

RouteMatch match_route(const std::string& method, const std::string& path) {
  RouteMatch result;
  const auto parts = segments(path);
  int best = -1;
  int best_any_method = -1;
  for (const auto& route : routes()) {
    std::map<std::string, std::string> params;
    const int score = match(route.path_template, parts, params);
    if (score < 0) continue;
    best_any_method = std::max(best_any_method, score);
    if (route.method == method && score > best) {
      best = score;
      result.route = &route;
      result.params = std::move(params);
    }
  }
  // A more literal path served by another method is a 405, not this route.
  if (result.route && best_any_method > best) {
    result.route = nullptr;
    result.params.clear();
  }
  result.path_known = best_any_method >= 0;
  return result;
}

} // namespace fp::dosim
