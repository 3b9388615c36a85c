// An authenticated SSH connection to one host, made by connect(): key authentication only, the
// host key checked against the recorded one (or returned for recording on first contact), and
// bounded retries while the host is still booting. Commands (exec.hpp) and uploads (upload.hpp)
// run over it. A Session is used by one thread at a time; different Sessions are independent.
#pragma once

#include "ssh/error.hpp"
#include "ssh/host_key.hpp"
#include "ssh/target.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <tl/expected.hpp>

namespace fp::ssh {

// One failed attempt that will be retried after `next_delay`.
struct ConnectProgress {
  int attempt = 0;                          // 1 for the first attempt
  std::string error;                        // why it failed: "Connection refused", ...
  std::chrono::milliseconds next_delay{0};  // wait before the next attempt
  std::chrono::milliseconds elapsed{0};     // since connect() started
};

struct ConnectOptions {
  // How messages name the host ("worker-2"); the forget command uses it too. Empty: user@host:port.
  std::string label;
  // The key recorded on first contact ("ssh-ed25519 AAAA..."); none: accept and return the key seen.
  std::optional<std::string> pinned_host_key;
  std::chrono::milliseconds attempt_timeout = std::chrono::seconds(10); // TCP connect + handshake
  std::chrono::milliseconds total_timeout = std::chrono::minutes(3);    // a new droplet's boot
  std::chrono::milliseconds first_backoff = std::chrono::milliseconds(500);
  std::chrono::milliseconds max_backoff = std::chrono::seconds(5);
  std::function<void(const ConnectProgress&)> on_retry; // called before each wait; may be empty
};

class Session {
public:
  struct Impl; // libssh handles, private to fp_ssh (session_impl.hpp)

  explicit Session(std::unique_ptr<Impl> impl);
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  const SshTarget& target() const;
  const std::string& label() const;
  // The key the host presented on this connection: record it when first_contact() is true.
  const HostKey& host_key() const;
  bool first_contact() const;

  Impl& impl() { return *m_impl; }

private:
  std::unique_ptr<Impl> m_impl;
};

tl::expected<Session, SshError> connect(const SshTarget& target, const ConnectOptions& options = {});

// The command fpctl tells users to run to accept a changed host key deliberately.
std::string forget_host_key_command(const std::string& label);

} // namespace fp::ssh
