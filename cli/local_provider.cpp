#include "local_provider.hpp"

#include "deployment.hpp"
#include "errors.hpp"

#include "atomic_file.hpp"

#include "deploy/rollout.hpp"
#include "infra/records.hpp"
#include "infra/state.hpp"

#include <iomanip>
#include <iostream>
#include <set>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fp::cli {
namespace {

constexpr const char* k_loopback = "127.0.0.1";

std::filesystem::path local_root(const Project& project) {
  return std::filesystem::absolute(project.fpctl_dir() / "local").lexically_normal();
}

// True when nothing listens on 127.0.0.1:port and it can be bound now.
bool port_free(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, k_loopback, &address.sin_addr);
  const bool free = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return free;
}

// Ports are kept across runs (recorded in the state); new roles take the first free port from
// `from` up, so the load balancer is usually on 8080 and worker N on 8080+N.
int pick_port(int from, std::set<int>& taken) {
  for (int port = from; port < 65535; ++port)
    if (!taken.contains(port) && port_free(port)) {
      taken.insert(port);
      return port;
    }
  throw std::runtime_error("no free loopback port from " + std::to_string(from) + " up");
}

std::string database_url(const Project& project) {
  // Every worker opens the same SQLite file (WAL mode, busy timeout: several processes may write).
  return "sqlite://" + (local_root(project) / "data" / "orders.db").string();
}

bool uses_postgres(const plan::Plan& plan) { return plan.database.kind != plan::DatabaseKind::embedded; }

std::string describe_database(const Project& project) {
  if (!uses_postgres(project.plan))
    return "SQLite, shared by the workers: " + (local_root(project) / "data" / "orders.db").string();
  return "PostgreSQL of its own (standing in for the plan's " + std::string(plan::to_string(project.plan.database.kind)) +
         " database), in " + (local_root(project) / "db").string();
}

// PostgreSQL's server binaries, as Debian installs them (one directory per major version).
void require_postgres() {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", error))
    if (std::filesystem::exists(entry.path() / "bin" / "postgres", error)) return;
  throw UsageError("the plan's database is PostgreSQL, which is not installed here: install it with 'apt-get install "
                   "postgresql', or set 'database: {kind: embedded}' in fpctl.yaml for SQLite");
}

infra::StateResource process_record(const std::string& project, const std::string& name, const std::string& role, int port) {
  infra::StateResource r;
  r.kind = "process";
  r.name = project + "-" + name;
  r.role = role;
  r.size = "local";
  r.region = "local";
  r.status = "new";
  r.public_ipv4 = k_loopback;
  r.private_ipv4 = k_loopback;
  r.created_at = infra::now_iso8601();
  r.port = port;
  return r;
}

const infra::StateResource* find_process(const infra::State& state, const std::string& name) {
  return state.find("process", name);
}

void require_nginx(const plan::Plan& plan) {
  if (plan.load_balancer.kind == plan::LoadBalancerKind::none) return;
  std::error_code error;
  for (const char* candidate : {"/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"})
    if (std::filesystem::exists(candidate, error)) return;
  throw UsageError("provider: local runs the load balancer with nginx, which is not installed here: install it with "
                   "'apt-get install nginx', or set 'load_balancer: {kind: none}' in fpctl.yaml");
}

deploy::Deployment local_deployment(const Project& project, const infra::State& state) {
  deploy::Deployment deployment;
  deployment.local = true;
  deployment.local_root = local_root(project);
  // With a db host, its step makes the cluster and hands the workers its URL.
  if (!uses_postgres(project.plan)) deployment.database_url = database_url(project);
  deployment.database_memory_mb = 256; // a small cluster: it shares this machine
  deployment.hosts = hosts_from_state(state, project.plan.project, project.plan.workers.port);
  // Two threads a worker: N workers share this machine's cores with nginx and the load generator.
  deployment.worker_threads = 2;
  return deployment;
}

void record_pids(const Project& project, infra::State& state) {
  for (auto& r : state.resources) {
    if (r.kind != "process") continue;
    const auto name = infra::host_name(r.name, project.plan.project);
    deploy::LocalHost host(name);
    const auto paths = deploy::local_paths(local_root(project) / name);
    r.pid = deploy::service_pid(host, paths, r.role);
    r.status = r.pid != 0 ? "running" : "stopped";
  }
}

void save(const Project& project, const infra::State& state) {
  if (auto saved = infra::save_state(infra::state_path(project.dir), state); !saved) throw std::runtime_error(saved.error());
}

} // namespace

int local_up(const Project& project, const LocalUpOptions& options) {
  const plan::Plan& plan = project.plan;
  if (plan.workers.count < 1) throw UsageError(plan.where("workers.count") + "provider: local needs at least one worker");
  require_nginx(plan);
  if (uses_postgres(plan)) require_postgres();
  infra::State state = load_state_for(project);
  state.api_url = "local";

  // Ports: what the state recorded stays; new roles take free ones.
  std::set<int> taken;
  for (const auto& r : state.resources)
    if (r.kind == "process" && r.port != 0) taken.insert(r.port);
  const int base = plan.workers.port;
  std::vector<infra::StateResource> wanted;
  const bool with_lb = plan.load_balancer.kind != plan::LoadBalancerKind::none;
  const auto keep_or_pick = [&](const std::string& name, const std::string& role, int from) {
    if (const auto* existing = find_process(state, plan.project + "-" + name)) return *existing;
    return process_record(plan.project, name, role, pick_port(from, taken));
  };
  if (with_lb) wanted.push_back(keep_or_pick("lb", "lb", base));
  for (int i = 1; i <= plan.workers.count; ++i) wanted.push_back(keep_or_pick("worker-" + std::to_string(i), "worker", base + i));
  // PostgreSQL too takes its port from the project's range (not 5432, which a system cluster may
  // hold), after the workers'.
  if (uses_postgres(plan)) wanted.insert(wanted.begin(), keep_or_pick("db", "db", base + plan.workers.count + 1));
  std::vector<infra::StateResource> removed;
  for (const auto& r : state.resources)
    if (r.kind == "process" && std::none_of(wanted.begin(), wanted.end(), [&](const auto& w) { return w.name == r.name; }))
      removed.push_back(r);

  std::cout << "Plan for project '" << plan.project << "' on this machine (provider: local; nothing is billed):\n";
  for (const auto& r : wanted) {
    const bool exists = find_process(state, r.name) != nullptr;
    std::cout << "  " << std::left << std::setw(8) << (exists ? "keep" : "start") << std::setw(10)
              << (r.role == "lb" ? "nginx" : r.role == "db" ? "postgres" : "server") << std::setw(28) << r.name << "127.0.0.1:" << r.port << "\n";
  }
  for (const auto& r : removed) std::cout << "  " << std::left << std::setw(8) << "stop" << std::setw(10) << "server" << r.name << "\n";
  std::cout << "  database: " << describe_database(project) << "\n";
  if (options.dry_run) {
    std::cout << "Dry run: nothing was started.\n";
    return k_exit_ok;
  }

  // Workers scaled away stop first (the load balancer's new configuration no longer names them
  // once it is rolled out below; until then nginx routes around a stopped worker).
  if (!removed.empty()) {
    deploy::Deployment gone = local_deployment(project, state);
    std::erase_if(gone.hosts, [&](const deploy::HostSpec& h) {
      return std::none_of(removed.begin(), removed.end(),
                          [&](const auto& r) { return infra::host_name(r.name, plan.project) == h.name; });
    });
    const auto stopped = deploy::stop_local(gone, print_host_progress);
    if (!stopped.ok()) throw std::runtime_error(stopped.summary());
    for (const auto& r : removed) {
      std::error_code error;
      std::filesystem::remove_all(local_root(project) / infra::host_name(r.name, plan.project), error);
      state.erase("process", r.name);
    }
  }
  if (auto made = ensure_directory(local_root(project) / "data", 0700); !made) throw std::runtime_error(made.error());
  if (uses_postgres(plan) && ::geteuid() == 0) {
    // PostgreSQL refuses to run as root, so the cluster runs as `postgres`, which must be able to
    // pass through .fpctl/ to reach it (search only: it still cannot list or read what is there).
    for (const auto& dir : {project.fpctl_dir(), local_root(project)}) {
      std::error_code error;
      std::filesystem::permissions(dir, std::filesystem::perms::others_exec, std::filesystem::perm_options::add, error);
    }
  }
  // Recorded before anything starts: an interrupted up leaves the ports and names to find again.
  for (auto& r : wanted) state.upsert(r);
  save(project, state);

  deploy::Deployment deployment = local_deployment(project, state);
  deployment.server_binary = read_server_binary(server_binary_path());
  deploy::RolloutOptions rollout;
  rollout.progress = print_host_progress;
  const auto report = deploy::roll_out(deployment, rollout);
  record_pids(project, state);
  save(project, state);
  if (!report.ok()) throw std::runtime_error("the deployment is not complete: " + report.summary());
  const auto url = infra::entry_url(state, plan.workers.port);
  std::cout << "Running on this machine: " << url.value_or("-") << " ("
            << plan.workers.count << (plan.workers.count == 1 ? " worker" : " workers") << (with_lb ? " behind nginx" : "")
            << "). 'fpctl bench' with no URL load-tests it; 'fpctl teardown' stops it.\n";
  return k_exit_ok;
}

int local_status(const Project& project) {
  infra::State state = load_state_for(project);
  if (std::none_of(state.resources.begin(), state.resources.end(), [](const auto& r) { return r.kind == "process"; })) {
    std::cout << "Project '" << project.plan.project << "' (provider: local): nothing running. 'fpctl up' starts it.\n";
    return k_exit_ok;
  }
  record_pids(project, state);
  std::cout << "Project '" << project.plan.project << "' (provider: local, on this machine):\n";
  std::cout << "  " << std::left << std::setw(8) << "role" << std::setw(28) << "name" << std::setw(10) << "status" << std::setw(18)
            << "address" << "pid\n";
  int down = 0;
  for (const auto& r : state.resources) {
    if (r.kind != "process") continue;
    down += r.pid == 0 ? 1 : 0;
    std::cout << "  " << std::left << std::setw(8) << r.role << std::setw(28) << r.name << std::setw(10) << r.status
              << std::setw(18) << (r.public_ipv4 + ":" + std::to_string(r.port)) << (r.pid != 0 ? std::to_string(r.pid) : "-")
              << "\n";
  }
  std::cout << "Entry: " << infra::entry_url(state, project.plan.workers.port).value_or("-") << "; cost: nothing (this machine).\n";
  if (down > 0) std::cout << down << " process(es) not running: 'fpctl up' starts them again.\n";
  return down > 0 ? k_exit_failure : k_exit_ok;
}

int local_deploy(const Project& project, bool restart) {
  infra::State state = load_state_for(project);
  deploy::Deployment deployment = local_deployment(project, state);
  if (deployment.hosts.empty()) throw UsageError("nothing is deployed for project '" + project.plan.project + "': run 'fpctl up' first");
  deployment.server_binary = read_server_binary(server_binary_path());
  deploy::RolloutOptions rollout;
  rollout.mode = deploy::Mode::rolling;
  rollout.restart = restart;
  rollout.progress = print_host_progress;
  const auto report = deploy::roll_out(deployment, rollout);
  record_pids(project, state);
  save(project, state);
  if (!report.ok()) throw std::runtime_error("the rollout stopped: " + report.summary());
  std::cout << "Deployed: " << report.summary() << "\n";
  return k_exit_ok;
}

int local_teardown(const Project& project, bool yes) {
  infra::State state = load_state_for(project);
  const auto root = local_root(project);
  std::error_code error;
  const bool has_files = std::filesystem::exists(root, error);
  std::vector<std::string> names;
  for (const auto& r : state.resources)
    if (r.kind == "process") names.push_back(r.name);
  if (names.empty() && !has_files) {
    std::cout << "Nothing of project '" << project.plan.project << "' runs on this machine.\n";
    return k_exit_ok;
  }
  std::cout << "Project '" << project.plan.project << "' on this machine (provider: local):\n";
  for (const auto& name : names) std::cout << "  process   " << name << "\n";
  std::cout << "  files     " << root.string() << " (logs and the database)\n";
  if (!yes && !confirm("Stop all of it and delete its files?")) {
    std::cerr << "fpctl: nothing was stopped.\n";
    return k_exit_usage;
  }
  const deploy::Deployment deployment = local_deployment(project, state);
  const auto report = deploy::stop_local(deployment, print_host_progress);
  if (!report.ok()) throw std::runtime_error("not everything stopped: " + report.summary());
  std::filesystem::remove_all(root, error);
  if (error) throw std::runtime_error("cannot delete " + root.string() + ": " + error.message());
  std::erase_if(state.resources, [](const auto& r) { return r.kind == "process"; });
  state.host_keys.clear();
  save(project, state);
  std::cout << "Stopped " << names.size() << " process(es) and deleted " << root.string() << ".\n";
  return k_exit_ok;
}

} // namespace fp::cli
