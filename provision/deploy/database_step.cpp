#include "deploy/database_step.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <tuple>

namespace fp::deploy {
namespace {

using namespace std::chrono_literals;
using ssh::shell_quote;

constexpr auto k_command_limit = 2min;
// pg_ctl's own waits (-t): start after a crash may replay WAL; a fast stop ends sessions first.
constexpr int k_pg_ctl_wait_seconds = 90;
// The line appended once to the cluster's postgresql.conf: the rest is in files fpctl owns.
constexpr const char* k_include_settings = "include_if_exists = 'fpctl.conf'";
constexpr const char* k_include_socket = "include_if_exists = 'fpctl-socket.conf'";
// The administrator's line of templates/deploy/pg_hba.conf (see admin_hba_line()).
constexpr const char* k_template_admin_line = "local   all   postgres   peer";

// Who runs the cluster on a host and with which binaries.
struct Cluster {
  bool root = false;       // the host's user is root: PostgreSQL runs as `postgres`
  bool systemd = false;    // /run/systemd/system exists (systemd is the init system)
  std::string admin;       // the superuser: `postgres`, or the host's user when it is not root
  std::string bindir;      // /usr/lib/postgresql/<major>/bin
  // Prefix of every command run as the server's user; `cd /` first, because the tools complain
  // when the current directory (root's home, say) is not theirs to read.
  std::string as_server() const { return root ? "runuser -u postgres -- " : ""; }
  std::string tool(const std::string& name) const { return as_server() + shell_quote(bindir + "/" + name); }
};


// The postmaster writes its pid on the first line of postmaster.pid and runs as
// `postgres -D <cluster>` (pg_ctl passes the path it was given): both must match.
std::string pid_query(const HostPaths& paths) {
  const std::string cluster = database_cluster_dir(paths);
  return alive_shell_function() + "pid=$(head -n 1 " + shell_quote(cluster + "/postmaster.pid") +
         " 2>/dev/null); if alive \"$pid\" " + shell_quote(cluster) + "; then echo \"$pid\"; fi";
}

HostError config_error(Host& host, const std::string& message, const std::string& hint = {}) {
  return ssh::make_error(ssh::ErrorKind::config, host.name(), message, hint);
}

HostError failed(Host& host, const std::string& message, const CommandResult& result, const std::string& hint = {}) {
  auto error = ssh::make_error(ssh::ErrorKind::command_failed, host.name(), message, hint);
  error.output = result.err + result.out;
  return error;
}

void note(StepOutcome& step, const Progress& progress, const std::string& line) {
  step.changed.push_back(line);
  if (progress) progress(line);
}

// Uploads and records the change; tells whether the file changed.
tl::expected<bool, HostError> put(Host& host, const UploadRequest& request, const std::string& what, StepOutcome& step,
                                  const Progress& progress) {
  auto outcome = host.upload(request);
  if (!outcome) return tl::unexpected(outcome.error());
  if (*outcome == UploadOutcome::unchanged) return false;
  note(step, progress, what + (*outcome == UploadOutcome::written ? " written" : " permissions fixed"));
  return true;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string log_tail(Host& host, const HostPaths& paths) {
  auto tail = host.run("tail -n 20 " + shell_quote(database_log(paths)) + " 2>&1", 30s);
  return tail ? tail->out : std::string();
}

// Debian's postgresql package creates and starts a cluster `main` on port 5432 at installation,
// unless createcluster.conf says not to: that cluster would hold the port fpctl's cluster needs.
tl::expected<StepOutcome, HostError> install_packages(Host& host, const Progress& progress) {
  const std::string file = "/etc/postgresql-common/createcluster.conf";
  const std::string q = shell_quote(file);
  const std::string command = "if ! dpkg-query -W -f='${Status}' postgresql 2>/dev/null | grep -q 'install ok installed'; then\n"
                              "  mkdir -p /etc/postgresql-common || exit 1\n"
                              "  if ! grep -qs '^[[:space:]]*create_main_cluster' " + q + "; then\n"
                              "    printf '%s\\n' '# fpctl runs its own cluster (/var/lib/fpctl/pg); no Debian main cluster.' "
                              "'create_main_cluster = false' >> " + q + " || exit 1\n"
                              "  fi\nfi";
  if (auto r = host.run_checked(command, k_command_limit, "writing " + file); !r) return tl::unexpected(r.error());
  return ensure_packages(host, {"postgresql"}, progress);
}

// Root or not, and the binaries: those of the cluster's major version once it exists (a newer
// PostgreSQL installed later cannot start an older cluster), otherwise the newest installed.
tl::expected<Cluster, HostError> inspect(Host& host, const HostPaths& paths) {
  const std::string cluster = database_cluster_dir(paths);
  const std::string command =
    "echo \"uid=$(id -u)\"\necho \"user=$(id -un)\"\n"
    "if [ \"$(id -u)\" = 0 ] && ! id -u postgres >/dev/null 2>&1; then echo nouser; fi\n"
    "if [ -d /run/systemd/system ]; then echo systemd; fi\n"
    "v=$(cat " + shell_quote(cluster + "/PG_VERSION") + " 2>/dev/null)\n"
    "if [ -n \"$v\" ]; then echo \"version=$v\"; d=/usr/lib/postgresql/$v/bin; [ -x \"$d/pg_ctl\" ] && echo \"bindir=$d\"; exit 0; fi\n"
    "for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do\n"
    "  if [ -x \"$d/pg_ctl\" ] && [ -x \"$d/initdb\" ] && [ -x \"$d/postgres\" ]; then echo \"bindir=$d\"; break; fi\n"
    "done";
  auto result = host.run_checked(command, k_command_limit, "looking for PostgreSQL");
  if (!result) return tl::unexpected(result.error());
  Cluster found;
  std::string version;
  bool no_user = false;
  std::size_t start = 0;
  const std::string& out = result->out;
  while (start < out.size()) {
    auto end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(start, end - start);
    start = end + 1;
    if (line == "uid=0") found.root = true;
    else if (line.starts_with("user=")) found.admin = line.substr(5);
    else if (line.starts_with("bindir=")) found.bindir = line.substr(7);
    else if (line.starts_with("version=")) version = line.substr(8);
    else if (line == "nouser") no_user = true;
    else if (line == "systemd") found.systemd = true;
  }
  if (found.root) found.admin = "postgres";
  if (no_user) {
    return tl::unexpected(config_error(host, "there is no 'postgres' user to run PostgreSQL as (it refuses to run as root)",
                                       "install PostgreSQL with 'apt-get install postgresql', which creates the user"));
  }
  if (found.bindir.empty()) {
    if (!version.empty()) {
      return tl::unexpected(config_error(host, "the cluster in " + cluster + " was created by PostgreSQL " + version +
                                                 ", whose server binaries are not installed",
                                         "install them with 'apt-get install postgresql-" + version + "'"));
    }
    return tl::unexpected(config_error(host, "PostgreSQL's server is not installed (no /usr/lib/postgresql/*/bin/pg_ctl)",
                                       "install it with 'apt-get install postgresql'"));
  }
  if (found.admin.empty() || found.admin.find_first_of("\"\n") != std::string::npos) {
    return tl::unexpected(config_error(host, "cannot tell the host's user name ('id -un' printed '" + found.admin + "')"));
  }
  return found;
}

// The directories: the cluster's (0700, the server's own; initdb and postgres insist), the socket
// directory under run_dir (never /var/run/postgresql, which another cluster may use) and the log,
// both writable by the server.
tl::expected<void, HostError> prepare_directories(Host& host, const HostPaths& paths, const Cluster& cluster) {
  const std::string dir = shell_quote(database_cluster_dir(paths));
  const std::string socket = shell_quote(database_socket_dir(paths));
  const std::string log = shell_quote(database_log(paths));
  std::string command = "mkdir -p " + shell_quote(paths.data_dir) + " " + shell_quote(paths.log_dir) + " " + socket +
                        " || exit 1\nmkdir -p -m 0700 " + shell_quote(paths.etc_dir) + " " + dir +
                        " || exit 1\nchmod 0700 " + dir + " || exit 1\ntouch " + log + " || exit 1\n";
  if (cluster.root) {
    command += "chown postgres: " + dir + " " + socket + " " + log + " || exit 1\n" +
               // Every parent directory must let `postgres` through, or initdb fails with a riddle.
               "runuser -u postgres -- test -w " + dir + " || { echo \"the postgres user cannot write " +
               database_cluster_dir(paths) + ": each parent directory must be searchable by others (chmod o+x)\" >&2; exit 1; }\n";
  }
  if (auto r = host.run_checked(command, k_command_limit, "preparing PostgreSQL's directories"); !r) return tl::unexpected(r.error());
  return {};
}

// Debian's template admits the administrator `postgres` by peer authentication (sudo -u postgres
// psql). When the host's user is not root the cluster runs as that user, who is its superuser:
// that line must name them instead, or fpctl could not create its role and database.
std::string admin_hba_line(const std::string& hba, const Cluster& cluster) {
  if (cluster.root) return hba;
  std::string result = hba;
  if (const auto at = result.find(k_template_admin_line); at != std::string::npos)
    result.replace(at, std::string(k_template_admin_line).size(), "local   all   \"" + cluster.admin + "\"   peer");
  return result;
}

// The cluster runs under its systemd unit on a droplet (as root, with systemd); hosts under a
// prefix keep everything in their directory, and provider: local has no units of its own.
bool under_systemd(const Cluster& cluster, const HostPaths& paths) {
  return cluster.root && cluster.systemd && !paths.local && !paths.pid_files;
}

std::string url_host(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

} // namespace

// Lexically normal, as pg_ctl makes the -D it passes to the postmaster (whose command line
// database_pid() matches against this path).
std::string database_cluster_dir(const HostPaths& paths) {
  return std::filesystem::path(paths.data_dir + "/pg").lexically_normal().string();
}
std::string database_socket_dir(const HostPaths& paths) { return paths.run_dir + "/postgresql"; }
std::string database_password_file(const HostPaths& paths) { return paths.etc_dir + "/db-password"; }
std::string database_log(const HostPaths& paths) { return paths.log_dir + "/postgresql.log"; }

std::string database_unit_path() { return std::string("/etc/systemd/system/") + k_database_unit; }

std::string render_database_unit(const HostPaths& paths, const std::string& bindir) {
  const std::string socket = database_socket_dir(paths);
  const std::string log = database_log(paths);
  return "# Written by fpctl (database_step.cpp); overwritten on every `fpctl up`.\n"
         "[Unit]\n"
         "Description=PostgreSQL for fpctl's deployment (" + database_cluster_dir(paths) + ")\n"
         "Documentation=man:postgres(1)\n"
         // It listens on the private address only, which must exist first.
         "Wants=network-online.target\n"
         "After=network-online.target\n\n"
         "[Service]\n"
         "Type=notify\n"
         "User=postgres\n"
         "Group=postgres\n"
         // /run is empty after a reboot: the socket directory is made again ('+': as root).
         "ExecStartPre=+/bin/mkdir -p " + socket + "\n"
         "ExecStartPre=+/bin/chown postgres:postgres " + socket + "\n"
         "ExecStart=" + bindir + "/postgres -D " + database_cluster_dir(paths) + "\n"
         "ExecReload=/bin/kill -HUP $MAINPID\n"
         // SIGINT to the postmaster only: a fast shutdown, which ends the backends itself.
         "KillMode=mixed\n"
         "KillSignal=SIGINT\n"
         "TimeoutStartSec=10min\n" // recovery after a crash replays the WAL first
         "TimeoutStopSec=2min\n"
         "StandardOutput=append:" + log + "\n"
         "StandardError=append:" + log + "\n"
         "Restart=on-failure\n"
         "OOMScoreAdjust=-900\n\n"
         "[Install]\n"
         "WantedBy=multi-user.target\n";
}

tl::expected<DatabaseOutcome, HostError> install_database(Host& host, const DatabaseSpec& spec, const Progress& progress) {
  const HostPaths& paths = spec.paths;
  const PostgresSettings& settings = spec.settings;
  // Rendered first: bad settings stop the step before anything on the host changes.
  auto conf = render_postgresql_conf(settings);
  if (!conf) return tl::unexpected(config_error(host, conf.error()));
  auto hba = render_pg_hba(settings);
  if (!hba) return tl::unexpected(config_error(host, hba.error()));

  DatabaseOutcome outcome;
  StepOutcome& step = outcome.step;
  if (spec.install_packages) {
    auto installed = install_packages(host, progress);
    if (!installed) return tl::unexpected(installed.error());
    step = std::move(*installed);
  }
  auto cluster = inspect(host, paths);
  if (!cluster) return tl::unexpected(cluster.error());
  if (auto prepared = prepare_directories(host, paths, *cluster); !prepared) return tl::unexpected(prepared.error());

  const std::string dir = database_cluster_dir(paths);
  const std::string q_dir = shell_quote(dir);
  // initdb only once: PG_VERSION is the last thing it writes that a later run can see.
  auto exists = host.run("[ -f " + shell_quote(dir + "/PG_VERSION") + " ]", k_command_limit);
  if (!exists) return tl::unexpected(exists.error());
  if (!exists->ok()) {
    // Peer authentication on the socket, SCRAM over TCP (pg_hba.conf below replaces both anyway).
    const std::string command = "cd / || exit 1\n" + cluster->tool("initdb") + " -D " + q_dir + " -U " +
                                shell_quote(cluster->admin) +
                                " --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C >/dev/null";
    auto made = host.run(command, 5min);
    if (!made) return tl::unexpected(made.error());
    if (!made->ok()) {
      return tl::unexpected(failed(host, "initdb " + dir + " failed (exit status " + std::to_string(made->exit_status) + ")",
                                   *made, "an earlier, interrupted attempt may have left files there: remove the directory"));
    }
    note(step, progress, "PostgreSQL cluster created in " + dir);
  }

  // Settings in files of fpctl's own, included from postgresql.conf; a change of them needs a
  // restart (listen_addresses, shared_buffers and the socket directory are read only at start).
  bool restart_needed = false;
  bool reload_needed = false;
  const std::string socket_conf = "# Written by fpctl: the socket in fpctl's run directory, apart from other clusters'.\n"
                                  "unix_socket_directories = '" + database_socket_dir(paths) + "'\n";
  if (database_socket_dir(paths).find('\'') != std::string::npos)
    return tl::unexpected(config_error(host, "the run directory " + paths.run_dir + " contains a single quote (')"));
  for (const auto& [file, content, what] : {std::tuple{dir + "/fpctl.conf", *conf, std::string("fpctl.conf")},
                                            std::tuple{dir + "/fpctl-socket.conf", socket_conf, std::string("fpctl-socket.conf")}}) {
    auto changed = put(host, {file, content, 0600, {}}, what, step, progress);
    if (!changed) return tl::unexpected(changed.error());
    restart_needed = restart_needed || *changed;
  }
  {
    auto changed = put(host, {dir + "/pg_hba.conf", admin_hba_line(*hba, *cluster), 0600, {}}, "pg_hba.conf", step, progress);
    if (!changed) return tl::unexpected(changed.error());
    reload_needed = *changed;
  }
  {
    const std::string main_conf = shell_quote(dir + "/postgresql.conf");
    std::string command;
    for (const char* line : {k_include_settings, k_include_socket}) {
      command += "if ! grep -qxF " + shell_quote(line) + " " + main_conf + "; then printf '%s\\n' " + shell_quote(line) +
                 " >> " + main_conf + " || exit 1; echo appended; fi\n";
    }
    // Uploads replace files with root's; the server must own what it reads.
    if (cluster->root) command += "chown postgres: " + q_dir + "/fpctl.conf " + q_dir + "/fpctl-socket.conf " + q_dir + "/pg_hba.conf\n";
    auto included = host.run_checked(command, k_command_limit, "including fpctl.conf in postgresql.conf");
    if (!included) return tl::unexpected(included.error());
    if (included->out.find("appended") != std::string::npos) {
      note(step, progress, "postgresql.conf includes fpctl.conf");
      restart_needed = true;
    }
  }

  // The password: made on the host at the first install and kept there (0600); fpctl reads it back
  // each time to give it to the workers. Letters and digits only, so that it needs no escaping in
  // a URL, an environment file or SQL.
  const std::string password_file = database_password_file(paths);
  const std::string q_password = shell_quote(password_file);
  auto password_result = host.run_checked(
    "f=" + q_password + "\nif [ ! -s \"$f\" ]; then\n  (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\\n' > \"$f.new\") "
    "&& mv -f \"$f.new\" \"$f\" || exit 1\n  echo generated\nfi\nchmod 0600 \"$f\" || exit 1\nprintf 'password=%s\\n' \"$(cat \"$f\")\"",
    k_command_limit, "reading the database password");
  if (!password_result) return tl::unexpected(password_result.error());
  std::string password;
  if (const auto at = password_result->out.find("password="); at != std::string::npos)
    password = trimmed(password_result->out.substr(at + 9));
  if (password.empty() || !std::all_of(password.begin(), password.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      })) {
    return tl::unexpected(config_error(host, password_file + " holds no password of letters and digits only",
                                       "remove the file: the next 'fpctl up' makes a new password and gives it to the workers"));
  }
  if (password_result->out.find("generated") != std::string::npos) note(step, progress, "database password generated");

  const int pid = database_pid(host, paths);
  const std::string pg_ctl = "cd / || exit 1\n" + cluster->tool("pg_ctl") + " -D " + q_dir + " -l " +
                             shell_quote(database_log(paths)) + " -w -t " + std::to_string(k_pg_ctl_wait_seconds);
  const bool systemd = under_systemd(*cluster, paths);
  bool unit_active = false;
  if (systemd) {
    auto changed = put(host, {database_unit_path(), render_database_unit(paths, cluster->bindir), 0644, {}}, "systemd unit",
                       step, progress);
    if (!changed) return tl::unexpected(changed.error());
    restart_needed = restart_needed || *changed;
    const std::string unit = k_database_unit;
    if (auto r = host.run_checked(std::string(*changed ? "systemctl daemon-reload && " : "") + "systemctl enable --quiet " + unit,
                                  k_command_limit, "enabling " + unit);
        !r)
      return tl::unexpected(r.error());
    auto active = host.run("systemctl is-active --quiet " + unit, k_command_limit);
    if (!active) return tl::unexpected(active.error());
    unit_active = active->ok();
  }
  const std::string systemctl = std::string("systemctl --no-ask-password ");
  std::string action;
  std::string what;
  std::string doing;
  if (pid == 0) {
    action = systemd ? systemctl + "start " + k_database_unit : pg_ctl + " start";
    what = "PostgreSQL started";
    doing = "starting PostgreSQL";
  } else if (systemd && !unit_active) {
    // Running, but started with pg_ctl (before the unit existed): handed over to systemd.
    action = pg_ctl + " -m fast stop && " + systemctl + "start " + k_database_unit;
    what = "PostgreSQL restarted under systemd";
    doing = "restarting PostgreSQL under systemd";
  } else if (restart_needed) {
    action = systemd ? systemctl + "restart " + k_database_unit : pg_ctl + " -m fast restart";
    what = "PostgreSQL restarted (its configuration changed)";
    doing = "restarting PostgreSQL";
  } else if (reload_needed) {
    action = systemd ? systemctl + "reload " + k_database_unit
                     : "cd / || exit 1\n" + cluster->tool("pg_ctl") + " -D " + q_dir + " reload";
    what = "PostgreSQL reloaded (pg_hba.conf changed)";
    doing = "reloading PostgreSQL";
  }
  if (!action.empty()) {
    auto done = host.run(action + " >/dev/null", 3min);
    if (!done) return tl::unexpected(done.error());
    if (!done->ok()) {
      auto error = failed(host, doing + " failed (exit status " + std::to_string(done->exit_status) + ")",
                          *done, "the server's log is below; 'fpctl logs " + host.name() + "' shows more");
      error.output += log_tail(host, paths);
      return tl::unexpected(std::move(error));
    }
    note(step, progress, what);
  }

  // Listening where the workers connect: pg_isready on the listen address (it does not log in, so
  // this works although pg_hba.conf admits only the workers' addresses).
  const std::string port = std::to_string(settings.port);
  auto ready = host.run("i=0; until " + cluster->tool("pg_isready") + " -q -h " + shell_quote(settings.listen_address) +
                          " -p " + port + " -t 2; do i=$((i+1)); if [ $i -ge 100 ]; then exit 1; fi; sleep 0.2; done",
                        3min);
  if (!ready) return tl::unexpected(ready.error());
  if (!ready->ok()) {
    auto error = failed(host, "PostgreSQL does not accept connections on " + settings.listen_address + ":" + port, *ready,
                        "is the address this host's? The server's log is below");
    error.output += log_tail(host, paths);
    return tl::unexpected(std::move(error));
  }

  // The role and the database, over the socket as the administrator. The names were checked by
  // render_postgresql_conf (plain lowercase names), the password above; the password goes in on
  // standard input, never on a command line that `ps` shows.
  const std::string user = settings.user;
  const std::string database = settings.database;
  const std::string psql = cluster->tool("psql") + " -X -q -At -v ON_ERROR_STOP=1 -h " +
                           shell_quote(database_socket_dir(paths)) + " -p " + port + " -U " + shell_quote(cluster->admin) +
                           " -d postgres";
  const std::string sql_script =
    "cd / || exit 1\nq() { " + psql + " \"$@\"; }\n"
    "r=$(q -c \"SELECT 1 FROM pg_roles WHERE rolname = '" + user + "'\") || exit 1\n"
    "if [ -z \"$r\" ]; then q -c 'CREATE ROLE " + user + " LOGIN' || exit 1; echo role-created; fi\n"
    "pw=$(cat " + q_password + ") || exit 1\n"
    "q <<EOF || exit 1\nALTER ROLE " + user + " WITH LOGIN PASSWORD '$pw';\nEOF\n"
    "r=$(q -c \"SELECT 1 FROM pg_database WHERE datname = '" + database + "'\") || exit 1\n"
    "if [ -z \"$r\" ]; then q -c 'CREATE DATABASE " + database + " OWNER " + user + "' || exit 1; echo database-created; fi";
  auto sql = host.run(sql_script, k_command_limit);
  if (!sql) return tl::unexpected(sql.error());
  if (!sql->ok()) return tl::unexpected(failed(host, "creating the role " + user + " and the database " + database + " failed", *sql));
  if (sql->out.find("role-created") != std::string::npos) note(step, progress, "role " + user + " created");
  if (sql->out.find("database-created") != std::string::npos) note(step, progress, "database " + database + " created");

  outcome.url = "postgresql://" + user + ":" + password + "@" + url_host(settings.listen_address) + ":" + port + "/" + database;
  if (progress) progress("accepting connections on " + url_host(settings.listen_address) + ":" + port);
  return outcome;
}

tl::expected<void, HostError> stop_database(Host& host, const HostPaths& paths) {
  const int pid = database_pid(host, paths);
  if (pid == 0) return {};
  auto cluster = inspect(host, paths);
  if (!cluster) return tl::unexpected(cluster.error());
  const std::string dir = database_cluster_dir(paths);
  // A fast shutdown (systemctl stop, or pg_ctl for a cluster run with its pid file); should it not
  // end in time, SIGQUIT (immediate shutdown: recovery at the next start, no data lost), then
  // SIGKILL — every wait bounded. Stopping does not disable the unit: a reboot starts it again.
  const std::string p = std::to_string(pid);
  const std::string first = under_systemd(*cluster, paths)
                              ? "if [ -f " + shell_quote(database_unit_path()) + " ]; then systemctl --no-ask-password stop " +
                                  k_database_unit + " >/dev/null 2>&1; fi\n"
                              : std::string();
  const std::string command = alive_shell_function() + "cd / || exit 1\n" + first + "if alive " + p + " " + shell_quote(dir) +
                              "; then " + cluster->tool("pg_ctl") + " -D " + shell_quote(dir) + " -m fast -w -t " +
                              std::to_string(k_pg_ctl_wait_seconds) + " stop >/dev/null 2>&1; fi\n"
                              "i=0; while alive " + p + " " + shell_quote(dir) + "; do\n"
                              "  i=$((i+1))\n"
                              "  if [ $i -eq 1 ]; then kill -QUIT " + p + " 2>/dev/null; fi\n"
                              "  if [ $i -ge 100 ]; then kill -KILL " + p + " 2>/dev/null; fi\n"
                              "  if [ $i -ge 150 ]; then echo 'PostgreSQL (pid " + p + ") does not exit' >&2; exit 1; fi\n"
                              "  sleep 0.1\ndone";
  if (auto r = host.run_checked(command, 4min, "stopping PostgreSQL"); !r) return tl::unexpected(r.error());
  return {};
}

int database_pid(Host& host, const HostPaths& paths) {
  auto result = host.run(pid_query(paths), 30s);
  if (!result || !result->ok() || result->out.empty()) return 0;
  try {
    return std::stoi(result->out);
  } catch (const std::exception&) {
    return 0;
  }
}

} // namespace fp::deploy
