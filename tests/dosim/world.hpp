// The simulated account: every resource it holds, in the API's own JSON shapes, plus the moments
// at which each pending change happens (a droplet becoming active, a cluster coming online, a
// deleted resource disappearing). Changes are applied lazily by advance(now) before each request,
// so no timers run and simulated time can jump. The whole state round-trips through JSON for
// --state-dir.
#pragma once

#include "catalog.hpp"
#include "droplet_host.hpp"
#include "ids.hpp"
#include "sim_clock.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tl/expected.hpp>
#include <vector>

namespace fp::dosim {

struct DropletRecord {
  nlohmann::json object;   // what GET /v2/droplets/{id} answers
  nlohmann::json networks; // what object.networks becomes once the addresses appear
  SimTime visible_at = 0;  // GET answers 404 before this
  SimTime active_at = 0;
  SimTime ips_at = 0;
  std::optional<SimTime> gone_at; // deleted: visible until then
  bool fails = false;      // the create action errors at active_at and the droplet vanishes
  std::int64_t action_id = 0;
};

struct ActionRecord {
  nlohmann::json object;
};

struct DatabaseRecord {
  nlohmann::json object;
  nlohmann::json rules = nlohmann::json::array(); // trusted sources
  nlohmann::json pools = nlohmann::json::array();
  SimTime visible_at = 0;
  SimTime online_at = 0;
  std::optional<SimTime> gone_at;
};

struct LoadBalancerRecord {
  nlohmann::json object;
  std::string ip;         // shown in object.ip once active
  SimTime active_at = 0;
  std::optional<SimTime> gone_at;
};

struct FirewallRecord {
  nlohmann::json object;
  SimTime ready_at = 0;
};

class World {
public:
  World(const Catalog& catalog, DropletHost& host) : m_catalog(catalog), m_host(host) {}

  const Catalog& catalog() const { return m_catalog; }
  DropletHost& host() { return m_host; }
  IdSource& ids() { return m_ids; }

  // Applies every change due at `now`.
  void advance(SimTime now);

  nlohmann::json to_json() const;
  tl::expected<void, std::string> load(const nlohmann::json& state);
  void clear();

  // Tags: names keep the capitalization they were first created with.
  const std::string* find_tag(const std::string& name) const;            // exact
  const std::string* find_tag_any_case(const std::string& name) const;
  std::string ensure_tag(const std::string& name);                       // returns the canonical name
  static bool valid_tag_name(const std::string& name);
  nlohmann::json tag_json(const std::string& name) const;

  // The region's default VPC, created on first use as DigitalOcean does.
  nlohmann::json& default_vpc(const std::string& region, SimTime now);
  nlohmann::json* find_vpc(const std::string& id);
  // A free /20 in 10.0.0.0/8 for a new VPC.
  std::string allocate_ip_range() const;
  bool range_overlaps(const std::string& cidr) const;

  std::int64_t new_droplet_id() { return m_next_droplet_id++; }
  std::int64_t new_action_id() { return m_next_action_id++; }
  std::int64_t new_key_id() { return m_next_key_id++; }
  std::int64_t new_load_balancer_number() { return m_next_load_balancer++; }
  static constexpr std::int64_t k_first_droplet_id = 3164444;
  std::int64_t first_droplet_id() const { return k_first_droplet_id; }

  // Droplets: visible ones (created and not yet gone) at `now`.
  bool droplet_visible(const DropletRecord& droplet, SimTime now) const { return now >= droplet.visible_at; }
  bool has_tag(const nlohmann::json& object, const std::string& tag) const;

  // The cloud firewalls as they apply to droplet `id`: tags and droplet ids among the sources become
  // those droplets' addresses. Outbound rules are not included (outbound stays open).
  DropletFirewall firewall_for(std::int64_t id) const;
  // Hands every droplet's firewall to the host; the simulator calls it after each request, since
  // firewalls, tags and droplets (and so the addresses a tag stands for) change in many handlers.
  void sync_firewalls();
  // The trusted sources of every managed database as addresses (droplet ids and tags expanded to
  // the droplets' private addresses, which is where their connections come from on the VPC).
  std::vector<std::string> database_sources(const DatabaseRecord& database) const;

  std::map<std::int64_t, DropletRecord> droplets;
  std::map<std::int64_t, ActionRecord> actions;
  std::vector<nlohmann::json> ssh_keys;
  std::vector<nlohmann::json> vpcs;
  std::vector<std::string> tags;
  std::vector<FirewallRecord> firewalls;
  std::vector<DatabaseRecord> databases;
  std::vector<LoadBalancerRecord> load_balancers;

private:
  void forget_droplet(std::int64_t id);

  const Catalog& m_catalog;
  DropletHost& m_host;
  IdSource m_ids;
  std::int64_t m_next_droplet_id = k_first_droplet_id;
  std::int64_t m_next_action_id = 36804636;
  std::int64_t m_next_key_id = 512190;
  std::int64_t m_next_load_balancer = 1;
};

} // namespace fp::dosim
