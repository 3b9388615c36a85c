// Where to connect and as whom.
#pragma once

#include <filesystem>
#include <string>

namespace fp::ssh {

struct SshTarget {
  std::string host;                       // address or name
  unsigned short port = 22;
  std::string user = "root";
  std::filesystem::path private_key_path; // OpenSSH private key without passphrase; empty: ssh-agent

  // "root@10.0.0.5:22", the name errors use when the caller gives none.
  std::string label() const;
};

} // namespace fp::ssh
