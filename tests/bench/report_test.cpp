// The console report, the JSON file and the HTML page, each read back.
#include "report.hpp"
#include "stats_fixture.hpp"

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <regex>

using namespace fp::bench;
using fp::test::read_file;
using fp::test::TempDir;
using namespace std::chrono_literals;

namespace {

RunResult fixture() {
  auto result = test::make_result(test::fixture_samples(), 12500ms);
  result.warnings.push_back("10 users at 1/s need 10s of ramp: the run of 5s ends first");
  return result;
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (auto end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

} // namespace

TEST(ConsoleReport, HasLocustsTablesUsersAndGeneratorHealth) {
  auto result = fixture();
  const auto text = format_console_report(result, false);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << "colour codes with color=false";
  for (const char* expected : {"Type", "Name", "# reqs", "# fails", "Avg", "Min", "Max", "Med", "req/s", "failures/s",
                               "Response time percentiles", "50%", "66%", "99.99%", "100%", "Error report",
                               "# occurrences", "GET /fail: HTTP 500", "Failures by kind: timeout 5, http_status 40",
                               "Users: target 10, peak 10 reached after 5.00s, held for 7.50s",
                               "Generator: 12% CPU", "Warning: 10 users at 1/s"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << "missing '" << expected << "' in\n" << text;
  }
  // The table's rows: per key sorted by name, then Aggregated; the never-called key is not shown.
  const auto lines = lines_of(text);
  std::vector<std::string> names;
  for (const auto& line : lines) {
    std::smatch match;
    if (std::regex_match(line, match, std::regex(R"(^(GET|POST|PUT|DELETE|)\s+(\S+).*\|.*\|.*)")) &&
        line.find("% ") == std::string::npos && match[2] != "Name") {
      names.push_back(match[2]);
    }
  }
  ASSERT_GE(names.size(), 7u) << text;
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 7),
            (std::vector<std::string>{"/fail", "/orders", "/orders", "/orders/[id]", "/orders/[id]", "/slow,",
                                      "Aggregated"}));
  EXPECT_EQ(text.find("/never-called"), std::string::npos);
  // Counts and rates of the Aggregated row.
  const std::string aggregate_requests = std::to_string(result.aggregate.requests);
  bool found = false;
  for (const auto& line : lines) {
    if (line.find("Aggregated") != std::string::npos && line.find(aggregate_requests) != std::string::npos &&
        line.find("45(2.51%)") != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found) << text;
  // The most frequent error first, with its count.
  EXPECT_LT(text.find("40                 GET /fail: HTTP 500"), text.find("5                  GET /fail: timeout"));
  EXPECT_EQ(text.find("WARNING"), std::string::npos); // not generator-bound

  result.generator.generator_bound = true;
  result.generator.reason = "event-loop lag p99 85ms";
  const auto bound = format_console_report(result, false);
  EXPECT_NE(bound.find("WARNING: the load generator, not the server, was the bottleneck (event-loop lag p99 85ms)"),
            std::string::npos)
      << bound;
  const auto colored = format_console_report(result, true);
  EXPECT_NE(colored.find("\x1b[1m"), std::string::npos);
  EXPECT_NE(colored.find("\x1b[33mWARNING"), std::string::npos);
}

TEST(ConsoleReport, ShowsTheUncorrectedLatencyWhenItDiffers) {
  RunResult result;
  result.keys = {{"GET", "/"}};
  StatsRecorder recorder(1);
  recorder.record(0, 50ms, 200us, 10); // the open model: 49.8 ms of it waiting for a late start
  merge_recorders({&recorder}, result);
  result.elapsed = 1s;
  const auto text = format_console_report(result, false);
  EXPECT_NE(text.find("measured from the intended send time"), std::string::npos) << text;
  EXPECT_NE(text.find("p50 200us"), std::string::npos) << text;
  EXPECT_EQ(text.find("Error report"), std::string::npos); // no failures, no error report
  EXPECT_EQ(text.find("Users:"), std::string::npos);       // no users in the open model
}

TEST(JsonReport, ParsesBackWithEverything) {
  TempDir dir("fp-json");
  auto result = fixture();
  result.generator.late_starts = 3;
  const auto path = dir / "run.json";
  ASSERT_TRUE(write_json(result, path));
  const auto doc = nlohmann::json::parse(read_file(path));

  EXPECT_EQ(doc["scenario"], "fixture");
  EXPECT_EQ(doc["target"], "http://127.0.0.1:8080");
  EXPECT_EQ(doc["started"], "2026-11-27T08:35:41.000Z");
  EXPECT_DOUBLE_EQ(doc["elapsed_seconds"].get<double>(), 12.5);
  EXPECT_EQ(doc["stopped_early"], false);
  ASSERT_EQ(doc["requests"].size(), result.keys.size()); // every key, also the one never called
  for (std::size_t i = 0; i < result.keys.size(); ++i) {
    const auto& entry = doc["requests"][i];
    EXPECT_EQ(entry["method"], result.keys[i].method);
    EXPECT_EQ(entry["name"], result.keys[i].name);
    EXPECT_EQ(entry["requests"], result.per_key[i].requests);
    EXPECT_EQ(entry["failures"], result.per_key[i].failures);
    EXPECT_EQ(entry["latency_us"]["percentiles"]["p99"], result.per_key[i].latency.value_at_quantile(0.99));
  }
  const auto& aggregate = doc["aggregate"];
  EXPECT_EQ(aggregate["requests"], result.aggregate.requests);
  EXPECT_EQ(aggregate["failures"], 45);
  EXPECT_DOUBLE_EQ(aggregate["requests_per_second"].get<double>(),
                   static_cast<double>(result.aggregate.requests) / 12.5);
  EXPECT_EQ(aggregate["latency_us"]["min"], result.aggregate.latency.min());
  EXPECT_EQ(aggregate["latency_us"]["max"], result.aggregate.latency.max());
  EXPECT_DOUBLE_EQ(aggregate["latency_us"]["mean"].get<double>(), result.aggregate.latency.mean());
  for (const char* p : {"p50", "p66", "p75", "p80", "p90", "p95", "p98", "p99", "p99.9", "p99.99", "p100"}) {
    EXPECT_TRUE(aggregate["latency_us"]["percentiles"].contains(p)) << p;
  }
  EXPECT_TRUE(aggregate.contains("uncorrected_latency_us"));
  ASSERT_EQ(doc["errors"].size(), 2u);
  EXPECT_EQ(doc["errors"][0]["error"], "HTTP 500");
  EXPECT_EQ(doc["errors"][0]["occurrences"], 40);
  EXPECT_EQ(doc["failures_by_kind"]["http_status"], 40);
  EXPECT_EQ(doc["failures_by_kind"]["timeout"], 5);
  ASSERT_EQ(doc["timeline"].size(), result.timeline.size());
  EXPECT_EQ(doc["timeline"][0]["unix_second"], test::k_start_second);
  EXPECT_EQ(doc["timeline"][0]["users"], 2);
  EXPECT_EQ(doc["timeline"][0]["requests"], result.timeline[0].requests);
  EXPECT_EQ(doc["timeline"].back()["total_requests"], result.aggregate.requests);
  EXPECT_EQ(doc["users"]["target"], 10);
  EXPECT_DOUBLE_EQ(doc["users"]["peak_held_for_seconds"].get<double>(), 7.5);
  EXPECT_DOUBLE_EQ(doc["generator"]["cpu_percent"].get<double>(), 12.5);
  EXPECT_EQ(doc["generator"]["late_starts"], 3);
  EXPECT_EQ(doc["generator"]["generator_bound"], false);
  ASSERT_EQ(doc["warnings"].size(), 1u);

  const auto failed = write_json(result, dir / "missing" / "run.json");
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().find("missing/run.json"), std::string::npos);
}

TEST(HtmlReport, IsSelfContainedWithTablesAndCharts) {
  TempDir dir("fp-html");
  auto result = fixture();
  result.keys[3].name = "/fail<script>alert(1)</script>"; // names are escaped
  const auto path = dir / "run.html";
  ASSERT_TRUE(write_html(result, path));
  const auto html = read_file(path);

  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  // No external assets of any kind.
  for (const char* external :
       {"http://", "https://", "<script", "<link", "src=", "href=", "url(", "@import", "//cdn"}) {
    EXPECT_EQ(html.find(external), std::string::npos) << "found '" << external << "'";
  }
  EXPECT_NE(html.find("/fail&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  // The sections of Locust's report.
  for (const char* section : {"Request Statistics", "Response Time Statistics", "Failures Statistics", "Charts"}) {
    EXPECT_NE(html.find(section), std::string::npos) << section;
  }
  // Three charts (RPS, response times, users), each an inline SVG with its series drawn.
  EXPECT_EQ(occurrences(html, "<svg "), 3u);
  EXPECT_NE(html.find("id=\"chart-rps\""), std::string::npos);
  EXPECT_NE(html.find("id=\"chart-response-times\""), std::string::npos);
  EXPECT_NE(html.find("id=\"chart-users\""), std::string::npos);
  EXPECT_EQ(occurrences(html, "<polyline"), 6u); // rps, failures/s, p50, p95, p99, users
  for (const char* series : {"data-series=\"p50\"", "data-series=\"p95\"", "data-series=\"p99\"",
                             "data-series=\"users\"", "data-series=\"requests/s\""}) {
    EXPECT_NE(html.find(series), std::string::npos) << series;
  }
  // Every point of a series is drawn: one per second.
  const auto rps_at = html.find("data-series=\"requests/s\"");
  const auto points_at = html.find("points=\"", rps_at) + 8;
  const auto points = html.substr(points_at, html.find('"', points_at) - points_at);
  EXPECT_EQ(occurrences(points, ","), result.timeline.size());
  // The numbers: counts in the tables, the target (':' as an entity), the users summary.
  EXPECT_NE(html.find("<td>" + std::to_string(result.aggregate.requests) + "</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>45</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>HTTP 500</td><td>40</td>"), std::string::npos);
  EXPECT_NE(html.find("http&#58;//127.0.0.1&#58;8080"), std::string::npos);
  EXPECT_NE(html.find("target 10, peak 10"), std::string::npos);
  EXPECT_NE(html.find("10 users at 1/s"), std::string::npos);
  EXPECT_NE(html.find("2026-11-27 08:35:41 UTC"), std::string::npos);
}

TEST(HtmlReport, ARunShorterThanASecondHasTablesButNoCharts) {
  TempDir dir("fp-html");
  RunResult result;
  result.keys = {{"GET", "/"}};
  result.per_key.resize(1);
  ASSERT_TRUE(write_html(result, dir / "empty.html"));
  const auto html = read_file(dir / "empty.html");
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("No per-second data"), std::string::npos);
  EXPECT_NE(html.find("Aggregated"), std::string::npos);
}
