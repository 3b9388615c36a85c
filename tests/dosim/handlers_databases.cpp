// Managed database clusters: create (creating -> online after a delay), list by tag, get, delete,
// trusted sources (PUT replaces the set), PgBouncer pools, databases and users.
#include "handlers.hpp"

#include <algorithm>
#include <regex>

namespace fp::dosim {

using nlohmann::json;

namespace {

constexpr std::size_t k_max_trusted_sources = 100;

DatabaseRecord* find_database(World& world, const Call& call) {
  const auto& id = call.params.at("database_cluster_uuid");
  for (auto& d : world.databases) {
    if (d.object["id"] == id && call.now >= d.visible_at) return &d;
  }
  return nullptr;
}

// GB of RAM in a size slug such as db-s-2vcpu-4gb (1 when unknown).
int memory_gb(const std::string& size) {
  static const std::regex pattern("-([0-9]+)gb$");
  std::smatch match;
  return std::regex_search(size, match, pattern) ? std::stoi(match[1].str()) : 1;
}

json connection_json(const json& cluster, const std::string& password, bool private_network, int port,
                     const std::string& database) {
  const std::string engine = cluster["engine"];
  const std::string name = cluster["name"];
  const std::string host = std::string(private_network ? "private-" : "") + name + "-do-user-19081923-0.db.ondigitalocean.com";
  std::string user = "doadmin";
  std::string uri;
  if (engine == "pg") {
    uri = "postgres://doadmin:" + password + "@" + host + ":" + std::to_string(port) + "/" + database + "?sslmode=require";
  } else if (engine == "mysql") {
    uri = "mysql://doadmin:" + password + "@" + host + ":" + std::to_string(port) + "/" + database + "?ssl-mode=REQUIRED";
  } else if (engine == "mongodb") {
    const std::string mongo_host = std::string(private_network ? "private-" : "") + name + "-3f2a1b.mongo.ondigitalocean.com";
    return {{"uri", "mongodb+srv://doadmin:" + password + "@" + mongo_host + "/admin?tls=true&authSource=admin&replicaSet=" + name},
            {"database", "admin"}, {"host", mongo_host}, {"port", 27017}, {"user", "doadmin"}, {"password", password},
            {"ssl", true}};
  } else {
    user = "default";
    uri = "rediss://default:" + password + "@" + host + ":" + std::to_string(port);
  }
  return {{"uri", uri}, {"database", database}, {"host", host}, {"port", port}, {"user", user}, {"password", password},
          {"ssl", true}};
}

// MongoDB shows its password only in the create response [API.md §10.1].
json redacted(const json& cluster) {
  if (cluster["engine"] != "mongodb") return cluster;
  json copy = cluster;
  for (const char* key : {"connection", "private_connection", "standby_connection", "standby_private_connection"}) {
    if (!copy.contains(key)) continue;
    auto& c = copy[key];
    const std::string password = c["password"];
    c["password"] = "";
    std::string uri = c["uri"];
    if (const auto at = uri.find(":" + password + "@"); at != std::string::npos && !password.empty()) {
      uri.erase(at, password.size() + 1);
    }
    c["uri"] = uri;
  }
  for (auto& u : copy["users"]) u["password"] = "";
  return copy;
}

// Checks and completes a trusted-source list; nullopt on success.
std::optional<std::string> trusted_sources(World& world, const DatabaseRecord& cluster, const json& in, SimTime now,
                                           json& out) {
  out = json::array();
  if (in.is_null()) return std::nullopt;
  if (!in.is_array()) return "rules must be a list of {type, value}";
  if (in.size() > k_max_trusted_sources) return "at most 100 trusted sources are allowed";
  for (const auto& rule : in) {
    const auto type = body_string(rule, "type");
    const auto value = body_string(rule, "value");
    if (!type || !value || value->empty()) return "each rule needs a type and a value";
    if (*type == "ip_addr") {
      if (value->find(':') != std::string::npos) return "IPv6 addresses are not supported in trusted sources";
      std::uint32_t network = 0;
      int prefix = 0;
      if (!parse_cidr(value->find('/') == std::string::npos ? *value + "/32" : *value, network, prefix)) {
        return "invalid IP address or CIDR '" + *value + "'";
      }
    } else if (*type == "droplet") {
      if (!parse_id(*value)) return "droplet rules take the droplet id as a string, not '" + *value + "'";
    } else if (*type != "tag" && *type != "k8s" && *type != "app") {
      return "type must be one of ip_addr, droplet, tag, k8s, app";
    }
    json stored = {{"uuid", world.ids().uuid()}, {"cluster_uuid", cluster.object["id"]}, {"type", *type},
                   {"value", *value}, {"created_at", iso8601(now)}};
    if (const auto description = body_string(rule, "description")) stored["description"] = *description;
    out.push_back(stored);
  }
  return std::nullopt;
}

} // namespace

ApiResponse database_options(World& world, Call&) { return json_response(200, world.catalog().database_options()); }

ApiResponse create_database(World& world, Call& call) {
  const json& body = call.body;
  if (!body.is_object()) return unprocessable("The request body must be a JSON object.");
  const auto name = body_string(body, "name");
  if (!name || name->empty()) return unprocessable("name is required");
  if (name->find('_') != std::string::npos) return unprocessable("Cluster names cannot have '_'");
  static const std::regex name_pattern("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", std::regex::icase);
  if (!std::regex_match(*name, name_pattern)) {
    return unprocessable("cluster names are 3 to 63 letters, digits and dashes, starting and ending with a letter or digit");
  }
  if (std::any_of(world.databases.begin(), world.databases.end(), [&](const DatabaseRecord& d) { return d.object["name"] == *name; })) {
    return unprocessable("a database cluster named " + *name + " already exists");
  }
  const auto engine = body_string(body, "engine");
  const auto size = body_string(body, "size");
  const auto region = body_string(body, "region");
  if (!engine || !size || !region || !body.contains("num_nodes") || !body["num_nodes"].is_number_integer()) {
    return unprocessable("engine, size, region and num_nodes are required");
  }
  const int num_nodes = body["num_nodes"].get<int>();
  const std::string version = body_string(body, "version").value_or(world.catalog().default_database_version(*engine));
  if (auto problem = world.catalog().check_database(*engine, version, *region, *size, num_nodes)) {
    return unprocessable(*problem);
  }

  std::string vpc_uuid = body_string(body, "private_network_uuid").value_or("");
  if (!vpc_uuid.empty()) {
    const json* vpc = world.find_vpc(vpc_uuid);
    if (!vpc) return unprocessable("private_network_uuid names no VPC of this account");
    if ((*vpc)["region"] != *region) return unprocessable("the VPC is not in the cluster's region");
  }
  json tags = json::array();
  if (body.contains("tags") && !body["tags"].is_null()) {
    if (!body["tags"].is_array()) return unprocessable("tags must be a list of tag names");
    for (const auto& t : body["tags"]) {
      if (!t.is_string() || !World::valid_tag_name(t.get<std::string>())) return unprocessable("invalid tag name " + t.dump());
    }
  }

  DatabaseRecord record;
  const std::string id = world.ids().uuid();
  record.object = {{"id", id}, {"name", *name}, {"engine", *engine}};
  if (auto e = trusted_sources(world, record, body.value("rules", json()), call.now, record.rules)) return unprocessable(*e);
  // Everything checked: the account changes from here on.
  if (vpc_uuid.empty()) vpc_uuid = world.default_vpc(*region, call.now)["id"].get<std::string>();
  if (body.contains("tags") && body["tags"].is_array()) {
    for (const auto& t : body["tags"]) tags.push_back(world.ensure_tag(t.get<std::string>()));
  }

  const std::string password = world.ids().token(16);
  const bool pg_like = *engine == "pg" || *engine == "mysql";
  const std::string database = pg_like ? "defaultdb" : "";
  const int port = *engine == "valkey" ? 25061 : 25060;
  auto& o = record.object;
  o["version"] = version;
  o["semantic_version"] = version.find('.') == std::string::npos ? version + ".4" : version + ".2";
  o["num_nodes"] = num_nodes;
  o["size"] = *size;
  o["region"] = *region;
  o["status"] = "creating";
  o["created_at"] = iso8601(call.now);
  o["private_network_uuid"] = vpc_uuid;
  o["tags"] = tags;
  o["db_names"] = pg_like ? json::array({"defaultdb"}) : json(nullptr);
  o["connection"] = connection_json(o, password, false, port, database);
  o["private_connection"] = connection_json(o, password, true, port, database);
  if (num_nodes > 1) {
    o["standby_connection"] = connection_json(o, password, false, port, database);
    o["standby_private_connection"] = connection_json(o, password, true, port, database);
    o["standby_connection"]["host"] = "replica-" + o["standby_connection"]["host"].get<std::string>();
  }
  o["users"] = json::array({{{"name", o["connection"]["user"]}, {"role", "primary"}, {"password", password}}});
  o["maintenance_window"] = {{"day", "saturday"}, {"hour", "08:45:12"}, {"pending", false}, {"description", json::array()}};
  o["project_id"] = body_string(body, "project_id").value_or("");
  if (o["project_id"] == "") o["project_id"] = "6c1fcd0a-0000-4d4a-9ab1-0c2e1a2f3b4c";
  o["storage_size_mib"] = body.contains("storage_size_mib") && body["storage_size_mib"].is_number_integer()
                            ? body["storage_size_mib"].get<std::int64_t>()
                            : std::int64_t{10240} * memory_gb(*size);
  o["metrics_endpoints"] = json::array({{{"host", o["connection"]["host"]}, {"port", 9273}}});
  // A host that runs clusters (--hosts netns) starts a real PostgreSQL now; both connections then
  // name its VPC address (there is no public side for it to have).
  if (*engine == "pg") {
    const json* vpc = world.find_vpc(vpc_uuid);
    const std::string range = vpc != nullptr ? vpc->value("ip_range", "") : "";
    if (const auto address = world.host().start_database(id, range, password)) {
      for (const char* key : {"connection", "private_connection"}) {
        auto& c = o[key];
        c["host"] = *address;
        c["uri"] = "postgres://doadmin:" + password + "@" + *address + ":" + std::to_string(port) + "/" + database +
                   "?sslmode=require";
      }
    }
  }
  record.visible_at = call.now + call.delays.database_visible;
  record.online_at = call.now + call.delays.database_online;
  world.databases.push_back(record);
  return json_response(201, {{"database", o}});
}

ApiResponse list_databases(World& world, Call& call) {
  const auto tag = call.query.find("tag_name");
  json items = json::array();
  for (const auto& d : world.databases) {
    if (call.now < d.visible_at) continue;
    if (tag != call.query.end() && !world.has_tag(d.object, tag->second)) continue;
    items.push_back(redacted(d.object));
  }
  if (items.empty() && call.faults.null_empty_database_list) return json_response(200, {{"databases", nullptr}});
  return json_response(200, {{"databases", items}});
}

ApiResponse get_database(World& world, Call& call) {
  auto* d = find_database(world, call);
  if (!d) return not_found();
  return json_response(200, {{"database", redacted(d->object)}});
}

ApiResponse delete_database(World& world, Call& call) {
  auto* d = find_database(world, call);
  if (!d) return not_found();
  if (!d->gone_at) d->gone_at = call.now + call.delays.database_delete;
  return no_content();
}

ApiResponse get_database_firewall(World& world, Call& call) {
  auto* d = find_database(world, call);
  if (!d) return not_found();
  return json_response(200, {{"rules", d->rules}});
}

ApiResponse put_database_firewall(World& world, Call& call) {
  auto* d = find_database(world, call);
  if (!d) return not_found();
  if (!call.body.is_object() || !call.body.contains("rules")) return unprocessable("rules is required ({\"rules\": []} removes all)");
  json rules;
  if (auto e = trusted_sources(world, *d, call.body["rules"], call.now, rules)) return unprocessable(*e);
  d->rules = rules;
  return no_content();
}

ApiResponse list_database_pools(World& world, Call& call) {
  auto* d = find_database(world, call);
  if (!d) return not_found();
  return json_response(200, {{"pools", d->pools}});
}

ApiResponse create_database_pool(World& world, Call& call) {
  auto* d = find_database(world, call);
  if (!d) return not_found();
  if (d->object["engine"] != "pg") return unprocessable("connection pools exist for PostgreSQL clusters only");
  const auto name = body_string(call.body, "name");
  const auto mode = body_string(call.body, "mode");
  const auto db = body_string(call.body, "db");
  if (!name || name->size() < 3 || name->size() > 60) return unprocessable("name is required, 3 to 60 characters");
  if (!mode || (*mode != "transaction" && *mode != "session" && *mode != "statement")) {
    return unprocessable("mode must be transaction, session or statement");
  }
  if (!call.body.contains("size") || !call.body["size"].is_number_integer() || call.body["size"].get<int>() < 1) {
    return unprocessable("size is required: the number of backend connections");
  }
  const int size = call.body["size"].get<int>();
  if (!db || std::find(d->object["db_names"].begin(), d->object["db_names"].end(), json(*db)) == d->object["db_names"].end()) {
    return unprocessable("db must name a database of the cluster");
  }
  if (std::any_of(d->pools.begin(), d->pools.end(), [&](const json& p) { return p["name"] == *name; })) {
    return unprocessable("a pool named " + *name + " already exists");
  }
  // 25 backend connections per GB of RAM, 3 reserved, shared by all pools [API.md §10.5].
  int used = size;
  for (const auto& p : d->pools) used += p["size"].get<int>();
  const int budget = 25 * memory_gb(d->object["size"]) - 3;
  if (used > budget) {
    return unprocessable("the pools would use " + std::to_string(used) + " connections; this cluster has " +
                         std::to_string(budget));
  }
  const std::string user = body_string(call.body, "user").value_or("doadmin");
  std::string password;
  for (const auto& u : d->object["users"]) {
    if (u["name"] == user) password = u["password"];
  }
  if (password.empty()) return unprocessable("user " + user + " does not exist on this cluster");
  json pool = {{"name", *name}, {"mode", *mode}, {"size", size}, {"db", *db}, {"user", user},
               {"connection", connection_json(d->object, password, false, 25061, *name)},
               {"private_connection", connection_json(d->object, password, true, 25061, *name)}};
  pool["connection"]["user"] = user;
  pool["private_connection"]["user"] = user;
  d->pools.push_back(pool);
  return json_response(201, {{"pool", pool}});
}

ApiResponse get_database_pool(World& world, Call& call) {
  auto* d = find_database(world, call);
  if (!d) return not_found();
  for (const auto& p : d->pools) {
    if (p["name"] == call.params["pool_name"]) return json_response(200, {{"pool", p}});
  }
  return not_found();
}

ApiResponse delete_database_pool(World& world, Call& call) {
  auto* d = find_database(world, call);
  if (!d) return not_found();
  const auto before = d->pools.size();
  d->pools.erase(std::remove_if(d->pools.begin(), d->pools.end(),
                                [&](const json& p) { return p["name"] == call.params["pool_name"]; }),
                 d->pools.end());
  if (d->pools.size() == before) return not_found();
  return no_content();
}

ApiResponse list_database_dbs(World& world, Call& call) {
  auto* d = find_database(world, call);
  if (!d) return not_found();
  json dbs = json::array();
  for (const auto& n : d->object.value("db_names", json::array())) dbs.push_back({{"name", n}});
  return json_response(200, {{"dbs", dbs}});
}

ApiResponse create_database_db(World& world, Call& call) {
  auto* d = find_database(world, call);
  if (!d) return not_found();
  const auto name = body_string(call.body, "name");
  if (!name || name->empty()) return unprocessable("name is required");
  auto& names = d->object["db_names"];
  if (!names.is_array()) names = json::array();
  if (std::find(names.begin(), names.end(), json(*name)) != names.end()) return unprocessable("database " + *name + " already exists");
  names.push_back(*name);
  return json_response(201, {{"db", {{"name", *name}}}});
}

ApiResponse list_database_users(World& world, Call& call) {
  auto* d = find_database(world, call);
  if (!d) return not_found();
  return json_response(200, {{"users", redacted(d->object)["users"]}});
}

ApiResponse create_database_user(World& world, Call& call) {
  auto* d = find_database(world, call);
  if (!d) return not_found();
  const auto name = body_string(call.body, "name");
  if (!name || name->empty()) return unprocessable("name is required");
  auto& users = d->object["users"];
  if (std::any_of(users.begin(), users.end(), [&](const json& u) { return u["name"] == *name; })) {
    return unprocessable("user " + *name + " already exists");
  }
  json user = {{"name", *name}, {"role", "normal"}, {"password", world.ids().token(16)}};
  users.push_back(user);
  return json_response(201, {{"user", user}});
}

} // namespace fp::dosim
