#include "cmd_bench.hpp"

#include "errors.hpp"
#include "deploy/host_sampler.hpp"
#include "deployment.hpp"
#include "infra/ssh_identity.hpp"
#include "infra/state.hpp"
#include "project.hpp"
#include "report.hpp"
#include "run.hpp"
#include "run_store.hpp"
#include "search.hpp"
#include "terminal.hpp"
#include "thresholds.hpp"
#include "units.hpp"

#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

namespace fp::cli {
namespace {

// Exit codes of fpctl bench (documented in the README).
constexpr int k_exit_request_failures = 1;
constexpr int k_exit_threshold_breach = 3;

std::chrono::nanoseconds duration_flag(const std::string& text, const char* flag) {
  auto parsed = parse_duration(text);
  if (!parsed) throw UsageError(std::string(flag) + ": " + parsed.error());
  return *parsed;
}

std::uint64_t count_flag(const std::string& text, const char* flag) {
  auto parsed = parse_count(text);
  if (!parsed) throw UsageError(std::string(flag) + ": " + parsed.error());
  return *parsed;
}

double rate_flag(const std::string& text, const char* flag) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value) || value <= 0) {
    throw UsageError(std::string(flag) + ": '" + text + "' is not a positive rate; write e.g. 25 or 0.5");
  }
  return value;
}

bench::OpenModel open_model(const BenchOptions& options) {
  bench::OpenModel model;
  model.connections = static_cast<std::uint32_t>(count_flag(options.connections, "--connections"));
  if (model.connections == 0) throw UsageError("--connections: at least 1");
  if (!options.rate.empty()) {
    const double rate = rate_flag(options.rate, "--rate");
    model.start_rate = rate;
    model.stages.push_back({rate, std::chrono::nanoseconds(0)});
    return model;
  }
  // --stage 30s:100 ramps linearly to 100/s over 30 s (k6's ramping-arrival-rate stages).
  for (const auto& stage : options.stages) {
    const auto colon = stage.find(':');
    if (colon == std::string::npos) throw UsageError("--stage: '" + stage + "': write DURATION:RATE, e.g. 30s:100");
    const auto duration = duration_flag(stage.substr(0, colon), "--stage");
    char* end = nullptr;
    const std::string rate_text = stage.substr(colon + 1);
    const double rate = std::strtod(rate_text.c_str(), &end);
    if (rate_text.empty() || end != rate_text.c_str() + rate_text.size() || rate < 0)
      throw UsageError("--stage: '" + stage + "': the rate after ':' must be a number >= 0");
    model.stages.push_back({rate, duration});
  }
  return model;
}

bench::Scenario scenario(const BenchOptions& options) {
  auto loaded = options.locustfile.empty() ? bench::load_scenario(options.scenario)
                                           : bench::import_locustfile(options.locustfile);
  if (!loaded) throw UsageError(loaded.error());
  return std::move(*loaded);
}

// The live status line: one line a second on stderr.
class StatusObserver final : public bench::RunObserver {
public:
  StatusObserver(Terminal& terminal, bool quiet) : m_terminal(terminal), m_quiet(quiet) {}

  void on_second(const bench::SecondSample& s, std::chrono::nanoseconds elapsed) override {
    if (m_quiet) return;
    char line[256];
    std::snprintf(line, sizeof line, "%6s  users %u  rps %s  failures/s %llu  p50 %s  p95 %s  p99 %s  total %s",
                  format_duration(std::chrono::duration_cast<std::chrono::seconds>(elapsed)).c_str(), s.users,
                  format_count(static_cast<double>(s.requests)).c_str(), static_cast<unsigned long long>(s.failures),
                  format_duration(std::chrono::microseconds(s.p50_us)).c_str(),
                  format_duration(std::chrono::microseconds(s.p95_us)).c_str(),
                  format_duration(std::chrono::microseconds(s.p99_us)).c_str(),
                  format_count(static_cast<double>(s.total_requests)).c_str());
    m_terminal.status(line);
  }

  void on_warning(const std::string& message) override { m_terminal.print("fpctl: warning: " + message); }

private:
  Terminal& m_terminal;
  bool m_quiet;
};

} // namespace

CLI::App* add_bench_command(CLI::App& app, BenchOptions& o, FindOptions& f, CLI::App** find_command) {
  auto* cmd = app.add_subcommand("bench", "Load-test an HTTP target: Locust-style users, or a fixed arrival rate");
  cmd->add_option("url", o.url, "Target base URL, e.g. http://127.0.0.1:8000");
  cmd->add_option("-H,--host", o.url, "Same as the URL argument (Locust's name)");
  cmd->add_option("--config", o.config,
                  "Without a URL: the fpctl.yaml whose deployment to load-test (default: ./fpctl.yaml)");
  cmd->add_option("-s,--scenario", o.scenario, "Built-in scenario (fp-orders, crud) or a YAML file")->capture_default_str();
  cmd->add_option("--locustfile", o.locustfile, "Run a simple locustfile (HttpUser, @task, between...)");
  cmd->add_option("-u,--users", o.users, "Closed model: number of users (10k allowed)")->capture_default_str();
  cmd->add_option("-r,--spawn-rate", o.spawn_rate, "Users started per second (default: all at once)");
  cmd->add_option("-t,--run-time", o.run_time, "Stop after this long, ramp included (30s, 2m)");
  cmd->add_option("-n,--requests", o.requests, "Stop after this many requests (10k allowed)");
  cmd->add_option("--rate", o.rate, "Open model: start this many tasks per second, whatever the latency");
  cmd->add_option("--stage", o.stages, "Open model, ramping: DURATION:RATE, repeatable (e.g. --stage 30s:100)");
  cmd->add_option("-c,--connections", o.connections, "Open model: connections in the pool")->capture_default_str();
  cmd->add_option("--threads", o.threads, "Event-loop threads (default: one per core)");
  cmd->add_option("--connect-timeout", o.connect_timeout, "Give up connecting after this long")->capture_default_str();
  cmd->add_option("--timeout", o.timeout, "Give up on a response after this long")->capture_default_str();
  cmd->add_option("--csv", o.csv_prefix, "Write Locust's CSV files: PREFIX_stats.csv, _stats_history, _failures, _exceptions");
  cmd->add_option("--json", o.json_path, "Write every statistic as JSON");
  cmd->add_option("--html", o.html_path, "Write a self-contained HTML report with charts");
  cmd->add_option("--fail-on", o.fail_on, "Exit 3 when this is true, e.g. 'failures>0', 'p99>1s' (repeatable)");
  cmd->add_option("--threshold", o.thresholds, "Exit 3 unless this holds, k6-style, e.g. 'p95<500ms' (repeatable)");
  cmd->add_flag("-q,--quiet", o.quiet, "No live status line");

  auto* find = cmd->add_subcommand("find", "Search for the maximum RPS, or the peak users, at 0 % failures");
  find->fallthrough(); // bench's options (--scenario, --threads, ...) may follow `find`
  find->add_option("question", f.question, "max-rps or peak-users")->required()->check(CLI::IsMember({"max-rps", "peak-users"}));
  find->add_option("url", o.url, "Target base URL");
  find->add_option("-d,--duration", f.duration, "Length of the confirming run at 0 % failures")->capture_default_str();
  find->add_option("--probe", f.probe, "max-rps: length of each probe")->capture_default_str();
  find->add_option("--start-rate", f.start_rate, "max-rps: rate of the first probe")->capture_default_str();
  find->add_option("--spawn-rate", f.spawn_rate, "peak-users: users started per second")->capture_default_str();
  find->add_option("--reset-command", f.reset_command,
                   "Shell command run before every trial, e.g. 'fp-order-server reset --database URL'");
  *find_command = find;
  return cmd;
}

namespace {

// Without a URL the target is the deployment recorded for ./fpctl.yaml (or --config): its load
// balancer, else its first worker. Such runs are kept with the deployment, in .fpctl/runs/.
struct DeploymentTarget {
  Project project;
  infra::State state;
  std::string url;
};

std::optional<DeploymentTarget> deployment_target(const BenchOptions& o) {
  if (!o.url.empty()) return std::nullopt;
  Project project = load_project(o.config);
  infra::State state = load_state_for(project);
  const auto url = infra::entry_url(state, project.plan.workers.port);
  if (!url)
    throw UsageError("bench: no target: give its URL (e.g. 'fpctl bench http://127.0.0.1:8000'), or create a deployment "
                     "with 'fpctl up' first (" + infra::state_path(project.dir).string() +
                     " records no load balancer or worker with an address)");
  std::cerr << "fpctl: load-testing the deployment of project '" << project.plan.project << "' at " << *url << "\n";
  return DeploymentTarget{std::move(project), std::move(state), *url};
}

// What every run of `bench` and `bench find` shares: target, scenario, threads, timeouts.
bench::RunOptions base_options(const BenchOptions& o, const std::optional<DeploymentTarget>& deployment) {
  bench::RunOptions options;
  options.target = deployment ? deployment->url : o.url;
  options.scenario = scenario(o);
  options.threads = static_cast<std::uint32_t>(o.threads);
  options.connect_timeout = duration_flag(o.connect_timeout, "--connect-timeout");
  options.request_timeout = duration_flag(o.timeout, "--timeout");
  return options;
}

// run.json's common part: what was load-tested, how, and the deployment's resources at the time.
report::RunMetadata run_metadata(const DeploymentTarget& d, const bench::RunOptions& options, std::string command) {
  report::RunMetadata meta;
  meta.command = std::move(command);
  meta.scenario = options.scenario.name;
  meta.target = options.target;
  meta.project = d.project.plan.project;
  meta.provider = std::string(plan::to_string(d.project.plan.provider));
  for (const auto& r : d.state.resources) {
    if (r.kind != "droplet" && r.kind != "database" && r.kind != "process") continue;
    meta.deployment.push_back({r.kind, r.name, r.role, r.size, r.created_at, r.public_ipv4, r.private_ipv4, r.port});
  }
  return meta;
}

// Keeps a run in .fpctl/runs/<UTC start>-<label>/ and says where; false (after saying why) when it
// could not be written. The load was spent either way, so the console report has been printed first.
// `hosts_json`: the host sampler's JSON for hosts.json, when the hosts were sampled.
bool keep_run(const DeploymentTarget& d, report::RunMetadata meta, const bench::RunResult* result,
              std::chrono::system_clock::time_point started, const std::string& label, Terminal& terminal,
              const std::string& hosts_json = {}) {
  meta.started = report::iso_utc(started);
  meta.ended = report::iso_utc(std::chrono::system_clock::now());
  auto directory = report::create_run_directory(report::runs_directory(d.project.dir), started, label);
  auto written = directory ? report::write_run(*directory, meta, result, hosts_json)
                           : tl::expected<void, std::string>(tl::unexpected(directory.error()));
  if (!written) {
    terminal.print("fpctl: error: keeping the run with the deployment: " + written.error());
    return false;
  }
  std::cerr << "fpctl: results kept in " << directory->string() << " ('fpctl report' assembles the report)\n";
  return true;
}

// The hosts the sampler reaches: this machine for provider: local (sampled once), else the
// droplets over SSH with the project's key and their pinned host keys, as 'fpctl deploy' reaches them.
deploy::Deployment sampled_hosts(const DeploymentTarget& d) {
  deploy::Deployment hosts;
  hosts.hosts = hosts_from_state(d.state, d.project.plan.project, d.project.plan.workers.port);
  if (d.project.plan.provider == plan::Provider::local) {
    hosts.local = true;
    return hosts;
  }
  auto identity = infra::load_or_generate_identity(d.project.plan.ssh.key, d.project.fpctl_dir(), "fpctl-" + d.project.plan.project);
  if (!identity) throw UsageError(identity.error());
  hosts.identity = identity->private_key;
  return hosts;
}

// While a deployment is load-tested, each host's /proc is read once a second (CPU, memory,
// network, load): the graphs the students screenshot from DigitalOcean's dashboard.
std::optional<deploy::Sampling> start_sampling(const std::optional<DeploymentTarget>& deployment) {
  if (!deployment) return std::nullopt;
  return deploy::Sampling::start(sampled_hosts(*deployment));
}

// hosts.json's text; a host whose sampling ended early is said once (its error is kept in the file too).
std::string stop_sampling(std::optional<deploy::Sampling>& sampling, Terminal& terminal) {
  if (!sampling) return {};
  const auto series = sampling->stop();
  for (const auto& host : series)
    if (!host.error.empty()) terminal.print("fpctl: warning: sampling " + host.host + " stopped early: " + host.error);
  return deploy::to_json(series, 1.0).dump(1) + "\n";
}

class FindObserver final : public bench::SearchObserver {
public:
  FindObserver(Terminal& terminal, bool quiet) : m_status(terminal, quiet), m_terminal(terminal) {}
  void on_second(const bench::SecondSample& sample, std::chrono::nanoseconds elapsed) override {
    m_status.on_second(sample, elapsed);
  }
  void on_warning(const std::string& message) override { m_status.on_warning(message); }
  void on_trial_start(const std::string& label) override { m_terminal.print("trial: " + label + " ..."); }
  void on_trial(const bench::Trial& t) override {
    char line[320];
    std::snprintf(line, sizeof line, "trial: %-24s %s  %s (%llu requests, p99 %s)", t.label.c_str(),
                  t.passed ? "PASS" : "FAIL", t.evidence.c_str(), static_cast<unsigned long long>(t.requests),
                  format_duration(std::chrono::microseconds(t.p99_us)).c_str());
    m_terminal.print(line);
  }

private:
  StatusObserver m_status;
  Terminal& m_terminal;
};

} // namespace

int run_bench_find(const BenchOptions& o, const FindOptions& f, const std::atomic<bool>& stop) {
  const auto deployment = deployment_target(o);
  bench::SearchOptions search;
  search.base = base_options(o, deployment);
  search.duration = duration_flag(f.duration, "--duration");
  search.probe = duration_flag(f.probe, "--probe");
  search.start_rate = rate_flag(f.start_rate, "--start-rate");
  search.spawn_rate = rate_flag(f.spawn_rate, "--spawn-rate");
  if (f.question == "max-rps") {
    bench::OpenModel model;
    model.connections = static_cast<std::uint32_t>(count_flag(o.connections, "--connections"));
    search.base.model = model;
  }
  if (!f.reset_command.empty()) {
    search.reset = [command = f.reset_command]() -> tl::expected<void, std::string> {
      const int status = std::system(command.c_str());
      if (status != 0) return tl::unexpected("'" + command + "' failed (status " + std::to_string(status) + ")");
      return {};
    };
  }
  Terminal terminal;
  FindObserver observer(terminal, o.quiet);
  const auto started = std::chrono::system_clock::now();
  auto sampling = start_sampling(deployment);
  auto found = f.question == "max-rps" ? bench::find_max_rps(search, observer, stop)
                                       : bench::find_peak_users(search, observer, stop);
  terminal.finish();
  const std::string hosts_json = stop_sampling(sampling, terminal);
  if (!found) throw std::runtime_error("bench find: " + found.error());
  bool kept = true;
  if (deployment) {
    auto meta = run_metadata(*deployment, search.base, "find");
    meta.question = f.question;
    meta.duration = f.duration;
    meta.interrupted = stop;
    if (f.question == "max-rps") {
      meta.model = "open";
      meta.connections = std::get<bench::OpenModel>(search.base.model).connections;
      meta.probe = f.probe;
      meta.start_rate = search.start_rate;
    } else {
      meta.model = "closed";
      meta.spawn_rate = search.spawn_rate;
    }
    meta.answer = found->answer;
    meta.note = found->note;
    for (const auto& trial : found->trials) meta.trials.push_back(report::to_record(trial));
    const bench::RunResult* confirming = found->confirming ? &*found->confirming : nullptr;
    kept = keep_run(*deployment, std::move(meta), confirming, started, "find-" + f.question, terminal, hosts_json);
  }
  if (found->confirming) std::cout << bench::format_console_report(*found->confirming, Terminal::stdout_color());
  const std::string what = f.question == "max-rps" ? "maximum RPS at 0% failures"
                                                   : "peak users at 0% failures (spawn rate " + f.spawn_rate + "/s)";
  if (found->answer) {
    char value[64];
    std::snprintf(value, sizeof value, f.question == "max-rps" ? "%.1f" : "%.0f", *found->answer);
    std::cout << "\n" << what << ": " << value << " (confirmed for " << f.duration << ")\n";
  } else {
    std::cout << "\n" << what << ": not found\n";
  }
  if (!found->note.empty()) std::cout << "note: " << found->note << "\n";
  if (stop) return k_exit_interrupted;
  if (!found->answer) return k_exit_request_failures;
  return kept ? k_exit_ok : k_exit_failure;
}

int run_bench(const BenchOptions& o, const std::atomic<bool>& stop) {
  const auto deployment = deployment_target(o);
  bench::RunOptions options = base_options(o, deployment);
  if (!o.run_time.empty()) options.run_time = duration_flag(o.run_time, "--run-time");
  if (!o.requests.empty()) options.max_requests = count_flag(o.requests, "--requests");
  if (options.run_time.count() == 0 && !options.max_requests) {
    throw UsageError("bench: every run is bounded; give --run-time (e.g. -t 60s) and/or --requests (e.g. -n 100k)");
  }

  Terminal terminal;
  const bool open = !o.rate.empty() || !o.stages.empty();
  if (!o.rate.empty() && !o.stages.empty()) throw UsageError("bench: give --rate or --stage, not both");
  if (open) {
    options.model = open_model(o);
  } else {
    bench::ClosedModel model;
    model.users = static_cast<std::uint32_t>(count_flag(o.users, "--users"));
    if (model.users == 0) throw UsageError("--users: at least 1");
    model.spawn_rate = o.spawn_rate.empty() ? model.users : rate_flag(o.spawn_rate, "--spawn-rate");
    // users / spawn rate longer than the run: the engine warns through the observer.
    options.model = model;
  }

  std::vector<bench::Threshold> thresholds;
  for (const auto& text : o.fail_on) {
    auto parsed = bench::parse_threshold(text, bench::Threshold::Sense::fail_when_true);
    if (!parsed) throw UsageError("--fail-on: " + parsed.error());
    thresholds.push_back(*parsed);
  }
  for (const auto& text : o.thresholds) {
    auto parsed = bench::parse_threshold(text, bench::Threshold::Sense::fail_when_false);
    if (!parsed) throw UsageError("--threshold: " + parsed.error());
    thresholds.push_back(*parsed);
  }

  StatusObserver observer(terminal, o.quiet);
  auto sampling = start_sampling(deployment);
  auto result = bench::run_load(options, observer, stop);
  terminal.finish();
  const std::string hosts_json = stop_sampling(sampling, terminal);
  if (!result) throw std::runtime_error("bench: " + result.error());

  std::cout << bench::format_console_report(*result, Terminal::stdout_color()) << std::flush;
  // Every output is written even after Ctrl-C; a failure to write one is reported, not fatal to the others.
  bool write_failed = false;
  const auto report = [&](const char* what, tl::expected<void, std::string> written) {
    if (!written) {
      terminal.print(std::string("fpctl: error: ") + what + ": " + written.error());
      write_failed = true;
    }
  };
  if (!o.csv_prefix.empty()) report("--csv", bench::write_csv(*result, o.csv_prefix));
  if (!o.json_path.empty()) report("--json", bench::write_json(*result, o.json_path));
  if (!o.html_path.empty()) report("--html", bench::write_html(*result, o.html_path));
  if (deployment) {
    auto meta = run_metadata(*deployment, options, "bench");
    meta.duration = o.run_time;
    meta.interrupted = result->stopped_early;
    if (const auto* closed = std::get_if<bench::ClosedModel>(&options.model)) {
      meta.model = "closed";
      meta.users = closed->users;
      meta.spawn_rate = closed->spawn_rate;
    } else if (const auto* arrival = std::get_if<bench::OpenModel>(&options.model)) {
      meta.model = "open";
      if (!o.rate.empty()) meta.rate = arrival->start_rate;
      meta.stages = o.stages;
      meta.connections = arrival->connections;
    }
    if (!keep_run(*deployment, std::move(meta), &*result, result->started, options.scenario.name, terminal, hosts_json))
      write_failed = true;
  }

  const auto breaches = bench::evaluate_thresholds(thresholds, *result);
  for (const auto& breach : breaches) terminal.print("fpctl: threshold breached: " + breach.threshold + " (" + breach.observed + ")");
  if (result->stopped_early && stop) return k_exit_interrupted;
  if (!breaches.empty()) return k_exit_threshold_breach;
  if (write_failed) return k_exit_failure;
  if (thresholds.empty() && result->aggregate.failures > 0) return k_exit_request_failures;
  return k_exit_ok;
}

} // namespace fp::cli
