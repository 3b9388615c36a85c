// A child process started for a test, always stopped by its pid (never by name) and reaped.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace fp::test {

struct ProcessOptions {
  std::filesystem::path output;            // stdout and stderr go here (appended); empty: inherit
  std::vector<std::string> environment;    // extra NAME=value entries on top of ours
  std::optional<std::string> run_as_user;  // when we are root: drop to this user (setpriv)
};

class Process {
public:
  static Process start(const std::vector<std::string>& argv, const ProcessOptions& options = {});

  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process(); // SIGKILL and reap if still running

  pid_t pid() const { return m_pid; }
  bool running();
  // Sends `signal`, waits up to `grace`, then SIGKILLs. Returns the wait status (see WIFEXITED).
  int stop(int signal, std::chrono::milliseconds grace = std::chrono::seconds(20));
  // Waits up to `limit` for the process to exit on its own; nullopt if it is still running.
  std::optional<int> wait_for(std::chrono::milliseconds limit);

private:
  explicit Process(pid_t pid) : m_pid(pid) {}
  pid_t m_pid = -1;
  std::optional<int> m_status;
};

// Runs a command to completion (bounded by `limit`) and returns its exit code and output.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult run_command(const std::vector<std::string>& argv, const ProcessOptions& options = {},
                          std::chrono::milliseconds limit = std::chrono::seconds(120));

// A TCP port on 127.0.0.1 that was free a moment ago.
unsigned short free_port();

// Whether something accepts TCP connections on 127.0.0.1:port now.
bool accepts(unsigned short port);

std::string read_file(const std::filesystem::path& path);

} // namespace fp::test
