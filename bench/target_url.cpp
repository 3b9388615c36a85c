#include "target_url.hpp"
#include "text.hpp"

#include <cstring>
#include <memory>

#include <netdb.h>
#include <netinet/in.h>

namespace fp::bench {
namespace {

struct AddrinfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

} // namespace

std::string Target::base_url() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string url = "http://";
  url += v6 ? "[" + host + "]" : host;
  url += ":" + std::to_string(port) + path_prefix;
  return url;
}

tl::expected<Target, std::string> parse_target(std::string_view url) {
  const std::string quoted = "'" + std::string(url) + "'";
  if (starts_with_ci(url, "https://"))
    return tl::unexpected("https is not supported yet: " + quoted + " (use an http:// URL)");
  if (!starts_with_ci(url, "http://"))
    return tl::unexpected("the target must be an http:// URL, e.g. http://127.0.0.1:8000: " + quoted);
  std::string_view rest = url.substr(7);
  const auto authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  const std::string_view path =
    authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.empty()) return tl::unexpected("the target URL has no host: " + quoted);
  if (authority.find('@') != std::string_view::npos)
    return tl::unexpected("user names and passwords in the target URL are not supported: " + quoted);
  if (path.find_first_of("?#") != std::string_view::npos)
    return tl::unexpected("the target URL must not have a query or fragment (put them in the scenario's paths): " +
                          quoted);

  Target target;
  std::string_view port_text;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return tl::unexpected("unclosed '[' in the target URL: " + quoted);
    target.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return tl::unexpected("unexpected text after ']' in the target URL: " + quoted);
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    target.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (target.host.empty()) return tl::unexpected("the target URL has no host: " + quoted);
  if (authority.find(':') != std::string_view::npos && authority.front() != '[' && port_text.empty())
    return tl::unexpected("the target URL has an empty port: " + quoted);
  if (!port_text.empty()) {
    unsigned long port = 0;
    for (const char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) return tl::unexpected("bad port in the target URL: " + quoted);
      port = port * 10 + static_cast<unsigned long>(c - '0');
    }
    if (port == 0 || port > 65535) return tl::unexpected("bad port in the target URL: " + quoted);
    target.port = static_cast<std::uint16_t>(port);
  }

  std::string prefix(path);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  target.path_prefix = std::move(prefix);
  const bool v6 = target.host.find(':') != std::string::npos;
  const std::string host_text = v6 ? "[" + target.host + "]" : target.host;
  target.host_header = target.port == 80 ? host_text : host_text + ":" + std::to_string(target.port);
  return target;
}

tl::expected<void, std::string> resolve_target(Target& target) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* found = nullptr;
  const int status = getaddrinfo(target.host.c_str(), std::to_string(target.port).c_str(), &hints, &found);
  if (status != 0)
    return tl::unexpected("cannot resolve '" + target.host + "': " + std::string(gai_strerror(status)));
  const std::unique_ptr<addrinfo, AddrinfoDeleter> owner(found);
  const addrinfo* chosen = found;
  for (const addrinfo* info = found; info != nullptr; info = info->ai_next) {
    if (info->ai_family == AF_INET) {
      chosen = info;
      break;
    }
  }
  if (chosen == nullptr || chosen->ai_addrlen > sizeof(target.address))
    return tl::unexpected("cannot resolve '" + target.host + "': no usable address");
  std::memcpy(&target.address, chosen->ai_addr, chosen->ai_addrlen);
  target.address_length = chosen->ai_addrlen;
  return {};
}

} // namespace fp::bench
