// LocalHost: the deploy steps' commands run on this machine. The child gets its own process group
// so the timeout stops everything it started in the foreground; stdin is /dev/null (nothing waits
// for input, as with SSH without a TTY).
#include "deploy/host.hpp"

#include "atomic_file.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fp::deploy {
namespace {

using Clock = std::chrono::steady_clock;

HostError local_error(const std::string& host, ssh::ErrorKind kind, const std::string& message) {
  return ssh::make_error(kind, host, message);
}

// Owns a pipe's two ends.
struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() {
    if (::pipe2(fds, O_CLOEXEC) != 0) fds[0] = fds[1] = -1;
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool ok() const { return fds[0] >= 0; }
  void close_read() {
    if (fds[0] >= 0) ::close(fds[0]);
    fds[0] = -1;
  }
  void close_write() {
    if (fds[1] >= 0) ::close(fds[1]);
    fds[1] = -1;
  }
};

// Owns posix_spawn_file_actions_t.
struct FileActions {
  posix_spawn_file_actions_t actions{};
  FileActions() { posix_spawn_file_actions_init(&actions); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
};

struct SpawnAttributes {
  posix_spawnattr_t attributes{};
  SpawnAttributes() { posix_spawnattr_init(&attributes); }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attributes); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
};

std::string read_all(const std::filesystem::path& path, bool& exists) {
  std::ifstream in(path, std::ios::binary);
  exists = static_cast<bool>(in);
  std::ostringstream content;
  if (in) content << in.rdbuf();
  return content.str();
}

} // namespace

tl::expected<CommandResult, HostError> LocalHost::run(const std::string& command, std::chrono::milliseconds timeout) {
  Pipe out;
  Pipe err;
  if (!out.ok() || !err.ok()) return tl::unexpected(local_error(m_name, ssh::ErrorKind::protocol, "cannot create a pipe"));
  FileActions files;
  posix_spawn_file_actions_addopen(&files.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&files.actions, out.fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&files.actions, err.fds[1], STDERR_FILENO);
  SpawnAttributes attributes;
  posix_spawnattr_setflags(&attributes.attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attributes.attributes, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes.attributes, &none);

  std::string shell = "/bin/sh";
  std::string dash_c = "-c";
  std::string script = command;
  std::array<char*, 4> argv = {shell.data(), dash_c.data(), script.data(), nullptr};
  pid_t pid = 0;
  if (const int rc = posix_spawn(&pid, "/bin/sh", &files.actions, &attributes.attributes, argv.data(), environ); rc != 0)
    return tl::unexpected(local_error(m_name, ssh::ErrorKind::protocol, std::string("cannot start /bin/sh: ") + std::strerror(rc)));
  out.close_write();
  err.close_write();

  CommandResult result;
  const auto deadline = Clock::now() + timeout;
  bool timed_out = false;
  std::array<pollfd, 2> fds{pollfd{out.fds[0], POLLIN, 0}, pollfd{err.fds[0], POLLIN, 0}};
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long>(left, 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[8192];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
      else if (n == 0 || (errno != EINTR && errno != EAGAIN)) fds[i].fd = -1;
    }
  }
  if (timed_out) {
    ::kill(-pid, SIGTERM);
    for (int i = 0; i < 50; ++i) { // 5 s for a clean exit, as the SSH side's `timeout -k 5`
      if (::waitpid(pid, nullptr, WNOHANG) == pid) {
        pid = 0;
        break;
      }
      ::usleep(100'000);
    }
    if (pid != 0) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    auto error = local_error(m_name, ssh::ErrorKind::timeout,
                             "command did not finish within " + std::to_string(timeout.count() / 1000) + " s");
    error.output = result.err + result.out;
    return tl::unexpected(std::move(error));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

tl::expected<UploadOutcome, HostError> LocalHost::upload(const UploadRequest& request) {
  const std::filesystem::path path(request.remote_path);
  bool exists = false;
  const std::string current = read_all(path, exists);
  struct stat info {};
  if (exists && current == request.content && ::stat(path.c_str(), &info) == 0) {
    if ((info.st_mode & 07777) == request.mode) return UploadOutcome::unchanged;
    if (::chmod(path.c_str(), request.mode) != 0)
      return tl::unexpected(local_error(m_name, ssh::ErrorKind::sftp, "cannot chmod " + path.string() + ": " + std::strerror(errno)));
    return UploadOutcome::attributes_fixed;
  }
  if (auto written = write_file_atomically(path, request.content, request.mode); !written)
    return tl::unexpected(local_error(m_name, ssh::ErrorKind::sftp, written.error()));
  return UploadOutcome::written;
}

} // namespace fp::deploy
