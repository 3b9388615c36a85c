#include "databases.hpp"

#include "json_read.hpp"
#include "names.hpp"

namespace fp::cloud {

using namespace detail;

namespace {

DatabaseConnection connection_from_json(const nlohmann::json& object) {
  DatabaseConnection connection;
  connection.uri = text(object, "uri");
  connection.database = text(object, "database");
  connection.host = text(object, "host");
  connection.port = integer(object, "port");
  connection.user = text(object, "user");
  connection.password = text(object, "password");
  connection.ssl = boolean(object, "ssl");
  return connection;
}

std::string database_path(const std::string& id) { return "/v2/databases/" + path_segment(id); }

} // namespace

Database database_from_json(const nlohmann::json& object) {
  Database database;
  database.id = text(object, "id");
  database.name = text(object, "name");
  database.engine = text(object, "engine");
  database.version = text(object, "version");
  database.num_nodes = integer(object, "num_nodes");
  database.size = text(object, "size");
  database.region = text(object, "region");
  database.status = text(object, "status");
  database.private_network_uuid = text(object, "private_network_uuid");
  database.tags = texts(object, "tags");
  database.db_names = texts(object, "db_names");
  database.connection = connection_from_json(member(object, "connection"));
  database.private_connection = connection_from_json(member(object, "private_connection"));
  database.created_at = text(object, "created_at");
  return database;
}

tl::expected<std::vector<Database>, ApiError> list_databases_by_tag(Client& client, const std::string& tag) {
  // Documented without pagination; list() still follows links if the API ever sends them.
  auto items = client.list(with_query("/v2/databases", "tag_name", tag), "databases");
  if (!items) return tl::unexpected(items.error());
  std::vector<Database> databases;
  for (const auto& item : *items) databases.push_back(database_from_json(item));
  return databases;
}

tl::expected<std::optional<Database>, ApiError> find_database(Client& client, const std::string& tag,
                                                              const std::string& name) {
  auto databases = list_databases_by_tag(client, tag);
  if (!databases) return tl::unexpected(databases.error());
  for (auto& database : *databases)
    if (database.name == name) return std::optional<Database>(std::move(database));
  return std::optional<Database>();
}

tl::expected<Database, ApiError> create_database(Client& client, const DatabaseCreate& request) {
  if (auto ok = check_database_name(request.name); !ok) return tl::unexpected(ok.error());
  for (const auto& tag : request.tags)
    if (auto ok = check_tag_name(tag); !ok) return tl::unexpected(ok.error());
  if (request.engine.empty() || request.size.empty() || request.region.empty() || request.num_nodes < 1)
    return tl::unexpected(make_error(ErrorKind::config, "a database cluster needs an engine, a size, a region and "
                                                        "at least one node"));
  nlohmann::json body = {{"name", request.name},         {"engine", request.engine},
                         {"size", request.size},         {"region", request.region},
                         {"num_nodes", request.num_nodes}, {"tags", request.tags}};
  if (!request.version.empty()) body["version"] = request.version;
  if (!request.private_network_uuid.empty()) body["private_network_uuid"] = request.private_network_uuid;
  auto response = client.post("/v2/databases", body, Replay::create);
  if (!response) return tl::unexpected(response.error());
  auto object = single(*response, "database", "POST /v2/databases");
  if (!object) return tl::unexpected(object.error());
  return database_from_json(**object);
}

tl::expected<Database, ApiError> get_database(Client& client, const std::string& id) {
  auto response = client.get(database_path(id));
  if (!response) return tl::unexpected(response.error());
  auto object = single(*response, "database", "GET " + database_path(id));
  if (!object) return tl::unexpected(object.error());
  return database_from_json(**object);
}

tl::expected<bool, ApiError> delete_database(Client& client, const std::string& id) {
  auto response = client.del(database_path(id));
  if (response) return true;
  if (response.error().kind == ErrorKind::not_found) return false;
  return tl::unexpected(response.error());
}

tl::expected<std::vector<DatabaseFirewallRule>, ApiError> get_database_firewall(Client& client, const std::string& id) {
  auto response = client.get(database_path(id) + "/firewall");
  if (!response) return tl::unexpected(response.error());
  std::vector<DatabaseFirewallRule> rules;
  const auto& items = member(response->body, "rules");
  if (items.is_array())
    for (const auto& item : items)
      rules.push_back({text(item, "type"), text(item, "value"), text(item, "description"), text(item, "uuid")});
  return rules;
}

tl::expected<void, ApiError> put_database_firewall(Client& client, const std::string& id,
                                                   const std::vector<DatabaseFirewallRule>& rules) {
  nlohmann::json body = {{"rules", nlohmann::json::array()}};
  for (const auto& rule : rules) {
    nlohmann::json item = {{"type", rule.type}, {"value", rule.value}};
    if (!rule.description.empty()) item["description"] = rule.description;
    body["rules"].push_back(std::move(item));
  }
  // A PUT of the full set is idempotent, so it is retried like a GET.
  auto response = client.put(database_path(id) + "/firewall", body);
  if (!response) return tl::unexpected(response.error());
  return {};
}

} // namespace fp::cloud
