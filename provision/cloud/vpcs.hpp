// VPCs (/v2/vpcs). Names are unique per account, so a VPC is found by name before it is created.
// The region's default VPC cannot be deleted; delete_vpc reports 409 "has members" as
// ErrorKind::conflict (members detach slowly after their own delete: retry for a while).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "client.hpp"

namespace fp::cloud {

struct Vpc {
  std::string id;
  std::string urn;
  std::string name;
  std::string description;
  std::string region;
  std::string ip_range;
  bool is_default = false;
  std::string created_at;
};

struct VpcCreate {
  std::string name;
  std::string region;
  std::string description; // optional
  std::string ip_range;    // optional: empty lets DigitalOcean pick a free /20
};

Vpc vpc_from_json(const nlohmann::json& object);

tl::expected<std::vector<Vpc>, ApiError> list_vpcs(Client& client);
tl::expected<std::optional<Vpc>, ApiError> find_vpc(Client& client, const std::string& name);
// The default VPC of `region`, if the account has one there yet.
tl::expected<std::optional<Vpc>, ApiError> find_default_vpc(Client& client, const std::string& region);
// A create: ErrorKind::outcome_unknown when its answer is lost (then find_vpc before retrying).
tl::expected<Vpc, ApiError> create_vpc(Client& client, const VpcCreate& request);
// true when deleted, false when it was already gone.
tl::expected<bool, ApiError> delete_vpc(Client& client, const std::string& id);

} // namespace fp::cloud
