// Move-only owners of libssh's C handles. Every handle fp_ssh (and fp_infra's key code) creates is
// put into one of these before the function that made it can return, so an early error return
// never leaks a session, channel or key. This header includes libssh: only .cpp files include it,
// never a public header of fp_ssh.
#pragma once

#include <cstdlib>
#include <memory>

#include <libssh/libssh.h>
#include <libssh/sftp.h>

namespace fp::ssh::raw {

struct SessionDeleter {
  // ssh_disconnect before ssh_free sends SSH_MSG_DISCONNECT, so the server logs a clean close
  // instead of a reset; it is a no-op on a session that never connected.
  void operator()(ssh_session session) const {
    ssh_disconnect(session);
    ssh_free(session);
  }
};
using Session = std::unique_ptr<ssh_session_struct, SessionDeleter>;

struct ChannelDeleter {
  void operator()(ssh_channel channel) const {
    if (ssh_channel_is_open(channel) != 0) ssh_channel_close(channel);
    ssh_channel_free(channel);
  }
};
using Channel = std::unique_ptr<ssh_channel_struct, ChannelDeleter>;

struct SftpDeleter {
  void operator()(sftp_session sftp) const { sftp_free(sftp); }
};
using Sftp = std::unique_ptr<sftp_session_struct, SftpDeleter>;

struct SftpFileDeleter {
  void operator()(sftp_file file) const { sftp_close(file); }
};
using SftpFile = std::unique_ptr<sftp_file_struct, SftpFileDeleter>;

struct SftpAttributesDeleter {
  void operator()(sftp_attributes attributes) const { sftp_attributes_free(attributes); }
};
using SftpAttributes = std::unique_ptr<sftp_attributes_struct, SftpAttributesDeleter>;

struct KeyDeleter {
  void operator()(ssh_key key) const { ssh_key_free(key); }
};
using Key = std::unique_ptr<ssh_key_struct, KeyDeleter>;

// Strings libssh returns for the caller to free (ssh_pki_export_*, ssh_get_fingerprint_hash) are
// malloc'ed; libssh's own ssh_string_free_char is free() too.
struct CStringDeleter {
  void operator()(char* text) const { std::free(text); }
};
using CString = std::unique_ptr<char, CStringDeleter>;

// The digest ssh_get_publickey_hash hands out.
struct HashDeleter {
  void operator()(unsigned char* hash) const {
    unsigned char* owned = hash;
    ssh_clean_pubkey_hash(&owned);
  }
};
using Hash = std::unique_ptr<unsigned char, HashDeleter>;

} // namespace fp::ssh::raw
