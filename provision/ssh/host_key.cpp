#include "ssh/host_key.hpp"

#include "ssh/ssh_handles.hpp"

#include <sstream>

namespace fp::ssh {

tl::expected<HostKey, std::string> parse_host_key(const std::string& text) {
  std::istringstream in(text);
  HostKey key;
  if (!(in >> key.type >> key.base64))
    return tl::unexpected("'" + text + "' is not a host key: expected 'TYPE BASE64', e.g. 'ssh-ed25519 AAAAC3Nza...'");
  const auto type = ssh_key_type_from_name(key.type.c_str());
  if (type == SSH_KEYTYPE_UNKNOWN) return tl::unexpected("unknown host key type '" + key.type + "'");
  ssh_key raw_key = nullptr;
  if (ssh_pki_import_pubkey_base64(key.base64.c_str(), type, &raw_key) != SSH_OK)
    return tl::unexpected("the " + key.type + " host key '" + key.base64 + "' is not valid base64 key data");
  const raw::Key owned(raw_key);
  return key;
}

tl::expected<std::string, std::string> sha256_fingerprint(const HostKey& key) {
  ssh_key raw_key = nullptr;
  if (ssh_pki_import_pubkey_base64(key.base64.c_str(), ssh_key_type_from_name(key.type.c_str()), &raw_key) != SSH_OK)
    return tl::unexpected("cannot read the " + key.type + " host key");
  const raw::Key owned(raw_key);
  unsigned char* digest = nullptr;
  size_t length = 0;
  if (ssh_get_publickey_hash(owned.get(), SSH_PUBLICKEY_HASH_SHA256, &digest, &length) != SSH_OK)
    return tl::unexpected(std::string("cannot hash the host key"));
  const raw::Hash hash(digest);
  const raw::CString text(ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash.get(), length));
  if (!text) return tl::unexpected(std::string("cannot format the host key's fingerprint"));
  return std::string(text.get());
}

std::string host_key_algorithms(const std::string& key_type) {
  if (key_type == "ssh-rsa") return "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
  return key_type;
}

std::string known_hosts_line(const std::string& host, unsigned short port, const HostKey& key) {
  const std::string name = port == 22 ? host : "[" + host + "]:" + std::to_string(port);
  return name + " " + key.text();
}

} // namespace fp::ssh
