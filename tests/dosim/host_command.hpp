// Running the system tools the namespace droplet host drives (ip, nft, unshare, ssh-keygen): argv
// only, never a shell line, with a clean environment, every inherited descriptor closed, and a
// bounded wait. Failures are values carrying the command and what it printed.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <tl/expected.hpp>
#include <vector>

namespace fp::dosim {

// Runs argv[0] (looked up on k_tool_path) to completion; its stdout and stderr together on success,
// "COMMAND: exit N: OUTPUT" otherwise. A command still running after `limit` is killed.
tl::expected<std::string, std::string> run_tool(const std::vector<std::string>& argv,
                                                std::chrono::milliseconds limit = std::chrono::seconds(30));

// The full path of executable `name` on k_tool_path; empty when there is none.
std::string find_tool(const std::string& name);

// The PATH every tool and every droplet process gets, whatever dosim's own environment holds.
inline constexpr const char* k_tool_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// A long-running child (a droplet's init) in its own process group, output appended to a file.
// Move-only; the owner kills it with SIGKILL and reaps it when it goes away.
class ChildProcess {
public:
  static tl::expected<ChildProcess, std::string> start(const std::vector<std::string>& argv,
                                                       const std::filesystem::path& output);
  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept : m_pid(other.m_pid) { other.m_pid = -1; }
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { kill_and_reap(); }

  pid_t pid() const { return m_pid; }
  // False once it exited (it is reaped then).
  bool running();
  void kill_and_reap();

private:
  explicit ChildProcess(pid_t pid) : m_pid(pid) {}
  pid_t m_pid = -1;
};

} // namespace fp::dosim
