// A throwaway nginx for tests: its configuration, pid file, logs and temporary directories in a
// TempDir, a free loopback port, `daemon off` and `master_process off` (one process, our child,
// stopped by its pid). `location = /static` answers every method with a 150-byte JSON, as the
// benchmark's target does; `/status/NNN` answers NNN for a few codes; callers add locations.
#pragma once

#include "process.hpp"
#include "temp_dir.hpp"

#include <string>
#include <string_view>

namespace fp::test {

class NginxInstance {
public:
  // The body of /static: 150 bytes of JSON.
  static std::string_view static_body();

  // Starts nginx and waits (bounded) until it accepts connections; throws std::runtime_error with
  // its error log otherwise. `extra_locations` is nginx configuration put inside the server block.
  explicit NginxInstance(const std::string& extra_locations = "");
  ~NginxInstance();
  NginxInstance(const NginxInstance&) = delete;
  NginxInstance& operator=(const NginxInstance&) = delete;

  unsigned short port() const { return m_port; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  pid_t pid() const { return m_process.pid(); }
  std::string error_log() const;
  void stop();

private:
  TempDir m_dir{"fp-nginx"};
  unsigned short m_port = 0;
  Process m_process;
};

} // namespace fp::test
