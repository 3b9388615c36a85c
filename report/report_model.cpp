#include "report_model.hpp"

#include "validate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace fp::report {
namespace {

constexpr const char* k_hidden = "(hidden: add --show-addresses)";
// A host this busy on average (or at its peak) is named the likely bottleneck.
constexpr double k_busy_mean_percent = 80;
constexpr double k_busy_peak_percent = 95;

std::string iso(std::chrono::sys_seconds time) {
  return iso_utc(std::chrono::system_clock::time_point(time));
}

// The resources of the deployment: the state's when it records any, else the snapshot kept with the
// newest run (the deployment may be torn down by the time the report is written).
struct Recorded {
  std::vector<DeploymentResource> resources;
  std::string from;
  std::string run_id;   // when from a snapshot
  std::string run_end;  // that run's end (ISO)
};

Recorded recorded_resources(const infra::State& state, const std::vector<StoredRun>& runs) {
  Recorded recorded;
  for (const auto& r : state.resources) {
    if (r.kind != "droplet" && r.kind != "database" && r.kind != "process") continue;
    recorded.resources.push_back({r.kind, r.name, r.role, r.size, r.created_at, r.public_ipv4, r.private_ipv4, r.port});
  }
  if (!recorded.resources.empty()) {
    recorded.from = "the recorded deployment (.fpctl/state.json)";
    return recorded;
  }
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (it->meta.deployment.empty()) continue;
    recorded.resources = it->meta.deployment;
    recorded.from = "the deployment as run " + it->meta.id + " recorded it (nothing is deployed now)";
    recorded.run_id = it->meta.id;
    recorded.run_end = it->meta.ended;
    break;
  }
  return recorded;
}

std::string address_of(const DeploymentResource& r) {
  if (r.kind == "process") return r.public_ipv4.empty() ? "" : r.public_ipv4 + ":" + std::to_string(r.port);
  std::string out = r.public_ipv4;
  if (!r.private_ipv4.empty() && r.private_ipv4 != r.public_ipv4)
    out += (out.empty() ? "private " : " (private ") + r.private_ipv4 + (out.empty() ? "" : ")");
  return out;
}

Architecture architecture_of(const plan::Plan& plan, const pricing::Catalog& catalog, const Recorded& recorded,
                             bool show_addresses) {
  Architecture a;
  a.project = plan.project;
  a.provider = std::string(plan::to_string(plan.provider));
  a.region = plan.provider == plan::Provider::local ? "this machine" : plan.region;
  a.recorded_from = recorded.from;
  const bool local = plan.provider == plan::Provider::local;
  const auto droplet_role = [&](RoleEntry entry, const std::string& size) {
    entry.size = local ? "" : size;
    if (const auto* d = local ? nullptr : catalog.droplet(size)) {
      entry.vcpus = d->vcpus;
      entry.memory_mib = d->memory_mib;
    }
    return entry;
  };
  switch (plan.load_balancer.kind) {
  case plan::LoadBalancerKind::droplet:
    a.roles.push_back(droplet_role({"lb", "Load balancer", local ? "nginx (process)" : "nginx on a droplet", "", 1, 0, 0, {}},
                                   plan.load_balancer.size));
    break;
  case plan::LoadBalancerKind::managed:
    a.roles.push_back({"lb", "Load balancer", "DigitalOcean managed load balancer", "lb-node", plan.load_balancer.nodes, 0, 0, {}});
    break;
  case plan::LoadBalancerKind::none: break;
  }
  a.roles.push_back(droplet_role({"worker", "Workers", local ? "fp-order-server (processes)" : "fp-order-server on droplets",
                                  "", plan.workers.count, 0, 0, {}},
                                 plan.workers.size));
  switch (plan.database.kind) {
  case plan::DatabaseKind::managed: {
    RoleEntry db{"db", "Database", "managed PostgreSQL " + plan.database.version, plan.database.size, plan.database.nodes, 0, 0, {}};
    if (const auto* d = catalog.database(plan.database.size)) {
      db.vcpus = d->vcpus;
      db.memory_mib = d->memory_mib;
    }
    a.roles.push_back(std::move(db));
    break;
  }
  case plan::DatabaseKind::droplet:
    a.roles.push_back(droplet_role({"db", "Database", "PostgreSQL on a droplet", "", 1, 0, 0, {}}, plan.database.size));
    break;
  case plan::DatabaseKind::embedded:
    a.roles.push_back({"db", "Database", "SQLite, a file shared by the workers", "", 0, 0, 0, {}});
    break;
  }
  for (const auto& r : recorded.resources) {
    for (auto& role : a.roles) {
      if (role.role != r.role) continue;
      const std::string address = address_of(r);
      role.hosts.push_back({r.name, r.kind, show_addresses ? address : (address.empty() ? "" : k_hidden)});
    }
  }
  return a;
}

CostSection cost_of(const plan::Plan& plan, const pricing::Catalog& catalog) {
  CostSection section;
  section.catalog = catalog.origin + " as of " + catalog.as_of;
  const auto problems = pricing::validate(plan, catalog);
  if (!problems.empty()) {
    section.error = pricing::describe(problems, plan);
    return section;
  }
  auto cost = pricing::price(plan, catalog);
  if (cost) section.cost = std::move(*cost);
  else section.error = cost.error();
  return section;
}

ExperimentCost experiment_of(const plan::Plan& plan, const pricing::Catalog& catalog, const Recorded& recorded,
                             std::chrono::sys_seconds now) {
  ExperimentCost e;
  std::vector<pricing::RunningResource> resources;
  std::string unreadable;
  for (const auto& r : recorded.resources) {
    if (r.kind != "droplet" && r.kind != "database") continue;
    const auto created = pricing::parse_utc(r.created_at);
    if (!created) {
      unreadable += (unreadable.empty() ? "" : ", ") + r.name;
      continue;
    }
    resources.push_back({r.name, r.kind, r.size, r.kind == "database" ? plan.database.nodes : 1, *created});
  }
  const bool any_process = std::any_of(recorded.resources.begin(), recorded.resources.end(),
                                       [](const auto& r) { return r.kind == "process"; });
  if (resources.empty()) {
    if (any_process) e.note = "provider: local runs every role as a process on this machine: nothing was billed.";
    else if (recorded.resources.empty())
      e.note = "No deployment is recorded (no .fpctl/state.json resources, no run with a deployment snapshot): "
               "nothing to price. 'fpctl up' creates one; 'fpctl status' shows its cost so far.";
    else e.note = "The recorded resources have no readable creation time (" + unreadable + "): not priced.";
    return e;
  }
  if (recorded.run_id.empty()) {
    e.running = pricing::running_cost(resources, catalog, now);
    e.basis = "Every droplet and database from its creation until now (" + iso(now) +
              "), at the catalog's prices and DigitalOcean's billing rules; it keeps growing until 'fpctl teardown'.";
  } else {
    const auto end = pricing::parse_utc(recorded.run_end);
    e.running = pricing::running_cost(resources, catalog, end.value_or(now));
    e.basis = "Every droplet and database from its creation until the end of the last run with a deployment (" +
              (end ? iso(*end) : iso(now)) +
              "): the teardown time is not recorded, so the real bill is at least this much.";
  }
  if (!unreadable.empty()) e.note = "Left out (no readable creation time): " + unreadable + ".";
  return e;
}

bool is_find(const StoredRun& run, const std::string& question) {
  return run.meta.command == "find" && run.meta.question == question;
}

// The newest search's answer with a value, else why there is none.
Answer answer_of(const std::vector<const StoredRun*>& searches, const std::string& how_to_measure) {
  Answer answer;
  for (auto it = searches.rbegin(); it != searches.rend(); ++it) {
    const StoredRun& run = **it;
    if (!run.meta.answer || run.meta.interrupted) continue;
    answer.value = run.meta.answer;
    answer.run_id = run.meta.id;
    answer.duration = run.meta.duration;
    answer.note = run.meta.note;
    return answer;
  }
  if (searches.empty()) {
    answer.note = "not measured yet: run '" + how_to_measure + "'";
    return answer;
  }
  const StoredRun& last = *searches.back();
  answer.run_id = last.meta.id;
  answer.note = last.meta.interrupted ? "the search (run " + last.meta.id + ") was interrupted before it confirmed a value"
                                      : "no load passed at 0 % failures (run " + last.meta.id + ")" +
                                            (last.meta.note.empty() ? "" : ": " + last.meta.note);
  return answer;
}

struct CpuSummary {
  const HostSeries* host = nullptr;
  double mean = 0;
  double peak = 0;
};

std::string bottleneck_of(const std::vector<StoredRun>& runs, const Answer& max_rps) {
  // The run that says most about the limit: the max-RPS search's, else the newest with results.
  const StoredRun* run = nullptr;
  for (const auto& r : runs) {
    if (!max_rps.run_id.empty() && r.meta.id == max_rps.run_id) run = &r;
  }
  if (!run) {
    for (auto it = runs.rbegin(); it != runs.rend() && !run; ++it)
      if (it->result || it->hosts) run = &*it;
  }
  if (!run) return "Not measured yet: no run is kept with this deployment, so nothing can be said about its limit.";

  const std::string which = "run " + run->meta.id +
                            (is_find(*run, "max-rps") ? " (the max-RPS search)" : run->meta.command == "find" ? " (a search)" : "");
  std::string out;
  std::vector<CpuSummary> cpus;
  if (run->hosts) {
    for (const auto& h : run->hosts->hosts) {
      if (h.samples.empty()) continue;
      CpuSummary c{&h, 0, 0};
      for (const auto& s : h.samples) {
        c.mean += s.cpu_percent;
        c.peak = std::max(c.peak, s.cpu_percent);
      }
      c.mean /= static_cast<double>(h.samples.size());
      cpus.push_back(c);
    }
  }
  if (cpus.empty()) {
    out = "No host measurements (hosts.json) were kept with " + which +
          ", so the busiest host cannot be named: CPU, memory and network of each host are what is missing.";
  } else {
    std::sort(cpus.begin(), cpus.end(), [](const CpuSummary& a, const CpuSummary& b) { return a.mean > b.mean; });
    const CpuSummary& top = cpus.front();
    out = "During " + which + ", the busiest host was " + top.host->host +
          (top.host->role.empty() ? "" : " (" + top.host->role + ")") + ": CPU " + format_number(top.mean, 0) +
          " % on average, " + format_number(top.peak, 0) + " % at its peak";
    if (cpus.size() > 1) {
      out += "; next " + cpus[1].host->host + " at " + format_number(cpus[1].mean, 0) + " % on average";
    }
    if (top.mean >= k_busy_mean_percent || top.peak >= k_busy_peak_percent) {
      out += ". It is the likely bottleneck: more or larger " +
             (top.host->role.empty() || top.host->role == "local" ? std::string("hosts") : top.host->role + " hosts") +
             " should raise the limit.";
    } else {
      out += ". No host was CPU-bound, so the limit lies elsewhere (network, database connections, the table "
             "growing under GET /orders, or the load generator).";
    }
    for (const auto& h : run->hosts->hosts)
      if (!h.error.empty()) out += " Sampling " + h.host + " failed: " + h.error + ".";
  }
  if (run->result) {
    const auto& r = *run->result;
    if (r.failures > 0 && !r.failures_by_kind.empty()) {
      out += " Failures by kind:";
      bool first = true;
      for (const auto& [kind, n] : r.failures_by_kind) {
        out += std::string(first ? " " : ", ") + kind + " " + std::to_string(n);
        first = false;
      }
      out += " of " + std::to_string(r.requests) + " requests.";
    }
    if (r.generator_bound) {
      out += " The load generator itself was at its limit (" + r.generator_reason +
             "): the server may have more capacity than measured.";
    }
  }
  // A search's first failing trial says at which load, and why, the limit showed.
  for (const auto& t : run->meta.trials) {
    if (t.passed) continue;
    out += " The first load that failed: " + t.label + ", " + t.evidence + ".";
    break;
  }
  return out;
}

void hide_addresses(StoredRun& run) {
  if (!run.meta.target.empty()) run.meta.target = k_hidden;
  if (run.result && !run.result->target.empty()) run.result->target = k_hidden;
  for (auto& r : run.meta.deployment) {
    r.public_ipv4.clear();
    r.private_ipv4.clear();
  }
}

} // namespace

std::string format_number(double value, int decimals) {
  char digits[64];
  std::snprintf(digits, sizeof digits, "%.*f", decimals, std::abs(value));
  std::string text = digits;
  const auto dot = text.find('.');
  const auto integer_end = dot == std::string::npos ? text.size() : dot;
  std::string out;
  for (std::size_t i = 0; i < integer_end; ++i) {
    if (i > 0 && (integer_end - i) % 3 == 0) out += ',';
    out += text[i];
  }
  out += text.substr(integer_end);
  return (value < 0 && out.find_first_not_of("0.,") != std::string::npos ? "-" : "") + out;
}

std::string format_ms(std::uint64_t micros) {
  const double ms = static_cast<double>(micros) / 1000.0;
  return format_number(ms, ms < 10 ? 2 : ms < 100 ? 1 : 0) + " ms";
}

ReportModel build_model(ReportInputs in) {
  ReportModel m;
  m.generated = iso(in.now);
  m.show_addresses = in.show_addresses;
  for (auto& run : in.runs) {
    m.problems.insert(m.problems.end(), run.problems.begin(), run.problems.end());
  }
  // Runs whose run.json could not be read are only problems.
  std::erase_if(in.runs, [](const StoredRun& r) { return r.meta.command.empty(); });

  const Recorded recorded = recorded_resources(in.state, in.runs);
  m.architecture = architecture_of(in.plan, in.catalog, recorded, in.show_addresses);
  m.cost = cost_of(in.plan, in.catalog);
  m.experiment = experiment_of(in.plan, in.catalog, recorded, in.now);

  std::vector<const StoredRun*> max_rps_runs;
  std::map<double, std::vector<const StoredRun*>> peak_runs;
  for (const double rate : k_course_spawn_rates) peak_runs[rate];
  for (const auto& run : in.runs) {
    if (is_find(run, "max-rps")) max_rps_runs.push_back(&run);
    if (is_find(run, "peak-users")) peak_runs[run.meta.spawn_rate].push_back(&run);
  }
  m.max_rps = answer_of(max_rps_runs, "fpctl bench find max-rps");
  for (const auto& [rate, runs] : peak_runs) {
    m.peak_users.push_back({rate, answer_of(runs, "fpctl bench find peak-users --spawn-rate " + format_number(rate, 0))});
  }
  m.bottleneck = bottleneck_of(in.runs, m.max_rps);

  if (!in.show_addresses) {
    for (auto& run : in.runs) hide_addresses(run);
  }
  m.runs = std::move(in.runs);
  return m;
}

} // namespace fp::report
