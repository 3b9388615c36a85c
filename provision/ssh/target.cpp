#include "ssh/target.hpp"

namespace fp::ssh {

std::string SshTarget::label() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return user + "@" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

} // namespace fp::ssh
