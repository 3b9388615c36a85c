#include "ssh/upload.hpp"

#include "ssh/exec.hpp"
#include "ssh/session_impl.hpp"
#include "ssh/sha256.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <sstream>

namespace fp::ssh {
namespace {

// OpenSSH's sftp-server takes writes up to 256 KiB; libssh 0.10 waits for each write's answer,
// so fewer, larger writes cost fewer round trips for the server binary.
constexpr std::size_t k_write_chunk = 128 * 1024;
constexpr auto k_probe_timeout = std::chrono::minutes(2); // sha256sum of a large binary on a slow disk

struct RemoteState {
  bool exists = false;
  std::string mode;  // "644", as stat %a prints it
  std::string owner; // "user:group"
  std::string sha256;
};

std::string octal(unsigned mode) {
  char text[16];
  std::snprintf(text, sizeof text, "%o", mode & 07777U);
  return text;
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string temporary_name(const std::string& path) {
  const auto slash = path.rfind('/');
  std::random_device entropy;
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%08x%08x", entropy(), entropy());
  return path.substr(0, slash + 1) + "." + path.substr(slash + 1) + ".fpctl-" + suffix;
}

bool owner_matches(const std::string& wanted, const std::string& actual) {
  // "www-data" names only the user; "www-data:www-data" both.
  if (wanted.find(':') != std::string::npos) return wanted == actual;
  return actual.substr(0, actual.find(':')) == wanted;
}

// The remote file's mode, owner and SHA-256 in one round trip (of the file a symlink points to:
// an unchanged file behind a link stays behind its link). sha256sum rather than reading the
// file back: the server binary is megabytes, its digest 64 characters. Any failure (no such file,
// no sha256sum) reads as "unknown", which only costs an upload.
tl::expected<RemoteState, SshError> probe(Session& session, const std::string& path) {
  const auto quoted = shell_quote(path);
  auto result = run(session, "stat -L -c '%a %U:%G' -- " + quoted + " && sha256sum -- " + quoted, RunOptions{k_probe_timeout});
  if (!result) return tl::unexpected(result.error());
  RemoteState state;
  if (!result->ok()) return state;
  std::istringstream in(result->out);
  if (in >> state.mode >> state.owner >> state.sha256) state.exists = true;
  return state;
}

class Uploader {
public:
  Uploader(Session& session, const UploadRequest& request)
    : m_session(session), m_impl(session.impl()), m_request(request), m_temporary(temporary_name(request.remote_path)) {}

  tl::expected<void, SshError> write_and_rename() {
    if (auto ok = open_sftp(); !ok) return ok;
    auto written = write_temporary();
    if (written && sftp_chmod(m_impl.sftp.get(), m_temporary.c_str(), static_cast<mode_t>(m_request.mode)) != 0)
      written = failure("cannot set mode " + octal(m_request.mode) + " on " + m_temporary, "");
    if (written) written = rename_into_place();
    if (!written) sftp_unlink(m_impl.sftp.get(), m_temporary.c_str()); // best effort; the error says what failed
    return written;
  }

  // For a file whose content is already right.
  tl::expected<void, SshError> set_attributes(const std::string& path) {
    if (sftp_chmod(m_impl.sftp.get(), path.c_str(), static_cast<mode_t>(m_request.mode)) != 0)
      return failure("cannot set mode " + octal(m_request.mode) + " on " + path, "");
    if (m_request.owner) {
      auto chowned = run_checked(m_session, "chown " + shell_quote(*m_request.owner) + " -- " + shell_quote(path));
      if (!chowned) {
        SshError error = chowned.error();
        error.message = "cannot give " + m_request.remote_path + " to " + *m_request.owner + ": " + error.message;
        error.hint = "the owner can only be set when connected as root, and the user must exist on the host";
        return tl::unexpected(error);
      }
    }
    return {};
  }

  tl::expected<void, SshError> open_sftp() {
    if (m_impl.sftp) return {};
    raw::Sftp sftp(sftp_new(m_impl.session.get()));
    if (!sftp || sftp_init(sftp.get()) != SSH_OK)
      return tl::unexpected(make_error(ErrorKind::sftp, m_impl.label, "cannot start SFTP: " + m_impl.last_error(),
                                       "the host's sshd must allow the sftp subsystem (Subsystem sftp in sshd_config)"));
    m_impl.sftp = std::move(sftp);
    return {};
  }

private:
  tl::unexpected<SshError> failure(const std::string& what, const std::string& hint) {
    const int code = m_impl.sftp ? sftp_get_error(m_impl.sftp.get()) : 0;
    std::string why = m_impl.last_error();
    if (code == SSH_FX_PERMISSION_DENIED) why = "permission denied";
    if (code == SSH_FX_NO_SUCH_FILE) why = "no such file or directory";
    return tl::unexpected(make_error(ErrorKind::sftp, m_impl.label, what + ": " + why, hint));
  }

  tl::expected<void, SshError> write_temporary() {
    raw::SftpFile file(sftp_open(m_impl.sftp.get(), m_temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600));
    if (!file) {
      const std::string dir = directory_of(m_request.remote_path);
      return failure("cannot create a file in " + dir,
                     sftp_get_error(m_impl.sftp.get()) == SSH_FX_NO_SUCH_FILE ? "create the directory first (mkdir -p " + dir + ")"
                                                                               : "check that " + m_impl.target.user + " may write there");
    }
    const std::string& content = m_request.content;
    for (std::size_t offset = 0; offset < content.size();) {
      const std::size_t size = std::min(k_write_chunk, content.size() - offset);
      const auto n = sftp_write(file.get(), content.data() + offset, size);
      if (n <= 0) return failure("writing " + m_temporary + " failed", "is the disk full? (df -h on the host)");
      offset += static_cast<std::size_t>(n);
    }
    // On the disk before the rename makes it visible: a crash then leaves the old file or the whole new one.
    if (sftp_extension_supported(m_impl.sftp.get(), "fsync@openssh.com", "1") != 0 && sftp_fsync(file.get()) != 0)
      return failure("fsync of " + m_temporary + " failed", "");
    if (sftp_close(file.release()) != 0) return failure("closing " + m_temporary + " failed", "");
    return {};
  }

  // chown (when asked) and rename(2) in one round trip. `mv -T` rather than sftp_rename: libssh
  // 0.10 sends the plain SFTP v3 rename, which OpenSSH refuses when the target exists, and offers
  // no way to send posix-rename@openssh.com. mv within one directory is a single rename(2), and -T
  // refuses to move the file into a directory that happens to have the target's name.
  tl::expected<void, SshError> rename_into_place() {
    const std::string move = "mv -f -T -- " + shell_quote(m_temporary) + " " + shell_quote(m_request.remote_path);
    auto moved = run_checked(m_session, m_request.owner ? "chown " + shell_quote(*m_request.owner) + " -- " + shell_quote(m_temporary) + " && " + move
                                                        : move);
    if (!moved) {
      SshError error = moved.error();
      error.message = "cannot put " + m_request.remote_path + " in place: " + error.message;
      if (m_request.owner) error.hint = "the owner can only be set when connected as root, and " + *m_request.owner + " must exist on the host";
      return tl::unexpected(error);
    }
    return {};
  }

  Session& m_session;
  Session::Impl& m_impl;
  const UploadRequest& m_request;
  std::string m_temporary;
};

} // namespace

std::string_view to_string(UploadOutcome outcome) {
  switch (outcome) {
  case UploadOutcome::unchanged: return "unchanged";
  case UploadOutcome::attributes_fixed: return "mode/owner fixed";
  case UploadOutcome::written: return "written";
  }
  return "written";
}

tl::expected<UploadOutcome, SshError> upload(Session& session, const UploadRequest& request) {
  const auto& path = request.remote_path;
  if (path.empty() || path.front() != '/' || path.back() == '/')
    return tl::unexpected(make_error(ErrorKind::config, session.label(), "upload target '" + path + "' is not an absolute file path"));
  if (request.mode > 07777)
    return tl::unexpected(make_error(ErrorKind::config, session.label(), "mode " + octal(request.mode) + " for " + path + " is not a file mode"));
  auto remote = probe(session, path);
  if (!remote) return tl::unexpected(remote.error());
  Uploader uploader(session, request);
  if (remote->exists && remote->sha256 == sha256_hex(request.content)) {
    const bool mode_ok = remote->mode == octal(request.mode);
    const bool owner_ok = !request.owner || owner_matches(*request.owner, remote->owner);
    if (mode_ok && owner_ok) return UploadOutcome::unchanged;
    if (auto ok = uploader.open_sftp(); !ok) return tl::unexpected(ok.error());
    if (auto ok = uploader.set_attributes(path); !ok) return tl::unexpected(ok.error());
    return UploadOutcome::attributes_fixed;
  }
  if (auto ok = uploader.write_and_rename(); !ok) return tl::unexpected(ok.error());
  return UploadOutcome::written;
}

} // namespace fp::ssh
