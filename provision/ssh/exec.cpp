#include "ssh/exec.hpp"

#include "ssh/session_impl.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace fp::ssh {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The remote `timeout` sends SIGTERM at the deadline and SIGKILL this long after; the client waits
// a little longer than that for the command's end before it gives up on the host itself.
constexpr auto k_remote_kill_after = std::chrono::seconds(5);
constexpr auto k_remote_grace = std::chrono::seconds(10);

// How long one wait for stdout lasts before stderr and the deadline are looked at again.
constexpr milliseconds k_poll_slice{100};

std::string combined_output(const CommandResult& result) {
  if (result.err.empty()) return result.out;
  if (result.out.empty()) return result.err;
  return result.err + (result.err.back() == '\n' ? "" : "\n") + result.out;
}

std::string shortened(const std::string& command) {
  constexpr std::size_t k_shown = 120;
  return command.size() <= k_shown ? command : command.substr(0, k_shown) + "...";
}

// The command runs under coreutils' `timeout`, which signals its whole process group at the
// deadline. Asking sshd to signal the command instead (the "signal" channel request) does not work
// for root logins, which sshd serves without privilege separation - and fpctl deploys as root.
std::string with_remote_timeout(const std::string& command, milliseconds limit) {
  limit = std::max(limit, milliseconds(1)); // `timeout 0` would mean no limit at all
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%lld.%03lld", static_cast<long long>(limit.count() / 1000),
                static_cast<long long>(limit.count() % 1000));
  return "timeout --kill-after=" + std::to_string(k_remote_kill_after.count()) + " " + seconds + " sh -c " + shell_quote(command);
}

SshError timed_out(const std::string& label, const std::string& command, milliseconds limit, const CommandResult& partial) {
  SshError error = make_error(ErrorKind::timeout, label,
                              "the command did not finish within " + std::to_string(limit.count()) + " ms and was stopped: " +
                                shortened(command),
                              "look at its output below; if it is only slow, allow it more time");
  error.output = combined_output(partial);
  return error;
}

// Appends everything already received on one stream without waiting; false on a broken channel.
bool drain(ssh_channel channel, int is_stderr, std::string& into) {
  std::array<char, 16384> buffer;
  for (;;) {
    const int n = ssh_channel_read_nonblocking(channel, buffer.data(), buffer.size(), is_stderr);
    if (n == 0 || n == SSH_EOF) return true; // SSH_EOF: the stream has ended and is empty
    if (n < 0) return false;
    into.append(buffer.data(), static_cast<std::size_t>(n));
  }
}

} // namespace

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

tl::expected<CommandResult, SshError> run(Session& session, const std::string& command, const RunOptions& options) {
  auto& impl = session.impl();
  const auto lost = [&](const std::string& what) {
    return tl::unexpected(make_error(ErrorKind::protocol, impl.label, what + " (" + shortened(command) + "): " + impl.last_error(),
                                     "the connection to the host was lost; run fpctl again"));
  };
  raw::Channel channel(ssh_channel_new(impl.session.get()));
  if (!channel || ssh_channel_open_session(channel.get()) != SSH_OK) return lost("cannot open a channel");
  if (ssh_channel_request_exec(channel.get(), with_remote_timeout(command, options.timeout).c_str()) != SSH_OK)
    return lost("cannot start the command");
  ssh_channel_send_eof(channel.get()); // commands that read standard input see its end at once

  CommandResult result;
  const auto started = Clock::now();
  const auto deadline = started + options.timeout + k_remote_grace;
  std::array<char, 16384> buffer;
  for (;;) {
    if (!drain(channel.get(), 1, result.err)) return lost("reading the command's output failed");
    if (ssh_channel_is_eof(channel.get()) != 0) {
      if (!drain(channel.get(), 0, result.out) || !drain(channel.get(), 1, result.err)) return lost("reading the command's output failed");
      break;
    }
    const auto now = Clock::now();
    if (now >= deadline) {
      // The remote `timeout` did not end it (the host stalled): ask sshd to signal it, which it
      // does for non-root users only, and give up on the channel.
      ssh_channel_request_send_signal(channel.get(), "KILL");
      return tl::unexpected(timed_out(impl.label, command, options.timeout, result));
    }
    const auto slice = std::min(k_poll_slice, std::chrono::duration_cast<milliseconds>(deadline - now) + milliseconds(1));
    const int n = ssh_channel_read_timeout(channel.get(), buffer.data(), buffer.size(), 0, static_cast<int>(slice.count()));
    if (n == SSH_EOF) continue; // noticed as end of file at the top of the loop
    if (n < 0) return lost("reading the command's output failed");
    result.out.append(buffer.data(), static_cast<std::size_t>(n));
  }
  result.exit_status = ssh_channel_get_exit_status(channel.get());
  // 124: `timeout` stopped the command; 137: it had to SIGKILL it after the grace.
  if ((result.exit_status == 124 || result.exit_status == 137) && Clock::now() - started >= options.timeout)
    return tl::unexpected(timed_out(impl.label, command, options.timeout, result));
  return result;
}

tl::expected<CommandResult, SshError> run_checked(Session& session, const std::string& command, const RunOptions& options) {
  auto result = run(session, command, options);
  if (!result || result->ok()) return result;
  SshError error = make_error(ErrorKind::command_failed, session.label(),
                              result->exit_status < 0 ? "command killed by a signal: " + shortened(command)
                                                      : "command exited with status " + std::to_string(result->exit_status) +
                                                          ": " + shortened(command));
  error.output = combined_output(*result);
  return tl::unexpected(error);
}

} // namespace fp::ssh
