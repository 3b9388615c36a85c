#include "ssh/session.hpp"

#include "ssh/session_impl.hpp"

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace fp::ssh {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

// One attempt's failure, and whether waiting could help.
struct AttemptError {
  SshError error;
  bool retryable = false;
};

tl::expected<raw::Key, SshError> load_private_key(const SshTarget& target, const std::string& label) {
  ssh_key key = nullptr;
  if (ssh_pki_import_privkey_file(target.private_key_path.c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK) {
    std::error_code ignored;
    if (!std::filesystem::exists(target.private_key_path, ignored))
      return tl::unexpected(make_error(ErrorKind::config, label, "the SSH key " + target.private_key_path.string() + " does not exist",
                                       "create it with ssh-keygen -t ed25519 -f " + target.private_key_path.string() +
                                         ", or point ssh.key at your key"));
    return tl::unexpected(make_error(ErrorKind::config, label, "cannot read the SSH key " + target.private_key_path.string(),
                                     "it must be an OpenSSH private key without a passphrase; for a key with a "
                                     "passphrase, add it to ssh-agent (ssh-add) and leave ssh.key out"));
  }
  return raw::Key(key);
}

SshError missing_key_type_error(const std::string& label, const HostKey& pinned, const std::string& why) {
  return make_error(ErrorKind::host_key_changed, label,
                    "the host key has changed: the recorded " + pinned.type + " key " +
                      sha256_fingerprint(pinned).value_or("(unreadable)") + " is no longer offered (" + why +
                      "). Nothing was sent to the host. Expected when the host was re-created; otherwise someone may be "
                      "intercepting the connection",
                    "if you know why it changed, accept the new key with: " + forget_host_key_command(label));
}

tl::expected<raw::Session, AttemptError> open_connection(const SshTarget& target, const std::string& label,
                                                         const std::optional<HostKey>& pinned, milliseconds timeout) {
  raw::Session session(ssh_new());
  if (!session) return tl::unexpected(AttemptError{make_error(ErrorKind::protocol, label, "libssh cannot allocate a session"), false});
  const unsigned int port = target.port;
  const long timeout_usec = std::max<long>(1000, static_cast<long>(timeout.count()) * 1000);
  const bool process_config = false; // ~/.ssh/config must not change where fpctl connects
  const int verbosity = SSH_LOG_NOLOG;
  ssh_options_set(session.get(), SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
  if (ssh_options_set(session.get(), SSH_OPTIONS_HOST, target.host.c_str()) != SSH_OK ||
      ssh_options_set(session.get(), SSH_OPTIONS_PORT, &port) != SSH_OK ||
      ssh_options_set(session.get(), SSH_OPTIONS_USER, target.user.c_str()) != SSH_OK ||
      ssh_options_set(session.get(), SSH_OPTIONS_TIMEOUT_USEC, &timeout_usec) != SSH_OK ||
      ssh_options_set(session.get(), SSH_OPTIONS_PROCESS_CONFIG, &process_config) != SSH_OK)
    return tl::unexpected(AttemptError{make_error(ErrorKind::config, label, "invalid SSH target: " +
                                                  std::string(ssh_get_error(session.get()))), false});
  if (pinned) {
    const auto algorithms = host_key_algorithms(pinned->type);
    ssh_options_set(session.get(), SSH_OPTIONS_HOSTKEYS, algorithms.c_str());
  }
  if (ssh_connect(session.get()) != SSH_OK) {
    const std::string why = ssh_get_error(session.get());
    // Offered only the recorded key's algorithms, the server had none: its keys are all new.
    if (pinned && why.find("host key algo") != std::string::npos)
      return tl::unexpected(AttemptError{missing_key_type_error(label, *pinned, why), false});
    // A name that does not resolve will not start resolving while we wait.
    const bool resolve = why.find("resolve") != std::string::npos;
    return tl::unexpected(AttemptError{
      make_error(resolve ? ErrorKind::config : ErrorKind::unreachable, label, "cannot connect: " + why,
                 resolve ? "check the host name" : ""),
      !resolve});
  }
  return session;
}

tl::expected<HostKey, SshError> server_key(ssh_session session, const std::string& label) {
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(session, &key) != SSH_OK)
    return tl::unexpected(make_error(ErrorKind::protocol, label, "the server sent no host key"));
  const raw::Key owned(key);
  char* base64 = nullptr;
  if (ssh_pki_export_pubkey_base64(owned.get(), &base64) != SSH_OK)
    return tl::unexpected(make_error(ErrorKind::protocol, label, "cannot read the server's host key"));
  const raw::CString text(base64);
  return HostKey{ssh_key_type_to_char(ssh_key_type(owned.get())), text.get()};
}

SshError changed_key_error(const std::string& label, const HostKey& pinned, const HostKey& seen) {
  const auto old_print = sha256_fingerprint(pinned);
  const auto new_print = sha256_fingerprint(seen);
  return make_error(ErrorKind::host_key_changed, label,
                    "the host key has changed: recorded " + pinned.type + " " + old_print.value_or("(unreadable)") +
                      ", now " + seen.type + " " + new_print.value_or("(unreadable)") +
                      ". Nothing was sent to the host. Expected when the host was re-created; otherwise someone may "
                      "be intercepting the connection",
                    "if you know why it changed, accept the new key with: " + forget_host_key_command(label));
}

tl::expected<void, AttemptError> authenticate(ssh_session session, const SshTarget& target, const std::string& label,
                                              const raw::Key& key) {
  const int rc = key ? ssh_userauth_publickey(session, nullptr, key.get()) : ssh_userauth_agent(session, nullptr);
  if (rc == SSH_AUTH_SUCCESS) return {};
  if (rc == SSH_AUTH_ERROR) // the link broke during authentication: like a failed connect
    return tl::unexpected(AttemptError{make_error(ErrorKind::unreachable, label, "connection lost during authentication: " +
                                                  std::string(ssh_get_error(session))), true});
  const std::string used = key ? "the key " + target.private_key_path.string() : "the keys in ssh-agent";
  return tl::unexpected(AttemptError{
    make_error(ErrorKind::auth, label, "the server refused " + used + " for user " + target.user,
               "check that its public key is in ~" + target.user + "/.ssh/authorized_keys on the host (for a droplet: "
               "registered with DigitalOcean before the droplet was created)"),
    false});
}

tl::expected<Session, AttemptError> attempt(const SshTarget& target, const std::string& label,
                                            const std::optional<HostKey>& pinned, const raw::Key& key, milliseconds timeout) {
  auto session = open_connection(target, label, pinned, timeout);
  if (!session) return tl::unexpected(session.error());
  auto seen = server_key(session->get(), label);
  if (!seen) return tl::unexpected(AttemptError{seen.error(), false});
  // The key is checked before authenticating, so nothing (not even which user we are) reaches
  // an impostor.
  if (pinned && !(*pinned == *seen)) return tl::unexpected(AttemptError{changed_key_error(label, *pinned, *seen), false});
  if (auto ok = authenticate(session->get(), target, label, key); !ok) return tl::unexpected(ok.error());
  auto impl = std::make_unique<Session::Impl>();
  impl->target = target;
  impl->label = label;
  impl->host_key = *seen;
  impl->first_contact = !pinned;
  impl->session = std::move(*session);
  return Session(std::move(impl));
}

} // namespace

Session::Session(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() {
  if (m_impl) m_impl->sftp.reset(); // the SFTP channel goes before its session
}

const SshTarget& Session::target() const { return m_impl->target; }
const std::string& Session::label() const { return m_impl->label; }
const HostKey& Session::host_key() const { return m_impl->host_key; }
bool Session::first_contact() const { return m_impl->first_contact; }

std::string forget_host_key_command(const std::string& label) { return "fpctl ssh --forget-host-key " + label; }

tl::expected<Session, SshError> connect(const SshTarget& target, const ConnectOptions& options) {
  const std::string label = options.label.empty() ? target.label() : options.label;
  if (target.host.empty()) return tl::unexpected(make_error(ErrorKind::config, label, "no host to connect to"));
  if (target.user.empty()) return tl::unexpected(make_error(ErrorKind::config, label, "no user to connect as"));
  std::optional<HostKey> pinned;
  if (options.pinned_host_key) {
    auto parsed = parse_host_key(*options.pinned_host_key);
    if (!parsed)
      return tl::unexpected(make_error(ErrorKind::config, label, "the recorded host key is not valid: " + parsed.error(),
                                       "record it again with: " + forget_host_key_command(label)));
    pinned = *parsed;
  }
  raw::Key key;
  if (!target.private_key_path.empty()) {
    auto loaded = load_private_key(target, label);
    if (!loaded) return tl::unexpected(loaded.error());
    key = std::move(*loaded);
  } else if (const char* agent = std::getenv("SSH_AUTH_SOCK"); agent == nullptr || *agent == '\0') {
    return tl::unexpected(make_error(ErrorKind::config, label, "no SSH key given and no ssh-agent running (SSH_AUTH_SOCK is not set)",
                                     "set ssh.key in fpctl.yaml, or start ssh-agent and ssh-add your key"));
  }

  const auto start = Clock::now();
  const auto deadline = start + options.total_timeout;
  auto delay = options.first_backoff;
  for (int number = 1;; ++number) {
    const auto left = duration_cast<milliseconds>(deadline - Clock::now());
    auto session = attempt(target, label, pinned, key, std::clamp(left, milliseconds(100), std::max(options.attempt_timeout, milliseconds(100))));
    if (session) return std::move(*session);
    if (!session.error().retryable) return tl::unexpected(session.error().error);
    const auto now = Clock::now();
    if (now + delay >= deadline) {
      SshError error = session.error().error;
      const auto seconds = duration_cast<std::chrono::seconds>(now - start).count();
      error.message = "no SSH connection after " + std::to_string(number) + (number == 1 ? " attempt" : " attempts") +
                      " in " + std::to_string(seconds) + "s; last error: " + error.message;
      error.hint = "check that the host is running, the address and port (" + std::to_string(target.port) +
                   "), and that a firewall lets SSH in from this machine";
      return tl::unexpected(error);
    }
    if (options.on_retry)
      options.on_retry(ConnectProgress{number, session.error().error.message, delay, duration_cast<milliseconds>(now - start)});
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, options.max_backoff);
  }
}

} // namespace fp::ssh
