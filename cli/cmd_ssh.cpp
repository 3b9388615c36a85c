#include "cmd_ssh.hpp"

#include "deployment.hpp"
#include "errors.hpp"
#include "hosts.hpp"
#include "project.hpp"

#include "ssh/host_key.hpp"

#include <cstdlib>
#include <iostream>
#include <stdexcept>

namespace fp::cli {
namespace {

int forget(const Project& project, infra::State state, const std::string& name) {
  // A key may outlive its host's record (a worker scaled away), so its name is accepted too.
  std::string host = name;
  if (state.host_keys.count(name) == 0) {
    const std::string short_name = infra::host_name(name, project.plan.project);
    if (state.host_keys.count(short_name) != 0) host = short_name;
    else host = resolve_host(state, name).short_name;
  }
  const auto it = state.host_keys.find(host);
  if (it == state.host_keys.end()) {
    std::cout << "No host key is recorded for " << host << "; nothing to forget. The next 'fpctl up' or 'fpctl deploy' records "
              << "the key it presents.\n";
    return k_exit_ok;
  }
  const auto parsed = ssh::parse_host_key(it->second);
  const std::string print = parsed ? ssh::sha256_fingerprint(*parsed).value_or("") : "";
  state.host_keys.erase(it);
  if (auto saved = infra::save_state(infra::state_path(project.dir), state); !saved) throw std::runtime_error(saved.error());
  std::cout << "Forgot the host key of " << host << (print.empty() ? "" : " (" + print + ")")
            << ". The next 'fpctl up' or 'fpctl deploy' records the key the host presents then.\n";
  return k_exit_ok;
}

int local_shell(const Project& project, const Host& host, const std::vector<std::string>& command) {
  ChildOptions options;
  options.directory = local_host_directory(project, host);
  if (!command.empty()) return run_child({"/bin/sh", "-c", shell_command(command)}, options);
  const char* shell = std::getenv("SHELL");
  std::cerr << "fpctl: " << host.short_name << " runs on this machine (provider: local): a shell in " << options.directory.string()
            << "; 'exit' returns.\n";
  return run_child({shell != nullptr && *shell != '\0' ? shell : "/bin/sh"}, options);
}

} // namespace

CLI::App* add_ssh_command(CLI::App& app, SshOptions& o) {
  auto* cmd = app.add_subcommand("ssh", "A shell, or one command, on a host of the deployment (lb, worker-N, db)");
  cmd->footer(
    "Droplets: runs OpenSSH's ssh as root with the project's key (ssh.key, else .fpctl/id_ed25519) and only the host key\n"
    "'fpctl up' recorded (written to .fpctl/known_hosts); a changed key is refused. With a COMMAND, fpctl exits with\n"
    "its exit code. One COMMAND word is a shell command line ('tail -n 5 /var/log/syslog | grep x'); several words\n"
    "are passed exactly as given.\n"
    "provider: local: there is no SSH: the COMMAND runs with /bin/sh -c in the host's directory\n"
    ".fpctl/local/HOST/, and without one $SHELL (or /bin/sh) starts there.\n"
    "Examples:\n  fpctl ssh lb\n  fpctl ssh worker-2 -- systemctl status fp-order-server\n  fpctl ssh --forget-host-key worker-2");
  cmd->add_option("-c,--config", o.config, "The plan (default: ./fpctl.yaml)");
  cmd->add_flag("--forget-host-key", o.forget_host_key,
                "Remove HOST's pinned host key from .fpctl/state.json; the next 'fpctl up' or 'fpctl deploy' records the key "
                "it presents then");
  cmd->add_option("host", o.host, "The host: lb, worker-N, db (or its full name, <project>-worker-N)")->required();
  cmd->add_option("command", o.command, "After --: the command to run instead of a shell");
  return cmd;
}

int run_ssh(const SshOptions& o) {
  const Project project = load_project(o.config);
  if (!project.note.empty()) std::cerr << "fpctl: " << project.note << "\n";
  const infra::State state = load_state_for(project);
  if (o.forget_host_key) {
    if (!o.command.empty()) throw UsageError("--forget-host-key takes a host and no command");
    return forget(project, state, o.host);
  }
  const Host host = resolve_host(state, o.host);
  if (host.local()) return local_shell(project, host, o.command);

  const auto key = login_key(project);
  const auto known_hosts = write_known_hosts(project, state, host);
  const auto argv = ssh_argv(host, key, known_hosts,
                             o.command.empty() ? std::nullopt : std::optional<std::string>(shell_command(o.command)));
  require_ssh_client();
  const int code = run_child(argv);
  // 255 is ssh's own failure (or, rarely, the command's): say so when the reason is a changed key.
  if (code == 255)
    if (auto changed = diagnose_host_key(host, key, state)) throw std::runtime_error(*changed);
  return code;
}

} // namespace fp::cli
