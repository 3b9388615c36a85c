#include "droplets.hpp"

#include <algorithm>

#include "json_read.hpp"
#include "names.hpp"

namespace fp::cloud {

using namespace detail;

namespace {

constexpr std::size_t k_max_names = 10;
constexpr std::size_t k_max_user_data = 64 * 1024;

bool all_digits(const std::string& value) {
  return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The API takes integer ids as JSON numbers and fingerprints as strings.
nlohmann::json key_or_id(const std::string& value) {
  if (all_digits(value) && value.size() < 18) return std::stoll(value);
  return value;
}

} // namespace

Droplet droplet_from_json(const nlohmann::json& object) {
  Droplet droplet;
  droplet.id = integer(object, "id");
  droplet.name = text(object, "name");
  droplet.status = text(object, "status");
  droplet.locked = boolean(object, "locked");
  droplet.region = text(member(object, "region"), "slug");
  droplet.size_slug = text(object, "size_slug");
  if (droplet.size_slug.empty()) droplet.size_slug = text(member(object, "size"), "slug");
  const auto& image = member(object, "image");
  droplet.image = text(image, "slug");
  if (droplet.image.empty()) droplet.image = text(image, "id");
  droplet.vpc_uuid = text(object, "vpc_uuid");
  droplet.tags = texts(object, "tags");
  const auto& v4 = member(member(object, "networks"), "v4");
  if (v4.is_array()) {
    for (const auto& network : v4) {
      const std::string type = text(network, "type");
      const std::string address = text(network, "ip_address");
      if (type == "public" && droplet.public_ipv4.empty()) droplet.public_ipv4 = address;
      if (type == "private" && droplet.private_ipv4.empty()) droplet.private_ipv4 = address;
    }
  }
  droplet.memory_mb = integer(object, "memory");
  droplet.vcpus = integer(object, "vcpus");
  droplet.disk_gb = integer(object, "disk");
  droplet.created_at = text(object, "created_at");
  return droplet;
}

tl::expected<nlohmann::json, ApiError> droplet_create_body(const DropletCreate& request) {
  if (request.names.empty() || request.names.size() > k_max_names)
    return tl::unexpected(make_error(ErrorKind::config,
                                     "a droplet create takes 1 to 10 names, not " + std::to_string(request.names.size()),
                                     "split the droplets into several creates"));
  for (const auto& name : request.names)
    if (auto ok = check_droplet_name(name); !ok) return tl::unexpected(ok.error());
  for (const auto& tag : request.tags)
    if (auto ok = check_tag_name(tag); !ok) return tl::unexpected(ok.error());
  if (request.size.empty() || request.image.empty())
    return tl::unexpected(make_error(ErrorKind::config, "a droplet needs a size and an image"));
  if (request.user_data.size() > k_max_user_data)
    return tl::unexpected(make_error(ErrorKind::config,
                                     "user_data is " + std::to_string(request.user_data.size()) +
                                       " bytes; DigitalOcean accepts at most 64 KiB",
                                     "shorten the cloud-init script (install files over SSH instead)"));
  nlohmann::json body;
  if (request.names.size() == 1)
    body["name"] = request.names.front();
  else
    body["names"] = request.names;
  if (!request.region.empty()) body["region"] = request.region;
  body["size"] = request.size;
  body["image"] = all_digits(request.image) ? key_or_id(request.image) : nlohmann::json(request.image);
  body["ssh_keys"] = nlohmann::json::array();
  for (const auto& key : request.ssh_keys) body["ssh_keys"].push_back(key_or_id(key));
  body["tags"] = request.tags;
  if (!request.user_data.empty()) body["user_data"] = request.user_data;
  if (!request.vpc_uuid.empty()) body["vpc_uuid"] = request.vpc_uuid;
  body["monitoring"] = request.monitoring;
  body["ipv6"] = request.ipv6;
  return body;
}

tl::expected<std::vector<Droplet>, ApiError> list_droplets_by_tag(Client& client, const std::string& tag) {
  auto items = client.list(with_query("/v2/droplets", "tag_name", tag), "droplets");
  if (!items) return tl::unexpected(items.error());
  std::vector<Droplet> droplets;
  for (const auto& item : *items) droplets.push_back(droplet_from_json(item));
  return droplets;
}

tl::expected<Droplet, ApiError> get_droplet(Client& client, std::int64_t id) {
  const std::string path = "/v2/droplets/" + std::to_string(id);
  auto response = client.get(path);
  if (!response) return tl::unexpected(response.error());
  auto object = single(*response, "droplet", "GET " + path);
  if (!object) return tl::unexpected(object.error());
  return droplet_from_json(**object);
}

tl::expected<CreatedDroplets, ApiError> create_droplets(Client& client, const DropletCreate& request) {
  auto body = droplet_create_body(request);
  if (!body) return tl::unexpected(body.error());
  auto response = client.post("/v2/droplets", *body, Replay::create);
  if (!response) return tl::unexpected(response.error());
  CreatedDroplets created;
  const auto& json = response->body;
  if (const auto& one = member(json, "droplet"); one.is_object()) created.droplets.push_back(droplet_from_json(one));
  if (const auto& many = member(json, "droplets"); many.is_array())
    for (const auto& item : many) created.droplets.push_back(droplet_from_json(item));
  const auto& actions = member(member(json, "links"), "actions");
  if (actions.is_array())
    for (const auto& action : actions)
      if (const auto id = integer(action, "id"); id != 0) created.action_ids.push_back(id);
  if (created.droplets.empty())
    return tl::unexpected(make_error(ErrorKind::bad_response,
                                     "POST /v2/droplets was accepted but the answer names no droplet",
                                     "list the droplets by tag to see what was created"));
  return created;
}

tl::expected<std::vector<Droplet>, ApiError> find_droplets(Client& client, const std::string& tag,
                                                           const std::vector<std::string>& names) {
  auto tagged = list_droplets_by_tag(client, tag);
  if (!tagged) return tl::unexpected(tagged.error());
  std::vector<Droplet> found;
  for (auto& droplet : *tagged)
    if (std::find(names.begin(), names.end(), droplet.name) != names.end()) found.push_back(std::move(droplet));
  return found;
}

tl::expected<bool, ApiError> delete_droplet(Client& client, std::int64_t id) {
  auto response = client.del("/v2/droplets/" + std::to_string(id));
  if (response) return true;
  if (response.error().kind == ErrorKind::not_found) return false;
  return tl::unexpected(response.error());
}

tl::expected<void, ApiError> delete_droplets_by_tag(Client& client, const std::string& tag) {
  if (auto ok = check_tag_name(tag); !ok) return tl::unexpected(ok.error());
  auto response = client.del(with_query("/v2/droplets", "tag_name", tag));
  if (!response) return tl::unexpected(response.error());
  return {};
}

} // namespace fp::cloud
