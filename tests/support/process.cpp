#include "process.hpp"

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "temp_dir.hpp"

extern char** environ;

namespace fp::test {

Process Process::start(const std::vector<std::string>& argv_in, const ProcessOptions& options) {
  std::vector<std::string> argv;
  if (options.run_as_user && geteuid() == 0) {
    argv = {"setpriv", "--reuid=" + *options.run_as_user, "--regid=" + *options.run_as_user,
            "--init-groups", "--"};
  }
  argv.insert(argv.end(), argv_in.begin(), argv_in.end());

  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  for (const auto& e : options.environment) env_strings.push_back(e);
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!options.output.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, options.output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  }
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  return Process(pid);
}

Process::Process(Process&& other) noexcept : m_pid(other.m_pid), m_status(other.m_status) { other.m_pid = -1; }

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (m_pid > 0 && running()) stop(SIGKILL);
    m_pid = other.m_pid;
    m_status = other.m_status;
    other.m_pid = -1;
  }
  return *this;
}

Process::~Process() {
  if (m_pid > 0 && running()) stop(SIGKILL);
}

bool Process::running() {
  if (m_pid <= 0 || m_status) return false;
  int status = 0;
  const pid_t r = waitpid(m_pid, &status, WNOHANG);
  if (r == m_pid) {
    m_status = status;
    return false;
  }
  return r == 0;
}

std::optional<int> Process::wait_for(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return m_status;
}

int Process::stop(int signal, std::chrono::milliseconds grace) {
  if (running()) {
    kill(m_pid, signal);
    if (!wait_for(grace)) {
      kill(m_pid, SIGKILL);
      wait_for(std::chrono::seconds(10));
    }
  }
  return m_status.value_or(-1);
}

CommandResult run_command(const std::vector<std::string>& argv, const ProcessOptions& options_in,
                          std::chrono::milliseconds limit) {
  TempDir dir("fp-cmd");
  ProcessOptions options = options_in;
  options.output = dir / "output";
  auto process = Process::start(argv, options);
  CommandResult result;
  auto status = process.wait_for(limit);
  if (!status) status = process.stop(SIGKILL);
  result.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
  result.output = read_file(options.output);
  return result;
}

unsigned short free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool accepts(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return ok;
}


} // namespace fp::test
