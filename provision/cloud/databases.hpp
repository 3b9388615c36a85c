// Managed database clusters (/v2/databases) and their trusted sources (the database firewall).
// A cluster is `creating` for minutes and may answer 404 right after its create: see waits.hpp.
// Connection details include the password: keep it out of logs (the client's log redacts it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "client.hpp"

namespace fp::cloud {

struct DatabaseConnection {
  std::string uri;
  std::string database;
  std::string host;
  std::int64_t port = 0;
  std::string user;
  std::string password;
  bool ssl = false;
};

struct Database {
  std::string id;
  std::string name;
  std::string engine;  // pg, mysql, ...
  std::string version;
  std::int64_t num_nodes = 0;
  std::string size;
  std::string region;
  std::string status;  // creating | online | resizing | migrating | forking
  std::string private_network_uuid;
  std::vector<std::string> tags;
  std::vector<std::string> db_names;
  DatabaseConnection connection;
  DatabaseConnection private_connection;
  std::string created_at;
};

struct DatabaseCreate {
  std::string name;
  std::string engine = "pg";
  std::string version; // empty: the engine's default
  std::string size;    // "db-s-1vcpu-1gb"
  std::string region;
  std::int64_t num_nodes = 1;
  std::string private_network_uuid; // empty: the region's default VPC
  std::vector<std::string> tags;
};

// One trusted source. type: ip_addr | droplet | tag | k8s | app; value: an address, a droplet id
// (as a string), a tag, ...
struct DatabaseFirewallRule {
  std::string type;
  std::string value;
  std::string description; // optional
  std::string uuid;        // set by the API
};

Database database_from_json(const nlohmann::json& object);

tl::expected<std::vector<Database>, ApiError> list_databases_by_tag(Client& client, const std::string& tag);
tl::expected<std::optional<Database>, ApiError> find_database(Client& client, const std::string& tag,
                                                              const std::string& name);
// A create: ErrorKind::outcome_unknown when its answer is lost (then find_database first).
// The answer carries the credentials (for MongoDB the only time they are shown).
tl::expected<Database, ApiError> create_database(Client& client, const DatabaseCreate& request);
tl::expected<Database, ApiError> get_database(Client& client, const std::string& id);
// true when deleted, false when it was already gone.
tl::expected<bool, ApiError> delete_database(Client& client, const std::string& id);
tl::expected<std::vector<DatabaseFirewallRule>, ApiError> get_database_firewall(Client& client, const std::string& id);
// Replaces the whole set of trusted sources (an empty set removes them all).
tl::expected<void, ApiError> put_database_firewall(Client& client, const std::string& id,
                                                   const std::vector<DatabaseFirewallRule>& rules);

} // namespace fp::cloud
