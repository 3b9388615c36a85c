// fp-order-server started as a real process on a free loopback port, for tests.
#pragma once

#include "process.hpp"
#include "temp_dir.hpp"

#include <csignal>
#include <string>
#include <vector>

namespace fp::test {

class ServerProcess {
public:
  // Starts `fp-order-server serve --listen 127.0.0.1:0 --database URL --threads 2 EXTRA...` and waits
  // (bounded) for its start-up line; throws std::runtime_error with the server's output otherwise.
  explicit ServerProcess(const std::string& database_url, const std::vector<std::string>& extra_args = {},
                         const std::vector<std::string>& environment = {});

  unsigned short port() const { return m_port; }
  pid_t pid() const { return m_process.pid(); }
  // Sends `signal` and waits for the exit; returns the exit code (128+N when killed by signal N).
  int stop(int signal = SIGTERM);
  bool running() { return m_process.running(); }
  std::string output() const { return read_file(m_output); }

private:
  TempDir m_dir{"fp-server"};
  std::filesystem::path m_output;
  Process m_process;
  unsigned short m_port = 0;
};

// Runs fp-order-server with the given arguments to completion (reset, seed, bad flags).
CommandResult run_server_command(const std::vector<std::string>& args, const std::vector<std::string>& environment = {});

} // namespace fp::test
