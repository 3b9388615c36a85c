// fp_ssh's pure parts: host key text, fingerprints (checked against ssh-keygen), shell quoting
// (checked by a real shell), SHA-256, error descriptions.
#include "ssh/error.hpp"
#include "ssh/exec.hpp"
#include "ssh/host_key.hpp"
#include "ssh/sha256.hpp"
#include "ssh/target.hpp"

#include "support/process.hpp"
#include "support/sshd_instance.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

namespace fp::ssh {
namespace {

TEST(HostKey, ParsesTypeAndBlobAndIgnoresComment) {
  fp::test::TempDir dir;
  const auto pair = fp::test::make_ssh_key(dir.path(), "k");
  auto key = parse_host_key("  " + pair.public_key + "  ");
  ASSERT_TRUE(key) << key.error();
  EXPECT_EQ(key->type, "ssh-ed25519");
  EXPECT_EQ(key->text(), pair.public_key.substr(0, pair.public_key.rfind(' ')));
}

TEST(HostKey, RefusesWhatIsNotAKey) {
  EXPECT_FALSE(parse_host_key(""));
  EXPECT_FALSE(parse_host_key("ssh-ed25519"));
  const auto unknown = parse_host_key("ssh-foo AAAA");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("unknown host key type 'ssh-foo'"), std::string::npos);
  EXPECT_FALSE(parse_host_key("ssh-ed25519 not-base64!!"));
}

TEST(HostKey, FingerprintIsWhatSshKeygenPrints) {
  fp::test::TempDir dir;
  const auto pair = fp::test::make_ssh_key(dir.path(), "k");
  const auto listed = fp::test::run_command({"ssh-keygen", "-l", "-E", "sha256", "-f", pair.private_key.string() + ".pub"});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  auto key = parse_host_key(pair.public_key);
  ASSERT_TRUE(key);
  auto fingerprint = sha256_fingerprint(*key);
  ASSERT_TRUE(fingerprint) << fingerprint.error();
  EXPECT_EQ(fingerprint->rfind("SHA256:", 0), 0U);
  EXPECT_NE(listed.output.find(" " + *fingerprint + " "), std::string::npos) << listed.output << " vs " << *fingerprint;
}

TEST(HostKey, AlgorithmsForRsaPreferSha2) {
  EXPECT_EQ(host_key_algorithms("ssh-ed25519"), "ssh-ed25519");
  EXPECT_EQ(host_key_algorithms("ssh-rsa").rfind("rsa-sha2-512", 0), 0U);
}

TEST(ShellQuote, RealShellSeesTheExactText) {
  for (const std::string text : {"plain", "with space", "it's", "$HOME `id` \"q\" \\ ;|&", "", "new\nline"}) {
    const auto echoed = fp::test::run_command({"sh", "-c", "printf %s " + shell_quote(text)});
    EXPECT_EQ(echoed.exit_code, 0);
    EXPECT_EQ(echoed.output, text);
  }
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SshError, DescribeNamesHostHintAndKeepsTheOutputsEnd) {
  SshError error = make_error(ErrorKind::command_failed, "worker-2", "command exited with status 100: apt-get install x",
                              "look at the output");
  for (int i = 1; i <= 50; ++i) error.output += "line " + std::to_string(i) + "\n";
  const auto text = error.describe();
  EXPECT_EQ(text.rfind("worker-2: command exited with status 100: apt-get install x - look at the output\n", 0), 0U) << text;
  EXPECT_NE(text.find("  | line 50"), std::string::npos);
  EXPECT_EQ(text.find("  | line 1\n"), std::string::npos); // the start is elided...
  EXPECT_NE(text.find("earlier lines"), std::string::npos); // ...and says so
}

TEST(SshTarget, LabelNamesUserHostAndPort) {
  EXPECT_EQ((SshTarget{"10.0.0.5", 22, "root", {}}).label(), "root@10.0.0.5:22");
  EXPECT_EQ((SshTarget{"::1", 2222, "fp", {}}).label(), "fp@[::1]:2222");
}

} // namespace
} // namespace fp::ssh
