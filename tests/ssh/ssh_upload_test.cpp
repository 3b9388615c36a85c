// upload(): atomic replacement, mode and owner, nothing left behind, unchanged files not rewritten.
// The "remote" host is this machine, so the test looks at the files directly.
#include "ssh_fixture.hpp"

#include "ssh/exec.hpp"
#include "ssh/upload.hpp"

#include <atomic>
#include <random>
#include <thread>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fp::ssh::test {
namespace {

class UploadTest : public SshFixture {
protected:
  struct stat stat_of(const std::filesystem::path& path) {
    struct stat info {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return info;
  }
  // Everything in the directory except the named files: leftovers of an upload.
  std::vector<std::string> others(const std::vector<std::string>& expected) {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(m_remote.path())) {
      const auto name = entry.path().filename().string();
      if (std::find(expected.begin(), expected.end(), name) == expected.end()) found.push_back(name);
    }
    return found;
  }
  fp::test::TempDir m_remote{"fp-ssh-remote"};
};

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(generator() & 0xff);
  return bytes;
}

TEST_F(UploadTest, WritesContentAndModeAndLeavesNoTemporaryFile) {
  auto session = connected();
  const auto path = m_remote / "app.env";
  auto outcome = upload(session, {path.string(), "FP_DATABASE_URL=postgresql://x\n", 0600, std::nullopt});
  ASSERT_TRUE(outcome) << outcome.error().describe();
  EXPECT_EQ(*outcome, UploadOutcome::written);
  EXPECT_EQ(fp::test::read_file(path), "FP_DATABASE_URL=postgresql://x\n");
  EXPECT_EQ(stat_of(path).st_mode & 07777, 0600U);
  EXPECT_TRUE(others({"app.env"}).empty());
}

TEST_F(UploadTest, UnchangedContentIsNotRewrittenAndChangedContentIsReplaced) {
  auto session = connected();
  const auto path = m_remote / "nginx.conf";
  ASSERT_TRUE(upload(session, {path.string(), "old\n", 0644, std::nullopt}));
  const auto first = stat_of(path);

  auto again = upload(session, {path.string(), "old\n", 0644, std::nullopt});
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_EQ(*again, UploadOutcome::unchanged);
  EXPECT_EQ(stat_of(path).st_ino, first.st_ino); // the same file: nothing was written

  auto changed = upload(session, {path.string(), "new\n", 0644, std::nullopt});
  ASSERT_TRUE(changed) << changed.error().describe();
  EXPECT_EQ(*changed, UploadOutcome::written);
  EXPECT_EQ(fp::test::read_file(path), "new\n");
  EXPECT_NE(stat_of(path).st_ino, first.st_ino); // renamed over, not written in place
  EXPECT_TRUE(others({"nginx.conf"}).empty());
}

TEST_F(UploadTest, SameContentWithAnotherModeIsFixedInPlace) {
  auto session = connected();
  const auto path = m_remote / "fp-order-server";
  ASSERT_TRUE(upload(session, {path.string(), "#!/bin/sh\n", 0644, std::nullopt}));
  const auto before = stat_of(path);
  auto fixed = upload(session, {path.string(), "#!/bin/sh\n", 0755, std::nullopt});
  ASSERT_TRUE(fixed) << fixed.error().describe();
  EXPECT_EQ(*fixed, UploadOutcome::attributes_fixed);
  const auto after = stat_of(path);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_mode & 07777, 0755U);
}

TEST_F(UploadTest, OwnerIsSetWhenConnectedAsRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown needs root on the host";
  const passwd* nobody = ::getpwnam("nobody");
  const group* nogroup = ::getgrnam("nogroup");
  ASSERT_NE(nobody, nullptr);
  ASSERT_NE(nogroup, nullptr);
  auto session = connected();
  const auto path = m_remote / "owned";
  auto outcome = upload(session, {path.string(), "x", 0640, "nobody:nogroup"});
  ASSERT_TRUE(outcome) << outcome.error().describe();
  auto info = stat_of(path);
  EXPECT_EQ(info.st_uid, nobody->pw_uid);
  EXPECT_EQ(info.st_gid, nogroup->gr_gid);
  // Same content and owner: nothing to do; the owner named alone matches too.
  EXPECT_EQ(upload(session, {path.string(), "x", 0640, "nobody:nogroup"}).value_or(UploadOutcome::written), UploadOutcome::unchanged);
  EXPECT_EQ(upload(session, {path.string(), "x", 0640, "nobody"}).value_or(UploadOutcome::written), UploadOutcome::unchanged);
  // Another owner on the same content is fixed in place.
  auto back = upload(session, {path.string(), "x", 0640, "root:root"});
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(*back, UploadOutcome::attributes_fixed);
  EXPECT_EQ(stat_of(path).st_uid, 0U);
}

TEST_F(UploadTest, UnknownOwnerFailsAndLeavesTheOldFileAndNoTemporary) {
  auto session = connected();
  const auto path = m_remote / "unit.service";
  ASSERT_TRUE(upload(session, {path.string(), "old", 0644, std::nullopt}));
  auto outcome = upload(session, {path.string(), "new", 0644, "no-such-user-fpctl"});
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().describe().find("no-such-user-fpctl"), std::string::npos) << outcome.error().describe();
  EXPECT_EQ(fp::test::read_file(path), "old");
  EXPECT_TRUE(others({"unit.service"}).empty());
}

TEST_F(UploadTest, LargeBinaryArrivesIntact) {
  auto session = connected();
  const auto path = m_remote / "big";
  const auto content = random_bytes(3 * 1024 * 1024 + 17, 1);
  auto outcome = upload(session, {path.string(), content, 0755, std::nullopt});
  ASSERT_TRUE(outcome) << outcome.error().describe();
  EXPECT_EQ(fp::test::read_file(path), content);
  EXPECT_EQ(upload(session, {path.string(), content, 0755, std::nullopt}).value_or(UploadOutcome::written), UploadOutcome::unchanged);
}

TEST_F(UploadTest, EmptyContentIsAFileToo) {
  auto session = connected();
  const auto path = m_remote / "empty";
  ASSERT_TRUE(upload(session, {path.string(), "", 0644, std::nullopt}));
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(std::filesystem::file_size(path), 0U);
}

TEST_F(UploadTest, ReadersSeeTheOldOrTheNewContentNeverAMix) {
  auto session = connected();
  const auto path = m_remote / "config";
  const std::string a = random_bytes(512 * 1024, 2), b = random_bytes(512 * 1024, 3);
  ASSERT_TRUE(upload(session, {path.string(), a, 0644, std::nullopt}));
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, torn{0};
  std::thread reader([&] {
    while (!stop) {
      const auto seen = fp::test::read_file(path);
      if (seen != a && seen != b) ++torn;
      ++reads;
    }
  });
  for (int i = 0; i < 6; ++i) {
    auto outcome = upload(session, {path.string(), i % 2 == 0 ? b : a, 0644, std::nullopt});
    EXPECT_TRUE(outcome && *outcome == UploadOutcome::written);
  }
  stop = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(torn.load(), 0);
}

TEST_F(UploadTest, MissingDirectoryAndRelativePathAreClearErrors) {
  auto session = connected();
  auto missing = upload(session, {(m_remote / "no-dir" / "file").string(), "x", 0644, std::nullopt});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::sftp);
  EXPECT_NE(missing.error().describe().find("mkdir -p " + (m_remote / "no-dir").string()), std::string::npos)
    << missing.error().describe();
  auto relative = upload(session, {"etc/fp.env", "x", 0644, std::nullopt});
  ASSERT_FALSE(relative);
  EXPECT_EQ(relative.error().kind, ErrorKind::config);
  auto bad_mode = upload(session, {(m_remote / "f").string(), "x", 010000, std::nullopt});
  ASSERT_FALSE(bad_mode);
  EXPECT_EQ(bad_mode.error().kind, ErrorKind::config);
}

TEST_F(UploadTest, UnchangedFileBehindASymlinkStaysBehindIt) {
  auto session = connected();
  const auto real = m_remote / "site.conf";
  const auto link = m_remote / "enabled.conf";
  ASSERT_TRUE(upload(session, {real.string(), "server {}\n", 0644, std::nullopt}));
  std::filesystem::create_symlink(real, link);
  auto through = upload(session, {link.string(), "server {}\n", 0644, std::nullopt});
  ASSERT_TRUE(through) << through.error().describe();
  EXPECT_EQ(*through, UploadOutcome::unchanged);
  EXPECT_TRUE(std::filesystem::is_symlink(link));
}

TEST_F(UploadTest, PathsWithSpacesAndQuotes) {
  auto session = connected();
  const auto path = m_remote / "it's a file";
  ASSERT_TRUE(upload(session, {path.string(), "q", 0644, std::nullopt}));
  EXPECT_EQ(fp::test::read_file(path), "q");
  EXPECT_EQ(upload(session, {path.string(), "q", 0644, std::nullopt}).value_or(UploadOutcome::written), UploadOutcome::unchanged);
}

} // namespace
} // namespace fp::ssh::test
