// The deploy steps of each role, written once against Host (host.hpp): a droplet over SSH and a
// directory on this machine (provider: local) run the same commands. Every step is idempotent:
// an unchanged file is not rewritten, an installed package not reinstalled, and a service is
// (re)started only when its binary or configuration changed or it is not running; a second run
// reports nothing changed.
#pragma once

#include "deploy/config_files.hpp"
#include "deploy/host.hpp"
#include "deploy/paths.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace fp::deploy {

// One line per thing done on a host ("fp-order-server binary written"), for progress output.
using Progress = std::function<void(const std::string&)>;

enum class ServiceManager { systemd, pid_files };
std::string_view to_string(ServiceManager manager);

// What a step changed; empty when there was nothing to do.
struct StepOutcome {
  std::vector<std::string> changed;
  bool nothing_to_do() const { return changed.empty(); }
};

// Waits for cloud-init to finish on a new droplet (its package locks, its users), creates the
// directories of `paths`, and tells whether services run under systemd (/run/systemd/system
// exists) or with pid files (a host without systemd, and always provider: local).
tl::expected<ServiceManager, HostError> prepare_host(Host& host, const HostPaths& paths, const Progress& progress);

// Installs the Debian packages of `packages` that are missing (apt-get), nothing otherwise.
tl::expected<StepOutcome, HostError> ensure_packages(Host& host, const std::vector<std::string>& packages,
                                                     const Progress& progress);

struct WorkerSpec {
  HostPaths paths;
  ServiceManager manager = ServiceManager::systemd;
  std::string_view server_binary;   // the bytes of the fp-order-server to install
  WorkerEnvironment environment;
  WorkerUnit unit;                  // systemd only
  int port = 8080;                  // checked on 127.0.0.1 after the start
  std::vector<std::string> packages{"libpq5", "libsqlite3-0", "curl"}; // runtime needs; empty locally
  bool restart = false;             // restart even when nothing changed (fpctl deploy --restart)
};
tl::expected<StepOutcome, HostError> install_worker(Host& host, const WorkerSpec& spec, const Progress& progress);

struct LoadBalancerSpec {
  HostPaths paths;
  ServiceManager manager = ServiceManager::systemd;
  NginxSettings nginx;
  std::string check_url = "http://127.0.0.1/healthz"; // through nginx to a worker
  bool install_package = true;      // droplets: apt-get install nginx when missing
};
tl::expected<StepOutcome, HostError> install_load_balancer(Host& host, const LoadBalancerSpec& spec,
                                                           const Progress& progress);

// Stops a role's service (teardown of provider: local); a service not running is not an error.
tl::expected<void, HostError> stop_worker(Host& host, const HostPaths& paths, ServiceManager manager);
tl::expected<void, HostError> stop_load_balancer(Host& host, const HostPaths& paths, ServiceManager manager);

// A shell function `alive PID TEXT`: true when PID runs, is not a zombie, and its command line
// contains TEXT. Every step checks a recorded pid with it before signalling it.
std::string alive_shell_function();

// The pid recorded for a service run with pid files, if it is alive (0 otherwise).
int worker_pid(Host& host, const HostPaths& paths);
int load_balancer_pid(Host& host, const HostPaths& paths);

} // namespace fp::deploy
