// dosim started as a real process for a test: on a free loopback port, its URL read from its first
// line of output, stopped by pid (SIGTERM) when the object goes away. Other tests (the API client in
// provision/cloud, fpctl up/teardown) link fp_dosim_support and point DIGITALOCEAN_API_URL at url().
#pragma once

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace fp::test {

struct DosimOptions {
  std::optional<std::string> token;       // --token
  std::optional<nlohmann::json> faults;   // written to a file and passed as --faults
  std::filesystem::path state_dir;        // --state-dir (empty: none)
  std::optional<double> delay_scale = 0.0; // --delay-scale; 0 by default: every change is instant
  std::vector<std::string> extra_args;
};

class DosimProcess {
public:
  // Starts dosim and waits (bounded) for its URL; throws std::runtime_error with its output otherwise.
  explicit DosimProcess(const DosimOptions& options = {});
  ~DosimProcess(); // SIGTERM (then SIGKILL) if still running
  DosimProcess(const DosimProcess&) = delete;
  DosimProcess& operator=(const DosimProcess&) = delete;

  const std::string& url() const { return m_url; }   // http://127.0.0.1:PORT
  // DIGITALOCEAN_API_URL=<url> and DIGITALOCEAN_TOKEN=<token>, for ProcessOptions::environment.
  std::vector<std::string> client_environment(const std::string& token = "dop_v1_dosim") const {
    return {"DIGITALOCEAN_API_URL=" + m_url, "DIGITALOCEAN_TOKEN=" + token};
  }
  unsigned short port() const { return m_port; }
  pid_t pid() const { return m_process.pid(); }
  bool running() { return m_process.running(); }
  // SIGTERM (or `signal`) and wait; returns the exit code (128+N when killed by signal N).
  int stop(int signal = SIGTERM);
  std::string output() const { return read_file(m_output); } // stderr (and stdout)

  // Control endpoints (docs/DOSIM.md); each throws std::runtime_error when dosim does not answer 2xx.
  nlohmann::json requests();                        // GET /_dosim/requests -> the "requests" array
  void clear_requests();                            // DELETE /_dosim/requests
  nlohmann::json faults();                          // GET /_dosim/faults
  void set_faults(const nlohmann::json& faults);    // PUT /_dosim/faults
  void advance_clock(double seconds);               // POST /_dosim/clock {"advance": seconds}
  nlohmann::json state();                           // GET /_dosim/state
  void reset();                                     // POST /_dosim/reset

  // Requests the log records with schema violations, as "METHOD PATH: violation" lines.
  std::vector<std::string> schema_violations();

private:
  nlohmann::json control(const std::string& method, const std::string& path, const std::string& body = "");

  TempDir m_dir{"fp-dosim"};
  std::filesystem::path m_output;
  Process m_process;
  std::string m_url;
  unsigned short m_port = 0;
};

} // namespace fp::test
