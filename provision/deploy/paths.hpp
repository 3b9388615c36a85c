// Where each role's files live on a host. A droplet uses the usual places (/opt/fpctl, /etc/fpctl,
// /var/log/fpctl, nginx's own); provider: local gives every host a directory of its own under
// .fpctl/local/, with the same layout inside, so the steps never branch on where they run.
#pragma once

#include <filesystem>
#include <string>

namespace fp::deploy {

struct HostPaths {
  bool local = false;      // provider: local: no systemd, no apt-get, no users of our own
  bool pid_files = false;  // services with pid files even where systemd runs (hosts under a prefix)
  std::string bin_dir;     // fp-order-server
  std::string etc_dir;     // its environment file; the database droplet's password
  std::string run_dir;     // pid files (hosts without systemd)
  std::string log_dir;     // logs of services run with pid files
  std::string data_dir;    // SQLite's file, when the workers use it
  std::string nginx_conf;  // the complete nginx configuration (nginx -c)
  std::string nginx_prefix;
  std::string nginx_pid;
  std::string nginx_access_log;
  std::string nginx_error_log;
  std::string nginx_temp;

  std::string server_binary() const { return bin_dir + "/fp-order-server"; }
  std::string worker_env() const { return etc_dir + "/fp-order-server.env"; }
  std::string worker_pid() const { return run_dir + "/fp-order-server.pid"; }
  std::string worker_log() const { return log_dir + "/fp-order-server.log"; }
  std::string worker_unit() const { return "/etc/systemd/system/fp-order-server.service"; }
};

HostPaths droplet_paths();
// `host_dir`: .fpctl/local/<host>, absolute.
HostPaths local_paths(const std::filesystem::path& host_dir);
// A droplet's deployment confined to `host_dir` (the layout of local_paths, with packages checked
// and cloud-init waited for as on a droplet, but services always on pid files so that nothing is
// written outside the directory): how the tests deploy over SSH to a loopback sshd.
HostPaths prefixed_paths(const std::filesystem::path& host_dir);

} // namespace fp::deploy
