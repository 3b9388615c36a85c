// What a Session holds (private to fp_ssh: it includes libssh).
#pragma once

#include "ssh/session.hpp"
#include "ssh/ssh_handles.hpp"

#include <string>

namespace fp::ssh {

struct Session::Impl {
  SshTarget target;
  std::string label;
  HostKey host_key;
  bool first_contact = false;
  raw::Session session;
  raw::Sftp sftp; // opened on the first upload, then reused

  // libssh's last error on this session, for messages.
  std::string last_error() const { return ssh_get_error(session.get()); }
};

} // namespace fp::ssh
