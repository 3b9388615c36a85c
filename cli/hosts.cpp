#include "hosts.hpp"

#include "errors.hpp"
#include "project.hpp"

#include "atomic_file.hpp"
#include "infra/ssh_identity.hpp"
#include "ssh/exec.hpp"
#include "ssh/host_key.hpp"
#include "ssh/session.hpp"
#include "suggest.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace fp::cli {
namespace {

bool is_host(const infra::StateResource& r) { return r.kind == "droplet" || r.kind == "process"; }

std::string list_names(const std::vector<Host>& hosts) {
  std::vector<std::string> names;
  for (const auto& h : hosts) names.push_back(h.short_name);
  return plan::join_alternatives(names, " and ");
}

unsigned short ssh_port_of(const Host& host) {
  const int port = host.resource.ssh_port == 0 ? 22 : host.resource.ssh_port;
  if (port < 1 || port > 65535)
    throw UsageError(host.short_name + ": the recorded SSH port " + std::to_string(port) +
                     " is not a port number: fix ssh_port in .fpctl/state.json, or rebuild it with 'fpctl status --refresh'");
  return static_cast<unsigned short>(port);
}

// ssh -o splits a value at whitespace unless it is quoted.
std::string option_path(const std::filesystem::path& path) {
  const std::string text = path.string();
  return text.find_first_of(" \t") == std::string::npos ? text : "\"" + text + "\"";
}

// `tail` of `files`. A missing file is said in a sentence rather than tail's; with `follow`, tail
// -F waits for it instead.
std::string tail_files(const std::vector<std::string>& files, int lines, bool follow) {
  std::string check;
  std::string list;
  for (const auto& f : files) {
    if (!follow) check += "[ -e " + f + " ] || { echo \"fpctl: no log at " + f + " on this host\" >&2; exit 1; }; ";
    list += " " + f;
  }
  return check + "exec tail -n " + std::to_string(lines) + (follow ? " -F" : "") + list;
}

std::string journal(const std::string& unit, int lines, bool follow) {
  return "exec journalctl --no-pager -u " + ssh::shell_quote(unit) + " -n " + std::to_string(lines) + (follow ? " -f" : "");
}

} // namespace

std::string Host::role() const {
  if (!resource.role.empty()) return resource.role;
  for (const char* role : {"worker", "lb", "db"})
    if (short_name.rfind(role, 0) == 0) return role;
  return "";
}

std::vector<Host> hosts_of(const infra::State& state) {
  std::vector<Host> hosts;
  for (const auto& r : state.resources)
    if (is_host(r)) hosts.push_back(Host{infra::host_name(r.name, state.project), r});
  return hosts;
}

Host resolve_host(const infra::State& state, const std::string& name) {
  const auto hosts = hosts_of(state);
  if (hosts.empty())
    throw UsageError("project '" + state.project + "' has no hosts recorded in .fpctl/state.json: 'fpctl up' creates them "
                     "(or, if they exist, 'fpctl status --refresh' records them)");
  for (const auto& h : hosts)
    if (h.short_name == name || h.resource.name == name) return h;
  std::vector<std::string> names;
  for (const auto& h : hosts) names.push_back(h.short_name);
  const auto close = plan::closest(infra::host_name(name, state.project), names);
  throw UsageError("no host '" + name + "' in project '" + state.project + "'" +
                   (close.empty() ? std::string() : "; did you mean '" + close + "'?") + " The hosts are " +
                   list_names(hosts) + ".");
}

std::filesystem::path login_key(const Project& project) {
  const auto& configured = project.plan.ssh.key;
  std::error_code error;
  if (configured.empty() && !std::filesystem::exists(project.fpctl_dir() / "id_ed25519", error))
    throw UsageError("no SSH key for project '" + project.plan.project + "': " + (project.fpctl_dir() / "id_ed25519").string() +
                     " does not exist. 'fpctl up' makes it and puts it on the hosts; run it first");
  // The file exists (or ssh.key names one), so this only reads it.
  auto identity = infra::load_or_generate_identity(configured, project.fpctl_dir(), "fpctl-" + project.plan.project);
  if (!identity) throw UsageError(identity.error());
  return identity->private_key;
}

std::filesystem::path write_known_hosts(const Project& project, const infra::State& state, const Host& target) {
  const auto pinned = state.host_keys.find(target.short_name);
  if (pinned == state.host_keys.end())
    throw UsageError("no host key recorded for " + target.short_name + ": 'fpctl up' or 'fpctl deploy' records it on first "
                     "contact; run one of them first");
  auto target_key = ssh::parse_host_key(pinned->second);
  if (!target_key)
    throw UsageError("the host key recorded for " + target.short_name + " is not valid (" + target_key.error() +
                     "); record it again with: " + ssh::forget_host_key_command(target.short_name));
  const unsigned short target_port = ssh_port_of(target);
  std::string content = "# Written by fpctl from the host keys in state.json before each 'fpctl ssh' and 'fpctl logs'; edits are lost.\n";
  for (const auto& h : hosts_of(state)) {
    const auto key = state.host_keys.find(h.short_name);
    if (h.local() || h.resource.public_ipv4.empty() || key == state.host_keys.end()) continue;
    auto parsed = ssh::parse_host_key(key->second);
    if (!parsed) continue; // that host's own command says so
    const unsigned short port = h.short_name == target.short_name ? target_port : ssh_port_of(h);
    const bool shares_address = h.resource.public_ipv4 == target.resource.public_ipv4 && port == target_port;
    if (shares_address && !(*parsed == *target_key)) continue;
    content += ssh::known_hosts_line(h.resource.public_ipv4, port, *parsed) + "\n";
  }
  const auto file = project.fpctl_dir() / "known_hosts";
  if (auto made = ensure_directory(project.fpctl_dir(), 0700); !made) throw std::runtime_error(made.error());
  if (auto written = write_file_atomically(file, content, 0600); !written) throw std::runtime_error(written.error());
  return file;
}

std::string shell_command(const std::vector<std::string>& words) {
  if (words.size() == 1) return words.front();
  std::string line;
  for (const auto& w : words) line += (line.empty() ? "" : " ") + ssh::shell_quote(w);
  return line;
}

std::vector<std::string> ssh_argv(const Host& host, const std::filesystem::path& key, const std::filesystem::path& known_hosts,
                                  const std::optional<std::string>& remote_command) {
  if (host.resource.public_ipv4.empty())
    throw UsageError(host.short_name + " has no public address recorded yet: 'fpctl status --refresh' asks DigitalOcean for it");
  std::vector<std::string> argv = {"ssh",
                                   "-i", key.string(),
                                   "-p", std::to_string(ssh_port_of(host)),
                                   "-o", "IdentitiesOnly=yes",
                                   "-o", "StrictHostKeyChecking=yes",
                                   "-o", "UserKnownHostsFile=" + option_path(known_hosts),
                                   // Only the pinned key counts: not /etc/ssh/ssh_known_hosts, and ssh
                                   // must not add keys to the file fpctl rewrites.
                                   "-o", "GlobalKnownHostsFile=/dev/null",
                                   "-o", "UpdateHostKeys=no",
                                   "-o", "ConnectTimeout=20",
                                   "root@" + host.resource.public_ipv4};
  if (remote_command) {
    argv.push_back("--");
    argv.push_back(*remote_command);
  }
  return argv;
}

std::filesystem::path local_host_directory(const Project& project, const Host& host) {
  const auto directory = std::filesystem::absolute(project.fpctl_dir() / "local" / host.short_name).lexically_normal();
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error))
    throw UsageError(host.short_name + " runs on this machine (provider: local), but its directory " + directory.string() +
                     " does not exist: 'fpctl up' starts the local hosts");
  return directory;
}

std::vector<std::filesystem::path> local_log_files(const std::string& role) {
  if (role == "worker") return {"log/fp-order-server.log"};
  if (role == "lb") return {"log/nginx-access.log", "log/nginx-error.log"};
  if (role == "db") return {"log/postgresql.log"};
  return {};
}

std::string remote_log_command(const std::string& role, int lines, bool follow) {
  std::string with_systemd;
  std::string without;
  if (role == "worker") {
    with_systemd = journal("fp-order-server", lines, follow);
    without = tail_files({"/var/log/fpctl/fp-order-server.log"}, lines, follow);
  } else if (role == "lb") {
    with_systemd = without = tail_files({"/var/log/nginx/access.log", "/var/log/nginx/error.log"}, lines, follow);
  } else if (role == "db") {
    // fpctl runs the database droplet's cluster itself with pg_ctl (deploy/database_step.hpp),
    // which writes this file with or without systemd.
    with_systemd = without = tail_files({"/var/log/fpctl/postgresql.log"}, lines, follow);
  } else {
    throw UsageError("fpctl does not know where a host of role '" + role + "' keeps its logs (roles: lb, worker, db)");
  }
  return "if [ -d /run/systemd/system ]; then " + with_systemd + "; else " + without + "; fi";
}

void require_ssh_client() {
  const char* path = std::getenv("PATH");
  std::string directories = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= directories.size()) {
    const auto end = std::min(directories.find(':', start), directories.size());
    const std::string directory = directories.substr(start, end - start);
    const std::string candidate = (directory.empty() ? std::string(".") : directory) + "/ssh";
    if (::access(candidate.c_str(), X_OK) == 0) return;
    start = end + 1;
  }
  throw std::runtime_error("the OpenSSH client 'ssh' is not installed (or not on PATH): install it with "
                           "'apt-get install openssh-client'");
}

int run_child(const std::vector<std::string>& argv, const ChildOptions& options) {
  if (argv.empty()) throw std::logic_error("run_child: no program");
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<char*> pointers;
  for (const auto& a : argv) pointers.push_back(const_cast<char*>(a.c_str()));
  pointers.push_back(nullptr);
  const std::string directory = options.directory.string();
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(ready[0]);
    ::close(ready[1]);
    throw std::runtime_error(std::string("cannot start ") + argv.front() + ": " + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(ready[0]);
    int failure = 0;
    if (!directory.empty() && ::chdir(directory.c_str()) != 0) failure = errno;
    if (failure == 0) {
      ::execvp(pointers[0], pointers.data());
      failure = errno;
    }
    // Tell the parent why (the pipe closes on a successful exec, so it reads nothing then).
    [[maybe_unused]] const auto written = ::write(ready[1], &failure, sizeof failure);
    ::_exit(127);
  }
  ::close(ready[1]);
  int failure = 0;
  ssize_t got = 0;
  do got = ::read(ready[0], &failure, sizeof failure);
  while (got < 0 && errno == EINTR);
  ::close(ready[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (got == static_cast<ssize_t>(sizeof failure))
    throw std::runtime_error("cannot run " + argv.front() + (directory.empty() ? "" : " in " + directory) + ": " +
                             std::strerror(failure));
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return k_exit_failure;
}

std::optional<std::string> diagnose_host_key(const Host& host, const std::filesystem::path& key, const infra::State& state) {
  const auto pinned = state.host_keys.find(host.short_name);
  if (pinned == state.host_keys.end() || host.resource.public_ipv4.empty()) return std::nullopt;
  ssh::ConnectOptions options;
  options.label = host.short_name;
  options.pinned_host_key = pinned->second;
  // One look, no waiting for a booting host: ssh has already said why it could not connect.
  options.attempt_timeout = std::chrono::seconds(10);
  options.total_timeout = std::chrono::seconds(10);
  const ssh::SshTarget target{host.resource.public_ipv4, ssh_port_of(host), "root", key};
  auto session = ssh::connect(target, options);
  if (!session && session.error().kind == ssh::ErrorKind::host_key_changed) return session.error().describe();
  return std::nullopt;
}

} // namespace fp::cli
