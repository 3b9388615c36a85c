// `dosim --hosts netns`, the managed databases: each PostgreSQL cluster the API creates becomes a
// real PostgreSQL server in a network namespace of its own, attached to the VPC bridge with an
// address of the VPC's range — reachable from the droplets' private side only, as a managed
// cluster's private_connection is. It serves TLS (a self-signed certificate: clients use
// sslmode=require, as DigitalOcean's connection strings say), has the user and database the API
// reports (doadmin, defaultdb), and enforces the trusted sources in pg_hba.conf, reloaded when they
// change. Needs root (namespaces; PostgreSQL itself runs as the `postgres` user).
//
//   netns  fpd<PID>-pg<slot>        veth fp<PID>p<slot> (on the VPC bridge) <-> eth1 inside
//   <work>/pg<slot>/                data/, server.crt, server.key, socket/, postgres.log
#pragma once

#include "host_command.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace fp::dosim {

struct ClusterEndpoint {
  std::string host; // the cluster's VPC address
  int port = 25060; // DigitalOcean's port for PostgreSQL clusters
  std::string user = "doadmin";
  std::string password;
  std::string database = "defaultdb";
};

class NetnsDatabaseHost {
public:
  // `vpc_bridge`: the bridge the droplets' private interfaces are on; `work`: where data goes;
  // `owner_pid`: the pid in the names (dosim's; leftovers of a dead dosim carry its pid).
  static tl::expected<std::unique_ptr<NetnsDatabaseHost>, std::string> create(std::string vpc_bridge,
                                                                               std::filesystem::path work, pid_t owner_pid);
  ~NetnsDatabaseHost(); // every cluster stopped, its namespace and files removed
  NetnsDatabaseHost(const NetnsDatabaseHost&) = delete;
  NetnsDatabaseHost& operator=(const NetnsDatabaseHost&) = delete;

  // Starts cluster `id` on `address_cidr` ("10.110.15.254/20"): initdb, TLS, the API's user and
  // database, ready to accept connections. An empty set of trusted sources admits every address,
  // as DigitalOcean does.
  // `password`: doadmin's, as the API showed it at the create (empty: one is generated).
  tl::expected<ClusterEndpoint, std::string> start(const std::string& id, const std::string& address_cidr,
                                                   const std::string& password = {});
  // Only these sources (CIDRs or addresses) may log in over TCP from now on; empty: all. The same
  // list again changes nothing (no reload).
  tl::expected<void, std::string> set_trusted_sources(const std::string& id, const std::vector<std::string>& sources);
  void destroy(const std::string& id);
  bool running(const std::string& id) const { return m_clusters.contains(id); }

  static std::string namespace_name(pid_t owner_pid, int slot);

private:
  struct Cluster {
    int slot = 0;
    std::filesystem::path dir;
    std::string address; // without the prefix
    ClusterEndpoint endpoint;
    ChildProcess server;
    std::vector<std::string> sources; // in force (pg_hba.conf)
  };

  NetnsDatabaseHost(std::string vpc_bridge, std::filesystem::path work, pid_t owner_pid);
  tl::expected<void, std::string> write_hba(const Cluster& cluster, const std::vector<std::string>& sources) const;
  void stop(Cluster& cluster);

  std::string m_vpc_bridge;
  std::filesystem::path m_work;
  pid_t m_owner_pid;
  std::filesystem::path m_bindir; // the newest /usr/lib/postgresql/N/bin
  std::map<std::string, Cluster> m_clusters;
};

} // namespace fp::dosim
