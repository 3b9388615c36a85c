#include "vpcs.hpp"

#include "json_read.hpp"
#include "names.hpp"

namespace fp::cloud {

using namespace detail;

Vpc vpc_from_json(const nlohmann::json& object) {
  Vpc vpc;
  vpc.id = text(object, "id");
  vpc.urn = text(object, "urn");
  vpc.name = text(object, "name");
  vpc.description = text(object, "description");
  vpc.region = text(object, "region");
  vpc.ip_range = text(object, "ip_range");
  vpc.is_default = boolean(object, "default");
  vpc.created_at = text(object, "created_at");
  return vpc;
}

tl::expected<std::vector<Vpc>, ApiError> list_vpcs(Client& client) {
  auto items = client.list("/v2/vpcs", "vpcs");
  if (!items) return tl::unexpected(items.error());
  std::vector<Vpc> vpcs;
  for (const auto& item : *items) vpcs.push_back(vpc_from_json(item));
  return vpcs;
}

tl::expected<std::optional<Vpc>, ApiError> find_vpc(Client& client, const std::string& name) {
  auto vpcs = list_vpcs(client);
  if (!vpcs) return tl::unexpected(vpcs.error());
  for (auto& vpc : *vpcs)
    if (vpc.name == name) return std::optional<Vpc>(std::move(vpc));
  return std::optional<Vpc>();
}

tl::expected<std::optional<Vpc>, ApiError> find_default_vpc(Client& client, const std::string& region) {
  auto vpcs = list_vpcs(client);
  if (!vpcs) return tl::unexpected(vpcs.error());
  for (auto& vpc : *vpcs)
    if (vpc.region == region && vpc.is_default) return std::optional<Vpc>(std::move(vpc));
  return std::optional<Vpc>();
}

tl::expected<Vpc, ApiError> create_vpc(Client& client, const VpcCreate& request) {
  if (auto ok = check_vpc_name(request.name); !ok) return tl::unexpected(ok.error());
  if (request.region.empty()) return tl::unexpected(make_error(ErrorKind::config, "a VPC needs a region"));
  nlohmann::json body = {{"name", request.name}, {"region", request.region}};
  if (!request.description.empty()) body["description"] = request.description;
  if (!request.ip_range.empty()) body["ip_range"] = request.ip_range;
  auto response = client.post("/v2/vpcs", body, Replay::create);
  if (!response) return tl::unexpected(response.error());
  auto object = single(*response, "vpc", "POST /v2/vpcs");
  if (!object) return tl::unexpected(object.error());
  return vpc_from_json(**object);
}

tl::expected<bool, ApiError> delete_vpc(Client& client, const std::string& id) {
  auto response = client.del("/v2/vpcs/" + path_segment(id));
  if (response) return true;
  if (response.error().kind == ErrorKind::not_found) return false;
  ApiError error = response.error();
  if (error.kind == ErrorKind::conflict || error.kind == ErrorKind::forbidden)
    error.hint = "a VPC is deleted only when it has no members left (they detach a little after their own "
                 "delete), and a region's default VPC can never be deleted";
  return tl::unexpected(std::move(error));
}

} // namespace fp::cloud
