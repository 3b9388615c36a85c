// fpctl report's model and renderers on a hand-written deployment (state), plan and kept runs: the
// run store round-trips through bench's own JSON writer; the report names what was measured and
// only that; addresses stay out unless asked; the HTML page references nothing outside itself.
#include "catalog.hpp"
#include "price.hpp"
#include "report_model.hpp"
#include "run_store.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

using namespace fp;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const auto k_now = std::chrono::sys_seconds(std::chrono::seconds(1'714'600'000)); // 2024-05-01T21:46:40Z
constexpr const char* k_public_lb = "203.0.113.10";
constexpr const char* k_private_worker = "10.110.0.7";

plan::Plan course_plan() {
  plan::Plan p;
  p.project = "shop";
  p.provider = plan::Provider::digitalocean;
  p.region = "sgp1";
  p.load_balancer.kind = plan::LoadBalancerKind::droplet;
  p.load_balancer.size = "s-1vcpu-1gb";
  p.workers.size = "s-1vcpu-2gb";
  p.workers.count = 2;
  p.database.kind = plan::DatabaseKind::managed;
  p.database.size = "db-s-1vcpu-1gb";
  return p;
}

infra::State deployed_state() {
  infra::State s;
  s.project = "shop";
  const auto droplet = [](std::string name, std::string role, std::string size, std::string pub, std::string priv) {
    infra::StateResource r;
    r.kind = "droplet";
    r.id = "1";
    r.name = std::move(name);
    r.role = std::move(role);
    r.size = std::move(size);
    r.region = "sgp1";
    r.status = "active";
    r.public_ipv4 = std::move(pub);
    r.private_ipv4 = std::move(priv);
    r.created_at = "2024-05-01T19:46:40Z"; // two hours before k_now
    return r;
  };
  s.resources.push_back(droplet("shop-lb", "lb", "s-1vcpu-1gb", k_public_lb, "10.110.0.5"));
  s.resources.push_back(droplet("shop-worker-1", "worker", "s-1vcpu-2gb", "203.0.113.11", "10.110.0.6"));
  s.resources.push_back(droplet("shop-worker-2", "worker", "s-1vcpu-2gb", "203.0.113.12", k_private_worker));
  infra::StateResource db;
  db.kind = "database";
  db.name = "shop-db";
  db.role = "db";
  db.size = "db-s-1vcpu-1gb";
  db.created_at = "2024-05-01T19:46:40Z";
  s.resources.push_back(db);
  infra::StateResource firewall;
  firewall.kind = "firewall";
  firewall.name = "shop-worker";
  s.resources.push_back(firewall);
  return s;
}

// A result as bench produces it: `seconds` of timeline at `rps`, no failures.
bench::RunResult result_of(std::chrono::system_clock::time_point started, int seconds, std::uint64_t rps) {
  bench::RunResult r;
  r.scenario = "fp-orders";
  r.target = std::string("http://") + k_public_lb;
  r.started = started;
  r.elapsed = std::chrono::seconds(seconds);
  r.keys.push_back({"GET", "/orders"});
  r.per_key.resize(1);
  const auto start = std::chrono::duration_cast<std::chrono::seconds>(started.time_since_epoch()).count();
  for (int i = 0; i < seconds; ++i) {
    bench::SecondSample s;
    s.unix_second = start + i;
    s.users = 0;
    s.requests = rps;
    s.p50_us = 4'000;
    s.p95_us = 9'000;
    s.p99_us = 12'000;
    r.timeline.push_back(s);
    r.aggregate.requests += rps;
    for (std::uint64_t n = 0; n < rps; ++n) r.aggregate.latency.record(n % 2 ? 4'000 : 9'000);
  }
  r.per_key[0] = r.aggregate;
  return r;
}

report::RunMetadata meta_of(std::string command, std::string question = {}) {
  report::RunMetadata m;
  m.command = std::move(command);
  m.question = std::move(question);
  m.scenario = "fp-orders";
  m.target = std::string("http://") + k_public_lb;
  m.project = "shop";
  m.provider = "digitalocean";
  m.started = "2024-05-01T20:00:00Z";
  m.ended = "2024-05-01T20:01:10Z";
  for (const auto& r : deployed_state().resources) {
    if (r.kind == "droplet" || r.kind == "database")
      m.deployment.push_back({r.kind, r.name, r.role, r.size, r.created_at, r.public_ipv4, r.private_ipv4, r.port});
  }
  return m;
}

constexpr const char* k_hosts_json = R"({"interval_s": 1, "hosts": [
  {"host": "worker-1", "role": "worker", "error": "", "samples": [
    {"t": 0.0, "cpu_percent": 90.0, "load1": 0.9, "mem_used_mb": 300, "mem_total_mb": 1987, "rx_kbps": 100, "tx_kbps": 300},
    {"t": 1.0, "cpu_percent": 98.0, "load1": 1.2, "mem_used_mb": 310, "mem_total_mb": 1987, "rx_kbps": 120, "tx_kbps": 340}]},
  {"host": "worker-2", "role": "worker", "error": "", "samples": [
    {"t": 0.0, "cpu_percent": 40.0, "load1": 0.3, "mem_used_mb": 250, "mem_total_mb": 1987, "rx_kbps": 90, "tx_kbps": 250}]},
  {"host": "lb", "role": "lb", "error": "connection lost", "samples": []}]})";

class ReportModelTest : public ::testing::Test {
protected:
  std::filesystem::path runs_root() const { return report::runs_directory(m_dir.path()); }

  // A max-RPS search with an answer (1234.5/s), hosts sampled; a peak-users search at 25/s (800).
  void keep_measured_runs() {
    const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'714'593'600)); // 20:00:00Z
    auto dir = report::create_run_directory(runs_root(), t0, "find-max-rps");
    ASSERT_TRUE(dir) << dir.error();
    auto meta = meta_of("find", "max-rps");
    meta.model = "open";
    meta.connections = 64;
    meta.duration = "60s";
    meta.probe = "5s";
    meta.start_rate = 50;
    meta.answer = 1234.5;
    meta.trials.push_back({"probe 800/s", 800, 800, 4000, 0, 9000, true, "0 failures"});
    meta.trials.push_back({"probe 1600/s", 1600, 1300, 6500, 12, 900000, false, "12 failures (HTTP 503)"});
    const auto result = result_of(t0, 3, 1234);
    auto written = report::write_run(*dir, meta, &result, k_hosts_json);
    ASSERT_TRUE(written) << written.error();

    auto dir2 = report::create_run_directory(runs_root(), t0 + 10min, "find-peak-users");
    ASSERT_TRUE(dir2) << dir2.error();
    auto peak = meta_of("find", "peak-users");
    peak.model = "closed";
    peak.spawn_rate = 25;
    peak.duration = "60s";
    peak.answer = 800;
    const auto peak_result = result_of(t0 + 10min, 2, 300);
    written = report::write_run(*dir2, peak, &peak_result);
    ASSERT_TRUE(written) << written.error();
  }

  report::ReportModel model(bool show_addresses, const infra::State& state) {
    auto runs = report::load_runs(runs_root());
    EXPECT_TRUE(runs) << runs.error();
    report::ReportInputs inputs{m_plan, state, pricing::embedded_catalog(), runs ? std::move(*runs) : std::vector<report::StoredRun>{},
                                show_addresses, k_now};
    return report::build_model(std::move(inputs));
  }

  fp::test::TempDir m_dir{"fp-report"};
  plan::Plan m_plan = course_plan();
  infra::State m_state = deployed_state();
};

TEST_F(ReportModelTest, RunDirectoriesAreNamedByTimeAndNeverShared) {
  const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'714'593'600));
  auto first = report::create_run_directory(runs_root(), t0, "fp-orders");
  auto second = report::create_run_directory(runs_root(), t0, "fp-orders");
  auto odd = report::create_run_directory(runs_root(), t0, "../My Scenario!");
  ASSERT_TRUE(first && second && odd);
  EXPECT_EQ(first->filename(), "20240501T200000Z-fp-orders");
  EXPECT_EQ(second->filename(), "20240501T200000Z-fp-orders-2");
  EXPECT_EQ(odd->parent_path(), runs_root()) << "a label never leaves the runs directory";
  EXPECT_EQ(odd->filename(), "20240501T200000Z-my-scenario");
}

TEST_F(ReportModelTest, AKeptRunReadsBackWhatBenchWrote) {
  keep_measured_runs();
  auto runs = report::load_runs(runs_root());
  ASSERT_TRUE(runs) << runs.error();
  ASSERT_EQ(runs->size(), 2U);
  const auto& run = runs->front();
  EXPECT_TRUE(run.problems.empty());
  EXPECT_EQ(run.meta.id, "20240501T200000Z-find-max-rps");
  EXPECT_EQ(run.meta.question, "max-rps");
  ASSERT_TRUE(run.meta.answer);
  EXPECT_DOUBLE_EQ(*run.meta.answer, 1234.5);
  ASSERT_EQ(run.meta.trials.size(), 2U);
  EXPECT_FALSE(run.meta.trials[1].passed);
  EXPECT_EQ(run.meta.deployment.size(), 4U);
  ASSERT_TRUE(run.result);
  EXPECT_EQ(run.result->requests, 3U * 1234U);
  ASSERT_EQ(run.result->timeline.size(), 3U);
  EXPECT_DOUBLE_EQ(run.result->timeline[0].t, 1.0);
  EXPECT_EQ(run.result->timeline[2].requests, 1234U);
  EXPECT_EQ(run.result->timeline[1].p95_us, 9'000U);
  ASSERT_TRUE(run.hosts);
  ASSERT_EQ(run.hosts->hosts.size(), 3U);
  EXPECT_DOUBLE_EQ(run.hosts->hosts[0].samples[1].cpu_percent, 98.0);
  EXPECT_EQ(run.hosts->hosts[2].error, "connection lost");
  EXPECT_FALSE(runs->back().hosts) << "hosts.json is optional";

  const auto only = report::load_runs(runs_root(), {"20240501T201000Z-find-peak-users"});
  ASSERT_TRUE(only);
  EXPECT_EQ(only->size(), 1U);
  const auto unknown = report::load_runs(runs_root(), {"20990101T000000Z-nope"});
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(contains(unknown.error(), "20240501T200000Z-find-max-rps")) << unknown.error();
}

TEST_F(ReportModelTest, BrokenFilesAreProblemsNotCrashes) {
  EXPECT_FALSE(report::parse_run_metadata("{"));
  EXPECT_FALSE(report::parse_run_metadata("[]"));
  EXPECT_FALSE(report::parse_run_metadata(R"({"command": "dance"})"));
  EXPECT_FALSE(report::parse_result("{}"));
  EXPECT_FALSE(report::parse_hosts(R"({"hosts": 3})"));
  // Wrong types are defaults, never exceptions.
  auto odd = report::parse_hosts(R"({"hosts": [{"host": 7, "samples": [{"t": "x", "cpu_percent": null}, 5]}, "x"]})");
  ASSERT_TRUE(odd);
  ASSERT_EQ(odd->hosts.size(), 1U);
  EXPECT_EQ(odd->hosts[0].samples.size(), 1U);

  keep_measured_runs();
  const auto broken = runs_root() / "20240501T203000Z-fp-orders";
  std::filesystem::create_directories(broken);
  std::ofstream(broken / "run.json") << "{\"command\": \"bench\", \"scenario\": 3";
  std::ofstream(runs_root() / "20240501T200000Z-find-max-rps" / "hosts.json") << "not json";
  const auto m = model(false, m_state);
  EXPECT_EQ(m.runs.size(), 2U) << "the unreadable run is left out";
  ASSERT_EQ(m.problems.size(), 2U);
  EXPECT_TRUE(contains(m.problems[0], "hosts.json")) << m.problems[0];
  EXPECT_TRUE(contains(m.problems[1], "20240501T203000Z-fp-orders")) << m.problems[1];
  EXPECT_TRUE(contains(report::render_markdown(m), "## Problems reading the runs"));
}

TEST_F(ReportModelTest, TheReportNamesTheAnswersCostAndBottleneck) {
  keep_measured_runs();
  const auto m = model(false, m_state);
  ASSERT_TRUE(m.max_rps.value);
  EXPECT_DOUBLE_EQ(*m.max_rps.value, 1234.5);
  ASSERT_EQ(m.peak_users.size(), 3U); // the course's 25, 50 and 100
  ASSERT_TRUE(m.peak_users[0].answer.value);
  EXPECT_DOUBLE_EQ(*m.peak_users[0].answer.value, 800);
  EXPECT_FALSE(m.peak_users[1].answer.value);
  EXPECT_FALSE(m.peak_users[2].answer.value);

  const std::string md = report::render_markdown(m);
  EXPECT_TRUE(contains(md, "**Maximum RPS:** 1,234.5 requests/s (run 20240501T200000Z-find-max-rps, confirmed for 60s)")) << md;
  EXPECT_TRUE(contains(md, "| 25 | 800 | 20240501T201000Z-find-peak-users |")) << md;
  EXPECT_TRUE(contains(md, "| 50 | not measured yet: run 'fpctl bench find peak-users --spawn-rate 50' |")) << md;
  EXPECT_TRUE(contains(md, "| Workers | fp-order-server on droplets | `s-1vcpu-2gb` | 1 | 2 GB | 2 | shop-worker-1, shop-worker-2 |")) << md;
  EXPECT_TRUE(contains(md, "```mermaid")) << md;
  EXPECT_TRUE(contains(md, "lb --> workers")) << md;
  EXPECT_TRUE(contains(md, "report.html")) << "the Markdown says where the charts are";

  // The cost table is the pricing library's, in US$ and Rp.
  const auto cost = pricing::price(m_plan, pricing::embedded_catalog());
  ASSERT_TRUE(cost);
  EXPECT_TRUE(contains(md, "**" + pricing::format_usd(cost->monthly) + "**")) << md;
  EXPECT_TRUE(contains(md, "Rp " + pricing::format_idr(pricing::to_rupiah(cost->monthly, cost->idr_per_usd)))) << md;
  EXPECT_TRUE(contains(md, "Fits the budget of 65.00 US$")) << md;

  // Two hours of four resources: what the experiment cost, from the state's created_at.
  ASSERT_TRUE(m.experiment.running);
  EXPECT_GT(m.experiment.running->since_created, 0);
  EXPECT_TRUE(contains(md, "| **Total** |  |  | **" + pricing::format_usd(m.experiment.running->since_created) + "** |")) << md;

  // The bottleneck comes from hosts.json of the max-RPS run, and the failed trial.
  EXPECT_TRUE(contains(m.bottleneck, "busiest host was worker-1 (worker): CPU 94 % on average, 98 % at its peak"))
      << m.bottleneck;
  EXPECT_TRUE(contains(m.bottleneck, "likely bottleneck")) << m.bottleneck;
  EXPECT_TRUE(contains(m.bottleneck, "Sampling lb failed: connection lost")) << m.bottleneck;
  EXPECT_TRUE(contains(m.bottleneck, "probe 1600/s, 12 failures (HTTP 503)")) << m.bottleneck;
}

TEST_F(ReportModelTest, AddressesOnlyWhenAsked) {
  keep_measured_runs();
  const auto hidden = model(false, m_state);
  for (const auto& text : {report::render_markdown(hidden), report::render_html(hidden)}) {
    EXPECT_FALSE(contains(text, k_public_lb)) << text;
    EXPECT_FALSE(contains(text, k_private_worker)) << text;
    EXPECT_FALSE(contains(text, "203.0.113.")) << text;
  }
  const auto shown = model(true, m_state);
  const std::string md = report::render_markdown(shown);
  EXPECT_TRUE(contains(md, k_public_lb)) << md;
  EXPECT_TRUE(contains(md, k_private_worker)) << md;
  EXPECT_TRUE(contains(report::render_html(shown), k_public_lb));
}

TEST_F(ReportModelTest, TheHtmlPageIsSelfContainedWithItsCharts) {
  keep_measured_runs();
  const std::string html = report::render_html(model(true, m_state));
  EXPECT_TRUE(contains(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
                             "'unsafe-inline'; img-src data:\">"));
  for (const char* id : {"diagram", "run-1-rps", "run-1-response-times", "run-1-users", "run-1-cpu", "run-2-rps"}) {
    EXPECT_TRUE(contains(html, "<svg id=\"" + std::string(id) + "\"")) << id;
  }
  EXPECT_FALSE(contains(html, "run-2-cpu")) << "no CPU chart without host data";
  EXPECT_TRUE(contains(html, "data-series=\"worker-1\"")) << "one CPU line per host";
  // Nothing the browser could fetch: no URL, no script, no external reference (even with addresses shown).
  EXPECT_FALSE(contains(html, "http://"));
  EXPECT_FALSE(contains(html, "https://"));
  EXPECT_FALSE(contains(html, "<script"));
  EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=)", std::regex::icase)));
}

TEST_F(ReportModelTest, NoRunNoNumber) {
  const auto m = model(false, m_state);
  EXPECT_FALSE(m.max_rps.value);
  for (const auto& p : m.peak_users) EXPECT_FALSE(p.answer.value);
  const std::string md = report::render_markdown(m);
  EXPECT_TRUE(contains(md, "**Maximum RPS:** not measured yet: run 'fpctl bench find max-rps'")) << md;
  EXPECT_TRUE(contains(md, "Not measured yet: no run is kept")) << md;
  EXPECT_TRUE(contains(md, "No runs are kept with this deployment yet")) << md;
  // The architecture and cost are there all the same.
  EXPECT_TRUE(contains(md, "| Load balancer | nginx on a droplet | `s-1vcpu-1gb` |")) << md;
  EXPECT_TRUE(contains(md, "## Cost against the budget")) << md;

  // A search that found nothing reports that, not a number.
  auto dir = report::create_run_directory(runs_root(), std::chrono::system_clock::time_point(std::chrono::seconds(1'714'593'600)),
                                          "find-max-rps");
  ASSERT_TRUE(dir);
  auto meta = meta_of("find", "max-rps");
  meta.note = "no rate held for the whole duration at 0 % failures";
  meta.trials.push_back({"probe 50/s", 50, 20, 100, 30, 1'000'000, false, "30 failures (timeout)"});
  ASSERT_TRUE(report::write_run(*dir, meta, nullptr));
  const auto failed = model(false, m_state);
  EXPECT_FALSE(failed.max_rps.value);
  const std::string md2 = report::render_markdown(failed);
  EXPECT_TRUE(contains(md2, "**Maximum RPS:** no load passed at 0 % failures (run 20240501T200000Z-find-max-rps)")) << md2;
  EXPECT_TRUE(contains(failed.bottleneck, "No host measurements (hosts.json) were kept")) << failed.bottleneck;
}

TEST_F(ReportModelTest, AfterTeardownTheRunsSnapshotNamesAndPricesTheDeployment) {
  keep_measured_runs();
  const infra::State empty;
  const auto m = model(false, empty);
  EXPECT_TRUE(contains(m.architecture.recorded_from, "20240501T201000Z-find-peak-users")) << m.architecture.recorded_from;
  ASSERT_TRUE(m.experiment.running);
  // From 19:46:40 to the last run's end (20:01:10): a quarter of an hour of four resources, less than
  // the two hours the live state gives.
  const auto live = model(false, m_state);
  ASSERT_TRUE(live.experiment.running);
  EXPECT_LT(m.experiment.running->since_created, live.experiment.running->since_created);
  EXPECT_TRUE(contains(m.experiment.basis, "the real bill is at least this much")) << m.experiment.basis;
  EXPECT_TRUE(contains(report::render_markdown(m), "shop-worker-2")) << "hosts from the snapshot";
}

TEST_F(ReportModelTest, ProviderLocalCostsNothingAndAnUnpricedPlanSaysWhy) {
  m_plan.provider = plan::Provider::local;
  m_plan.database.kind = plan::DatabaseKind::embedded; // with two workers: refused by validation
  infra::State local;
  infra::StateResource process;
  process.kind = "process";
  process.name = "shop-lb";
  process.role = "lb";
  process.public_ipv4 = "127.0.0.1";
  process.port = 39999;
  local.resources.push_back(process);
  const auto m = model(false, local);
  EXPECT_FALSE(m.experiment.running);
  EXPECT_TRUE(contains(m.experiment.note, "nothing was billed")) << m.experiment.note;
  EXPECT_FALSE(m.cost.cost);
  const std::string md = report::render_markdown(m);
  EXPECT_TRUE(contains(md, "Not priced: ")) << md;
  EXPECT_FALSE(contains(md, "39999")) << "a local port is an address too";
  EXPECT_TRUE(contains(report::render_markdown(model(true, local)), "127.0.0.1:39999"));
}

TEST(ReportFormat, NumbersReadWell) {
  EXPECT_EQ(report::format_number(1234.5, 1), "1,234.5");
  EXPECT_EQ(report::format_number(1234567, 0), "1,234,567");
  EXPECT_EQ(report::format_number(-1234.25, 2), "-1,234.25");
  EXPECT_EQ(report::format_number(0.4, 0), "0");
  EXPECT_EQ(report::format_ms(2'390), "2.39 ms");
  EXPECT_EQ(report::format_ms(1'110'000), "1,110 ms");
}

} // namespace
