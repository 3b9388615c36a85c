#include "deploy/steps.hpp"

#include <chrono>

namespace fp::deploy {
namespace {

using namespace std::chrono_literals;
using ssh::shell_quote;

// Prints the pid when the pid file names a live process running `program`.
std::string pid_query(const std::string& pid_file, const std::string& program) {
  return alive_shell_function() + "pid=$(cat " + shell_quote(pid_file) + " 2>/dev/null | head -n 1); if alive \"$pid\" " +
         shell_quote(program) + "; then echo \"$pid\"; fi";
}

// SIGTERM (or `signal`), then waiting up to 60 s for the exit (the server drains first), then SIGKILL.
std::string stop_by_pid_file(const std::string& pid_file, const std::string& program, const std::string& signal) {
  return alive_shell_function() + "f=" + shell_quote(pid_file) + "\npid=$(cat \"$f\" 2>/dev/null | head -n 1)\n" +
         "if alive \"$pid\" " + shell_quote(program) + "; then\n  kill -" + signal +
         " \"$pid\"\n  i=0\n  while alive \"$pid\" " + shell_quote(program) +
         "; do\n    i=$((i+1)); if [ $i -gt 600 ]; then kill -KILL \"$pid\"; break; fi; sleep 0.1\n  done\nfi\nrm -f \"$f\"";
}

// Polls `url` until it answers (bounded by `tries`); with `pid_file`, stops early when the process
// it names is gone (a server that exits at start-up fails at once instead of after every try).
std::string health_loop(const std::string& url, int tries, const std::string& pid_file = {}, const std::string& program = {}) {
  std::string exit_early;
  if (!pid_file.empty())
    exit_early = " if ! alive \"$(cat " + shell_quote(pid_file) + " 2>/dev/null)\" " + shell_quote(program) + "; then exit 2; fi;";
  return (pid_file.empty() ? std::string() : alive_shell_function()) + "i=0; until curl -fsS --max-time 2 -o /dev/null " +
         shell_quote(url) + " 2>/dev/null; do" + exit_early + " i=$((i+1)); if [ $i -ge " + std::to_string(tries) +
         " ]; then exit 1; fi; sleep 0.2; done";
}

tl::expected<void, HostError> record(const tl::expected<UploadOutcome, HostError>& outcome, const std::string& what,
                                     StepOutcome& step, const Progress& progress) {
  if (!outcome) return tl::unexpected(outcome.error());
  if (*outcome == UploadOutcome::unchanged) return {};
  const std::string line = what + (*outcome == UploadOutcome::written ? " written" : " permissions fixed");
  step.changed.push_back(line);
  if (progress) progress(line);
  return {};
}

void note(StepOutcome& step, const Progress& progress, const std::string& line) {
  step.changed.push_back(line);
  if (progress) progress(line);
}

// The last lines of a service's log, for an error that says why it did not come up.
std::string worker_log_tail(Host& host, const WorkerSpec& spec) {
  const std::string command = spec.manager == ServiceManager::systemd
                                ? "journalctl -u fp-order-server -n 20 --no-pager 2>&1"
                                : "tail -n 20 " + shell_quote(spec.paths.worker_log()) + " 2>&1";
  auto result = host.run(command, 30s);
  return result ? result->out : std::string();
}

std::string nginx_command(const HostPaths& paths, const std::string& conf) {
  // -e: the error log before the configuration is read (nginx would otherwise try the compiled-in
  // /var/log/nginx/error.log, which a local user cannot open).
  return "nginx -q -c " + shell_quote(conf) + " -p " + shell_quote(paths.nginx_prefix + "/") + " -e " +
         shell_quote(paths.nginx_error_log);
}

} // namespace

// A process counts as running when /proc has it and it is not a zombie (an orphan whose parent
// never reaps it still answers kill -0), and its command line contains the expected text (a fixed
// string): a pid file left behind must never make fpctl signal an unrelated process that reused
// the number.
std::string alive_shell_function() {
  return "alive() { [ -n \"$1\" ] && [ -r /proc/$1/stat ] && "
         "[ \"$(sed 's/.*) \\(.\\).*/\\1/' /proc/$1/stat)\" != Z ] && "
         "tr '\\0' ' ' < /proc/$1/cmdline | grep -qF -- \"$2\"; }\n";
}

std::string_view to_string(ServiceManager manager) {
  return manager == ServiceManager::systemd ? "systemd" : "pid files";
}

tl::expected<ServiceManager, HostError> prepare_host(Host& host, const HostPaths& paths, const Progress& progress) {
  if (!paths.local) {
    // A droplet still running cloud-init holds apt's locks and may not have its users yet.
    auto waited = host.run("if command -v cloud-init >/dev/null 2>&1; then cloud-init status --wait >/dev/null 2>&1 || true; fi",
                           15min);
    if (!waited) return tl::unexpected(waited.error());
  }
  std::string dirs = "mkdir -p";
  for (const auto* dir : {&paths.bin_dir, &paths.run_dir, &paths.log_dir, &paths.data_dir}) dirs += " " + shell_quote(*dir);
  dirs += " && mkdir -p -m 0700 " + shell_quote(paths.etc_dir);
  if (auto made = host.run_checked(dirs, 1min, "creating directories"); !made) return tl::unexpected(made.error());
  if (paths.local || paths.pid_files) return ServiceManager::pid_files;
  auto probe = host.run("[ -d /run/systemd/system ]", 1min);
  if (!probe) return tl::unexpected(probe.error());
  const auto manager = probe->ok() ? ServiceManager::systemd : ServiceManager::pid_files;
  if (manager == ServiceManager::pid_files && progress) progress("no systemd on this host: services run with pid files");
  return manager;
}

tl::expected<StepOutcome, HostError> ensure_packages(Host& host, const std::vector<std::string>& packages,
                                                     const Progress& progress) {
  StepOutcome step;
  if (packages.empty()) return step;
  std::string list;
  for (const auto& package : packages) list += " " + shell_quote(package);
  const std::string command =
    "missing=\nfor p in" + list +
    "; do\n  dpkg-query -W -f='${Status}' \"$p\" 2>/dev/null | grep -q 'install ok installed' || missing=\"$missing $p\"\n"
    "done\nif [ -n \"$missing\" ]; then\n  export DEBIAN_FRONTEND=noninteractive\n"
    "  apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null || exit 1\n"
    "  echo \"installed:$missing\"\nfi";
  auto result = host.run_checked(command, 15min, "installing packages (" + list.substr(1) + ")");
  if (!result) return tl::unexpected(result.error());
  if (const auto at = result->out.find("installed:"); at != std::string::npos) {
    std::string installed = result->out.substr(at + 10);
    while (!installed.empty() && (installed.back() == '\n' || installed.back() == ' ')) installed.pop_back();
    note(step, progress, "packages installed:" + installed);
  }
  return step;
}

tl::expected<StepOutcome, HostError> install_worker(Host& host, const WorkerSpec& spec, const Progress& progress) {
  auto step = ensure_packages(host, spec.packages, progress);
  if (!step) return step;
  const bool systemd = spec.manager == ServiceManager::systemd;
  if (systemd) {
    const std::string user = shell_quote(spec.unit.user);
    auto made = host.run_checked("id -u " + user + " >/dev/null 2>&1 || useradd --system --no-create-home --home-dir " +
                                   shell_quote(spec.paths.data_dir) + " --shell /usr/sbin/nologin " + user +
                                   "\nchown " + user + " " + shell_quote(spec.paths.data_dir),
                                 1min, "creating the user " + spec.unit.user);
    if (!made) return tl::unexpected(made.error());
  }
  auto environment = render_worker_env(spec.environment);
  if (!environment) return tl::unexpected(ssh::make_error(ssh::ErrorKind::config, host.name(), environment.error()));
  const std::string binary(spec.server_binary);
  if (auto r = record(host.upload({spec.paths.server_binary(), binary, 0755, {}}), "fp-order-server binary", *step, progress); !r)
    return tl::unexpected(r.error());
  if (auto r = record(host.upload({spec.paths.worker_env(), *environment, 0600, {}}), "environment file", *step, progress); !r)
    return tl::unexpected(r.error());
  bool unit_changed = false;
  if (systemd) {
    auto unit = render_worker_unit(spec.unit);
    if (!unit) return tl::unexpected(ssh::make_error(ssh::ErrorKind::config, host.name(), unit.error()));
    const auto before = step->changed.size();
    if (auto r = record(host.upload({spec.paths.worker_unit(), *unit, 0644, {}}), "systemd unit", *step, progress); !r)
      return tl::unexpected(r.error());
    unit_changed = step->changed.size() != before;
    if (unit_changed)
      if (auto r = host.run_checked("systemctl daemon-reload", 1min, "systemctl daemon-reload"); !r) return tl::unexpected(r.error());
  }
  const bool running = systemd ? host.run("systemctl is-active --quiet fp-order-server", 1min).map([](const CommandResult& c) {
                                   return c.ok();
                                 }).value_or(false)
                               : worker_pid(host, spec.paths) != 0;
  if (running && step->nothing_to_do() && !spec.restart) return step;

  if (systemd) {
    if (auto r = host.run_checked("systemctl enable --quiet fp-order-server && systemctl restart fp-order-server", 2min,
                                  "starting fp-order-server");
        !r)
      return tl::unexpected(r.error());
  } else {
    if (auto r = stop_worker(host, spec.paths, spec.manager); !r) return tl::unexpected(r.error());
    // setsid: the server leaves fpctl's (or sshd's) session, with its output in its log file.
    // Only the server is put in the background (not the cd and the environment), so that $! is its pid.
    const std::string start = "cd " + shell_quote(spec.paths.data_dir) + " || exit 1\nset -a\n. " +
                              shell_quote(spec.paths.worker_env()) + " || exit 1\nset +a\nsetsid " +
                              shell_quote(spec.paths.server_binary()) + " serve >>" + shell_quote(spec.paths.worker_log()) +
                              " 2>&1 </dev/null &\necho $! > " + shell_quote(spec.paths.worker_pid());
    if (auto r = host.run_checked(start, 1min, "starting fp-order-server"); !r) return tl::unexpected(r.error());
  }
  note(*step, progress, running ? "fp-order-server restarted" : "fp-order-server started");
  const std::string url = "http://127.0.0.1:" + std::to_string(spec.port) + "/healthz";
  auto healthy = host.run(systemd ? health_loop(url, 100) : health_loop(url, 100, spec.paths.worker_pid(), spec.paths.server_binary()),
                           1min);
  if (!healthy) return tl::unexpected(healthy.error());
  if (!healthy->ok()) {
    auto error = ssh::make_error(ssh::ErrorKind::command_failed, host.name(),
                                 healthy->exit_status == 2 ? "fp-order-server exited right after its start"
                                                           : "fp-order-server does not answer " + url + " after its start",
                                 "its log is below; 'fpctl logs " + host.name() + "' shows more");
    error.output = worker_log_tail(host, spec);
    return tl::unexpected(std::move(error));
  }
  if (progress) progress("healthy on port " + std::to_string(spec.port));
  return step;
}

tl::expected<StepOutcome, HostError> install_load_balancer(Host& host, const LoadBalancerSpec& spec, const Progress& progress) {
  StepOutcome step;
  // Any nginx will do (Debian's nginx, nginx-light, nginx-full all install /usr/sbin/nginx): the
  // package is installed only when there is no nginx at all.
  auto found = host.run("command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]", 1min);
  if (!found) return tl::unexpected(found.error());
  if (spec.install_package) {
    auto installed = ensure_packages(host, found->ok() ? std::vector<std::string>{"curl"} : std::vector<std::string>{"nginx", "curl"},
                                     progress);
    if (!installed) return installed;
    step = std::move(*installed);
  } else if (!found->ok()) {
    return tl::unexpected(ssh::make_error(ssh::ErrorKind::config, host.name(), "nginx is not installed on this machine",
                                          "install it with 'apt-get install nginx' (the load balancer runs nginx)"));
  }
  auto conf = render_nginx_conf(spec.nginx);
  if (!conf) return tl::unexpected(ssh::make_error(ssh::ErrorKind::config, host.name(), conf.error()));
  const std::string path = spec.paths.nginx_conf;
  const std::string candidate = path + ".fpctl-new";
  if (auto made = host.run_checked("mkdir -p " + shell_quote(spec.paths.nginx_temp) + " " +
                                     shell_quote(std::filesystem::path(spec.paths.nginx_error_log).parent_path().string()),
                                   1min, "creating nginx's directories");
      !made)
    return tl::unexpected(made.error());
  // The new configuration is checked with `nginx -t` under a temporary name and only then renamed
  // over the live one: a broken file never replaces a working load balancer's configuration.
  if (auto up = host.upload({candidate, *conf, 0644, {}}); !up) return tl::unexpected(up.error());
  const std::string q_candidate = shell_quote(candidate);
  auto compared = host.run("cmp -s " + q_candidate + " " + shell_quote(path) + " && rm -f " + q_candidate, 1min);
  if (!compared) return tl::unexpected(compared.error());
  const bool changed = !compared->ok();
  if (changed) {
    auto tested = host.run(nginx_command(spec.paths, candidate) + " -t 2>&1", 1min);
    if (!tested) return tl::unexpected(tested.error());
    if (!tested->ok()) {
      host.run("rm -f " + q_candidate, 1min);
      auto error = ssh::make_error(ssh::ErrorKind::command_failed, host.name(), "nginx -t rejects the new configuration",
                                   "the running configuration was left in place");
      error.output = tested->out + tested->err;
      return tl::unexpected(std::move(error));
    }
    if (auto moved = host.run_checked("mv -f " + q_candidate + " " + shell_quote(path), 1min, "installing nginx.conf"); !moved)
      return tl::unexpected(moved.error());
    note(step, progress, "nginx.conf written (nginx -t passed)");
  }
  const bool systemd = spec.manager == ServiceManager::systemd;
  const bool running = systemd ? host.run("systemctl is-active --quiet nginx", 1min).map([](const CommandResult& c) {
                                   return c.ok();
                                 }).value_or(false)
                               : load_balancer_pid(host, spec.paths) != 0;
  if (running && !changed) return step;
  std::string command;
  if (systemd) command = running ? "systemctl reload nginx" : "systemctl enable --quiet nginx && systemctl restart nginx";
  else command = nginx_command(spec.paths, path) + (running ? " -s reload" : "") + " </dev/null >/dev/null 2>&1";
  if (auto r = host.run_checked(command, 2min, running ? "reloading nginx" : "starting nginx"); !r) return tl::unexpected(r.error());
  note(step, progress, running ? "nginx reloaded" : "nginx started");
  auto healthy = host.run(health_loop(spec.check_url, 100), 1min);
  if (!healthy) return tl::unexpected(healthy.error());
  if (!healthy->ok()) {
    auto error = ssh::make_error(ssh::ErrorKind::command_failed, host.name(),
                                 "no answer through nginx at " + spec.check_url, "nginx's error log is below");
    auto tail = host.run("tail -n 20 " + shell_quote(spec.paths.nginx_error_log) + " 2>&1", 30s);
    if (tail) error.output = tail->out;
    return tl::unexpected(std::move(error));
  }
  if (progress) progress("answering through nginx");
  return step;
}

tl::expected<void, HostError> stop_worker(Host& host, const HostPaths& paths, ServiceManager manager) {
  const std::string command = manager == ServiceManager::systemd
                                ? "systemctl stop fp-order-server 2>/dev/null; true"
                                : stop_by_pid_file(paths.worker_pid(), paths.server_binary(), "TERM");
  auto stopped = host.run_checked(command, 2min, "stopping fp-order-server");
  if (!stopped) return tl::unexpected(stopped.error());
  return {};
}

tl::expected<void, HostError> stop_load_balancer(Host& host, const HostPaths& paths, ServiceManager manager) {
  // QUIT: nginx's graceful stop (finishes the requests in flight).
  const std::string command = manager == ServiceManager::systemd ? "systemctl stop nginx 2>/dev/null; true"
                                                                 : stop_by_pid_file(paths.nginx_pid, "nginx", "QUIT");
  auto stopped = host.run_checked(command, 2min, "stopping nginx");
  if (!stopped) return tl::unexpected(stopped.error());
  return {};
}

namespace {
int query_pid(Host& host, const std::string& pid_file, const std::string& program) {
  auto result = host.run(pid_query(pid_file, program), 30s);
  if (!result || !result->ok() || result->out.empty()) return 0;
  try {
    return std::stoi(result->out);
  } catch (const std::exception&) {
    return 0;
  }
}
} // namespace

int worker_pid(Host& host, const HostPaths& paths) { return query_pid(host, paths.worker_pid(), paths.server_binary()); }
int load_balancer_pid(Host& host, const HostPaths& paths) { return query_pid(host, paths.nginx_pid, "nginx"); }

} // namespace fp::deploy
