#include "world.hpp"

#include <algorithm>
#include <regex>

namespace fp::dosim {

using nlohmann::json;

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

json optional_time(const std::optional<SimTime>& t) { return t ? json(*t) : json(nullptr); }
std::optional<SimTime> read_optional_time(const json& j) {
  if (j.is_number()) return j.get<SimTime>();
  return std::nullopt;
}

} // namespace

void World::forget_droplet(std::int64_t id) {
  m_host.destroy(id);
  // Firewalls and load balancers stop listing a droplet that no longer exists.
  for (auto& f : firewalls) {
    auto& ids = f.object["droplet_ids"];
    if (ids.is_array()) ids.erase(std::remove(ids.begin(), ids.end(), json(id)), ids.end());
  }
  for (auto& l : load_balancers) {
    auto& ids = l.object["droplet_ids"];
    if (ids.is_array()) ids.erase(std::remove(ids.begin(), ids.end(), json(id)), ids.end());
  }
}

void World::advance(SimTime now) {
  for (auto it = droplets.begin(); it != droplets.end();) {
    auto& d = it->second;
    if (d.gone_at && now >= *d.gone_at) {
      forget_droplet(it->first);
      it = droplets.erase(it);
      continue;
    }
    if (d.object["status"] == "new" && now >= d.active_at) {
      auto action = actions.find(d.action_id);
      if (d.fails) {
        // Asynchronous placement failed: the action errors and the droplet is gone for good.
        if (action != actions.end()) {
          action->second.object["status"] = "errored";
          action->second.object["completed_at"] = iso8601(d.active_at);
        }
        forget_droplet(it->first);
        it = droplets.erase(it);
        continue;
      }
      d.object["status"] = "active";
      d.object["locked"] = false;
      m_host.activate(it->first);
      if (action != actions.end()) {
        action->second.object["status"] = "completed";
        action->second.object["completed_at"] = iso8601(d.active_at);
      }
    }
    if (d.object["status"] == "active" && now >= d.ips_at && d.object["networks"]["v4"].empty()) {
      d.object["networks"] = d.networks;
    }
    ++it;
  }
  for (auto it = databases.begin(); it != databases.end();) {
    if (it->gone_at && now >= *it->gone_at) {
      m_host.destroy_database(it->object["id"].get<std::string>());
      it = databases.erase(it);
      continue;
    }
    if (it->object["status"] == "creating" && now >= it->online_at) it->object["status"] = "online";
    ++it;
  }
  for (auto it = load_balancers.begin(); it != load_balancers.end();) {
    if (it->gone_at && now >= *it->gone_at) {
      it = load_balancers.erase(it);
      continue;
    }
    if (it->object["status"] == "new" && now >= it->active_at) {
      it->object["status"] = "active";
      it->object["ip"] = it->ip;
    }
    ++it;
  }
  for (auto& f : firewalls) {
    if (f.object["status"] == "waiting" && now >= f.ready_at) {
      f.object["status"] = "succeeded";
      f.object["pending_changes"] = json::array();
    }
  }
}

namespace {

std::vector<std::string> droplet_addresses(const DropletRecord& d) {
  std::vector<std::string> out;
  if (!d.networks.is_object() || !d.networks.contains("v4")) return out;
  for (const auto& n : d.networks["v4"]) {
    if (n.contains("ip_address") && n["ip_address"].is_string()) out.push_back(n["ip_address"].get<std::string>());
  }
  return out;
}

bool lists_id(const json& ids, std::int64_t id) {
  return ids.is_array() && std::find(ids.begin(), ids.end(), json(id)) != ids.end();
}

} // namespace

DropletFirewall World::firewall_for(std::int64_t id) const {
  DropletFirewall out;
  const auto droplet = droplets.find(id);
  if (droplet == droplets.end()) return out;
  for (const auto& f : firewalls) {
    const json& o = f.object;
    bool covers = lists_id(o.value("droplet_ids", json()), id);
    for (const auto& t : o.value("tags", json::array())) covers = covers || (t.is_string() && has_tag(droplet->second.object, t.get<std::string>()));
    if (!covers) continue;
    out.enforced = true;
    for (const auto& rule : o.value("inbound_rules", json::array())) {
      FirewallInboundRule r{rule.value("protocol", ""), rule.value("ports", "0"), {}};
      const json sources = rule.value("sources", json::object());
      for (const auto& a : sources.value("addresses", json::array())) {
        if (a.is_string()) r.sources.push_back(a.get<std::string>());
      }
      for (const auto& [other_id, other] : droplets) {
        bool named = lists_id(sources.value("droplet_ids", json()), other_id);
        for (const auto& t : sources.value("tags", json::array())) named = named || (t.is_string() && has_tag(other.object, t.get<std::string>()));
        if (!named) continue;
        for (auto& a : droplet_addresses(other)) r.sources.push_back(std::move(a));
      }
      // load_balancer_uids: a managed load balancer's address exists only in the API, so they admit nothing.
      out.inbound.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<std::string> World::database_sources(const DatabaseRecord& database) const {
  std::vector<std::string> out;
  for (const auto& rule : database.rules) {
    const std::string type = rule.value("type", "");
    const std::string value = rule.value("value", "");
    if (type == "ip_addr") {
      out.push_back(value);
      continue;
    }
    for (const auto& [id, d] : droplets) {
      const bool named = (type == "droplet" && value == std::to_string(id)) || (type == "tag" && has_tag(d.object, value));
      if (!named) continue;
      for (auto& a : droplet_addresses(d)) out.push_back(std::move(a));
    }
  }
  // A rule that names nothing yet (a tag no droplet carries) must not open the cluster to everyone.
  if (out.empty() && !database.rules.empty()) out.push_back("192.0.2.255/32");
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void World::sync_firewalls() {
  for (const auto& [id, d] : droplets) m_host.apply_firewall(id, firewall_for(id));
  for (const auto& database : databases) m_host.set_database_sources(database.object["id"].get<std::string>(), database_sources(database));
}

json World::to_json() const {
  json out;
  out["next_ids"] = {{"droplet", m_next_droplet_id}, {"action", m_next_action_id}, {"ssh_key", m_next_key_id},
                     {"load_balancer", m_next_load_balancer}};
  json ds = json::array();
  for (const auto& [id, d] : droplets) {
    ds.push_back({{"object", d.object}, {"networks", d.networks}, {"visible_at", d.visible_at},
                  {"active_at", d.active_at}, {"ips_at", d.ips_at}, {"gone_at", optional_time(d.gone_at)},
                  {"fails", d.fails}, {"action_id", d.action_id}});
  }
  out["droplets"] = ds;
  json as = json::array();
  for (const auto& [id, a] : actions) as.push_back(a.object);
  out["actions"] = as;
  out["ssh_keys"] = ssh_keys;
  out["vpcs"] = vpcs;
  out["tags"] = tags;
  json fs = json::array();
  for (const auto& f : firewalls) fs.push_back({{"object", f.object}, {"ready_at", f.ready_at}});
  out["firewalls"] = fs;
  json dbs = json::array();
  for (const auto& d : databases) {
    dbs.push_back({{"object", d.object}, {"rules", d.rules}, {"pools", d.pools}, {"visible_at", d.visible_at},
                   {"online_at", d.online_at}, {"gone_at", optional_time(d.gone_at)}});
  }
  out["databases"] = dbs;
  json lbs = json::array();
  for (const auto& l : load_balancers) {
    lbs.push_back({{"object", l.object}, {"ip", l.ip}, {"active_at", l.active_at}, {"gone_at", optional_time(l.gone_at)}});
  }
  out["load_balancers"] = lbs;
  return out;
}

void World::clear() {
  // What stood behind the droplets goes with them (namespaces and sshd under --hosts netns).
  for (const auto& [id, d] : droplets) m_host.destroy(id);
  for (const auto& database : databases) m_host.destroy_database(database.object["id"].get<std::string>());
  droplets.clear();
  actions.clear();
  ssh_keys.clear();
  vpcs.clear();
  tags.clear();
  firewalls.clear();
  databases.clear();
  load_balancers.clear();
}

tl::expected<void, std::string> World::load(const json& state) {
  try {
    clear();
    const auto& next = state.at("next_ids");
    m_next_droplet_id = next.at("droplet").get<std::int64_t>();
    m_next_action_id = next.at("action").get<std::int64_t>();
    m_next_key_id = next.at("ssh_key").get<std::int64_t>();
    m_next_load_balancer = next.value("load_balancer", std::int64_t{1});
    for (const auto& d : state.at("droplets")) {
      DropletRecord r;
      r.object = d.at("object");
      r.networks = d.at("networks");
      r.visible_at = d.at("visible_at").get<SimTime>();
      r.active_at = d.at("active_at").get<SimTime>();
      r.ips_at = d.at("ips_at").get<SimTime>();
      r.gone_at = read_optional_time(d.at("gone_at"));
      r.fails = d.at("fails").get<bool>();
      r.action_id = d.at("action_id").get<std::int64_t>();
      droplets[r.object.at("id").get<std::int64_t>()] = std::move(r);
    }
    for (const auto& a : state.at("actions")) actions[a.at("id").get<std::int64_t>()] = ActionRecord{a};
    for (const auto& k : state.at("ssh_keys")) ssh_keys.push_back(k);
    for (const auto& v : state.at("vpcs")) vpcs.push_back(v);
    for (const auto& t : state.at("tags")) tags.push_back(t.get<std::string>());
    for (const auto& f : state.at("firewalls")) firewalls.push_back({f.at("object"), f.at("ready_at").get<SimTime>()});
    for (const auto& d : state.at("databases")) {
      DatabaseRecord r;
      r.object = d.at("object");
      r.rules = d.at("rules");
      r.pools = d.at("pools");
      r.visible_at = d.at("visible_at").get<SimTime>();
      r.online_at = d.at("online_at").get<SimTime>();
      r.gone_at = read_optional_time(d.at("gone_at"));
      databases.push_back(std::move(r));
    }
    for (const auto& l : state.value("load_balancers", json::array())) {
      load_balancers.push_back({l.at("object"), l.at("ip").get<std::string>(), l.at("active_at").get<SimTime>(),
                                read_optional_time(l.at("gone_at"))});
    }
  } catch (const json::exception& e) {
    clear();
    return tl::unexpected(std::string("the saved state is not what this dosim writes: ") + e.what());
  }
  return {};
}

const std::string* World::find_tag(const std::string& name) const {
  for (const auto& t : tags) {
    if (t == name) return &t;
  }
  return nullptr;
}

const std::string* World::find_tag_any_case(const std::string& name) const {
  const auto wanted = lower(name);
  for (const auto& t : tags) {
    if (lower(t) == wanted) return &t;
  }
  return nullptr;
}

std::string World::ensure_tag(const std::string& name) {
  if (const auto* existing = find_tag_any_case(name)) return *existing;
  tags.push_back(name);
  return name;
}

bool World::valid_tag_name(const std::string& name) {
  static const std::regex pattern("^[a-zA-Z0-9_\\-:]+$");
  return !name.empty() && name.size() <= 255 && std::regex_match(name, pattern);
}

bool World::has_tag(const json& object, const std::string& tag) const {
  if (!object.contains("tags") || !object["tags"].is_array()) return false;
  const auto wanted = lower(tag);
  return std::any_of(object["tags"].begin(), object["tags"].end(),
                     [&](const json& t) { return t.is_string() && lower(t.get<std::string>()) == wanted; });
}

json World::tag_json(const std::string& name) const {
  int droplet_count = 0;
  std::string last_droplet;
  for (const auto& [id, d] : droplets) {
    if (has_tag(d.object, name)) {
      ++droplet_count;
      last_droplet = "https://api.digitalocean.com/v2/droplets/" + std::to_string(id);
    }
  }
  int database_count = 0;
  std::string last_database;
  for (const auto& d : databases) {
    if (has_tag(d.object, name)) {
      ++database_count;
      last_database = "https://api.digitalocean.com/v2/databases/" + d.object["id"].get<std::string>();
    }
  }
  auto stats = [](int count, const std::string& last) {
    json s = {{"count", count}};
    if (!last.empty()) s["last_tagged_uri"] = last;
    return s;
  };
  json resources = {{"count", droplet_count + database_count},
                    {"droplets", stats(droplet_count, last_droplet)},
                    {"images", {{"count", 0}}},
                    {"volumes", {{"count", 0}}},
                    {"volume_snapshots", {{"count", 0}}},
                    {"databases", stats(database_count, last_database)}};
  const std::string& last = !last_database.empty() ? last_database : last_droplet;
  if (!last.empty()) resources["last_tagged_uri"] = last;
  return {{"name", name}, {"resources", resources}};
}

json* World::find_vpc(const std::string& id) {
  for (auto& v : vpcs) {
    if (v["id"] == id) return &v;
  }
  return nullptr;
}

bool World::range_overlaps(const std::string& cidr) const {
  std::uint32_t network = 0;
  int prefix = 0;
  if (!parse_cidr(cidr, network, prefix)) return false;
  for (const auto& v : vpcs) {
    std::uint32_t other = 0;
    int other_prefix = 0;
    if (!parse_cidr(v["ip_range"].get<std::string>(), other, other_prefix)) continue;
    const int shorter = std::min(prefix, other_prefix);
    const std::uint32_t mask = shorter == 0 ? 0 : ~std::uint32_t{0} << (32 - shorter);
    if ((network & mask) == (other & mask)) return true;
  }
  return false;
}

std::string World::allocate_ip_range() const {
  for (std::uint32_t block = 0; block < 4096; ++block) {
    const std::uint32_t network = (10u << 24) | (110u << 16) | (block << 12); // 10.110.0.0 upwards, /20 each
    const std::string cidr = ipv4_text(network) + "/20";
    if (!range_overlaps(cidr)) return cidr;
  }
  return "10.250.0.0/20";
}

json& World::default_vpc(const std::string& region, SimTime now) {
  for (auto& v : vpcs) {
    if (v["region"] == region && v["default"] == true) return v;
  }
  const std::string id = m_ids.uuid();
  vpcs.push_back({{"id", id},
                  {"urn", "do:vpc:" + id},
                  {"name", "default-" + region},
                  {"description", ""},
                  {"region", region},
                  {"ip_range", allocate_ip_range()},
                  {"default", true},
                  {"created_at", iso8601(now)}});
  return vpcs.back();
}

} // namespace fp::dosim
