// connect(): key authentication, retries while the server is not there yet, host key pinning.
#include "ssh_fixture.hpp"

#include "ssh/exec.hpp"

#include <atomic>
#include <fstream>
#include <csignal>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <thread>

namespace fp::ssh::test {
namespace {

using SessionTest = SshFixture;

TEST_F(SessionTest, FirstContactReturnsTheHostKeyTheServerHas) {
  auto session = connect(target(), quick());
  ASSERT_TRUE(session) << session.error().describe() << m_sshd->log();
  EXPECT_TRUE(session->first_contact());
  EXPECT_EQ(session->host_key().text(), m_sshd->host_key());
  EXPECT_EQ(sha256_fingerprint(session->host_key()).value_or(""), m_sshd->host_fingerprint());
}

TEST_F(SessionTest, PinnedKeyIsAccepted) {
  auto session = connect(target(), quick(m_sshd->host_key()));
  ASSERT_TRUE(session) << session.error().describe();
  EXPECT_FALSE(session->first_contact());
  auto result = run(*session, "echo pinned");
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->out, "pinned\n");
}

TEST_F(SessionTest, ChangedHostKeyIsRefusedWithBothFingerprintsAndTheForgetCommand) {
  const auto old_key = m_sshd->host_key();
  const auto old_print = m_sshd->host_fingerprint();
  m_sshd->stop();
  m_sshd->replace_host_key();
  m_sshd->start();
  ASSERT_NE(m_sshd->host_key(), old_key);

  std::atomic<int> retries{0};
  auto options = quick(old_key);
  options.label = "worker-2";
  options.on_retry = [&](const ConnectProgress&) { ++retries; };
  auto session = connect(target(), options);
  ASSERT_FALSE(session);
  const auto& error = session.error();
  EXPECT_EQ(error.kind, ErrorKind::host_key_changed);
  EXPECT_EQ(error.host, "worker-2");
  const auto text = error.describe();
  EXPECT_NE(text.find(old_print), std::string::npos) << text;
  EXPECT_NE(text.find(m_sshd->host_fingerprint()), std::string::npos) << text;
  EXPECT_NE(text.find("fpctl ssh --forget-host-key worker-2"), std::string::npos) << text;
  EXPECT_EQ(retries.load(), 0);
  // Refused before authenticating: the server never saw our key.
  EXPECT_EQ(m_sshd->log().find("Accepted publickey"), std::string::npos) << m_sshd->log();
}

TEST_F(SessionTest, RecordedKeyTypeNoLongerOfferedIsAChangedKey) {
  // The host was re-created with only an ed25519 key; an ecdsa key was recorded.
  const auto ecdsa = m_keys / "old-host-ecdsa";
  const auto made = fp::test::run_command({"ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", ecdsa.string()});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const auto recorded = fp::test::read_file(ecdsa.string() + ".pub");
  std::atomic<int> retries{0};
  auto options = quick(recorded);
  options.label = "db";
  options.on_retry = [&](const ConnectProgress&) { ++retries; };
  auto session = connect(target(), options);
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().kind, ErrorKind::host_key_changed) << session.error().describe();
  EXPECT_NE(session.error().describe().find(sha256_fingerprint(*parse_host_key(recorded)).value_or("?")), std::string::npos);
  EXPECT_NE(session.error().describe().find("fpctl ssh --forget-host-key db"), std::string::npos);
  EXPECT_EQ(retries.load(), 0);
}

TEST_F(SessionTest, KnownHostsLineLetsOpenSshUseThePinnedKey) {
  // What `fpctl ssh HOST` does for a shell: OpenSSH's ssh with the recorded key as its only known host.
  auto session = connect(target(), quick());
  ASSERT_TRUE(session);
  const auto known_hosts = m_keys / "known_hosts";
  const auto ssh_to = [&](const std::string& line) {
    std::ofstream(known_hosts) << line << "\n";
    return fp::test::run_command({"ssh", "-F", "none", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o",
                                  "UserKnownHostsFile=" + known_hosts.string(), "-o", "GlobalKnownHostsFile=/dev/null",
                                  "-i", m_key.private_key.string(), "-p", std::to_string(m_sshd->port()),
                                  m_sshd->user() + "@127.0.0.1", "echo via-openssh"});
  };
  const auto pinned = ssh_to(known_hosts_line("127.0.0.1", m_sshd->port(), session->host_key()));
  EXPECT_EQ(pinned.exit_code, 0) << pinned.output;
  EXPECT_NE(pinned.output.find("via-openssh"), std::string::npos) << pinned.output;

  const auto other = fp::test::make_ssh_key(m_keys.path(), "other-host");
  const auto refused = ssh_to(known_hosts_line("127.0.0.1", m_sshd->port(), *parse_host_key(other.public_key)));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_EQ(refused.output.find("via-openssh"), std::string::npos) << refused.output;
  EXPECT_EQ(known_hosts_line("10.0.0.5", 22, session->host_key()).rfind("10.0.0.5 ssh-ed25519 ", 0), 0U);
}

TEST_F(SessionTest, InvalidRecordedKeyIsAConfigurationError) {
  auto options = quick("ssh-ed25519 @@@");
  options.label = "lb";
  auto session = connect(target(), options);
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().kind, ErrorKind::config);
  EXPECT_NE(session.error().describe().find("fpctl ssh --forget-host-key lb"), std::string::npos);
}

TEST_F(SessionTest, WrongKeyIsRefusedWithoutRetrying) {
  const auto stranger = fp::test::make_ssh_key(m_keys.path(), "stranger");
  SshTarget wrong = target();
  wrong.private_key_path = stranger.private_key;
  std::atomic<int> retries{0};
  auto options = quick();
  options.on_retry = [&](const ConnectProgress&) { ++retries; };
  auto session = connect(wrong, options);
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().kind, ErrorKind::auth) << session.error().describe();
  EXPECT_NE(session.error().message.find(stranger.private_key.string()), std::string::npos);
  EXPECT_EQ(retries.load(), 0);
}

TEST_F(SessionTest, MissingKeyFileIsAConfigurationErrorBeforeConnecting) {
  SshTarget missing = target();
  missing.private_key_path = m_keys / "absent";
  auto session = connect(missing, quick());
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().kind, ErrorKind::config);
  EXPECT_NE(session.error().describe().find("ssh-keygen -t ed25519 -f"), std::string::npos);
}

TEST_F(SessionTest, RefusedConnectionIsRetriedUntilTheServerAppears) {
  fp::test::SshdInstance late(m_key.public_key, /*start_now=*/false);
  std::atomic<int> retries{0};
  std::atomic<bool> started{false};
  auto options = quick();
  options.on_retry = [&](const ConnectProgress& progress) {
    EXPECT_EQ(progress.attempt, retries.load() + 1);
    // The server "finishes booting" only after connect() has seen it refuse twice.
    if (++retries == 2) {
      late.start();
      started = true;
    }
  };
  auto session = connect(target_for(late), options);
  ASSERT_TRUE(session) << session.error().describe() << late.log();
  EXPECT_TRUE(started.load());
  EXPECT_GE(retries.load(), 2);
  auto result = run(*session, "echo up");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->out, "up\n");
}

TEST_F(SessionTest, GivesUpAfterTheTotalTimeWithTheLastError) {
  SshTarget nobody = target();
  nobody.port = fp::test::free_port(); // nothing listens there
  std::atomic<int> retries{0};
  auto options = quick();
  options.total_timeout = std::chrono::milliseconds(1500);
  options.on_retry = [&](const ConnectProgress&) { ++retries; };
  auto session = connect(nobody, options);
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().kind, ErrorKind::unreachable);
  EXPECT_GE(retries.load(), 1);
  const auto text = session.error().describe();
  EXPECT_NE(text.find("attempts"), std::string::npos) << text;
  EXPECT_NE(text.find("refused"), std::string::npos) << text;
  EXPECT_NE(text.find("firewall"), std::string::npos) << text;
}

TEST_F(SessionTest, SilentServerTimesOutAndIsRetried) {
  // A port that accepts TCP connections but never speaks SSH (a host whose sshd hangs at boot).
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 16), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  SshTarget silent = target();
  silent.port = ntohs(address.sin_port);
  std::atomic<int> retries{0};
  auto options = quick();
  options.attempt_timeout = std::chrono::milliseconds(300);
  options.total_timeout = std::chrono::milliseconds(1500);
  options.on_retry = [&](const ConnectProgress&) { ++retries; };
  auto session = connect(silent, options);
  ::close(listener);
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().kind, ErrorKind::unreachable) << session.error().describe();
  EXPECT_GE(retries.load(), 1);
}

TEST_F(SessionTest, AgentIsRequiredWhenNoKeyFileIsGiven) {
  SshTarget agentless = target();
  agentless.private_key_path.clear();
  const char* saved = std::getenv("SSH_AUTH_SOCK");
  const std::string saved_value = saved ? saved : "";
  ::unsetenv("SSH_AUTH_SOCK");
  auto session = connect(agentless, quick());
  if (saved) ::setenv("SSH_AUTH_SOCK", saved_value.c_str(), 1);
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().kind, ErrorKind::config);
  EXPECT_NE(session.error().message.find("ssh-agent"), std::string::npos);
}

TEST_F(SessionTest, AgentKeysAuthenticate) {
  const auto socket = m_keys / "agent.sock";
  auto agent = fp::test::Process::start({"ssh-agent", "-D", "-a", socket.string()}, {m_keys / "agent.log", {}, {}});
  for (int i = 0; i < 500 && !std::filesystem::exists(socket); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(std::filesystem::exists(socket)) << fp::test::read_file(m_keys / "agent.log");
  const auto added = fp::test::run_command({"ssh-add", m_key.private_key.string()}, {{}, {"SSH_AUTH_SOCK=" + socket.string()}, {}});
  ASSERT_EQ(added.exit_code, 0) << added.output;
  SshTarget via_agent = target();
  via_agent.private_key_path.clear();
  const char* saved = std::getenv("SSH_AUTH_SOCK");
  const std::string saved_value = saved ? saved : "";
  ::setenv("SSH_AUTH_SOCK", socket.c_str(), 1);
  auto session = connect(via_agent, quick());
  if (saved) ::setenv("SSH_AUTH_SOCK", saved_value.c_str(), 1); else ::unsetenv("SSH_AUTH_SOCK");
  agent.stop(SIGTERM);
  ASSERT_TRUE(session) << session.error().describe();
}

} // namespace
} // namespace fp::ssh::test
