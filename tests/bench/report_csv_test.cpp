// Our CSV files against Locust's: headers byte for byte (from the reference and from files real
// Locust writes), and rows against what Locust's own stats code computes from the same samples.
#include "report.hpp"
#include "report_util.hpp"
#include "stats_fixture.hpp"

#include "support/process.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <random>

using namespace fp::bench;
using fp::test::read_file;
using fp::test::run_command;
using fp::test::TempDir;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_python = "/usr/bin/python3";
constexpr const char* k_locust = "/usr/bin/locust";

// Copied from load-testing-anchors.md section 2 (Locust 2.12.1 and upstream HEAD).
constexpr const char* k_stats_header =
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max "
    "Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\r\n";
constexpr const char* k_history_header =
    "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total "
    "Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,Total Min Response "
    "Time,Total Max Response Time,Total Average Content Size\r\n";
constexpr const char* k_failures_header = "Method,Name,Error,Occurrences\r\n";
constexpr const char* k_exceptions_header = "Count,Message,Traceback,Nodes\r\n";

const char* const k_suffixes[] = {"_stats.csv", "_stats_history.csv", "_failures.csv", "_exceptions.csv"};

std::string first_line(const std::string& text) {
  const auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end + 1);
}

// RFC 4180 records, as Python's csv module writes them.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(std::move(field));
      rows.push_back(std::move(row));
      field.clear();
      row.clear();
      ++i;
    } else {
      field += c;
      any = true;
    }
  }
  EXPECT_TRUE(field.empty() && row.empty()) << "the last row does not end with \\r\\n";
  (void)any;
  return rows;
}

bool python_has_locust() {
  if (!std::filesystem::exists(k_python)) return false;
  return run_command({k_python, "-c", "import locust.stats"}, {}, 60s).exit_code == 0;
}

// Locust's own StatsCSV and StatsCSVFileWriter over the same samples, with its clock set to ours.
constexpr const char* k_locust_rows_script = R"PY(
import csv, io, json, sys
from locust.stats import RequestStats, StatsCSV, StatsCSVFileWriter, PERCENTILES_TO_REPORT

data = json.load(open(sys.argv[1]))
stats = RequestStats()
per_second, failures_per_second = {}, {}
for s in data["samples"]:
    stats.log_request(s["method"], s["name"], s["us"] / 1000.0, s["bytes"])
    if s["error"] is not None:
        stats.log_error(s["method"], s["name"], s["error"])
        failures_per_second[s["second"]] = failures_per_second.get(s["second"], 0) + 1
    per_second[s["second"]] = per_second.get(s["second"], 0) + 1
stats.total.start_time = float(data["start"])
stats.total.last_request_timestamp = float(data["start"]) + data["elapsed"]
stats.total.num_reqs_per_sec = per_second
stats.total.num_fail_per_sec = failures_per_second

class Runner:
    user_count = data["users"]
class Environment:
    pass
environment = Environment()
environment.stats = stats
environment.runner = Runner()

out = io.StringIO()
StatsCSV(environment, PERCENTILES_TO_REPORT).requests_csv(csv.writer(out))
history = io.StringIO()
writer = StatsCSVFileWriter(environment, PERCENTILES_TO_REPORT, data["scratch"])
writer._stats_history_data_rows(csv.writer(history), data["last_second"] + 0.5)
writer.close_files()
sys.stdout.write(out.getvalue() + "=====\r\n" + history.getvalue())
)PY";

// Average columns: Locust sums float milliseconds, we sum integer µs; the last bits may differ.
void expect_rows_match(const std::vector<std::string>& ours, const std::vector<std::string>& locust,
                       const std::vector<std::string>& header, const std::string& file) {
  ASSERT_EQ(ours.size(), locust.size()) << file;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    if (header[i].find("Average Response Time") != std::string::npos && ours != header) {
      EXPECT_NEAR(std::stod(ours[i]), std::stod(locust[i]), 1e-9 * std::abs(std::stod(locust[i])))
          << file << " " << ours[1] << ": " << header[i];
    } else {
      EXPECT_EQ(ours[i], locust[i]) << file << " " << ours[1] << ": " << header[i];
    }
  }
}

} // namespace

TEST(CsvFormat, PythonFloatRepr) {
  EXPECT_EQ(report::python_float(0.0), "0.0");
  EXPECT_EQ(report::python_float(16.0), "16.0");
  EXPECT_EQ(report::python_float(158.0), "158.0");
  EXPECT_EQ(report::python_float(3.8519203750126962), "3.8519203750126962");
  EXPECT_EQ(report::python_float(2449.009586845341), "2449.009586845341");
  EXPECT_EQ(report::python_float(1e16), "1e+16");
  EXPECT_EQ(report::python_float(1.5e-5), "1.5e-05");
  EXPECT_EQ(report::python_float(0.0001), "0.0001");
  EXPECT_EQ(report::python_float(123456789012345.6), "123456789012345.6");
  EXPECT_EQ(report::python_float(-2.5), "-2.5");
  EXPECT_EQ(report::python_float(1e22), "1e+22");
}

TEST(CsvFormat, PythonFloatReprMatchesPythonOnRandomDoubles) {
  if (!std::filesystem::exists(k_python)) GTEST_SKIP() << k_python << " is absent";
  TempDir dir("fp-repr");
  std::mt19937_64 random(1);
  std::vector<double> values;
  std::uniform_real_distribution<double> exponent(-8, 20);
  std::uniform_real_distribution<double> mantissa(1, 10);
  for (int i = 0; i < 3000; ++i) values.push_back(mantissa(random) * std::pow(10.0, std::floor(exponent(random))));
  for (double v : {1e-4, 9.999999999999999e-5, 1e15, 9999999999999998.0, 1e16, 0.1, 100.0, 2.5}) values.push_back(v);
  std::string hex;
  for (double v : values) {
    char text[64];
    std::snprintf(text, sizeof text, "%a\n", v);
    hex += text;
  }
  std::ofstream(dir / "values.txt") << hex;
  const auto python = run_command(
      {k_python, "-c", "import sys\nfor l in open(sys.argv[1]): print(repr(float.fromhex(l.strip())))",
       (dir / "values.txt").string()},
      {}, 60s);
  ASSERT_EQ(python.exit_code, 0) << python.output;
  std::string ours;
  for (double v : values) ours += report::python_float(v) + "\n";
  EXPECT_EQ(ours, python.output);
}

TEST(CsvFormat, LocustRoundingOfResponseTimes) {
  using report::locust_round;
  using report::to_string;
  EXPECT_EQ(to_string(locust_round(0)), "0");
  EXPECT_EQ(to_string(locust_round(1'499)), "1");
  EXPECT_EQ(to_string(locust_round(2'500)), "2"); // half to even, as Python's round()
  EXPECT_EQ(to_string(locust_round(3'500)), "4");
  EXPECT_EQ(to_string(locust_round(99'499)), "99");
  EXPECT_EQ(to_string(locust_round(99'600)), "100"); // rounded below 100 ms: an int key
  EXPECT_EQ(to_string(locust_round(100'000)), "100.0");
  EXPECT_EQ(to_string(locust_round(147'000)), "150.0");
  EXPECT_EQ(to_string(locust_round(145'000)), "140.0");
  EXPECT_EQ(to_string(locust_round(155'000)), "160.0");
  EXPECT_EQ(to_string(locust_round(3'432'000)), "3400.0");
  EXPECT_EQ(to_string(locust_round(58'760'000)), "59000.0");
  EXPECT_EQ(to_string(locust_round(999'600)), "1000.0");
}

TEST(CsvFormat, QuotesLikePythonsCsvModule) {
  EXPECT_EQ(report::csv_row({"GET", "/a", "1"}), "GET,/a,1\r\n");
  EXPECT_EQ(report::csv_row({"", "Aggregated"}), ",Aggregated\r\n");
  EXPECT_EQ(report::csv_row({"a,b", "say \"hi\"", "line\nbreak"}), "\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\"\r\n");
  EXPECT_EQ(report::csv_row({""}), "\"\"\r\n");
}

TEST(WriteCsv, HeadersAreLocustsByteForByte) {
  TempDir dir("fp-csv");
  const auto prefix = (dir / "run").string();
  ASSERT_TRUE(write_csv(test::make_result(test::fixture_samples(), 12500ms), prefix));
  EXPECT_EQ(first_line(read_file(prefix + "_stats.csv")), k_stats_header);
  EXPECT_EQ(first_line(read_file(prefix + "_stats_history.csv")), k_history_header);
  EXPECT_EQ(first_line(read_file(prefix + "_failures.csv")), k_failures_header);
  EXPECT_EQ(read_file(prefix + "_exceptions.csv"), k_exceptions_header);
}

TEST(WriteCsv, RowsFollowLocustsOrderAndSemantics) {
  TempDir dir("fp-csv");
  const auto prefix = (dir / "run").string();
  const auto result = test::make_result(test::fixture_samples(), 12500ms);
  ASSERT_TRUE(write_csv(result, prefix));
  const auto rows = parse_csv(read_file(prefix + "_stats.csv"));
  // Header, 6 keys that saw requests (DELETE /never-called did not), Aggregated.
  ASSERT_EQ(rows.size(), 8u);
  std::vector<std::string> names;
  for (std::size_t i = 1; i < rows.size(); ++i) names.push_back(rows[i][0] + " " + rows[i][1]);
  EXPECT_EQ(names, (std::vector<std::string>{"GET /fail", "GET /orders", "POST /orders", "GET /orders/[id]",
                                             "PUT /orders/[id]", "GET /slow, \"quoted\"", " Aggregated"}));
  for (const auto& row : rows) ASSERT_EQ(row.size(), 22u);
  const auto& fail = rows[1];
  EXPECT_EQ(fail[2], "45");
  EXPECT_EQ(fail[3], "45");
  EXPECT_EQ(fail[8], "0.0"); // 0 bytes over 45 requests: a float, as Locust divides
  const auto& put = rows[5];
  EXPECT_EQ(put[4], "3.4"); // median 3 clamped to the exact minimum, as Locust does
  EXPECT_EQ(put[6], "3.4");
  EXPECT_EQ(put[11], "3");
  const auto& total = rows.back();
  EXPECT_EQ(total[2], std::to_string(result.aggregate.requests));
  EXPECT_EQ(total[9], report::python_float(static_cast<double>(result.aggregate.requests) / 12.5));

  const auto history = parse_csv(read_file(prefix + "_stats_history.csv"));
  ASSERT_EQ(history.size(), 1 + result.timeline.size()); // one Aggregated row a second
  ASSERT_EQ(history.size(), 14u);
  for (std::size_t i = 1; i < history.size(); ++i) {
    const std::int64_t second = test::k_start_second + static_cast<std::int64_t>(i) - 1;
    ASSERT_EQ(history[i].size(), 24u);
    EXPECT_EQ(history[i][0], std::to_string(second));
    EXPECT_EQ(history[i][1], std::to_string(test::fixture_users(second)));
    EXPECT_EQ(history[i][2], "");
    EXPECT_EQ(history[i][3], "Aggregated");
  }
  // Current RPS: the mean over [t - 12, t - 2) clipped to the start, so 0 for the first 3 rows.
  EXPECT_EQ(history[1][4], "0.000000");
  EXPECT_EQ(history[3][4], "0.000000");
  EXPECT_EQ(history[4][4], std::to_string(result.timeline[0].requests) + ".000000");
  EXPECT_NE(history[1][6], "N/A"); // whole-run percentiles so far, not N/A: the first second had requests
  EXPECT_EQ(history.back()[17], std::to_string(result.aggregate.requests));

  const auto failures = parse_csv(read_file(prefix + "_failures.csv"));
  ASSERT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures[1], (std::vector<std::string>{"GET", "/fail", "HTTP 500", "40"}));
  EXPECT_EQ(failures[2], (std::vector<std::string>{"GET", "/fail", "timeout after 5s, \"no answer\"", "5"}));
}

TEST(WriteCsv, AnEmptyRunHasAnAggregatedRowOfZerosAndNA) {
  TempDir dir("fp-csv");
  RunResult result;
  result.keys = {{"GET", "/orders"}};
  result.per_key.resize(1);
  result.elapsed = 3s;
  ASSERT_TRUE(write_csv(result, (dir / "empty").string()));
  EXPECT_EQ(read_file(dir / "empty_stats.csv"),
            std::string(k_stats_header) +
                ",Aggregated,0,0,0,0.0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\r\n");
  EXPECT_EQ(read_file(dir / "empty_stats_history.csv"), k_history_header);
  EXPECT_EQ(read_file(dir / "empty_failures.csv"), k_failures_header);
}

TEST(WriteCsv, WritesAtomicallyAndReportsWhereItCouldNot) {
  TempDir dir("fp-csv");
  const auto result = test::make_result(test::fixture_samples(), 12500ms);
  const auto missing = (dir / "no-such-dir" / "run").string();
  const auto failed = write_csv(result, missing);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().find("no-such-dir/run_stats.csv"), std::string::npos) << failed.error();
  EXPECT_NE(failed.error().find("No such file or directory"), std::string::npos) << failed.error();

  const auto prefix = (dir / "run").string();
  std::ofstream(prefix + "_stats.csv") << "stale content from an earlier run\n";
  ASSERT_TRUE(write_csv(result, prefix));
  EXPECT_EQ(first_line(read_file(prefix + "_stats.csv")), k_stats_header);
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) files.push_back(entry.path().filename());
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"run_exceptions.csv", "run_failures.csv", "run_stats.csv",
                                             "run_stats_history.csv"}))
      << "temporary files left behind";
}

TEST(WriteCsv, RowsEqualWhatLocustsOwnCodeComputes) {
  if (!python_has_locust()) GTEST_SKIP() << "Debian's python3-locust is not installed";
  TempDir dir("fp-csv-locust");
  const auto samples = test::fixture_samples();
  const auto result = test::make_result(samples, 12500ms);
  const auto keys = test::fixture_keys();

  nlohmann::json input = {{"start", test::k_start_second},
                          {"elapsed", 12.5},
                          {"last_second", result.timeline.back().unix_second},
                          {"users", result.timeline.back().users},
                          {"scratch", (dir / "locust").string()}};
  for (const auto& s : samples) {
    input["samples"].push_back({{"method", keys[s.key].method},
                                {"name", keys[s.key].name},
                                {"us", s.micros},
                                {"bytes", s.bytes},
                                {"second", s.unix_second},
                                {"error", s.error ? nlohmann::json(*s.error) : nlohmann::json()}});
  }
  std::ofstream(dir / "input.json") << input.dump();
  std::ofstream(dir / "rows.py") << k_locust_rows_script;
  const auto python = run_command({k_python, (dir / "rows.py").string(), (dir / "input.json").string()}, {}, 120s);
  ASSERT_EQ(python.exit_code, 0) << python.output;
  const auto split = python.output.find("=====\r\n");
  ASSERT_NE(split, std::string::npos) << python.output;
  const auto locust_stats = parse_csv(python.output.substr(0, split));
  const auto locust_history = parse_csv(python.output.substr(split + 7));

  const auto prefix = (dir / "ours").string();
  ASSERT_TRUE(write_csv(result, prefix));
  const auto our_stats = parse_csv(read_file(prefix + "_stats.csv"));
  ASSERT_EQ(our_stats.size(), locust_stats.size());
  for (std::size_t i = 0; i < our_stats.size(); ++i) {
    expect_rows_match(our_stats[i], locust_stats[i], locust_stats[0], "_stats.csv");
  }
  // Locust's history row at the last second (its state then is the final state).
  const auto our_history = parse_csv(read_file(prefix + "_stats_history.csv"));
  ASSERT_EQ(locust_history.size(), 1u);
  expect_rows_match(our_history.back(), locust_history[0], our_history[0], "_stats_history.csv");
}

TEST(WriteCsv, HeadersEqualTheFilesRealLocustWrites) {
  if (!std::filesystem::exists(k_locust)) GTEST_SKIP() << k_locust << " is absent (Debian package python3-locust)";
  TempDir dir("fp-locust-run");
  fp::test::ServerProcess server("sqlite://" + (dir / "orders.db").string());
  std::ofstream(dir / "locustfile.py") << "from locust import HttpUser, task, constant\n"
                                          "\n"
                                          "class Orders(HttpUser):\n"
                                          "    wait_time = constant(0.2)\n"
                                          "\n"
                                          "    @task\n"
                                          "    def list_orders(self):\n"
                                          "        self.client.get(\"/orders\")\n"
                                          "\n"
                                          "    @task\n"
                                          "    def missing(self):\n"
                                          "        self.client.get(\"/no-such-route\")\n";
  const auto locust_prefix = (dir / "locust").string();
  fp::test::ProcessOptions options;
  options.output = dir / "locust.log";
  const auto run = run_command({k_locust, "--headless", "-f", (dir / "locustfile.py").string(), "-u", "2", "-r", "2",
                                "-t", "3s", "--csv", locust_prefix, "--host",
                                "http://127.0.0.1:" + std::to_string(server.port())},
                               options, 120s);
  // Exit code 1: the 404s are failures, which also puts a row in Locust's failures file.
  ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << read_file(dir / "locust.log");

  const auto our_prefix = (dir / "ours").string();
  ASSERT_TRUE(write_csv(test::make_result(test::fixture_samples(), 12500ms), our_prefix));
  for (const char* suffix : k_suffixes) {
    const auto theirs = read_file(locust_prefix + suffix);
    ASSERT_FALSE(theirs.empty()) << "Locust wrote no " << suffix << "\n" << read_file(dir / "locust.log");
    EXPECT_EQ(first_line(read_file(our_prefix + suffix)), first_line(theirs)) << suffix;
  }
  // Beyond the headers: Locust's stats rows have the same shape (columns, Aggregated last, empty Type).
  const auto theirs = parse_csv(read_file(locust_prefix + "_stats.csv"));
  const auto ours = parse_csv(read_file(our_prefix + "_stats.csv"));
  ASSERT_GE(theirs.size(), 2u);
  EXPECT_EQ(theirs.back()[0], "");
  EXPECT_EQ(theirs.back()[1], "Aggregated");
  EXPECT_EQ(theirs.back().size(), ours.back().size());
  const auto their_failures = parse_csv(read_file(locust_prefix + "_failures.csv"));
  ASSERT_GE(their_failures.size(), 2u);
  EXPECT_EQ(their_failures[1].size(), 4u);
}
