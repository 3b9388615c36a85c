// The hosts of a recorded deployment as `fpctl ssh` and `fpctl logs` name them ("lb", "worker-2",
// "db"), and how to reach one: the OpenSSH client's command line with the project's key and the
// pinned host key (written into .fpctl/known_hosts first), or, for provider: local, the host's
// directory on this machine. Also where each role keeps its logs, and running a child process with
// its exit code passed through.
#pragma once

#include "infra/state.hpp"

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fp::cli {

struct Project;

struct Host {
  std::string short_name;          // "worker-2": the resource's name without "<project>-"
  infra::StateResource resource;   // kind "droplet" (reached over SSH) or "process" (provider: local)
  bool local() const { return resource.kind == "process"; }
  std::string role() const;        // lb | worker | db (from the record, else from the name)
};

// The hosts the state records (droplets and local processes), in the state's order.
std::vector<Host> hosts_of(const infra::State& state);

// The host a user typed, by short or full name. A state without hosts, or a name that is none of
// them, is a UsageError that lists the hosts and suggests the closest name.
Host resolve_host(const infra::State& state, const std::string& name);

// The private key to log in with: ssh.key from fpctl.yaml, else .fpctl/id_ed25519. Never generates
// one (a key made now would not be on any host): a missing file is a UsageError saying to run
// 'fpctl up' first.
std::filesystem::path login_key(const Project& project);

// .fpctl/known_hosts, rewritten atomically from the state's pinned keys before each use, so that
// OpenSSH checks the host against exactly the key fpctl recorded. `target` must have a pinned key
// (else a UsageError saying that 'fpctl up' / 'fpctl deploy' record it). Other hosts at the same
// address and port with another key are left out, so they cannot vouch for the target.
std::filesystem::path write_known_hosts(const Project& project, const infra::State& state, const Host& target);

// One command line for a POSIX shell: a single argument is taken as a shell command (pipes and
// redirections work); several are quoted one by one, so they arrive exactly as given.
std::string shell_command(const std::vector<std::string>& words);

// ssh -i KEY -p PORT -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=FILE
// ... root@ADDRESS [-- COMMAND]. A host without a public address is a UsageError.
std::vector<std::string> ssh_argv(const Host& host, const std::filesystem::path& key, const std::filesystem::path& known_hosts,
                                  const std::optional<std::string>& remote_command);

// The directory of a local host: <project dir>/.fpctl/local/<short name>/ (a UsageError when it
// does not exist: the host is not running, 'fpctl up' starts it).
std::filesystem::path local_host_directory(const Project& project, const Host& host);

// Where a role's logs are on a local host, relative to its directory.
std::vector<std::filesystem::path> local_log_files(const std::string& role);

// The shell snippet `fpctl logs` runs on a droplet (with sh -c): journalctl when systemd runs the
// host (`/run/systemd/system` exists), else the files the services write; `lines` last lines, and
// with `follow` waiting for more.
std::string remote_log_command(const std::string& role, int lines, bool follow);

// Whether the OpenSSH client is on PATH; else a std::runtime_error naming the package.
void require_ssh_client();

struct ChildOptions {
  std::filesystem::path directory; // empty: ours
};

// Runs argv[0] (looked up on PATH) with our standard streams and returns its exit code, or
// 128 + the signal that ended it. A program that cannot be started is a std::runtime_error.
int run_child(const std::vector<std::string>& argv, const ChildOptions& options = {});

// After ssh ended with 255 (its own failure, not the command's): connects once with fp_ssh to
// see whether the host's key differs from the pinned one; if so, returns fp_ssh's message, which
// names 'fpctl ssh --forget-host-key HOST'.
std::optional<std::string> diagnose_host_key(const Host& host, const std::filesystem::path& key, const infra::State& state);

} // namespace fp::cli
