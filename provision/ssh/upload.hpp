// Writing a file on a host so that readers only ever see the old content or the new one: SFTP to
// a temporary name in the same directory (created 0600, so a secret is never readable by others
// on the way), fsync, mode and owner set, then renamed over the target (rename(2)). An upload whose content,
// mode and owner are already on the host writes nothing, which keeps a second `fpctl up` quiet.
#pragma once

#include "ssh/error.hpp"
#include "ssh/session.hpp"

#include <optional>
#include <string>

#include <tl/expected.hpp>

namespace fp::ssh {

struct UploadRequest {
  std::string remote_path;          // absolute; its directory must exist
  std::string content;
  unsigned mode = 0644;
  std::optional<std::string> owner; // "user" or "user:group", set with chown (the remote user must be root)
};

enum class UploadOutcome {
  unchanged,         // content, mode and owner were already right: nothing written
  attributes_fixed,  // content was right; mode or owner corrected in place
  written,           // new content written and renamed into place
};
std::string_view to_string(UploadOutcome outcome);

tl::expected<UploadOutcome, SshError> upload(Session& session, const UploadRequest& request);

} // namespace fp::ssh
