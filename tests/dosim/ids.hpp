// Identifiers as the API hands them out: integer ids that grow, random v4 UUIDs, request ids, and
// the MD5 fingerprint of an SSH public key.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace fp::dosim {

class IdSource {
public:
  IdSource();
  std::string uuid();
  // 16 lowercase hex digits, for passwords and host names.
  std::string token(std::size_t length = 16);

private:
  std::mt19937_64 m_random;
};

// MD5 fingerprint (colon-separated hex) of the key blob in an OpenSSH public key line
// ("ssh-ed25519 AAAA... comment"); nullopt when the line is not a public key.
std::optional<std::string> ssh_fingerprint(const std::string& public_key);

} // namespace fp::dosim
