// What can go wrong over SSH, as a value. The kinds keep apart what callers treat differently:
// "unreachable" may pass with time (a droplet still booting), "auth" and "host_key_changed" never
// do by themselves, "command_failed" carries the command's own output.
#pragma once

#include <string>
#include <string_view>

namespace fp::ssh {

enum class ErrorKind {
  config,           // bad target or key: empty host, unreadable key file, no ssh-agent
  unreachable,      // no SSH connection within the retry budget (refused, timed out, reset)
  auth,             // the server refused the key (never retried)
  host_key_changed, // the host presented another key than the one recorded for it
  protocol,         // an SSH failure on an established connection (channel, exec, lost link)
  command_failed,   // a command ended with a non-zero status (run_checked)
  timeout,          // a command ran longer than its timeout
  sftp,             // an SFTP operation failed (open, write, rename, ...)
};

std::string_view to_string(ErrorKind kind);

struct SshError {
  ErrorKind kind = ErrorKind::protocol;
  std::string host;    // how the caller names the host: "worker-2", or "root@10.0.0.5:22"
  std::string message; // what failed
  std::string hint;    // what the user can do about it (may be empty)
  std::string output;  // the failing command's stderr and stdout (may be empty)

  // "worker-2: message - hint", then the output's last lines indented, for the CLI to print as is.
  std::string describe() const;
};

SshError make_error(ErrorKind kind, std::string host, std::string message, std::string hint = {});

} // namespace fp::ssh
