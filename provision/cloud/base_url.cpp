#include "base_url.hpp"
#include "text.hpp"

namespace fp::cloud {
namespace {

bool is_loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "[::1]" || host == "localhost";
}

} // namespace

tl::expected<std::string, ApiError> check_base_url(std::string_view url) {
  const std::string quoted = "'" + std::string(url) + "'";
  const std::string example = "write https://api.digitalocean.com, or http://127.0.0.1:PORT for the simulator";
  const bool https = starts_with_ci(url, "https://");
  const bool http = starts_with_ci(url, "http://");
  if (!https && !http)
    return tl::unexpected(make_error(ErrorKind::config, "the API URL must start with https:// " + quoted, example));
  const std::string_view rest = url.substr(https ? 8 : 7);
  const auto authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.empty())
    return tl::unexpected(make_error(ErrorKind::config, "the API URL has no host: " + quoted, example));
  if (authority.find('@') != std::string_view::npos)
    return tl::unexpected(
      make_error(ErrorKind::config, "the API URL must not contain a user name or password: " + quoted, example));
  if (authority_end != std::string_view::npos && rest.find_first_of("?#", authority_end) != std::string_view::npos)
    return tl::unexpected(
      make_error(ErrorKind::config, "the API URL must not have a query or fragment: " + quoted, example));
  if (http) {
    std::string_view host = authority;
    if (host.front() == '[') {
      host = host.substr(0, host.find(']') == std::string_view::npos ? host.size() : host.find(']') + 1);
    } else {
      host = host.substr(0, host.find(':'));
    }
    if (!is_loopback_host(host))
      return tl::unexpected(make_error(ErrorKind::config,
                                       "plain http:// is accepted only for 127.0.0.1 (the simulator), not " + quoted +
                                         ": the API token would cross the network unencrypted",
                                       "use an https:// URL"));
  }
  std::string normalised(url);
  while (!normalised.empty() && normalised.back() == '/') normalised.pop_back();
  return normalised;
}

std::string path_of_url(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return url.empty() || url.front() != '/' ? std::string() : std::string(url);
  const auto path = url.find('/', scheme + 3);
  if (path == std::string_view::npos) return "/";
  return std::string(url.substr(path));
}

} // namespace fp::cloud
