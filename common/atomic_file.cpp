#include "atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fp {
namespace {

std::string failure(const std::filesystem::path& path, const char* what, int error) {
  return "cannot write " + path.string() + ": " + what + ": " + std::strerror(error);
}

// Closes on every path out, including the error ones.
class FileDescriptor {
public:
  explicit FileDescriptor(int fd) : m_fd(fd) {}
  ~FileDescriptor() {
    if (m_fd >= 0) ::close(m_fd);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return m_fd; }
  int release_and_close() { // close() reports late write errors (NFS): do not lose them
    const int result = ::close(m_fd);
    m_fd = -1;
    return result;
  }

private:
  int m_fd;
};

} // namespace

tl::expected<void, std::string> write_file_atomically(const std::filesystem::path& path, std::string_view content,
                                                      mode_t mode) {
  const std::filesystem::path directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::filesystem::path temporary = path;
  temporary += ".tmp-" + std::to_string(::getpid());
  {
    FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (fd.get() < 0) return tl::unexpected(failure(path, "cannot create a temporary file", errno));
    // umask may have narrowed the mode further than asked; widen it back only to what was asked.
    if (::fchmod(fd.get(), mode) != 0) {
      const int error = errno;
      ::unlink(temporary.c_str());
      return tl::unexpected(failure(path, "chmod", error));
    }
    std::size_t written = 0;
    while (written < content.size()) {
      const ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        return tl::unexpected(failure(path, "write", error));
      }
      written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0 || fd.release_and_close() != 0) {
      const int error = errno;
      ::unlink(temporary.c_str());
      return tl::unexpected(failure(path, "fsync", error));
    }
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return tl::unexpected(failure(path, "rename", error));
  }
  FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get()); // best effort: some file systems refuse fsync on directories
  return {};
}

tl::expected<void, std::string> ensure_directory(const std::filesystem::path& directory, mode_t mode) {
  std::error_code error;
  if (std::filesystem::is_directory(directory, error)) return {};
  if (directory.has_parent_path() && directory.parent_path() != directory) {
    if (auto parent = ensure_directory(directory.parent_path(), 0755); !parent) return parent;
  }
  if (::mkdir(directory.c_str(), mode) != 0 && errno != EEXIST)
    return tl::unexpected("cannot create the directory " + directory.string() + ": " + std::strerror(errno));
  return {};
}

} // namespace fp
