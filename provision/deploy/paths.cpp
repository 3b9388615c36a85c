#include "deploy/paths.hpp"

namespace fp::deploy {

HostPaths droplet_paths() {
  HostPaths p;
  p.bin_dir = "/opt/fpctl/bin";
  p.etc_dir = "/etc/fpctl";
  p.run_dir = "/run/fpctl";
  p.log_dir = "/var/log/fpctl";
  p.data_dir = "/var/lib/fpctl";
  p.nginx_conf = "/etc/nginx/nginx.conf"; // Debian's nginx.service starts nginx with this file
  p.nginx_prefix = "/etc/nginx";
  p.nginx_pid = "/run/nginx.pid";
  p.nginx_access_log = "/var/log/nginx/access.log";
  p.nginx_error_log = "/var/log/nginx/error.log";
  p.nginx_temp = "/var/lib/nginx";
  return p;
}

HostPaths local_paths(const std::filesystem::path& host_dir) {
  const std::string root = host_dir.string();
  HostPaths p;
  p.local = true;
  p.bin_dir = root + "/bin";
  p.etc_dir = root + "/etc";
  p.run_dir = root + "/run";
  p.log_dir = root + "/log";
  p.data_dir = root + "/data";
  p.nginx_conf = root + "/etc/nginx.conf";
  p.nginx_prefix = root;
  p.nginx_pid = root + "/run/nginx.pid";
  p.nginx_access_log = root + "/log/nginx-access.log";
  p.nginx_error_log = root + "/log/nginx-error.log";
  p.nginx_temp = root + "/tmp";
  return p;
}

HostPaths prefixed_paths(const std::filesystem::path& host_dir) {
  HostPaths p = local_paths(host_dir);
  p.local = false;
  p.pid_files = true;
  return p;
}

} // namespace fp::deploy
