#include "host_command.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fp::dosim {
namespace {

std::string joined(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& a : argv) text += (text.empty() ? "" : " ") + a;
  return text;
}

// posix_spawn's attribute and file-action objects, released on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// A pipe's two ends, closed when they go away.
struct Pipe {
  int fds[2] = {-1, -1};
  ~Pipe() {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
};

tl::expected<pid_t, std::string> spawn(const std::vector<std::string>& argv, SpawnSetup& setup) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // A droplet must not inherit dosim's environment (its token variables, its TMPDIR) nor its
  // listening socket: a clean environment and every descriptor above stderr closed.
  const std::string path = std::string("PATH=") + k_tool_path;
  std::array<char*, 4> env = {const_cast<char*>(path.c_str()), const_cast<char*>("HOME=/root"),
                              const_cast<char*>("LANG=C.UTF-8"), nullptr};
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
  // Looked up on our fixed PATH rather than dosim's.
  const std::string program = argv.at(0).find('/') == std::string::npos ? find_tool(argv[0]) : argv[0];
  if (program.empty()) return tl::unexpected(argv[0] + ": not found on " + k_tool_path);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program.c_str(), &setup.actions, &setup.attributes, args.data(), env.data());
  if (rc != 0) return tl::unexpected(joined(argv) + ": cannot start: " + std::strerror(rc));
  return pid;
}

} // namespace

tl::expected<std::string, std::string> run_tool(const std::vector<std::string>& argv, std::chrono::milliseconds limit) {
  Pipe output;
  if (::pipe2(output.fds, O_CLOEXEC) != 0) return tl::unexpected(std::string("pipe: ") + std::strerror(errno));
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, output.fds[1], 1);
  posix_spawn_file_actions_adddup2(&setup.actions, output.fds[1], 2);
  auto pid = spawn(argv, setup);
  if (!pid) return tl::unexpected(pid.error());
  ::close(output.fds[1]);
  output.fds[1] = -1;

  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{output.fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(output.fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  if (timed_out) ::kill(*pid, SIGKILL);
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return tl::unexpected(joined(argv) + ": still running after " + std::to_string(limit.count()) + " ms; killed");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return text;
  const std::string how = WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                            : "signal " + std::to_string(WTERMSIG(status));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return tl::unexpected(joined(argv) + ": " + how + (text.empty() ? "" : ": " + text));
}

std::string find_tool(const std::string& name) {
  std::string_view path = k_tool_path;
  while (!path.empty()) {
    const auto colon = path.find(':');
    const std::string candidate = std::string(path.substr(0, colon)) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    path = colon == std::string_view::npos ? std::string_view() : path.substr(colon + 1);
  }
  return "";
}

tl::expected<ChildProcess, std::string> ChildProcess::start(const std::vector<std::string>& argv,
                                                            const std::filesystem::path& output) {
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&setup.actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&setup.actions, 1, 2);
  // Its own process group: a Ctrl-C meant for dosim reaches dosim, which then stops the droplets.
  posix_spawnattr_setflags(&setup.attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&setup.attributes, 0);
  auto pid = spawn(argv, setup);
  if (!pid) return tl::unexpected(pid.error());
  return ChildProcess(*pid);
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    m_pid = other.m_pid;
    other.m_pid = -1;
  }
  return *this;
}

bool ChildProcess::running() {
  if (m_pid <= 0) return false;
  int status = 0;
  const pid_t done = ::waitpid(m_pid, &status, WNOHANG);
  if (done == m_pid || (done < 0 && errno == ECHILD)) {
    m_pid = -1;
    return false;
  }
  return true;
}

void ChildProcess::kill_and_reap() {
  if (m_pid <= 0) return;
  ::kill(m_pid, SIGKILL);
  int status = 0;
  while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
  }
  m_pid = -1;
}

} // namespace fp::dosim
