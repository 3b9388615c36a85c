// The SSH key fpctl puts on every droplet and later deploys with: the one fpctl.yaml names
// (ssh.key), else .fpctl/id_ed25519, generated on first use. DigitalOcean finds keys by their MD5
// fingerprint ("aa:bb:..."), so that is computed here too.
#pragma once

#include <filesystem>
#include <string>

#include <tl/expected.hpp>

namespace fp::infra {

struct SshIdentity {
  std::filesystem::path private_key;
  std::string public_key;  // "ssh-ed25519 AAAA... fpctl-<project>", as the API wants it
  std::string fingerprint; // MD5, colon-separated hex, as the API shows it
  bool generated = false;  // created just now
};

// `configured`: ssh.key from fpctl.yaml ("~/" expanded), or empty. The generated private key is
// written atomically with mode 0600 before anything else can read it.
tl::expected<SshIdentity, std::string> load_or_generate_identity(const std::string& configured,
                                                                 const std::filesystem::path& fpctl_dir,
                                                                 const std::string& comment);

} // namespace fp::infra
