// A throwaway OpenSSH sshd for tests: its own ed25519 host key, config, pid file and log in a
// TempDir, a free 127.0.0.1 port, key authentication only against an authorized_keys file the
// test writes, `-D -e` (foreground, our child, stopped by its pid). As root it logs in as root
// (creating /run/sshd, its privilege-separation directory, when missing); otherwise as the
// current user. It can be created stopped and started later (a host still booting), stopped and
// started again on the same port, and given a new host key (a re-created host).
#pragma once

#include "process.hpp"
#include "temp_dir.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace fp::test {

// A key pair made with ssh-keygen, for a test client.
struct SshKeyPair {
  std::filesystem::path private_key;
  std::string public_key; // "ssh-ed25519 AAAA... comment"
};
SshKeyPair make_ssh_key(const std::filesystem::path& directory, const std::string& name);

class SshdInstance {
public:
  // authorized_keys: the public keys that may log in, one per line.
  explicit SshdInstance(const std::string& authorized_keys, bool start_now = true);
  ~SshdInstance();
  SshdInstance(const SshdInstance&) = delete;
  SshdInstance& operator=(const SshdInstance&) = delete;

  // Starts sshd and waits (bounded) until it accepts connections; throws std::runtime_error with
  // its log otherwise.
  void start();
  void stop();
  // A new host key, as if the host had been re-created; takes effect at the next start().
  void replace_host_key();

  unsigned short port() const { return m_port; }
  std::string user() const; // the user a client logs in as
  // "ssh-ed25519 AAAA..." (no comment) and its "SHA256:..." fingerprint from ssh-keygen -l.
  std::string host_key() const;
  std::string host_fingerprint() const;
  std::string log() const;
  const std::filesystem::path& directory() const { return m_dir.path(); }

private:
  void write_config() const;
  TempDir m_dir{"fp-sshd"};
  unsigned short m_port = 0;
  std::optional<Process> m_process;
};

} // namespace fp::test
