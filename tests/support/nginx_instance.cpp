#include "nginx_instance.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fp::test {
namespace {

constexpr auto k_start_limit = std::chrono::seconds(15);

constexpr std::string_view k_static_body =
  R"({"status":"ok","service":"fp-bench-target","items":[{"id":1,"name":"alpha"},{"id":2,"name":"beta"}],)"
  R"("note":"static JSON for load tests","padding":"x"})";
static_assert(k_static_body.size() == 150, "the benchmark's target answers a 150-byte JSON");

std::string nginx_binary() {
  for (const char* path : {"/usr/sbin/nginx", "/usr/bin/nginx"}) {
    if (std::filesystem::exists(path)) return path;
  }
  return "nginx";
}

std::string configuration(const std::filesystem::path& dir, unsigned short port, const std::string& extra) {
  const std::string d = dir.string();
  return "daemon off;\n"
         "master_process off;\n"
         "worker_processes 1;\n"
         "pid " + d + "/nginx.pid;\n"
         "error_log " + d + "/error.log warn;\n"
         "events { worker_connections 16384; }\n"
         "http {\n"
         "  access_log off;\n"
         "  client_body_temp_path " + d + "/client_body;\n"
         "  proxy_temp_path " + d + "/proxy;\n"
         "  keepalive_requests 10000000;\n"
         "  keepalive_timeout 75s;\n"
         "  server {\n"
         "    listen 127.0.0.1:" + std::to_string(port) + " backlog=4096;\n"
         "    default_type application/json;\n"
         "    location = /static { return 200 '" + std::string(k_static_body) + "'; }\n"
         "    location = /status/404 { return 404 '{\"status\":404}'; }\n"
         "    location = /status/500 { return 500 '{\"status\":500}'; }\n"
         "    location = /status/503 { return 503 '{\"status\":503}'; }\n" +
         extra +
         "  }\n"
         "}\n";
}

Process start(const TempDir& dir, unsigned short port, const std::string& extra_locations) {
  const auto conf = dir / "nginx.conf";
  std::ofstream(conf) << configuration(dir.path(), port, extra_locations);
  ProcessOptions options;
  options.output = dir / "output.log";
  return Process::start(
    {nginx_binary(), "-p", dir.path().string() + "/", "-c", conf.string(), "-e", (dir / "error.log").string()},
    options);
}

} // namespace

std::string_view NginxInstance::static_body() { return k_static_body; }

NginxInstance::NginxInstance(const std::string& extra_locations)
  : m_port(free_port()), m_process(start(m_dir, m_port, extra_locations)) {
  const auto deadline = std::chrono::steady_clock::now() + k_start_limit;
  while (!accepts(m_port)) {
    if (!m_process.running())
      throw std::runtime_error("nginx exited at start:\n" + read_file(m_dir / "output.log") + error_log());
    if (std::chrono::steady_clock::now() > deadline) {
      m_process.stop(SIGKILL);
      throw std::runtime_error("nginx did not start in time:\n" + error_log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

NginxInstance::~NginxInstance() { stop(); }

void NginxInstance::stop() {
  if (m_process.pid() > 0 && m_process.running()) m_process.stop(SIGTERM, std::chrono::seconds(10));
}

std::string NginxInstance::error_log() const { return read_file(m_dir / "error.log"); }

} // namespace fp::test
