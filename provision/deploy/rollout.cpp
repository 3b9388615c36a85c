#include "deploy/rollout.hpp"

#include "deploy/database_step.hpp"
#include "deploy/open_host.hpp"

#include <algorithm>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

namespace fp::deploy {
namespace {

using Report = std::function<void(const std::string&)>;

HostPaths paths_for(const Deployment& deployment, const HostSpec& spec) {
  if (deployment.local) return local_paths(deployment.local_root / spec.name);
  return deployment.remote_root.empty() ? droplet_paths() : prefixed_paths(deployment.remote_root / spec.name);
}

tl::expected<StepOutcome, HostError> configure_worker(Host& host, const Deployment& deployment, const HostSpec& spec,
                                                      const RolloutOptions& options, const std::string& database_url,
                                                      const Report& report) {
  WorkerSpec worker;
  worker.paths = paths_for(deployment, spec);
  auto manager = prepare_host(host, worker.paths, report);
  if (!manager) return tl::unexpected(manager.error());
  worker.manager = *manager;
  worker.server_binary = deployment.server_binary;
  worker.port = spec.http_port;
  // Locally (and for hosts under a prefix, all on one machine) only loopback; a droplet listens on
  // every interface, its cloud firewall admitting only the load balancer.
  worker.environment.listen =
    (deployment.local || !deployment.remote_root.empty() ? "127.0.0.1:" : "0.0.0.0:") + std::to_string(spec.http_port);
  worker.environment.database_url = database_url;
  worker.environment.threads = deployment.worker_threads;
  if (deployment.local) worker.packages.clear();
  // SQLite writes its file (and WAL) there; with PostgreSQL the unit may write nowhere at all.
  if (database_url.rfind("sqlite://", 0) == 0) worker.unit.data_directory = worker.paths.data_dir;
  worker.restart = options.restart;
  return install_worker(host, worker, report);
}

tl::expected<StepOutcome, HostError> configure_load_balancer(Host& host, const Deployment& deployment, const HostSpec& spec,
                                                             const Report& report) {
  LoadBalancerSpec lb;
  lb.paths = paths_for(deployment, spec);
  auto manager = prepare_host(host, lb.paths, report);
  if (!manager) return tl::unexpected(manager.error());
  lb.manager = *manager;
  lb.install_package = !deployment.local;
  const bool loopback = deployment.local || !deployment.remote_root.empty();
  lb.nginx.listen = loopback ? "127.0.0.1:" + std::to_string(spec.http_port) : std::to_string(spec.http_port);
  for (const auto& worker : deployment.hosts)
    if (worker.role == "worker")
      lb.nginx.upstreams.push_back({worker.private_address + ":" + std::to_string(worker.http_port)});
  if (loopback) lb.nginx.user.clear();
  lb.nginx.pid_file = lb.paths.nginx_pid;
  lb.nginx.error_log = lb.paths.nginx_error_log;
  lb.nginx.access_log = lb.paths.nginx_access_log;
  lb.nginx.temp_dir = lb.paths.nginx_temp;
  lb.check_url = "http://127.0.0.1:" + std::to_string(spec.http_port) + "/healthz";
  return install_load_balancer(host, lb, report);
}

tl::expected<DatabaseOutcome, HostError> configure_database(Host& host, const Deployment& deployment, const HostSpec& spec,
                                                            const Report& report) {
  DatabaseSpec database;
  database.paths = paths_for(deployment, spec);
  if (auto manager = prepare_host(host, database.paths, report); !manager) return tl::unexpected(manager.error());
  database.install_packages = !deployment.local;
  const bool loopback = deployment.local || !deployment.remote_root.empty();
  // On a droplet only the private address: the database is never on the public internet.
  database.settings.listen_address = loopback ? "127.0.0.1" : spec.private_address;
  database.settings.port = spec.http_port;
  database.settings.memory_mb = deployment.database_memory_mb;
  for (const auto& worker : deployment.hosts)
    if (worker.role == "worker") database.settings.allowed_sources.push_back(worker.private_address);
  return install_database(host, database, report);
}

class Runner {
public:
  Runner(const Deployment& deployment, const RolloutOptions& options)
    : m_deployment(deployment), m_options(options), m_database_url(deployment.database_url) {}

  void work(const HostSpec& spec, HostResult& result) {
    result.attempted = true;
    const Report report = [&](const std::string& line) { say(spec.name, line); };
    OpenOptions open_options;
    open_options.connect_timeout = m_options.connect_timeout;
    open_options.on_retry = report;
    auto open = open_host(m_deployment, spec, open_options);
    if (!open) {
      result.error = open.error();
      say(spec.name, "FAILED: " + open.error().message);
      return;
    }
    result.host_key = open->host_key;
    result.first_contact = open->first_contact;
    tl::expected<StepOutcome, HostError> outcome;
    if (spec.role == "db") {
      auto database = configure_database(*open->host, m_deployment, spec, report);
      if (database) m_database_url = database->url;
      if (database) outcome = std::move(database->step);
      else outcome = tl::unexpected(database.error());
    } else if (spec.role == "lb") {
      outcome = configure_load_balancer(*open->host, m_deployment, spec, report);
    } else {
      outcome = configure_worker(*open->host, m_deployment, spec, m_options, m_database_url, report);
    }
    if (!outcome) {
      result.error = outcome.error();
      say(spec.name, "FAILED: " + outcome.error().message);
      return;
    }
    result.changed = outcome->changed;
    if (outcome->nothing_to_do()) say(spec.name, "nothing to do");
  }

private:
  void say(const std::string& host, const std::string& line) {
    if (!m_options.progress) return;
    std::lock_guard lock(m_mutex);
    m_options.progress(host, line);
  }

  const Deployment& m_deployment;
  const RolloutOptions& m_options;
  std::string m_database_url; // the deployment's, or what the database host's step returned
  std::mutex m_mutex;
};

} // namespace

bool RolloutReport::ok() const {
  for (const auto& host : hosts)
    if (!host.ok()) return false;
  return true;
}

std::string RolloutReport::summary() const {
  std::ostringstream out;
  std::size_t done = 0;
  for (const auto& host : hosts) done += host.ok() ? 1U : 0U;
  out << done << " of " << hosts.size() << " hosts done";
  for (const auto& host : hosts) {
    out << "\n  " << host.name << ": ";
    if (!host.attempted) out << "not done (stopped before it)";
    else if (host.error) out << "FAILED\n" << host.error->describe();
    else if (host.changed.empty()) out << "nothing to do";
    else out << host.changed.size() << (host.changed.size() == 1 ? " change" : " changes");
  }
  return out.str();
}

RolloutReport roll_out(const Deployment& deployment, const RolloutOptions& options) {
  RolloutReport report;
  std::vector<std::size_t> databases;
  std::vector<std::size_t> workers;
  std::vector<std::size_t> balancers;
  for (std::size_t i = 0; i < deployment.hosts.size(); ++i) {
    report.hosts.push_back(HostResult{deployment.hosts[i].name, {}, false, {}, {}, false});
    const auto& role = deployment.hosts[i].role;
    (role == "lb" ? balancers : role == "db" ? databases : workers).push_back(i);
  }
  Runner runner(deployment, options);
  // The database first: the workers' environment holds its address and password.
  for (const auto i : databases) {
    runner.work(deployment.hosts[i], report.hosts[i]);
    if (!report.hosts[i].ok()) return report;
  }
  bool workers_ok = true;
  if (options.mode == Mode::parallel) {
    std::vector<std::thread> threads;
    threads.reserve(workers.size());
    for (const auto i : workers)
      threads.emplace_back([&, i] { runner.work(deployment.hosts[i], report.hosts[i]); });
    for (auto& thread : threads) thread.join();
    for (const auto i : workers) workers_ok = workers_ok && report.hosts[i].ok();
  } else {
    // One at a time: the others keep serving while this one drains, restarts and is checked.
    bool restarted_before = false;
    for (const auto i : workers) {
      if (restarted_before && !balancers.empty()) {
        if (options.progress)
          options.progress(deployment.hosts[i].name, "waiting " + std::to_string(options.settle.count() / 1000) +
                                                       " s: nginx takes the restarted worker back first");
        std::this_thread::sleep_for(options.settle);
      }
      runner.work(deployment.hosts[i], report.hosts[i]);
      if (!report.hosts[i].ok()) {
        workers_ok = false;
        break;
      }
      const auto& changed = report.hosts[i].changed;
      restarted_before = std::any_of(changed.begin(), changed.end(),
                                     [](const std::string& c) { return c.find("restarted") != std::string::npos; });
    }
  }
  // The load balancer's check goes through the workers: configure it only once they answer.
  if (workers_ok)
    for (const auto i : balancers) runner.work(deployment.hosts[i], report.hosts[i]);
  return report;
}

int service_pid(Host& host, const HostPaths& paths, const std::string& role) {
  if (role == "lb") return load_balancer_pid(host, paths);
  if (role == "db") return database_pid(host, paths);
  return worker_pid(host, paths);
}

RolloutReport stop_local(const Deployment& deployment,
                         const std::function<void(const std::string&, const std::string&)>& progress) {
  RolloutReport report;
  // The load balancer first, so that no client is sent to a worker that is going away; the
  // database last, once no worker uses it.
  std::vector<const HostSpec*> order;
  for (const char* role : {"lb", "worker", "db"})
    for (const auto& spec : deployment.hosts)
      if (spec.role == role) order.push_back(&spec);
  for (const auto* spec : order) {
    HostResult result{spec->name, {}, true, {}, {}, false};
    LocalHost host(spec->name);
    const auto paths = local_paths(deployment.local_root / spec->name);
    const bool was_running = service_pid(host, paths, spec->role) != 0;
    auto stopped = spec->role == "lb" ? stop_load_balancer(host, paths, ServiceManager::pid_files)
                   : spec->role == "db" ? stop_database(host, paths)
                                        : stop_worker(host, paths, ServiceManager::pid_files);
    if (!stopped) result.error = stopped.error();
    else if (was_running) result.changed.push_back("stopped");
    if (progress) progress(spec->name, !stopped ? "FAILED: " + stopped.error().message : was_running ? "stopped" : "was not running");
    report.hosts.push_back(std::move(result));
  }
  return report;
}

} // namespace fp::deploy
