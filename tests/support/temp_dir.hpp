// A directory under $TMPDIR that is removed with everything in it when the owner goes away.
#pragma once

#include <filesystem>
#include <string>

namespace fp::test {

class TempDir {
public:
  explicit TempDir(const std::string& prefix = "fp-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
  std::filesystem::path m_path;
};

} // namespace fp::test
