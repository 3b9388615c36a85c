// Running one command on a host: no TTY (so output is exactly what the program wrote, and nothing
// waits for a password prompt), standard input closed, stdout and stderr captured apart, and a
// timeout after which the command's process group is sent SIGTERM (SIGKILL 5 s later) on the host
// and the call returns.
#pragma once

#include "ssh/error.hpp"
#include "ssh/session.hpp"

#include <chrono>
#include <string>

#include <tl/expected.hpp>

namespace fp::ssh {

struct CommandResult {
  int exit_status = -1; // -1: the command ended without one (killed by a signal)
  std::string out;
  std::string err;
  bool ok() const { return exit_status == 0; }
};

struct RunOptions {
  std::chrono::milliseconds timeout = std::chrono::minutes(10); // apt-get on a fresh droplet is slow
};

// The command runs as `timeout ... sh -c 'command'` (coreutils' timeout, on every Debian and
// Ubuntu host), so it is POSIX shell. A non-zero exit
// status is a result, not an error; errors are a broken connection and the timeout (whose error
// carries what the command printed until then).
tl::expected<CommandResult, SshError> run(Session& session, const std::string& command, const RunOptions& options = {});

// run(), with a non-zero exit status turned into a command_failed error carrying the output.
tl::expected<CommandResult, SshError> run_checked(Session& session, const std::string& command,
                                                  const RunOptions& options = {});

// 'text' quoted for a POSIX shell.
std::string shell_quote(const std::string& text);

} // namespace fp::ssh
