// Reaching one host of a Deployment: this machine for provider: local, else an SSH session with the
// deployment's key and the host's pinned key. Rolling out and sampling a bench's hosts both start
// here, so both connect the same way (and check the same host keys).
#pragma once

#include "deploy/host.hpp"
#include "deploy/rollout.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <tl/expected.hpp>

namespace fp::deploy {

// `host` borrows `session` (droplets); keep them together and destroy the host first.
struct OpenHost {
  std::unique_ptr<ssh::Session> session; // empty for LocalHost
  std::unique_ptr<Host> host;
  std::string host_key;       // seen on this connection (droplets)
  bool first_contact = false; // no key was pinned: the caller may record host_key
};

struct OpenOptions {
  std::chrono::milliseconds connect_timeout = std::chrono::minutes(3);  // all attempts (a droplet still booting)
  std::chrono::milliseconds attempt_timeout = std::chrono::seconds(10); // one TCP connect + handshake
  // One line per failed attempt that will be retried: "waiting for SSH (...), attempt 2". May be empty.
  std::function<void(const std::string&)> on_retry;
};

tl::expected<OpenHost, HostError> open_host(const Deployment& deployment, const HostSpec& spec, const OpenOptions& options);

} // namespace fp::deploy
