#include "deployment.hpp"

#include "errors.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace fp::cli {

std::filesystem::path server_binary_path() {
  if (const char* configured = std::getenv("FPCTL_SERVER_BINARY"); configured != nullptr && *configured != '\0') {
    std::error_code error;
    if (!std::filesystem::is_regular_file(configured, error))
      throw UsageError(std::string("FPCTL_SERVER_BINARY names ") + configured + ", which is not a file");
    return configured;
  }
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  std::vector<std::filesystem::path> candidates;
  if (!error) {
    candidates.push_back(self.parent_path() / "fp-order-server");
    candidates.push_back(self.parent_path().parent_path() / "server" / "fp-order-server");
  }
  for (const auto& candidate : candidates)
    if (std::filesystem::is_regular_file(candidate, error)) return candidate;
  std::string looked;
  for (const auto& candidate : candidates) looked += (looked.empty() ? "" : ", ") + candidate.string();
  throw UsageError("cannot find the fp-order-server to install (looked at " + looked +
                   "): build it (scripts/build.sh) or set FPCTL_SERVER_BINARY to its path");
}

std::string read_server_binary(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<deploy::HostSpec> hosts_from_state(const infra::State& state, const std::string& project, int worker_port) {
  std::vector<deploy::HostSpec> hosts;
  for (const auto& r : state.resources) {
    if ((r.kind != "droplet" && r.kind != "process") || (r.role != "lb" && r.role != "worker" && r.role != "db")) continue;
    deploy::HostSpec host;
    host.name = infra::host_name(r.name, project);
    host.role = r.role;
    host.address = r.public_ipv4;
    host.private_address = r.private_ipv4.empty() ? r.public_ipv4 : r.private_ipv4;
    host.ssh_port = r.ssh_port != 0 ? r.ssh_port : 22;
    host.http_port = r.port != 0 ? r.port : r.role == "lb" ? 80 : r.role == "db" ? 5432 : worker_port;
    if (const auto key = state.host_keys.find(host.name); key != state.host_keys.end()) host.pinned_host_key = key->second;
    hosts.push_back(std::move(host));
  }
  // worker-10 after worker-9: by role (database, workers, load balancer), then by the number in the name.
  const auto rank = [](const std::string& role) { return role == "db" ? 0 : role == "worker" ? 1 : 2; };
  std::sort(hosts.begin(), hosts.end(), [&](const deploy::HostSpec& a, const deploy::HostSpec& b) {
    if (a.role != b.role) return rank(a.role) < rank(b.role);
    if (a.name.size() != b.name.size()) return a.name.size() < b.name.size();
    return a.name < b.name;
  });
  return hosts;
}

void print_host_progress(const std::string& host, const std::string& line) {
  std::cerr << "  [" << host << "] " << line << "\n";
}

void record_host_keys(const deploy::RolloutReport& report, infra::State& state, const std::filesystem::path& state_file) {
  bool changed = false;
  for (const auto& host : report.hosts)
    if (host.first_contact && !host.host_key.empty()) {
      state.host_keys[host.name] = host.host_key;
      changed = true;
    }
  if (!changed) return;
  if (auto saved = infra::save_state(state_file, state); !saved) throw std::runtime_error(saved.error());
}

} // namespace fp::cli
