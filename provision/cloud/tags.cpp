#include "tags.hpp"

#include "json_read.hpp"
#include "names.hpp"

namespace fp::cloud {

using namespace detail;

tl::expected<std::string, ApiError> create_tag(Client& client, const std::string& name) {
  if (auto ok = check_tag_name(name); !ok) return tl::unexpected(ok.error());
  auto response = client.post("/v2/tags", {{"name", name}}, Replay::safe);
  if (!response) return tl::unexpected(response.error());
  auto object = single(*response, "tag", "POST /v2/tags");
  if (!object) return tl::unexpected(object.error());
  const std::string canonical = text(**object, "name");
  return canonical.empty() ? name : canonical;
}

} // namespace fp::cloud
