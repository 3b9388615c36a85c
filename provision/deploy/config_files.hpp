// The files of each role, rendered from the embedded templates (templates/deploy/) with the values
// of one deployment. Pure functions: the same settings give the same bytes, which is what lets an
// unchanged file go unwritten (and a service unrestarted) on the next `fpctl up`.
#pragma once

#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace fp::deploy {

struct Upstream {
  std::string address; // "10.110.0.5:8080": a worker's private address and port
};

// nginx as the load balancer in front of the workers.
struct NginxSettings {
  std::string listen = "80";            // nginx `listen` argument: "80", or "127.0.0.1:18080" locally
  std::vector<Upstream> upstreams;      // at least one
  std::string user = "www-data";        // the `user` directive; empty: none (nginx not started as root)
  std::string pid_file = "/run/nginx.pid";
  std::string error_log = "/var/log/nginx/error.log";
  std::string access_log = "/var/log/nginx/access.log";
  std::string temp_dir = "/var/lib/nginx"; // client_body/proxy/... temporary paths live under it
  // Per nginx worker process (one per vCPU). 20,000 load-test users on a 1-vCPU load balancer need
  // 20,000 client connections plus those to the workers; about 14 MB of memory at this size.
  int worker_connections = 32768;
  // Idle keep-alive connections to the workers are closed by nginx after this many seconds. It must
  // stay below the server's idle timeout and its drain grace (FP_DRAIN_IDLE), so that nginx, not
  // the worker, always closes an idle connection: then nginx never sends a request on a
  // connection the worker is closing at that moment.
  int upstream_keepalive_seconds = 5;
  // Requests in progress at once from one client address (nginx limit_conn, which does not count
  // idle keep-alive connections); beyond it nginx answers 429. Generous: a load test comes from one
  // address.
  int max_requests_per_client = 30000;
};
tl::expected<std::string, std::string> render_nginx_conf(const NginxSettings& settings);

// fp-order-server's environment file (mode 0600: it holds the database password).
struct WorkerEnvironment {
  std::string listen = "0.0.0.0:8080";
  std::string database_url;              // sqlite://... or postgresql://...?sslmode=require
  int threads = 0;                       // 0: the server's default (one per core)
  std::string drain_idle = "8s";         // FP_DRAIN_IDLE: longer than NginxSettings::upstream_keepalive_seconds
  std::string access_log;                // empty: none
};
tl::expected<std::string, std::string> render_worker_env(const WorkerEnvironment& environment);

// The hardened systemd unit of fp-order-server.
struct WorkerUnit {
  std::string binary = "/opt/fpctl/bin/fp-order-server";
  std::string environment_file = "/etc/fpctl/fp-order-server.env";
  std::string user = "fp-orders";        // a system user of its own, created by the deploy step
  int stop_timeout_seconds = 40;         // above the server's drain timeout (30 s by default)
  // SQLite only: the database's directory (e.g. /var/lib/fpctl), made writable for the service
  // (ReadWritePaths; the deploy step creates it, owned by `user`). Empty (PostgreSQL): the service
  // can write no file at all.
  std::string data_directory;
};
tl::expected<std::string, std::string> render_worker_unit(const WorkerUnit& unit);

// PostgreSQL on a droplet (plan database.kind: droplet).
struct PostgresSettings {
  std::string listen_address;            // the droplet's private address only
  int port = 5432;
  int memory_mb = 1024;                  // the droplet's memory: shared_buffers etc. are sized from it
  int max_connections = 100;
  std::vector<std::string> allowed_sources; // workers' private addresses ("10.110.0.5"), each /32 in pg_hba
  std::string database = "orders";
  std::string user = "orders";
};
// conf.d drop-in (included by Debian's postgresql.conf) and the complete pg_hba.conf.
tl::expected<std::string, std::string> render_postgresql_conf(const PostgresSettings& settings);
tl::expected<std::string, std::string> render_pg_hba(const PostgresSettings& settings);

} // namespace fp::deploy
