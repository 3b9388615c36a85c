// Droplets (/v2/droplets). Droplet names are not unique and the API has no idempotency key, so
// a create whose answer is lost (ErrorKind::outcome_unknown) must be followed by find_droplets
// (by tag, then name) before anything is created again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "client.hpp"

namespace fp::cloud {

struct Droplet {
  std::int64_t id = 0;
  std::string name;
  std::string status; // new | active | off | archive
  bool locked = false;
  std::string region;    // slug
  std::string size_slug;
  std::string image;     // slug, or the image id for private images
  std::string vpc_uuid;
  std::vector<std::string> tags;
  std::string public_ipv4;  // empty until networking is up (which can be after `active`)
  std::string private_ipv4; // the VPC address
  std::int64_t memory_mb = 0;
  std::int64_t vcpus = 0;
  std::int64_t disk_gb = 0;
  std::string created_at;
};

struct DropletCreate {
  std::vector<std::string> names; // 1 to 10 per request (the API's limit)
  std::string region;
  std::string size;
  std::string image;                 // slug ("debian-12-x64") or numeric id of a private image
  std::vector<std::string> ssh_keys; // ids or fingerprints, never names (the API refuses names)
  std::vector<std::string> tags;     // created by the API when missing
  std::string user_data;             // cloud-init, at most 64 KiB
  std::string vpc_uuid;              // empty: the region's default VPC
  bool monitoring = false;
  bool ipv6 = false;
};

struct CreatedDroplets {
  std::vector<Droplet> droplets;        // as accepted (status "new", no addresses yet)
  std::vector<std::int64_t> action_ids; // the create actions, one per droplet
};

Droplet droplet_from_json(const nlohmann::json& object);
// The JSON body for POST /v2/droplets (single- or multi-create shape), after local checks.
tl::expected<nlohmann::json, ApiError> droplet_create_body(const DropletCreate& request);

tl::expected<std::vector<Droplet>, ApiError> list_droplets_by_tag(Client& client, const std::string& tag);
// ErrorKind::not_found when there is no such droplet (right after a create this is normal for a while).
tl::expected<Droplet, ApiError> get_droplet(Client& client, std::int64_t id);
// One POST for all the names. Record the returned ids before waiting for them.
tl::expected<CreatedDroplets, ApiError> create_droplets(Client& client, const DropletCreate& request);
// The droplets carrying `tag` whose names are in `names`: what an earlier or lost create made.
tl::expected<std::vector<Droplet>, ApiError> find_droplets(Client& client, const std::string& tag,
                                                           const std::vector<std::string>& names);
// true when deleted, false when it was already gone.
tl::expected<bool, ApiError> delete_droplet(Client& client, std::int64_t id);
// Deletes every droplet carrying `tag` (one request).
tl::expected<void, ApiError> delete_droplets_by_tag(Client& client, const std::string& tag);

} // namespace fp::cloud
