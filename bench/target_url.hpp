// The target of a run: `http://host[:port][/prefix]`, parsed and resolved once before the run starts
// (a load test measures the server, not the resolver).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <sys/socket.h>
#include <tl/expected.hpp>

namespace fp::bench {

struct Target {
  std::string host;        // as written, without IPv6 brackets
  std::uint16_t port = 80;
  std::string host_header; // the Host header's value: "host:port", or "host" for port 80
  std::string path_prefix; // "" or "/api": prepended to every request path; never ends with '/'
  sockaddr_storage address{};
  socklen_t address_length = 0; // 0 until resolved

  std::string base_url() const; // "http://host:port/prefix", for the report
};

// Checks the URL's form only; `https` is refused with a clear message, as are queries and userinfo.
tl::expected<Target, std::string> parse_target(std::string_view url);

// Resolves the host (IPv4 preferred when a name has both, as the servers we drive bind IPv4).
tl::expected<void, std::string> resolve_target(Target& target);

} // namespace fp::bench
