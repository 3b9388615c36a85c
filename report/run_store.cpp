#include "run_store.hpp"

#include "atomic_file.hpp"
#include "report.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <fstream>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

namespace fp::report {
namespace {

using json = nlohmann::json;
using ordered = nlohmann::ordered_json;

// Readers of files a person may have edited or truncated: a missing or mistyped key is a default
// value, never an exception (json::value throws on a type mismatch, these do not).
std::string str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double num(const json& j, const char* key, double fallback = 0) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return fallback;
  const double value = it->get<double>();
  return std::isfinite(value) ? value : fallback;
}

std::uint64_t count(const json& j, const char* key) {
  const double value = num(j, key);
  return value > 0 ? static_cast<std::uint64_t>(value) : 0;
}

bool flag(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

const json& member(const json& j, const char* key) {
  static const json k_null;
  const auto it = j.find(key);
  return it == j.end() ? k_null : *it;
}

std::optional<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

tl::expected<json, std::string> parse_object(const std::string& text) {
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return tl::unexpected(std::string("not valid JSON"));
  if (!document.is_object()) return tl::unexpected(std::string("not a JSON object"));
  return document;
}

std::string sanitized(const std::string& label) {
  std::string out;
  for (char c : label) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '.' || c == '_' || c == '-') out += static_cast<char>(std::tolower(u));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  // Only letters and digits at the ends: no "..", no leading dot (a hidden directory).
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.back()))) out.pop_back();
  const auto first = std::find_if(out.begin(), out.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
  out.erase(out.begin(), first);
  return out.empty() ? "run" : out;
}

} // namespace

std::filesystem::path runs_directory(const std::filesystem::path& project_dir) {
  return project_dir / ".fpctl" / "runs";
}

std::string compact_utc(std::chrono::system_clock::time_point time) {
  const std::time_t whole = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y%m%dT%H%M%SZ", &tm);
  return out;
}

std::string iso_utc(std::chrono::system_clock::time_point time) {
  const std::time_t whole = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

tl::expected<std::filesystem::path, std::string> create_run_directory(const std::filesystem::path& runs_root,
                                                                       std::chrono::system_clock::time_point started,
                                                                       const std::string& label) {
  if (auto made = ensure_directory(runs_root, 0755); !made) return tl::unexpected(made.error());
  const std::string base = compact_utc(started) + "-" + sanitized(label);
  // create_directory is the test and the claim in one step: two fpctl processes never share a directory.
  for (int n = 1; n <= 100; ++n) {
    const auto candidate = runs_root / (n == 1 ? base : base + "-" + std::to_string(n));
    std::error_code error;
    if (std::filesystem::create_directory(candidate, error)) return candidate;
    if (error) return tl::unexpected("cannot create " + candidate.string() + ": " + error.message());
  }
  return tl::unexpected("cannot create a run directory under " + runs_root.string() + ": 100 runs named " + base +
                        " exist already");
}

TrialRecord to_record(const bench::Trial& t) {
  return {t.label, t.load, t.achieved, t.requests, t.failures, t.p99_us, t.passed, t.evidence};
}

tl::expected<void, std::string> write_run(const std::filesystem::path& directory, const RunMetadata& m,
                                          const bench::RunResult* result, const std::string& hosts_json) {
  if (result) {
    if (auto written = bench::write_json(*result, directory / "result.json"); !written) return written;
  }
  if (!hosts_json.empty()) {
    if (auto written = write_file_atomically(directory / "hosts.json", hosts_json); !written) return written;
  }
  ordered doc = {{"version", RunMetadata::k_version}, {"command", m.command}};
  if (!m.question.empty()) doc["question"] = m.question;
  doc["scenario"] = m.scenario;
  doc["target"] = m.target;
  doc["project"] = m.project;
  doc["provider"] = m.provider;
  doc["model"] = m.model;
  if (m.model == "closed" || m.question == "peak-users") {
    if (m.users > 0) doc["users"] = m.users;
    doc["spawn_rate"] = m.spawn_rate;
  }
  if (m.model == "open") {
    if (m.rate > 0) doc["rate"] = m.rate;
    if (!m.stages.empty()) doc["stages"] = m.stages;
    doc["connections"] = m.connections;
  }
  doc["duration"] = m.duration;
  if (m.question == "max-rps") {
    doc["probe"] = m.probe;
    doc["start_rate"] = m.start_rate;
  }
  doc["started"] = m.started;
  doc["ended"] = m.ended;
  doc["interrupted"] = m.interrupted;
  if (m.command == "find") {
    doc["answer"] = m.answer ? ordered(*m.answer) : ordered(nullptr);
    doc["note"] = m.note;
    ordered trials = ordered::array();
    for (const auto& t : m.trials) {
      trials.push_back({{"label", t.label}, {"load", t.load}, {"achieved", t.achieved}, {"requests", t.requests},
                        {"failures", t.failures}, {"p99_us", t.p99_us}, {"passed", t.passed}, {"evidence", t.evidence}});
    }
    doc["trials"] = std::move(trials);
  }
  ordered deployment = ordered::array();
  for (const auto& r : m.deployment) {
    ordered entry = {{"kind", r.kind}, {"name", r.name}, {"role", r.role}, {"size", r.size}, {"created_at", r.created_at}};
    if (!r.public_ipv4.empty()) entry["public_ipv4"] = r.public_ipv4;
    if (!r.private_ipv4.empty()) entry["private_ipv4"] = r.private_ipv4;
    if (r.port != 0) entry["port"] = r.port;
    deployment.push_back(std::move(entry));
  }
  doc["deployment"] = std::move(deployment);
  return write_file_atomically(directory / "run.json", doc.dump(2, ' ', false, ordered::error_handler_t::replace) + "\n");
}

tl::expected<RunMetadata, std::string> parse_run_metadata(const std::string& text) {
  auto parsed = parse_object(text);
  if (!parsed) return tl::unexpected(parsed.error());
  const json& j = *parsed;
  if (num(j, "version", 1) > RunMetadata::k_version)
    return tl::unexpected("written by a newer fpctl (version " + std::to_string(count(j, "version")) + ")");
  RunMetadata m;
  m.command = str(j, "command");
  if (m.command != "bench" && m.command != "find") return tl::unexpected(std::string("no \"command\": bench or find"));
  m.question = str(j, "question");
  m.scenario = str(j, "scenario");
  m.target = str(j, "target");
  m.project = str(j, "project");
  m.provider = str(j, "provider");
  m.model = str(j, "model");
  m.users = static_cast<std::uint32_t>(std::min<std::uint64_t>(count(j, "users"), UINT32_MAX));
  m.spawn_rate = num(j, "spawn_rate");
  m.rate = num(j, "rate");
  for (const auto& s : member(j, "stages"))
    if (s.is_string()) m.stages.push_back(s.get<std::string>());
  m.connections = static_cast<std::uint32_t>(std::min<std::uint64_t>(count(j, "connections"), UINT32_MAX));
  m.duration = str(j, "duration");
  m.probe = str(j, "probe");
  m.start_rate = num(j, "start_rate");
  m.started = str(j, "started");
  m.ended = str(j, "ended");
  m.interrupted = flag(j, "interrupted");
  if (const auto& answer = member(j, "answer"); answer.is_number() && std::isfinite(answer.get<double>()))
    m.answer = answer.get<double>();
  m.note = str(j, "note");
  for (const auto& t : member(j, "trials")) {
    if (!t.is_object()) continue;
    m.trials.push_back({str(t, "label"), num(t, "load"), num(t, "achieved"), count(t, "requests"), count(t, "failures"),
                        count(t, "p99_us"), flag(t, "passed"), str(t, "evidence")});
  }
  for (const auto& r : member(j, "deployment")) {
    if (!r.is_object()) continue;
    m.deployment.push_back({str(r, "kind"), str(r, "name"), str(r, "role"), str(r, "size"), str(r, "created_at"),
                            str(r, "public_ipv4"), str(r, "private_ipv4"), static_cast<int>(num(r, "port"))});
  }
  return m;
}

tl::expected<ResultSummary, std::string> parse_result(const std::string& text) {
  auto parsed = parse_object(text);
  if (!parsed) return tl::unexpected(parsed.error());
  const json& j = *parsed;
  if (!j.contains("aggregate") || !j.contains("timeline"))
    return tl::unexpected(std::string("not a 'fpctl bench --json' result (no \"aggregate\" or \"timeline\")"));
  ResultSummary r;
  r.scenario = str(j, "scenario");
  r.target = str(j, "target");
  r.started = str(j, "started");
  r.elapsed_seconds = num(j, "elapsed_seconds");
  r.stopped_early = flag(j, "stopped_early");
  const json& aggregate = member(j, "aggregate");
  r.requests = count(aggregate, "requests");
  r.failures = count(aggregate, "failures");
  r.requests_per_second = num(aggregate, "requests_per_second");
  const json& latency = member(aggregate, "latency_us");
  const json& percentiles = member(latency, "percentiles");
  r.p50_us = count(percentiles, "p50");
  r.p95_us = count(percentiles, "p95");
  r.p99_us = count(percentiles, "p99");
  r.max_us = count(latency, "max");
  r.peak_users = static_cast<std::uint32_t>(std::min<std::uint64_t>(count(member(j, "users"), "peak"), UINT32_MAX));
  if (const auto& kinds = member(j, "failures_by_kind"); kinds.is_object()) {
    for (const auto& [kind, value] : kinds.items())
      if (value.is_number()) r.failures_by_kind[kind] = value.get<std::uint64_t>();
  }
  for (const auto& e : member(j, "errors")) {
    if (!e.is_object()) continue;
    r.errors.emplace_back(str(e, "method") + " " + str(e, "name") + ": " + str(e, "error"), count(e, "occurrences"));
  }
  const json& generator = member(j, "generator");
  r.generator_cpu_percent = num(generator, "cpu_percent");
  r.generator_bound = flag(generator, "generator_bound");
  r.generator_reason = str(generator, "reason");
  // The timeline's seconds are wall-clock seconds; the first second of the run is second 0, and each
  // sample is plotted at its end, as bench's own HTML report does.
  const double start = std::floor(num(j, "started_unix_ms") / 1000.0);
  for (const auto& s : member(j, "timeline")) {
    if (!s.is_object()) continue;
    TimelinePoint p;
    p.t = std::max(0.0, num(s, "unix_second") + 1 - start);
    p.users = static_cast<std::uint32_t>(std::min<std::uint64_t>(count(s, "users"), UINT32_MAX));
    p.requests = count(s, "requests");
    p.failures = count(s, "failures");
    p.p50_us = count(s, "p50_us");
    p.p95_us = count(s, "p95_us");
    p.p99_us = count(s, "p99_us");
    r.timeline.push_back(p);
  }
  return r;
}

tl::expected<HostsData, std::string> parse_hosts(const std::string& text) {
  auto parsed = parse_object(text);
  if (!parsed) return tl::unexpected(parsed.error());
  const json& j = *parsed;
  if (!member(j, "hosts").is_array()) return tl::unexpected(std::string("no \"hosts\" list"));
  HostsData data;
  data.interval_s = num(j, "interval_s", 1);
  for (const auto& h : member(j, "hosts")) {
    if (!h.is_object()) continue;
    HostSeries series{str(h, "host"), str(h, "role"), str(h, "error"), {}};
    for (const auto& s : member(h, "samples")) {
      if (!s.is_object()) continue;
      series.samples.push_back({num(s, "t"), num(s, "cpu_percent"), num(s, "load1"), num(s, "mem_used_mb"),
                                num(s, "mem_total_mb"), num(s, "rx_kbps"), num(s, "tx_kbps")});
    }
    data.hosts.push_back(std::move(series));
  }
  return data;
}

tl::expected<std::vector<StoredRun>, std::string> load_runs(const std::filesystem::path& runs_root,
                                                            const std::vector<std::string>& only) {
  std::vector<std::string> ids;
  std::error_code error;
  std::error_code missing; // a missing directory is no runs, not an error
  if (std::filesystem::is_directory(runs_root, missing)) {
    for (const auto& entry : std::filesystem::directory_iterator(runs_root, error)) {
      if (entry.is_directory(error) && std::filesystem::exists(entry.path() / "run.json", error))
        ids.push_back(entry.path().filename().string());
    }
  }
  if (error) return tl::unexpected("cannot list " + runs_root.string() + ": " + error.message());
  std::sort(ids.begin(), ids.end());
  if (!only.empty()) {
    for (const auto& id : only) {
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) continue;
      std::string known;
      for (const auto& existing : ids) known += (known.empty() ? "" : ", ") + existing;
      return tl::unexpected("--run " + id + ": no such run in " + runs_root.string() +
                            (known.empty() ? std::string(" (there are none)") : "; the runs are: " + known));
    }
    ids = only;
  }
  std::vector<StoredRun> runs;
  for (const auto& id : ids) {
    StoredRun run;
    const auto dir = runs_root / id;
    const auto meta_text = read_text(dir / "run.json");
    auto meta = meta_text ? parse_run_metadata(*meta_text) : tl::unexpected(std::string("cannot be read"));
    if (!meta) {
      run.problems.push_back((dir / "run.json").string() + ": " + meta.error() + "; the run is left out");
      run.meta.id = id;
      runs.push_back(std::move(run));
      continue;
    }
    run.meta = std::move(*meta);
    run.meta.id = id;
    if (const auto text = read_text(dir / "result.json")) {
      auto result = parse_result(*text);
      if (result) run.result = std::move(*result);
      else run.problems.push_back((dir / "result.json").string() + ": " + result.error());
    }
    if (const auto text = read_text(dir / "hosts.json")) {
      auto hosts = parse_hosts(*text);
      if (hosts) run.hosts = std::move(*hosts);
      else run.problems.push_back((dir / "hosts.json").string() + ": " + hosts.error());
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

} // namespace fp::report
