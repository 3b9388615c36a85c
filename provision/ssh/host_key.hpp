// Host keys as fpctl records them: "TYPE BASE64", the first two fields of an OpenSSH public key
// line (what `ssh-keyscan` prints after the host name), so a recorded key can be compared with
// ssh-keygen's output and pasted into a known_hosts file.
#pragma once

#include <string>

#include <tl/expected.hpp>

namespace fp::ssh {

struct HostKey {
  std::string type;   // "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"
  std::string base64; // the key blob
  std::string text() const { return type + " " + base64; }
  bool operator==(const HostKey&) const = default;
};

// Accepts "TYPE BASE64 [comment]" with any whitespace; checks that libssh can read the key.
tl::expected<HostKey, std::string> parse_host_key(const std::string& text);

// "SHA256:..." exactly as `ssh-keygen -l` and ssh's own warnings print it.
tl::expected<std::string, std::string> sha256_fingerprint(const HostKey& key);

// The host key algorithms that make a server present a key of this type (for rsa, the SHA-2
// signatures first), so a server with several host keys shows the one that was recorded.
std::string host_key_algorithms(const std::string& key_type);

// A known_hosts line for the recorded key ("10.0.0.5 ssh-ed25519 AAAA...", "[10.0.0.5]:2222 ..."
// on another port), so OpenSSH's own `ssh` (what `fpctl ssh` runs for an interactive shell) can be
// given the pinned key with -o UserKnownHostsFile=FILE -o StrictHostKeyChecking=yes.
std::string known_hosts_line(const std::string& host, unsigned short port, const HostKey& key);

} // namespace fp::ssh
