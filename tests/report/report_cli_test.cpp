// The runs kept with a deployment and `fpctl report`, as a user runs them: the real fpctl brings up
// provider: local (real nginx and fp-order-server on free loopback ports), load-tests it without a
// URL, searches for the maximum RPS with small bounds, writes the report, tears down, and writes it
// again from what the runs kept. The page is then rendered in headless Chromium (Debian's
// `chromium`): charts in the DOM, no request leaving the page; the screenshot is kept as an artifact.
#include "report_model.hpp"
#include "run_store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <unistd.h>
#include <nlohmann/json.hpp>
#include <regex>

using namespace fp::test;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::filesystem::path> run_directories(const std::filesystem::path& runs) {
  std::vector<std::filesystem::path> out;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(runs, ignored))
    if (entry.is_directory()) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

// One deployment for the whole program: up, a bench, a search, report, teardown, report again.
struct Cycle {
  std::unique_ptr<TempDir> dir;
  unsigned short port = 0;
  CommandResult up, bench, find, report, report_shown, teardown, report_after, report_unknown;
  std::string md, html, md_shown, md_after;
  std::vector<std::filesystem::path> runs;
};

Cycle* g_cycle = nullptr;

CommandResult fpctl(const Cycle& c, std::vector<std::string> args, std::chrono::seconds limit = std::chrono::seconds(240)) {
  std::vector<std::string> argv = {FPCTL_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions options;
  options.environment = {std::string("FPCTL_SERVER_BINARY=") + FP_ORDER_SERVER_PATH};
  // Every command finds ./fpctl.yaml through --config (bench's -c is --connections).
  argv.insert(argv.end(), {"--config", (c.dir->path() / "fpctl.yaml").string()});
  return run_command(argv, options, limit);
}

class ReportCliTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    g_cycle = new Cycle;
    Cycle& c = *g_cycle;
    c.dir = std::make_unique<TempDir>("fp-report-cli");
    c.port = free_port();
    // One worker with SQLite: a plan the price catalog accepts, so the cost table is filled.
    std::ofstream(c.dir->path() / "fpctl.yaml")
        << "project: shop\nprovider: local\nload_balancer: {kind: droplet}\n"
        << "workers: {count: 1, port: " << c.port << "}\ndatabase: {kind: embedded}\n";
    c.up = fpctl(c, {"up"});
    if (c.up.exit_code != 0) return;
    c.bench = fpctl(c, {"bench", "-u", "5", "-r", "5", "-t", "2s", "-q"});
    // Small bounds: 1 s probes from 50/s, a 2 s confirming run. The crud scenario keeps the table
    // small, so the answer does not depend on how many orders earlier trials left behind.
    c.find = fpctl(c, {"bench", "find", "max-rps", "--scenario", "crud", "--duration", "2s", "--probe", "1s",
                       "--start-rate", "50", "-q"});
    c.runs = run_directories(c.dir->path() / ".fpctl" / "runs");
    c.report = fpctl(c, {"report"});
    c.md = read_file(c.dir->path() / ".fpctl" / "report" / "report.md");
    c.html = read_file(c.dir->path() / ".fpctl" / "report" / "report.html");
    c.report_shown = fpctl(c, {"report", "--show-addresses", "-o", (c.dir->path() / "shown").string()});
    c.md_shown = read_file(c.dir->path() / "shown" / "report.md");
    c.teardown = fpctl(c, {"teardown", "--yes"});
    c.report_after = fpctl(c, {"report", "-o", (c.dir->path() / "after").string()});
    c.md_after = read_file(c.dir->path() / "after" / "report.md");
    c.report_unknown = fpctl(c, {"report", "--run", "20990101T000000Z-nothing"});
  }

  static void TearDownTestSuite() {
    if (g_cycle && g_cycle->dir) fpctl(*g_cycle, {"teardown", "--yes"}); // whatever a failure left running
    delete g_cycle;
    g_cycle = nullptr;
  }

  void SetUp() override { ASSERT_EQ(g_cycle->up.exit_code, 0) << g_cycle->up.output; }
};

TEST_F(ReportCliTest, BenchWithoutUrlKeepsItsRunWithTheDeployment) {
  const Cycle& c = *g_cycle;
  EXPECT_EQ(c.bench.exit_code, 0) << c.bench.output;
  EXPECT_TRUE(contains(c.bench.output, "results kept in ")) << c.bench.output;
  ASSERT_EQ(c.runs.size(), 2U) << c.bench.output << c.find.output;
  EXPECT_TRUE(std::regex_match(c.runs[0].filename().string(), std::regex(R"(\d{8}T\d{6}Z-fp-orders)"))) << c.runs[0];
  EXPECT_TRUE(std::filesystem::exists(c.runs[0] / "result.json"));
  auto meta = fp::report::parse_run_metadata(read_file(c.runs[0] / "run.json"));
  ASSERT_TRUE(meta) << meta.error();
  EXPECT_EQ(meta->command, "bench");
  EXPECT_EQ(meta->model, "closed");
  EXPECT_EQ(meta->users, 5U);
  EXPECT_DOUBLE_EQ(meta->spawn_rate, 5);
  EXPECT_EQ(meta->duration, "2s");
  EXPECT_EQ(meta->target, "http://127.0.0.1:" + std::to_string(c.port));
  EXPECT_EQ(meta->deployment.size(), 2U) << "the load balancer and the worker";
  auto result = fp::report::parse_result(read_file(c.runs[0] / "result.json"));
  ASSERT_TRUE(result) << result.error();
  EXPECT_GT(result->requests, 0U);
  EXPECT_FALSE(result->timeline.empty());
  // The hosts were sampled during the run: provider: local is this machine, sampled once.
  const std::string hosts = read_file(c.runs[0] / "hosts.json");
  EXPECT_TRUE(contains(hosts, "\"host\": \"this machine\"")) << hosts;
  EXPECT_TRUE(contains(hosts, "\"cpu_percent\"")) << hosts;
}

TEST_F(ReportCliTest, FindKeepsItsAnswerAndTrials) {
  const Cycle& c = *g_cycle;
  // 0: a rate held at 0 % failures; 1: none did (a busy shared machine). Both are kept.
  EXPECT_TRUE(c.find.exit_code == 0 || c.find.exit_code == 1) << c.find.output;
  ASSERT_EQ(c.runs.size(), 2U);
  EXPECT_TRUE(std::regex_match(c.runs[1].filename().string(), std::regex(R"(\d{8}T\d{6}Z-find-max-rps)"))) << c.runs[1];
  auto meta = fp::report::parse_run_metadata(read_file(c.runs[1] / "run.json"));
  ASSERT_TRUE(meta) << meta.error();
  EXPECT_EQ(meta->question, "max-rps");
  EXPECT_EQ(meta->probe, "1s");
  EXPECT_FALSE(meta->trials.empty());
  EXPECT_EQ(meta->answer.has_value(), c.find.exit_code == 0) << c.find.output;
  EXPECT_EQ(std::filesystem::exists(c.runs[1] / "result.json"), meta->answer.has_value());
}

TEST_F(ReportCliTest, ReportStatesWhatWasMeasured) {
  const Cycle& c = *g_cycle;
  ASSERT_EQ(c.report.exit_code, 0) << c.report.output;
  EXPECT_TRUE(contains(c.report.output, "Wrote ")) << c.report.output;
  for (const char* heading : {"## Architecture", "## Cost against the budget", "## What the experiment cost",
                              "## Results at 0 % failures", "## Bottleneck", "## Runs"}) {
    EXPECT_TRUE(contains(c.md, heading)) << heading << "\n" << c.md;
  }
  auto meta = fp::report::parse_run_metadata(read_file(c.runs.at(1) / "run.json"));
  ASSERT_TRUE(meta);
  if (meta->answer) {
    // The number the search kept, nothing else.
    EXPECT_TRUE(contains(c.md, "**Maximum RPS:** " + fp::report::format_number(*meta->answer, 1) + " requests/s")) << c.md;
  } else {
    EXPECT_TRUE(contains(c.md, "**Maximum RPS:** no load passed at 0 % failures")) << c.md;
  }
  EXPECT_TRUE(contains(c.md, "| 25 | not measured yet: run 'fpctl bench find peak-users --spawn-rate 25' |")) << c.md;
  EXPECT_TRUE(contains(c.md, "nothing was billed")) << c.md;
  EXPECT_TRUE(contains(c.md, "| Workers | fp-order-server (processes) |")) << c.md;
  EXPECT_TRUE(contains(c.md, "US$/month")) << c.md;
}

TEST_F(ReportCliTest, AddressesOnlyWithShowAddresses) {
  const Cycle& c = *g_cycle;
  EXPECT_FALSE(contains(c.md, "127.0.0.1")) << c.md;
  EXPECT_FALSE(contains(c.html, "127.0.0.1"));
  ASSERT_EQ(c.report_shown.exit_code, 0) << c.report_shown.output;
  EXPECT_TRUE(contains(c.md_shown, "127.0.0.1:" + std::to_string(c.port))) << c.md_shown;
}

TEST_F(ReportCliTest, AfterTeardownTheRunsStillMakeTheReport) {
  const Cycle& c = *g_cycle;
  ASSERT_EQ(c.teardown.exit_code, 0) << c.teardown.output;
  ASSERT_EQ(c.report_after.exit_code, 0) << c.report_after.output;
  EXPECT_TRUE(contains(c.md_after, "as run ")) << c.md_after;
  EXPECT_TRUE(contains(c.md_after, "shop-worker-1")) << c.md_after;
  EXPECT_EQ(c.report_unknown.exit_code, 2) << c.report_unknown.output;
  EXPECT_TRUE(contains(c.report_unknown.output, "--run 20990101T000000Z-nothing: no such run")) << c.report_unknown.output;
}

TEST(ReportCliNoRuns, WritesArchitectureAndCostAndExitsTwo) {
  TempDir dir("fp-report-none");
  std::ofstream(dir / "fpctl.yaml") << "project: empty\nprovider: digitalocean\n";
  const auto result = run_command({FPCTL_PATH, "report", "-c", (dir / "fpctl.yaml").string()});
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "no runs in ")) << result.output;
  EXPECT_TRUE(contains(result.output, "architecture and the cost only")) << result.output;
  const std::string md = read_file(dir / ".fpctl" / "report" / "report.md");
  EXPECT_TRUE(contains(md, "| Load balancer | nginx on a droplet | `s-1vcpu-1gb` |")) << md;
  EXPECT_TRUE(contains(md, "**Maximum RPS:** not measured yet")) << md;

  std::ofstream(dir / "broken.yaml") << "workers: {count: two}\n";
  const auto broken = run_command({FPCTL_PATH, "report", "-c", (dir / "broken.yaml").string()});
  EXPECT_EQ(broken.exit_code, 2) << broken.output;
  EXPECT_TRUE(contains(broken.output, "workers.count")) << broken.output;
}

// ---- headless Chromium ----

std::string chromium() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (::access(candidate, X_OK) == 0) return candidate;
  return {};
}

std::vector<std::string> chromium_argv(const std::string& browser, const std::filesystem::path& profile) {
  // Its own profile; names resolve nowhere, so even a request that slipped out could not leave.
  return {browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--user-data-dir=" + profile.string(), "--host-resolver-rules=MAP * ~NOTFOUND"};
}

// The http(s) URLs the page itself asked for, from Chromium's net log: requests whose network
// isolation key is the file:// page (the browser's own background requests carry another key).
std::vector<std::string> page_requests(const std::filesystem::path& net_log) {
  std::vector<std::string> urls;
  const auto log = nlohmann::json::parse(read_file(net_log), nullptr, false);
  if (log.is_discarded() || !log.contains("events")) return {"<unreadable net log>"};
  for (const auto& event : log["events"]) {
    if (!event.contains("params")) continue;
    const auto& params = event["params"];
    if (!params.contains("url") || !params.contains("network_isolation_key")) continue;
    const std::string url = params["url"].is_string() ? params["url"].get<std::string>() : "";
    const std::string key =
        params["network_isolation_key"].is_string() ? params["network_isolation_key"].get<std::string>() : "";
    if (key.rfind("file://", 0) == 0 && url.rfind("file:", 0) != 0) urls.push_back(url);
  }
  return urls;
}

TEST_F(ReportCliTest, HeadlessChromiumRendersTheChartsAndFetchesNothing) {
  const std::string browser = chromium();
  if (browser.empty()) GTEST_SKIP() << "chromium is not installed (Debian package 'chromium'): the page is not rendered";
  const Cycle& c = *g_cycle;
  ASSERT_EQ(c.report.exit_code, 0) << c.report.output;
  const auto page = c.dir->path() / ".fpctl" / "report" / "report.html";
  const auto profile = c.dir->path() / "chromium-profile";

  // The DOM after rendering: the diagram and every chart of the runs that have per-second data.
  auto argv = chromium_argv(browser, profile);
  argv.insert(argv.end(), {"--log-net-log=" + (c.dir->path() / "net.json").string(), "--dump-dom",
                           "file://" + page.string()});
  const auto dom = run_command(argv, {}, std::chrono::seconds(120)); // stdout (the DOM) and stderr together
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  const std::string& rendered = dom.output;
  EXPECT_TRUE(contains(rendered, "<svg id=\"diagram\"")) << rendered.substr(0, 2000);
  EXPECT_TRUE(contains(rendered, "<svg id=\"run-1-rps\"")) << "the bench's charts";
  EXPECT_TRUE(contains(rendered, "<svg id=\"run-1-response-times\""));
  EXPECT_TRUE(contains(rendered, "<svg id=\"run-1-users\""));
  EXPECT_TRUE(contains(rendered, "Content-Security-Policy"));
  const auto requests = page_requests(c.dir->path() / "net.json");
  EXPECT_TRUE(requests.empty()) << "the page fetched " << requests.front();
  EXPECT_FALSE(std::regex_search(c.html, std::regex(R"((src|href)\s*=\s*"?https?:)", std::regex::icase)));

  // The check can fail: a page with an external image is caught by the same net-log reading.
  const auto control = c.dir->path() / "control.html";
  std::ofstream(control) << "<!DOCTYPE html><html><body><img src=\"http://example.invalid/x.png\"></body></html>\n";
  auto control_argv = chromium_argv(browser, c.dir->path() / "chromium-control");
  control_argv.insert(control_argv.end(), {"--log-net-log=" + (c.dir->path() / "control-net.json").string(),
                                           "--dump-dom", "file://" + control.string()});
  ASSERT_EQ(run_command(control_argv, {}, std::chrono::seconds(120)).exit_code, 0);
  const auto caught = page_requests(c.dir->path() / "control-net.json");
  ASSERT_EQ(caught.size() > 0, true) << "the net-log check sees a page's own request";
  EXPECT_EQ(caught.front(), "http://example.invalid/x.png");

  // The screenshot, kept with the build as an artifact.
  std::filesystem::create_directories(FP_ARTIFACTS_DIR);
  const std::filesystem::path shot = std::filesystem::path(FP_ARTIFACTS_DIR) / "report.png";
  std::filesystem::remove(shot);
  auto shot_argv = chromium_argv(browser, profile);
  shot_argv.insert(shot_argv.end(), {"--screenshot=" + shot.string(), "--window-size=1200,3000", "file://" + page.string()});
  const auto shot_run = run_command(shot_argv, {}, std::chrono::seconds(120));
  ASSERT_EQ(shot_run.exit_code, 0) << shot_run.output;
  ASSERT_TRUE(std::filesystem::exists(shot));
  EXPECT_GT(std::filesystem::file_size(shot), 10'000U) << "a blank page would be smaller";
  const std::string png = read_file(shot);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

} // namespace
