// run_on_hosts(): several real sshd instances configured at once; one host's command fails and
// another is unreachable, the others finish, and the report says which is which.
#include "ssh_fixture.hpp"

#include "ssh/exec.hpp"
#include "ssh/parallel.hpp"
#include "ssh/upload.hpp"

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

namespace fp::ssh::test {
namespace {

class ParallelTest : public SshFixture {
protected:
  void SetUp() override {
    SshFixture::SetUp();
    for (int i = 0; i < 2; ++i) m_more.push_back(std::make_unique<fp::test::SshdInstance>(m_key.public_key));
  }
  std::vector<std::unique_ptr<fp::test::SshdInstance>> m_more;
  fp::test::TempDir m_remote{"fp-ssh-parallel"};
};

TEST_F(ParallelTest, OneFailureIsReportedWithItsOutputAndTheOthersFinish) {
  // lb and worker-1 succeed, worker-2's check fails, worker-3 does not answer at all.
  SshTarget unreachable = target();
  unreachable.port = fp::test::free_port();
  const std::vector<HostJob> jobs = {
    {"lb", target(), std::nullopt},
    {"worker-1", target_for(*m_more[0]), std::nullopt},
    {"worker-2", target_for(*m_more[1]), m_more[1]->host_key()},
    {"worker-3", unreachable, std::nullopt},
  };
  for (const auto& job : jobs) std::filesystem::create_directory(m_remote / job.name);
  std::ofstream(m_remote / "worker-2" / "broken") << "";

  // The three reachable hosts wait for each other inside the work: this only finishes when they
  // really run at the same time (bounded, so a serial run fails instead of hanging).
  std::mutex mutex;
  std::condition_variable all_inside;
  int inside = 0;
  int met = 0; // hosts that saw all three inside

  const HostWork work = [&](Session& session, const StepReporter& step) -> tl::expected<void, SshError> {
    {
      std::unique_lock lock(mutex);
      ++inside;
      all_inside.notify_all();
      if (all_inside.wait_for(lock, std::chrono::seconds(30), [&] { return inside >= 3; })) ++met;
    }
    const auto dir = m_remote / session.label();
    step("writing the config");
    auto written = upload(session, {(dir / "app.conf").string(), "listen 8000;\n", 0644, std::nullopt});
    if (!written) return tl::unexpected(written.error());
    step("checking the config");
    auto checked = run_checked(session, "if test -e " + shell_quote((dir / "broken").string()) +
                                          "; then echo 'nginx: [emerg] unknown directive \"lissen\"' >&2; exit 1; fi; echo ok");
    if (!checked) return tl::unexpected(checked.error());
    std::ofstream(dir / "finished") << "";
    return {};
  };

  std::mutex events_mutex;
  std::map<std::string, std::vector<HostPhase>> phases;
  std::map<std::string, std::vector<std::string>> steps;
  std::atomic<int> concurrent_calls{0};
  std::atomic<bool> overlapped{false};
  ParallelOptions options;
  options.width = 4;
  options.connect.attempt_timeout = std::chrono::seconds(10);
  options.connect.total_timeout = std::chrono::seconds(2);
  options.connect.first_backoff = std::chrono::milliseconds(100);
  options.connect.max_backoff = std::chrono::milliseconds(400);
  options.on_event = [&](const HostEvent& event) {
    if (++concurrent_calls > 1) overlapped = true;
    {
      std::lock_guard lock(events_mutex);
      phases[event.host].push_back(event.phase);
      if (event.phase == HostPhase::step) steps[event.host].push_back(event.detail);
    }
    --concurrent_calls;
  };

  const auto report = run_on_hosts(jobs, work, options);

  EXPECT_EQ(met, 3) << "the hosts were not worked on at the same time";
  EXPECT_FALSE(overlapped) << "the observer was called from two threads at once";
  ASSERT_EQ(report.hosts.size(), 4U);
  EXPECT_FALSE(report.all_done());
  EXPECT_EQ(report.done(), (std::vector<std::string>{"lb", "worker-1"}));
  EXPECT_EQ(report.not_done(), (std::vector<std::string>{"worker-2", "worker-3"}));

  // The others finished their work although worker-2 failed.
  EXPECT_TRUE(std::filesystem::exists(m_remote / "lb" / "finished"));
  EXPECT_TRUE(std::filesystem::exists(m_remote / "worker-1" / "finished"));
  EXPECT_FALSE(std::filesystem::exists(m_remote / "worker-2" / "finished"));

  const auto& failed = report.hosts[2];
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->kind, ErrorKind::command_failed);
  EXPECT_EQ(failed.error->host, "worker-2");
  EXPECT_NE(failed.error->output.find("unknown directive"), std::string::npos);
  EXPECT_FALSE(failed.first_contact); // its key was pinned
  ASSERT_TRUE(report.hosts[3].error);
  EXPECT_EQ(report.hosts[3].error->kind, ErrorKind::unreachable);
  EXPECT_TRUE(report.hosts[3].host_key.empty());

  // First contact: the keys to record.
  EXPECT_TRUE(report.hosts[0].first_contact);
  EXPECT_EQ(report.hosts[0].host_key, m_sshd->host_key());
  EXPECT_EQ(report.hosts[1].host_key, m_more[0]->host_key());

  const auto summary = report.summary();
  EXPECT_NE(summary.find("2 of 4 hosts done (lb, worker-1); not done: worker-2, worker-3"), std::string::npos) << summary;
  EXPECT_NE(summary.find("worker-2: command exited with status 1"), std::string::npos) << summary;
  EXPECT_NE(summary.find("| nginx: [emerg] unknown directive"), std::string::npos) << summary;
  EXPECT_NE(summary.find("worker-3: no SSH connection after"), std::string::npos) << summary;

  // Per-host progress.
  EXPECT_EQ(phases["lb"].front(), HostPhase::connecting);
  EXPECT_EQ(phases["lb"].back(), HostPhase::done);
  EXPECT_EQ(phases["worker-2"].back(), HostPhase::failed);
  EXPECT_EQ(phases["worker-3"].back(), HostPhase::failed);
  EXPECT_NE(std::find(phases["worker-3"].begin(), phases["worker-3"].end(), HostPhase::retrying), phases["worker-3"].end());
  EXPECT_EQ(steps["worker-1"], (std::vector<std::string>{"writing the config", "checking the config"}));
}

TEST_F(ParallelTest, SameHostSeveralTimesAllDone) {
  std::vector<HostJob> jobs;
  for (int i = 0; i < 5; ++i) jobs.push_back({"worker-" + std::to_string(i + 1), target(), m_sshd->host_key()});
  const HostWork work = [&](Session& session, const StepReporter&) -> tl::expected<void, SshError> {
    auto result = run_checked(session, "echo " + session.label());
    if (!result) return tl::unexpected(result.error());
    if (result->out != session.label() + "\n") return tl::unexpected(make_error(ErrorKind::protocol, session.label(), "wrong output"));
    return {};
  };
  ParallelOptions options;
  options.width = 3;
  const auto report = run_on_hosts(jobs, work, options);
  EXPECT_TRUE(report.all_done()) << report.summary();
  EXPECT_EQ(report.summary(), "5 of 5 hosts done (worker-1, worker-2, worker-3, worker-4, worker-5)");
}

TEST_F(ParallelTest, AnExceptionInTheWorkFailsOnlyThatHost) {
  const std::vector<HostJob> jobs = {{"a", target(), std::nullopt}, {"b", target_for(*m_more[0]), std::nullopt}};
  const HostWork work = [&](Session& session, const StepReporter&) -> tl::expected<void, SshError> {
    if (session.label() == "a") throw std::runtime_error("template variable 'x' is missing");
    return {};
  };
  const auto report = run_on_hosts(jobs, work);
  EXPECT_EQ(report.done(), std::vector<std::string>{"b"});
  ASSERT_TRUE(report.hosts[0].error);
  EXPECT_NE(report.hosts[0].error->message.find("template variable 'x' is missing"), std::string::npos);
}

} // namespace
} // namespace fp::ssh::test
