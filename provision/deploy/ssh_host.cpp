#include "deploy/host.hpp"

namespace fp::deploy {

tl::expected<CommandResult, HostError> Host::run_checked(const std::string& command, std::chrono::milliseconds timeout,
                                                         const std::string& what) {
  auto result = run(command, timeout);
  if (!result) return result;
  if (!result->ok()) {
    auto error = ssh::make_error(ssh::ErrorKind::command_failed, name(),
                                 what + " failed (exit status " + std::to_string(result->exit_status) + ")");
    error.output = result->err + result->out;
    return tl::unexpected(std::move(error));
  }
  return result;
}

tl::expected<CommandResult, HostError> SshHost::run(const std::string& command, std::chrono::milliseconds timeout) {
  return ssh::run(m_session, command, ssh::RunOptions{timeout});
}

tl::expected<UploadOutcome, HostError> SshHost::upload(const UploadRequest& request) {
  return ssh::upload(m_session, request);
}

} // namespace fp::deploy
