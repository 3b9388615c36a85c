// .fpctl/state.json: what fpctl created, under which ids, since when. Written atomically (mode
// 0600) the moment a create is accepted, so a crash never loses an id; but never the source of
// truth: every command re-reads the account by tag and name, and `fpctl status --refresh` rebuilds
// the file from the API alone. It holds no secret: no token, no database password.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace fp::infra {

struct StateResource {
  std::string kind;  // droplet | database | firewall | vpc | ssh_key
  std::string id;    // the API's id (droplet ids as decimal text)
  std::string name;
  std::string role;  // lb | worker | db, or empty
  std::string size;
  std::string region;
  std::string status;
  std::string public_ipv4;
  std::string private_ipv4;
  std::string created_at;       // the API's created_at when known, else when fpctl recorded it
  bool created_by_fpctl = true; // false for a VPC or SSH key that existed before (teardown keeps those)
  int port = 0;     // where the role answers HTTP when not its default (local processes: their loopback port)
  int ssh_port = 0; // where fpctl reaches the host over SSH when not 22 (test hosts on loopback)
  int pid = 0;      // kind "process" (provider: local): the process fpctl started, stopped by this pid

  bool operator==(const StateResource&) const = default;
};

struct State {
  static constexpr int k_version = 1;
  std::string project;
  std::string api_url;
  std::vector<StateResource> resources;
  std::map<std::string, std::string> host_keys; // host name -> pinned SSH host key (deploy)

  const StateResource* find(const std::string& kind, const std::string& name) const;
  // Replaces the resource of the same kind and name, or appends it.
  void upsert(StateResource resource);
  void erase(const std::string& kind, const std::string& name);

  bool operator==(const State&) const = default;
};

// Where the deployment answers HTTP: the load balancer's public address (port 80, or its recorded
// port), else the first worker's on its recorded port or `worker_port`; nullopt when the state
// records neither (or no address yet). Droplets and local processes alike.
std::optional<std::string> entry_url(const State& state, int worker_port);

// The name users type for a host ("worker-2"): the resource's name without "<project>-".
std::string host_name(const std::string& resource_name, const std::string& project);

// The default location, relative to the directory of fpctl.yaml.
std::filesystem::path state_path(const std::filesystem::path& config_directory);

// A missing file is an empty state for `project`; a file for another project, of a newer version,
// or not valid JSON is an error naming the file and what to do.
tl::expected<State, std::string> load_state(const std::filesystem::path& file, const std::string& project);
// Creates the directory (0700) when needed; the file is replaced atomically, mode 0600.
tl::expected<void, std::string> save_state(const std::filesystem::path& file, const State& state);

} // namespace fp::infra
