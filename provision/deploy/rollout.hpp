// Deploying a whole architecture: the database host (when the plan has one), the workers, then the
// load balancer that needs them. `fpctl up`
// configures the workers in parallel; `fpctl deploy` rolls: one worker at a time is drained
// (SIGTERM makes fp-order-server close its listener, so nginx sends new connections to the others,
// and finish what its open connections ask with `Connection: close`), updated, restarted and
// checked before the next one starts. One host's failure is reported with its output; the hosts
// not reached because of it are named as not done.
#pragma once

#include "deploy/host.hpp"
#include "deploy/steps.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace fp::deploy {

struct HostSpec {
  std::string name;            // "worker-2": the short name users type (fpctl ssh worker-2)
  std::string role;            // lb | worker | db (PostgreSQL on a host of its own)
  std::string address;         // where fpctl reaches it (a droplet's public address, 127.0.0.1 locally)
  std::string private_address; // where the other hosts reach it
  int ssh_port = 22;
  int http_port = 8080;        // worker: fp-order-server's port; lb: nginx's; db: PostgreSQL's
  std::optional<std::string> pinned_host_key; // "TYPE BASE64"; none: first contact, recorded after
};

struct Deployment {
  bool local = false;                  // provider: local: hosts are directories under local_root
  std::filesystem::path local_root;    // .fpctl/local (absolute)
  std::filesystem::path identity;      // the SSH private key (droplets)
  std::string ssh_user = "root";
  // Droplets: empty, the system's paths. Else every host's files under remote_root/<host> on
  // pid files (prefixed_paths): tests deploy over SSH to loopback without touching the system.
  std::filesystem::path remote_root;
  std::string server_binary;           // the bytes of fp-order-server
  std::string database_url;            // what every worker connects to (a db host's step overrides it)
  int database_memory_mb = 1024;       // a db host's memory: PostgreSQL's buffers are sized from it
  int worker_threads = 0;
  std::vector<HostSpec> hosts;
};

enum class Mode { parallel, rolling };

struct RolloutOptions {
  Mode mode = Mode::parallel;
  bool restart = false; // restart the servers even when nothing changed
  // One line per event: (host, text). Called from several threads, never at the same time.
  std::function<void(const std::string&, const std::string&)> progress;
  std::chrono::milliseconds connect_timeout = std::chrono::minutes(3); // a droplet still booting
  // Rolling: after a worker restarted, how long before the next one drains. nginx leaves a worker
  // out for fail_timeout (5 s, templates/deploy/nginx.conf) after the refused connects of its
  // restart; draining the next one before that would leave nginx no live upstream at all.
  std::chrono::milliseconds settle = std::chrono::seconds(6);
};

struct HostResult {
  std::string name;
  std::optional<HostError> error;   // empty: done
  bool attempted = false;           // false: not started (an earlier failure stopped the rollout)
  std::vector<std::string> changed; // empty with no error: nothing to do
  std::string host_key;             // seen on this connection (droplets)
  bool first_contact = false;       // no key was pinned: record host_key
  bool ok() const { return attempted && !error; }
};

struct RolloutReport {
  std::vector<HostResult> hosts;
  bool ok() const;
  // "lb: nothing to do", "worker-1: 3 changes", and for failures the error with its output.
  std::string summary() const;
};

RolloutReport roll_out(const Deployment& deployment, const RolloutOptions& options);

// The pid of a role's service run with pid files (lb: nginx, db: PostgreSQL, else fp-order-server),
// 0 when it is not running.
int service_pid(Host& host, const HostPaths& paths, const std::string& role);

// Stops every service of a local deployment by its pid file (teardown of provider: local).
RolloutReport stop_local(const Deployment& deployment,
                         const std::function<void(const std::string&, const std::string&)>& progress);

} // namespace fp::deploy
