// SSH keys on the account (/v2/account/keys). The fingerprint (MD5, colon-hex) is the natural
// idempotency key: look the key up by it, upload only when it is absent. Listing is limited to 10
// requests a minute by the API, so prefer get_ssh_key over repeated listings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "client.hpp"

namespace fp::cloud {

struct SshKey {
  std::int64_t id = 0;
  std::string fingerprint;
  std::string public_key;
  std::string name;
};

SshKey ssh_key_from_json(const nlohmann::json& object);

tl::expected<std::vector<SshKey>, ApiError> list_ssh_keys(Client& client);
// By integer id or fingerprint; nullopt when the account has no such key.
tl::expected<std::optional<SshKey>, ApiError> get_ssh_key(Client& client, const std::string& id_or_fingerprint);
tl::expected<SshKey, ApiError> create_ssh_key(Client& client, const std::string& name, const std::string& public_key);
// The key with `fingerprint`, uploaded first when the account does not have it (a 422 "already in
// use" from a concurrent or earlier upload counts as present). `created` says which happened.
struct EnsuredSshKey {
  SshKey key;
  bool created = false;
};
tl::expected<EnsuredSshKey, ApiError> ensure_ssh_key(Client& client, const std::string& name,
                                                     const std::string& public_key, const std::string& fingerprint);
// true when deleted, false when it was already gone.
tl::expected<bool, ApiError> delete_ssh_key(Client& client, const std::string& id_or_fingerprint);

} // namespace fp::cloud
