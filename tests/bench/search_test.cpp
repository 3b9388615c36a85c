// fpctl bench find against a real server whose capacity is known: it answers 503 beyond N open
// connections (peak users) or beyond R requests per second (max RPS).
#include "search.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <thread>

using namespace fp::bench;
using namespace fp::test;
using namespace std::chrono_literals;

namespace {

class LimitedServer {
public:
  explicit LimitedServer(const std::vector<std::string>& limits) : m_port(free_port()) {
    std::vector<std::string> argv = {"/usr/bin/python3", FP_TESTS_DIR "/bench/data/limited_server.py",
                                     std::to_string(m_port)};
    argv.insert(argv.end(), limits.begin(), limits.end());
    ProcessOptions options;
    options.output = m_dir / "server.log";
    m_process.emplace(Process::start(argv, options));
    for (int i = 0; i < 500; ++i) {
      if (read_file(options.output).find("listening") != std::string::npos) return;
      std::this_thread::sleep_for(10ms);
    }
    throw std::runtime_error("limited_server.py did not start: " + read_file(options.output));
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

private:
  TempDir m_dir{"fp-limited"};
  unsigned short m_port;
  std::optional<Process> m_process;
};

Scenario one_get(double think_seconds) {
  auto scenario = parse_scenario_yaml("name: one-get\nwait_time: {constant: " + std::to_string(think_seconds) +
                                        "}\ntasks:\n  - name: get\n    requests:\n      - {method: GET, path: /orders}\n",
                                      "search_test");
  if (!scenario) throw std::runtime_error(scenario.error());
  return *scenario;
}

class Recorder final : public SearchObserver {};

// Every trial and its evidence, for failure messages.
std::string trials_of(const SearchResult& result) {
  std::string out;
  for (const auto& trial : result.trials) {
    out += trial.label + ": " + (trial.passed ? "pass" : "FAIL") + ", " + trial.evidence + "\n";
  }
  return out + result.note;
}

} // namespace

TEST(FindPeakUsers, FindsTheConnectionLimitAndConfirmsIt) {
  LimitedServer server({"--max-connections", "30"});
  SearchOptions options;
  options.base.target = server.url();
  options.base.scenario = one_get(0.2);
  options.base.threads = 1;
  options.spawn_rate = 20;
  options.duration = 4s; // ceiling 80 users
  int resets = 0;
  options.reset = [&resets]() -> tl::expected<void, std::string> {
    ++resets;
    return {};
  };
  Recorder observer;
  std::atomic<bool> stop{false};
  auto found = find_peak_users(options, observer, stop);
  ASSERT_TRUE(found) << found.error();
  ASSERT_TRUE(found->answer) << trials_of(*found);
  EXPECT_LE(*found->answer, 30);
  EXPECT_GE(*found->answer, 27); // narrowing reaches the limit; a confirming run may back off 10 % once
  ASSERT_TRUE(found->confirming);
  EXPECT_EQ(found->confirming->aggregate.failures, 0u);
  EXPECT_GE(found->trials.size(), 2u);
  EXPECT_FALSE(found->trials.front().passed); // the ramp to 80 users met the limit
  EXPECT_EQ(resets, static_cast<int>(found->trials.size()));
}

TEST(FindPeakUsers, ReportsWhenTheRampItselfIsTheLimit) {
  LimitedServer server({"--max-connections", "1000"});
  SearchOptions options;
  options.base.target = server.url();
  options.base.scenario = one_get(0.5);
  options.base.threads = 1;
  options.spawn_rate = 10;
  options.duration = 2s;
  Recorder observer;
  std::atomic<bool> stop{false};
  auto found = find_peak_users(options, observer, stop);
  ASSERT_TRUE(found) << found.error();
  ASSERT_TRUE(found->answer);
  EXPECT_EQ(*found->answer, 20);
  EXPECT_NE(found->note.find("spawn rate"), std::string::npos) << found->note;
  EXPECT_EQ(found->trials.size(), 1u);
}

TEST(FindMaxRps, FindsTheRateLimitAndConfirmsIt) {
  LimitedServer server({"--max-rate", "400"});
  SearchOptions options;
  options.base.target = server.url();
  options.base.scenario = one_get(0);
  options.base.threads = 1;
  OpenModel model;
  model.connections = 32;
  options.base.model = model;
  options.start_rate = 50;
  options.probe = 2s; // long enough that requests still in flight at the end weigh little
  options.duration = 3s;
  Recorder observer;
  std::atomic<bool> stop{false};
  auto found = find_max_rps(options, observer, stop);
  ASSERT_TRUE(found) << found.error();
  ASSERT_TRUE(found->answer) << trials_of(*found);
  SCOPED_TRACE(trials_of(*found));
  EXPECT_LE(*found->answer, 440);
  EXPECT_GE(*found->answer, 240);
  ASSERT_TRUE(found->confirming);
  EXPECT_EQ(found->confirming->aggregate.failures, 0u);
  // The probes doubled from 50/s until one met the limit; nothing at half the limit failed.
  bool saw_failure = false;
  for (const auto& trial : found->trials) {
    if (trial.passed) continue;
    saw_failure = true;
    EXPECT_GT(trial.load, 200) << trial.label;
  }
  EXPECT_TRUE(saw_failure);
}

TEST(FindMaxRps, StopsWhenAskedAndSaysSo) {
  LimitedServer server({"--max-rate", "100000"});
  SearchOptions options;
  options.base.target = server.url();
  options.base.scenario = one_get(0);
  options.base.threads = 1;
  options.probe = 1s;
  std::atomic<bool> stop{true}; // already asked to stop: no trial may run to completion
  Recorder observer;
  auto found = find_max_rps(options, observer, stop);
  ASSERT_TRUE(found) << found.error();
  EXPECT_FALSE(found->answer);
}
