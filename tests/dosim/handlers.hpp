// The endpoint handlers: one function per operation of API.md's subset, grouped in files by
// resource (handlers_<group>.cpp). A handler sees the account (World) and the call, and answers
// with the real API's status and body; authentication, rate limits, faults, schema checks and the
// request log happen around it in Simulator.
#pragma once

#include "api.hpp"
#include "faults.hpp"
#include "sim_clock.hpp"
#include "world.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace fp::dosim {

struct Call {
  const ApiRequest& request;
  std::map<std::string, std::string> params; // from the path template, percent-decoded
  std::map<std::string, std::string> query;  // percent-decoded
  nlohmann::json body;                       // parsed body; null when there is none
  std::string base_url;                      // http://127.0.0.1:PORT, for links
  SimTime now = 0;
  Delays delays;                             // in simulated seconds, already scaled
  bool create_fails = false;                 // fault: this droplet create errors later
  const Faults& faults;
};

using Handler = ApiResponse (*)(World&, Call&);

// handlers_account.cpp
ApiResponse get_account(World&, Call&);
ApiResponse list_ssh_keys(World&, Call&);
ApiResponse create_ssh_key(World&, Call&);
ApiResponse get_ssh_key(World&, Call&);
ApiResponse update_ssh_key(World&, Call&);
ApiResponse delete_ssh_key(World&, Call&);

// handlers_catalog.cpp: sizes, regions, images, actions
ApiResponse list_sizes(World&, Call&);
ApiResponse list_regions(World&, Call&);
ApiResponse list_images(World&, Call&);
ApiResponse get_image(World&, Call&);
ApiResponse list_actions(World&, Call&);
ApiResponse get_action(World&, Call&);

// handlers_droplets.cpp
ApiResponse create_droplets(World&, Call&);
ApiResponse list_droplets(World&, Call&);
ApiResponse delete_droplets_by_tag(World&, Call&);
ApiResponse get_droplet(World&, Call&);
ApiResponse delete_droplet(World&, Call&);
ApiResponse list_droplet_actions(World&, Call&);
ApiResponse get_droplet_action(World&, Call&);

// handlers_tags.cpp
ApiResponse create_tag(World&, Call&);
ApiResponse list_tags(World&, Call&);
ApiResponse get_tag(World&, Call&);
ApiResponse delete_tag(World&, Call&);
ApiResponse tag_resources(World&, Call&);
ApiResponse untag_resources(World&, Call&);

// handlers_network.cpp: VPCs and cloud firewalls
ApiResponse create_vpc(World&, Call&);
ApiResponse list_vpcs(World&, Call&);
ApiResponse get_vpc(World&, Call&);
ApiResponse delete_vpc(World&, Call&);
ApiResponse list_vpc_members(World&, Call&);
ApiResponse create_firewall(World&, Call&);
ApiResponse list_firewalls(World&, Call&);
ApiResponse get_firewall(World&, Call&);
ApiResponse update_firewall(World&, Call&);
ApiResponse delete_firewall(World&, Call&);
ApiResponse add_firewall_droplets(World&, Call&);
ApiResponse remove_firewall_droplets(World&, Call&);
ApiResponse add_firewall_tags(World&, Call&);
ApiResponse remove_firewall_tags(World&, Call&);
ApiResponse add_firewall_rules(World&, Call&);
ApiResponse remove_firewall_rules(World&, Call&);

// handlers_databases.cpp
ApiResponse database_options(World&, Call&);
ApiResponse create_database(World&, Call&);
ApiResponse list_databases(World&, Call&);
ApiResponse get_database(World&, Call&);
ApiResponse delete_database(World&, Call&);
ApiResponse get_database_firewall(World&, Call&);
ApiResponse put_database_firewall(World&, Call&);
ApiResponse list_database_pools(World&, Call&);
ApiResponse create_database_pool(World&, Call&);
ApiResponse get_database_pool(World&, Call&);
ApiResponse delete_database_pool(World&, Call&);
ApiResponse list_database_dbs(World&, Call&);
ApiResponse create_database_db(World&, Call&);
ApiResponse list_database_users(World&, Call&);
ApiResponse create_database_user(World&, Call&);

// handlers_load_balancers.cpp
ApiResponse create_load_balancer(World&, Call&);
ApiResponse list_load_balancers(World&, Call&);
ApiResponse get_load_balancer(World&, Call&);
ApiResponse update_load_balancer(World&, Call&);
ApiResponse delete_load_balancer(World&, Call&);
ApiResponse add_load_balancer_droplets(World&, Call&);
ApiResponse remove_load_balancer_droplets(World&, Call&);

// pagination.cpp: {key: page of items, links: {pages: ...}, meta: {total}} with the query's
// page/per_page (default 20, at most 200); links are absolute and keep the other query parameters.
ApiResponse paginated(const Call& call, const std::string& key, const nlohmann::json& items);

// Small readers for request bodies: the value when present with the right type.
std::optional<std::string> body_string(const nlohmann::json& body, const char* key);
bool body_bool(const nlohmann::json& body, const char* key, bool fallback);
// The droplet a body or path names, when it exists and is visible.
DropletRecord* visible_droplet(World& world, const Call& call, std::int64_t id);
std::optional<std::int64_t> parse_id(const std::string& text);

} // namespace fp::dosim
