#include "server_process.hpp"

#include <stdexcept>
#include <sys/wait.h>
#include <thread>

namespace fp::test {
namespace {

constexpr auto k_start_limit = std::chrono::seconds(30);

Process start(const std::filesystem::path& output, const std::string& database_url,
              const std::vector<std::string>& extra_args, const std::vector<std::string>& environment) {
  std::vector<std::string> argv = {FP_ORDER_SERVER_PATH, "serve", "--listen", "127.0.0.1:0",
                                   "--database", database_url, "--threads", "2"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  ProcessOptions options;
  options.output = output;
  options.environment = environment;
  return Process::start(argv, options);
}

} // namespace

ServerProcess::ServerProcess(const std::string& database_url, const std::vector<std::string>& extra_args,
                             const std::vector<std::string>& environment)
  : m_output(m_dir / "server.log"), m_process(start(m_output, database_url, extra_args, environment)) {
  const auto deadline = std::chrono::steady_clock::now() + k_start_limit;
  for (;;) {
    const std::string log = read_file(m_output);
    const auto at = log.find(" listen=");
    if (at != std::string::npos) {
      const auto colon = log.find(':', at);
      const auto end = log.find(' ', colon);
      if (colon != std::string::npos && end != std::string::npos) {
        m_port = static_cast<unsigned short>(std::stoul(log.substr(colon + 1, end - colon - 1)));
        return;
      }
    }
    if (!m_process.running()) throw std::runtime_error("fp-order-server exited at start:\n" + log);
    if (std::chrono::steady_clock::now() > deadline) {
      m_process.stop(SIGKILL);
      throw std::runtime_error("fp-order-server did not start in time:\n" + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int ServerProcess::stop(int signal) {
  const int status = m_process.stop(signal, std::chrono::seconds(60));
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

CommandResult run_server_command(const std::vector<std::string>& args, const std::vector<std::string>& environment) {
  std::vector<std::string> argv = {FP_ORDER_SERVER_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions options;
  options.environment = environment;
  return run_command(argv, options);
}

} // namespace fp::test
