#include "ssh_keys.hpp"

#include "json_read.hpp"

namespace fp::cloud {

using namespace detail;

SshKey ssh_key_from_json(const nlohmann::json& object) {
  SshKey key;
  key.id = integer(object, "id");
  key.fingerprint = text(object, "fingerprint");
  key.public_key = text(object, "public_key");
  key.name = text(object, "name");
  return key;
}

tl::expected<std::vector<SshKey>, ApiError> list_ssh_keys(Client& client) {
  auto items = client.list("/v2/account/keys", "ssh_keys");
  if (!items) return tl::unexpected(items.error());
  std::vector<SshKey> keys;
  for (const auto& item : *items) keys.push_back(ssh_key_from_json(item));
  return keys;
}

tl::expected<std::optional<SshKey>, ApiError> get_ssh_key(Client& client, const std::string& id_or_fingerprint) {
  auto response = client.get("/v2/account/keys/" + path_segment(id_or_fingerprint));
  if (!response) {
    if (response.error().kind == ErrorKind::not_found) return std::optional<SshKey>();
    return tl::unexpected(response.error());
  }
  auto object = single(*response, "ssh_key", "GET /v2/account/keys/" + id_or_fingerprint);
  if (!object) return tl::unexpected(object.error());
  return std::optional<SshKey>(ssh_key_from_json(**object));
}

tl::expected<SshKey, ApiError> create_ssh_key(Client& client, const std::string& name, const std::string& public_key) {
  // The API refuses a second upload of the same key (422), so a repeat cannot duplicate it.
  auto response = client.post("/v2/account/keys", {{"name", name}, {"public_key", public_key}}, Replay::safe);
  if (!response) return tl::unexpected(response.error());
  auto object = single(*response, "ssh_key", "POST /v2/account/keys");
  if (!object) return tl::unexpected(object.error());
  return ssh_key_from_json(**object);
}

tl::expected<EnsuredSshKey, ApiError> ensure_ssh_key(Client& client, const std::string& name,
                                                     const std::string& public_key, const std::string& fingerprint) {
  auto existing = get_ssh_key(client, fingerprint);
  if (!existing) return tl::unexpected(existing.error());
  if (*existing) return EnsuredSshKey{**existing, false};
  auto created = create_ssh_key(client, name, public_key);
  if (created) return EnsuredSshKey{*created, true};
  if (created.error().kind != ErrorKind::invalid) return tl::unexpected(created.error());
  // "SSH Key is already in use on your account": it appeared meanwhile; read it back.
  auto again = get_ssh_key(client, fingerprint);
  if (!again) return tl::unexpected(again.error());
  if (*again) return EnsuredSshKey{**again, false};
  ApiError error = created.error();
  error.hint = "the key was refused and is not on the account under fingerprint " + fingerprint +
               ": check that the public key file is a valid OpenSSH public key";
  return tl::unexpected(std::move(error));
}

tl::expected<bool, ApiError> delete_ssh_key(Client& client, const std::string& id_or_fingerprint) {
  auto response = client.del("/v2/account/keys/" + path_segment(id_or_fingerprint));
  if (response) return true;
  if (response.error().kind == ErrorKind::not_found) return false;
  return tl::unexpected(response.error());
}

} // namespace fp::cloud
