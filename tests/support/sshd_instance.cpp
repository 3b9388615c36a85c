#include "sshd_instance.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fp::test {
namespace {

constexpr auto k_start_limit = std::chrono::seconds(15);
constexpr const char* k_sshd = "/usr/sbin/sshd"; // sshd re-executes itself: it wants an absolute path

void keygen(const std::filesystem::path& path, const std::string& comment) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  std::filesystem::remove(path.string() + ".pub", ignored);
  const auto made = run_command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path.string()});
  if (made.exit_code != 0) throw std::runtime_error("ssh-keygen failed: " + made.output);
}

std::string first_two_fields(const std::string& line) {
  std::istringstream in(line);
  std::string type, blob;
  in >> type >> blob;
  return type + " " + blob;
}

} // namespace

SshKeyPair make_ssh_key(const std::filesystem::path& directory, const std::string& name) {
  const auto path = directory / name;
  keygen(path, name + "@fpctl-test");
  std::string public_key = read_file(path.string() + ".pub");
  while (!public_key.empty() && public_key.back() == '\n') public_key.pop_back();
  return SshKeyPair{path, public_key};
}

SshdInstance::SshdInstance(const std::string& authorized_keys, bool start_now) : m_port(free_port()) {
  std::ofstream(m_dir / "authorized_keys") << authorized_keys << "\n";
  keygen(m_dir / "host_ed25519", "fpctl-test-host");
  write_config();
  if (start_now) start();
}

SshdInstance::~SshdInstance() { stop(); }

void SshdInstance::write_config() const {
  const std::string d = m_dir.path().string();
  std::ofstream(m_dir / "sshd_config") << "Port " << m_port << "\n"
                                       << "ListenAddress 127.0.0.1\n"
                                       << "HostKey " << d << "/host_ed25519\n"
                                       << "PidFile " << d << "/sshd.pid\n"
                                       << "AuthorizedKeysFile " << d << "/authorized_keys\n"
                                       << "StrictModes no\n"
                                       << "UsePAM no\n"
                                       << "PasswordAuthentication no\n"
                                       << "KbdInteractiveAuthentication no\n"
                                       << "PubkeyAuthentication yes\n"
                                       << "PermitRootLogin prohibit-password\n"
                                       << "Subsystem sftp internal-sftp\n"
                                       << "MaxStartups 100\n"
                                       << "MaxSessions 100\n"
                                       << "LogLevel VERBOSE\n";
}

void SshdInstance::start() {
  if (m_process && m_process->running()) return;
  if (geteuid() == 0) {
    // sshd running as root chroots its pre-authentication child into this directory.
    ::mkdir("/run/sshd", 0755);
  }
  ProcessOptions options;
  options.output = m_dir / "sshd.log";
  m_process = Process::start({k_sshd, "-D", "-e", "-f", (m_dir / "sshd_config").string()}, options);
  const auto deadline = std::chrono::steady_clock::now() + k_start_limit;
  while (!accepts(m_port)) {
    if (!m_process->running()) throw std::runtime_error("sshd exited at start:\n" + log());
    if (std::chrono::steady_clock::now() > deadline) {
      m_process->stop(SIGKILL);
      throw std::runtime_error("sshd did not start in time:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void SshdInstance::stop() {
  if (m_process && m_process->running()) m_process->stop(SIGTERM, std::chrono::seconds(10));
  m_process.reset();
}

void SshdInstance::replace_host_key() { keygen(m_dir / "host_ed25519", "fpctl-test-host-recreated"); }

std::string SshdInstance::user() const {
  const passwd* entry = ::getpwuid(::geteuid());
  if (entry == nullptr) throw std::runtime_error("the current user has no passwd entry");
  return entry->pw_name;
}

std::string SshdInstance::host_key() const { return first_two_fields(read_file(m_dir / "host_ed25519.pub")); }

std::string SshdInstance::host_fingerprint() const {
  const auto listed = run_command({"ssh-keygen", "-l", "-E", "sha256", "-f", (m_dir / "host_ed25519.pub").string()});
  if (listed.exit_code != 0) throw std::runtime_error("ssh-keygen -l failed: " + listed.output);
  std::istringstream in(listed.output); // "256 SHA256:... comment (ED25519)"
  std::string bits, fingerprint;
  in >> bits >> fingerprint;
  return fingerprint;
}

std::string SshdInstance::log() const { return read_file(m_dir / "sshd.log"); }

} // namespace fp::test
