#include "infra/records.hpp"

#include "infra/apply.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

namespace fp::infra {

std::optional<Role> role_from_tags(const std::vector<std::string>& tags, const std::string& project) {
  for (const Role role : {Role::lb, Role::worker, Role::db})
    if (std::find(tags.begin(), tags.end(), role_tag(project, role)) != tags.end()) return role;
  return std::nullopt;
}

std::string now_iso8601() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

StateResource record_of(const cloud::Droplet& droplet, const std::string& role) {
  return StateResource{"droplet",           std::to_string(droplet.id), droplet.name,
                       role,                droplet.size_slug,          droplet.region,
                       droplet.status,      droplet.public_ipv4,        droplet.private_ipv4,
                       droplet.created_at.empty() ? now_iso8601() : droplet.created_at, true};
}

StateResource record_of(const cloud::Database& database) {
  return StateResource{"database", database.id, database.name, "db", database.size, database.region, database.status,
                       database.connection.host, database.private_connection.host,
                       database.created_at.empty() ? now_iso8601() : database.created_at, true};
}

State state_from(const Observed& observed, const std::string& project, const std::string& api_url, const State& previous) {
  State state;
  state.project = project;
  state.api_url = api_url;
  state.host_keys = previous.host_keys;
  if (observed.ssh_key) {
    const auto& key = *observed.ssh_key;
    state.upsert({"ssh_key", std::to_string(key.id), key.name, "", "", "", "", "", "", "", true});
  }
  if (observed.vpc) {
    const auto& vpc = *observed.vpc;
    state.upsert({"vpc", vpc.id, vpc.name, "", "", vpc.region, "", "", "", vpc.created_at,
                  vpc.description == vpc_description(project)});
  }
  for (const auto& droplet : observed.droplets) {
    const auto role = role_from_tags(droplet.tags, project);
    state.upsert(record_of(droplet, role ? std::string(to_string(*role)) : std::string()));
  }
  for (const auto& database : observed.databases) state.upsert(record_of(database));
  for (const auto& firewall : observed.firewalls)
    state.upsert({"firewall", firewall.id, firewall.spec.name, "", "", "", firewall.status, "", "", firewall.created_at, true});
  return state;
}

} // namespace fp::infra
