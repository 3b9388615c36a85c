// A host the deploy steps work on: something that runs POSIX shell commands and takes files. Over
// SSH it is a droplet (SshHost); for provider: local it is this machine (LocalHost). The steps in
// steps.hpp are written once against this interface, so the local provider runs exactly the
// commands a droplet runs, minus systemd and apt-get.
#pragma once

#include "ssh/error.hpp"
#include "ssh/exec.hpp"
#include "ssh/session.hpp"
#include "ssh/upload.hpp"

#include <chrono>
#include <string>

#include <tl/expected.hpp>

namespace fp::deploy {

using CommandResult = ssh::CommandResult;
using HostError = ssh::SshError;
using UploadRequest = ssh::UploadRequest;
using UploadOutcome = ssh::UploadOutcome;

class Host {
public:
  virtual ~Host() = default;
  // "worker-2": how messages name the host.
  virtual const std::string& name() const = 0;
  // `command` runs with /bin/sh -c; a non-zero exit is a result, a lost connection or the timeout an error.
  virtual tl::expected<CommandResult, HostError> run(const std::string& command, std::chrono::milliseconds timeout) = 0;
  // Atomic and skipped when unchanged (see ssh/upload.hpp).
  virtual tl::expected<UploadOutcome, HostError> upload(const UploadRequest& request) = 0;

  // run(), with a non-zero exit turned into a command_failed error that carries the output.
  tl::expected<CommandResult, HostError> run_checked(const std::string& command, std::chrono::milliseconds timeout,
                                                     const std::string& what);
};

class SshHost final : public Host {
public:
  SshHost(std::string name, ssh::Session& session) : m_name(std::move(name)), m_session(session) {}
  const std::string& name() const override { return m_name; }
  tl::expected<CommandResult, HostError> run(const std::string& command, std::chrono::milliseconds timeout) override;
  tl::expected<UploadOutcome, HostError> upload(const UploadRequest& request) override;

private:
  std::string m_name;
  ssh::Session& m_session;
};

class LocalHost final : public Host {
public:
  explicit LocalHost(std::string name) : m_name(std::move(name)) {}
  const std::string& name() const override { return m_name; }
  // Runs /bin/sh -c in a process group of its own; on timeout the group gets SIGTERM, then SIGKILL.
  // Daemons the command starts must redirect their output (as on a droplet), or run() waits for them.
  tl::expected<CommandResult, HostError> run(const std::string& command, std::chrono::milliseconds timeout) override;
  // Owner changes are not supported locally (the local provider runs as the invoking user).
  tl::expected<UploadOutcome, HostError> upload(const UploadRequest& request) override;

private:
  std::string m_name;
};

} // namespace fp::deploy
