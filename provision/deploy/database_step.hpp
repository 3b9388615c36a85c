// The database host (plan `database: droplet`): PostgreSQL installed, configured and run by the
// deploy. fpctl runs a cluster of its own in <data_dir>/pg with pg_ctl — not Debian's `main`
// cluster — so that a droplet, a host under a prefix (the tests) and this machine take one code
// path. Like the other steps it is idempotent: a second run with the same settings changes nothing
// and leaves the server running under the same pid.
//
// Reboots: on a droplet with systemd (droplet_paths(), root, /run/systemd/system present) the
// cluster runs under a unit of fpctl's own, fpctl-postgresql.service (written from C++, enabled),
// so it comes back after a reboot. Elsewhere — hosts under a prefix (the tests), provider: local,
// hosts without systemd — it runs with pg_ctl and its pid file (postmaster.pid): nothing starts it
// again at boot until the next `fpctl up` does (same data, same password).
#pragma once

#include "deploy/config_files.hpp"
#include "deploy/host.hpp"
#include "deploy/paths.hpp"
#include "deploy/steps.hpp"

#include <string>

#include <tl/expected.hpp>

namespace fp::deploy {

struct DatabaseSpec {
  HostPaths paths;
  bool install_packages = true; // droplets: apt-get install postgresql when missing (without Debian's own cluster)
  PostgresSettings settings;    // listen_address, port, memory_mb, allowed_sources, database, user
};

struct DatabaseOutcome {
  StepOutcome step;
  // postgresql://USER:PASSWORD@LISTEN_ADDRESS:PORT/DATABASE, for the workers' environment. The
  // password is generated on the host at the first install and read back from it on every run
  // (<etc_dir>/db-password); fpctl never stores it on the machine it runs on.
  std::string url;
};

// Installs (packages when asked), initialises on first use, configures and starts the cluster;
// restarts it when fpctl.conf changed (listen address, memory), reloads it when only pg_hba.conf
// did; creates the role and the database when missing and sets the role's password. Checked with
// pg_isready on the listen address.
tl::expected<DatabaseOutcome, HostError> install_database(Host& host, const DatabaseSpec& spec, const Progress& progress);

// Fast shutdown (clients disconnected, no recovery needed at the next start), bounded; nothing
// when the cluster is not running.
tl::expected<void, HostError> stop_database(Host& host, const HostPaths& paths);

// The postmaster's pid (from <data_dir>/pg/postmaster.pid) when it is alive, 0 otherwise.
int database_pid(Host& host, const HostPaths& paths);

// Where the cluster lives and talks, derived from `paths` (exposed for messages and tests).
std::string database_cluster_dir(const HostPaths& paths);    // <data_dir>/pg
std::string database_socket_dir(const HostPaths& paths);     // <run_dir>/postgresql
std::string database_password_file(const HostPaths& paths);  // <etc_dir>/db-password
std::string database_log(const HostPaths& paths);            // <log_dir>/postgresql.log

// The systemd unit of the cluster (systemd hosts only): the postmaster itself as the service
// (Type=notify; Debian builds PostgreSQL with systemd support), run as `postgres`, its output
// appended to database_log(), SIGINT (fast shutdown) to stop, SIGHUP to reload.
constexpr const char* k_database_unit = "fpctl-postgresql.service";
std::string database_unit_path();                             // /etc/systemd/system/fpctl-postgresql.service
std::string render_database_unit(const HostPaths& paths, const std::string& bindir);

} // namespace fp::deploy
