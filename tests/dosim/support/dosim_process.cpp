#include "dosim_process.hpp"

#include "support/http_client.hpp"

#include <fstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>

namespace fp::test {
namespace {

constexpr auto k_start_limit = std::chrono::seconds(30);

Process start(const TempDir& dir, const std::filesystem::path& output, const DosimOptions& options) {
  std::vector<std::string> argv = {FP_DOSIM_PATH, "--listen", "127.0.0.1:0"};
  if (options.token) argv.insert(argv.end(), {"--token", *options.token});
  if (options.faults) {
    const auto path = dir / "faults.json";
    std::ofstream(path) << options.faults->dump(2);
    argv.insert(argv.end(), {"--faults", path.string()});
  }
  if (!options.state_dir.empty()) argv.insert(argv.end(), {"--state-dir", options.state_dir.string()});
  if (options.delay_scale) argv.insert(argv.end(), {"--delay-scale", std::to_string(*options.delay_scale)});
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  ProcessOptions process_options;
  process_options.output = output;
  return Process::start(argv, process_options);
}

} // namespace

DosimProcess::DosimProcess(const DosimOptions& options)
  : m_output(m_dir / "dosim.log"), m_process(start(m_dir, m_output, options)) {
  const auto deadline = std::chrono::steady_clock::now() + k_start_limit;
  for (;;) {
    const std::string log = read_file(m_output);
    // The URL is the first line dosim prints on stdout.
    const auto at = log.find("http://127.0.0.1:");
    const auto end = at == std::string::npos ? std::string::npos : log.find('\n', at);
    if (end != std::string::npos) {
      m_url = log.substr(at, end - at);
      m_port = static_cast<unsigned short>(std::stoul(m_url.substr(m_url.rfind(':') + 1)));
      return;
    }
    if (!m_process.running()) throw std::runtime_error("dosim exited at start:\n" + log);
    if (std::chrono::steady_clock::now() > deadline) {
      m_process.stop(SIGKILL);
      throw std::runtime_error("dosim did not print its URL in time:\n" + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

DosimProcess::~DosimProcess() {
  if (m_process.running()) m_process.stop(SIGTERM, std::chrono::seconds(10));
}

int DosimProcess::stop(int signal) {
  const int status = m_process.stop(signal, std::chrono::seconds(20));
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

nlohmann::json DosimProcess::control(const std::string& method, const std::string& path, const std::string& body) {
  HttpClient client(m_port, std::chrono::seconds(10));
  const auto response = body.empty() && method != "POST" && method != "PUT" ? client.request(method, path)
                                                                           : client.request(method, path, body);
  if (response.status < 200 || response.status >= 300) {
    throw std::runtime_error("dosim " + method + " " + path + " answered " + std::to_string(response.status) + ": " +
                             response.body);
  }
  if (response.body.empty()) return nullptr;
  return nlohmann::json::parse(response.body);
}

nlohmann::json DosimProcess::requests() { return control("GET", "/_dosim/requests")["requests"]; }
void DosimProcess::clear_requests() { control("DELETE", "/_dosim/requests"); }
nlohmann::json DosimProcess::faults() { return control("GET", "/_dosim/faults"); }
void DosimProcess::set_faults(const nlohmann::json& faults) { control("PUT", "/_dosim/faults", faults.dump()); }
void DosimProcess::advance_clock(double seconds) {
  control("POST", "/_dosim/clock", nlohmann::json{{"advance", seconds}}.dump());
}
nlohmann::json DosimProcess::state() { return control("GET", "/_dosim/state"); }
void DosimProcess::reset() { control("POST", "/_dosim/reset", "{}"); }

std::vector<std::string> DosimProcess::schema_violations() {
  std::vector<std::string> found;
  for (const auto& entry : requests()) {
    for (const auto& v : entry.value("violations", nlohmann::json::array())) {
      found.push_back(entry.value("method", "") + " " + entry.value("path", "") + ": " + v.get<std::string>());
    }
  }
  return found;
}

} // namespace fp::test
