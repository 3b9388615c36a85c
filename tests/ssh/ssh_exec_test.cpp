// run(): exit status, stdout and stderr apart, no TTY, standard input closed, the timeout.
#include "ssh_fixture.hpp"

#include "ssh/exec.hpp"

#include <csignal>
#include <thread>

namespace fp::ssh::test {
namespace {

using ExecTest = SshFixture;

TEST_F(ExecTest, ExitStatusStdoutAndStderrApart) {
  auto session = connected();
  auto result = run(session, "echo out; echo err >&2; exit 5");
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->exit_status, 5);
  EXPECT_EQ(result->out, "out\n");
  EXPECT_EQ(result->err, "err\n");
  EXPECT_FALSE(result->ok());

  auto fine = run(session, "true");
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->exit_status, 0);
  EXPECT_TRUE(fine->ok());
}

TEST_F(ExecTest, ManyCommandsOnOneSession) {
  auto session = connected();
  for (int i = 0; i < 20; ++i) {
    auto result = run(session, "echo " + std::to_string(i) + "; exit " + std::to_string(i % 3));
    ASSERT_TRUE(result) << result.error().describe();
    EXPECT_EQ(result->out, std::to_string(i) + "\n");
    EXPECT_EQ(result->exit_status, i % 3);
  }
}

TEST_F(ExecTest, LargeOutputOnBothStreamsArrivesWhole) {
  auto session = connected();
  auto result = run(session, "head -c 3000000 /dev/zero | tr '\\0' a; head -c 700000 /dev/zero | tr '\\0' b >&2; "
                             "head -c 5000 /dev/zero | tr '\\0' c");
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->exit_status, 0);
  EXPECT_EQ(result->out.size(), 3005000U);
  EXPECT_EQ(result->out.find_first_not_of('a'), 3000000U);
  EXPECT_EQ(result->err, std::string(700000, 'b'));
}

TEST_F(ExecTest, NoTtyAndStandardInputIsClosed) {
  auto session = connected();
  auto tty = run(session, "if test -t 0 || test -t 1 || test -t 2; then echo tty; else echo notty; fi");
  ASSERT_TRUE(tty);
  EXPECT_EQ(tty->out, "notty\n");
  // cat ends at once because standard input is at its end, instead of waiting for the timeout.
  auto cat = run(session, "cat; echo done", RunOptions{std::chrono::seconds(60)});
  ASSERT_TRUE(cat) << cat.error().describe();
  EXPECT_EQ(cat->out, "done\n");
}

TEST_F(ExecTest, RunCheckedTurnsAFailureIntoAnErrorWithItsOutput) {
  auto session = connected();
  auto result = run_checked(session, "echo partial; echo 'E: Unable to locate package nginx-x' >&2; exit 100");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::command_failed);
  const auto text = result.error().describe();
  EXPECT_NE(text.find("status 100"), std::string::npos) << text;
  EXPECT_NE(text.find("| E: Unable to locate package nginx-x"), std::string::npos) << text;
  EXPECT_NE(text.find("| partial"), std::string::npos) << text;
  EXPECT_TRUE(run_checked(session, "true"));
}

TEST_F(ExecTest, KilledBySignalHasNoExitStatus) {
  auto session = connected();
  auto result = run(session, "echo before; kill -KILL $$");
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_LT(result->exit_status, 0);
  EXPECT_EQ(result->out, "before\n");
  auto checked = run_checked(session, "kill -KILL $$");
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("signal"), std::string::npos);
}

TEST_F(ExecTest, TimeoutStopsTheCommandAndKeepsItsOutput) {
  auto session = connected();
  const auto pid_file = m_keys / "sleeper.pid";
  auto result = run(session, "echo $$ > " + shell_quote(pid_file.string()) + "; echo started; exec sleep 300",
                    RunOptions{std::chrono::seconds(2)});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::timeout);
  EXPECT_NE(result.error().describe().find("| started"), std::string::npos) << result.error().describe();
  // The remote process was signalled, not left behind (the "remote" host is this machine).
  const pid_t pid = std::stoi(fp::test::read_file(pid_file));
  bool gone = false;
  for (int i = 0; i < 1000 && !gone; ++i) {
    gone = ::kill(pid, 0) != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone) << "sleep " << pid << " still runs\n" << m_sshd->log();
  if (!gone) ::kill(pid, SIGKILL);
  // The session is still usable.
  auto after = run(session, "echo after");
  ASSERT_TRUE(after) << after.error().describe();
  EXPECT_EQ(after->out, "after\n");
}

} // namespace
} // namespace fp::ssh::test
