#include "infra/ssh_identity.hpp"

#include "atomic_file.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "ssh/ssh_handles.hpp"

namespace fp::infra {
namespace {

using ssh::raw::CString;
using ssh::raw::Key;

std::filesystem::path expand_home(const std::string& path) {
  if (path == "~" || path.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    if (home != nullptr && *home != '\0') return std::filesystem::path(home) / path.substr(path.size() > 1 ? 2 : 1);
  }
  return path;
}

tl::expected<std::string, std::string> md5_fingerprint(ssh_key key) {
  unsigned char* hash = nullptr;
  size_t length = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_MD5, &hash, &length) != SSH_OK)
    return tl::unexpected(std::string("cannot compute the key's MD5 fingerprint"));
  std::string text;
  for (size_t i = 0; i < length; ++i) {
    char part[4];
    std::snprintf(part, sizeof part, i == 0 ? "%02x" : ":%02x", hash[i]);
    text += part;
  }
  ssh_clean_pubkey_hash(&hash);
  return text;
}

tl::expected<SshIdentity, std::string> describe(Key key, const std::filesystem::path& private_key,
                                                const std::string& comment, bool generated) {
  char* base64 = nullptr;
  if (ssh_pki_export_pubkey_base64(key.get(), &base64) != SSH_OK)
    return tl::unexpected("cannot read the public part of " + private_key.string());
  const CString owned(base64);
  auto fingerprint = md5_fingerprint(key.get());
  if (!fingerprint) return tl::unexpected(fingerprint.error());
  return SshIdentity{private_key, std::string(ssh_key_type_to_char(ssh_key_type(key.get()))) + " " + owned.get() + " " + comment,
                     *fingerprint, generated};
}

} // namespace

tl::expected<SshIdentity, std::string> load_or_generate_identity(const std::string& configured,
                                                                 const std::filesystem::path& fpctl_dir,
                                                                 const std::string& comment) {
  const std::filesystem::path path = configured.empty() ? fpctl_dir / "id_ed25519" : expand_home(configured);
  std::error_code error;
  if (std::filesystem::exists(path, error)) {
    ssh_key raw = nullptr;
    // A passphrase-protected key cannot be read without asking; the public half is enough here.
    std::filesystem::path public_path = path;
    public_path += ".pub";
    if (ssh_pki_import_pubkey_file(public_path.c_str(), &raw) == SSH_OK ||
        ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &raw) == SSH_OK)
      return describe(Key(raw), path, comment, false);
    return tl::unexpected("cannot read the SSH key " + path.string() +
                          (configured.empty() ? std::string(": delete it and fpctl makes a new one")
                                              : ": ssh.key must name a private key in OpenSSH format with its .pub beside it"));
  }
  if (!configured.empty())
    return tl::unexpected("ssh.key names " + path.string() + ", which does not exist: create it (ssh-keygen -t ed25519 -f " +
                          path.string() + "), or remove ssh.key and fpctl makes one in " + fpctl_dir.string());
  ssh_key raw = nullptr;
  if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &raw) != SSH_OK) return tl::unexpected(std::string("cannot generate an ed25519 key"));
  Key key(raw);
  char* pem = nullptr;
  if (ssh_pki_export_privkey_base64(key.get(), nullptr, nullptr, nullptr, &pem) != SSH_OK)
    return tl::unexpected(std::string("cannot export the generated key"));
  const CString owned(pem);
  if (auto made = ensure_directory(fpctl_dir, 0700); !made) return tl::unexpected(made.error());
  if (auto written = write_file_atomically(path, owned.get(), 0600); !written) return tl::unexpected(written.error());
  auto identity = describe(std::move(key), path, comment, true);
  if (!identity) return identity;
  std::filesystem::path public_path = path;
  public_path += ".pub";
  if (auto written = write_file_atomically(public_path, identity->public_key + "\n", 0644); !written)
    return tl::unexpected(written.error());
  return identity;
}

} // namespace fp::infra
