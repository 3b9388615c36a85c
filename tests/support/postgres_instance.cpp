#include "postgres_instance.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <pwd.h>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace fp::test {
namespace {

using namespace std::chrono_literals;

constexpr auto k_ready_limit = 30s;
constexpr auto k_shutdown_grace = 30s;
// free_port() can lose a race with another process for the port before postgres binds it.
constexpr int k_port_attempts = 3;

// Debian installs the server binaries per major version, off PATH; take the newest.
// FP_POSTGRES_BINDIR overrides, and with neither the tools are looked up on PATH.
std::filesystem::path find_bindir() {
  if (const char* dir = std::getenv("FP_POSTGRES_BINDIR"); dir && *dir) return dir;
  std::filesystem::path best;
  long best_version = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    char* end = nullptr;
    const long version = std::strtol(name.c_str(), &end, 10);
    if (end == name.c_str() || *end != '\0') continue;
    if (version > best_version && std::filesystem::exists(entry.path() / "bin" / "postgres")) {
      best = entry.path() / "bin";
      best_version = version;
    }
  }
  return best;
}

std::string tool(const std::string& name) {
  static const std::filesystem::path dir = find_bindir();
  return dir.empty() ? name : (dir / name).string();
}

bool running_as_root() { return geteuid() == 0; }

// PostgreSQL refuses to run as root; when we are root it runs as `postgres` and must own its files.
void give_to_server_user(const std::filesystem::path& path) {
  if (!running_as_root()) return;
  const passwd* user = getpwnam("postgres");
  if (!user) throw std::runtime_error("running as root, but there is no 'postgres' user to run PostgreSQL as");
  if (chown(path.c_str(), user->pw_uid, user->pw_gid) != 0)
    throw std::runtime_error("cannot chown " + path.string() + ": " + std::strerror(errno));
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

void check(const CommandResult& result, const std::string& what) {
  if (result.exit_code != 0)
    throw std::runtime_error(what + " failed (exit code " + std::to_string(result.exit_code) + "):\n" + result.output);
}

std::string url_for(const std::string& address, unsigned short port, const std::string& database, const std::string& sslmode) {
  return std::string("postgresql://") + PostgresInstance::k_user + ":" + PostgresInstance::k_password + "@" + address +
         ":" + std::to_string(port) + "/" + database + "?sslmode=" + sslmode;
}

} // namespace

PostgresInstance::PostgresInstance(PostgresOptions options) : m_options(options), m_dir("fp-pg") {
  give_to_server_user(m_dir.path());
  const auto password_file = m_dir / "password";
  write_text(password_file, std::string(k_password) + "\n");
  give_to_server_user(password_file);
  // Local (socket) logins are trusted; TCP logins, which the tests use, check the password.
  check(run_command({tool("initdb"), "-D", (m_dir / "data").string(), "-U", k_user,
                     "--pwfile=" + password_file.string(), "--auth-local=trust", "--auth-host=scram-sha-256", "-E",
                     "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
                    as_server_user()),
        "initdb");
  std::filesystem::remove(password_file);

  if (m_options.ssl) {
    const auto key = m_dir / "server.key";
    const auto certificate = m_dir / "server.crt";
    check(run_command({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-days", "2", "-subj", "/CN=127.0.0.1", "-keyout", key.string(), "-out", certificate.string()}),
          "openssl req");
    // The server refuses a key that others can read.
    std::filesystem::permissions(key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace);
    give_to_server_user(key);
    give_to_server_user(certificate);
  }

  write_hba();
  for (int attempt = 1;; ++attempt) {
    m_port = m_options.port != 0 ? m_options.port : free_port();
    std::filesystem::remove(m_dir / "server.log");
    try {
      launch();
      break;
    } catch (const std::runtime_error&) {
      if (m_options.port != 0 || attempt >= k_port_attempts || log().find("could not bind") == std::string::npos) throw;
    }
  }
  check(run_command({tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                     std::string("CREATE DATABASE ") + k_database,
                     url_for(m_options.listen_address, m_port, "postgres", "disable")}),
        "CREATE DATABASE");
}

PostgresInstance::~PostgresInstance() { stop(); }

std::string PostgresInstance::url(const std::string& sslmode) const {
  return url_for(m_options.listen_address, m_port, k_database, sslmode);
}

void PostgresInstance::write_hba() const {
  // Socket logins (the tests' own administration) are trusted; TCP logins need the password and
  // one of the allowed sources. Everything else is refused.
  std::string hba = "local all all trust\n";
  const std::vector<std::string> loopback{"127.0.0.1/32", "::1/128"};
  for (const auto& source : m_options.allowed_sources.empty() ? loopback : m_options.allowed_sources)
    hba += "host all all " + source + " scram-sha-256\n";
  const auto path = m_dir / "data" / "pg_hba.conf";
  write_text(path, hba);
  give_to_server_user(path);
}

void PostgresInstance::set_allowed_sources(const std::vector<std::string>& sources) {
  m_options.allowed_sources = sources;
  write_hba();
  if (m_server) ::kill(m_server->pid(), SIGHUP);
}

void PostgresInstance::stop() {
  if (!m_server) return;
  m_server->stop(SIGINT, k_shutdown_grace); // SIGINT: fast shutdown, clients are disconnected
  m_server.reset();
}

void PostgresInstance::start() {
  if (!m_server) launch();
}

void PostgresInstance::restart() {
  stop();
  start();
}

CommandResult PostgresInstance::psql(const std::string& sql) const {
  auto result = run_command(psql_command(sql), {}, 60s);
  while (!result.output.empty() && (result.output.back() == '\n' || result.output.back() == '\r'))
    result.output.pop_back();
  return result;
}

std::vector<std::string> PostgresInstance::psql_command(const std::string& sql) const {
  return {tool("psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql, url()};
}

std::string PostgresInstance::log() const { return read_file(m_dir / "server.log"); }

void PostgresInstance::launch() {
  const std::string port = std::to_string(m_port);
  std::vector<std::string> argv{tool("postgres"),
                                "-D", (m_dir / "data").string(),
                                "-p", port,
                                "-c", "listen_addresses=" + m_options.listen_address,
                                "-c", "unix_socket_directories=" + m_dir.path().string(),
                                "-c", "max_connections=200",
                                "-c", "shared_buffers=32MB",
                                // Throwaway data: durability only costs time here.
                                "-c", "fsync=off",
                                "-c", "synchronous_commit=off",
                                "-c", "full_page_writes=off"};
  if (m_options.ssl) {
    argv.insert(argv.end(), {"-c", "ssl=on", "-c", "ssl_cert_file=" + (m_dir / "server.crt").string(), "-c",
                             "ssl_key_file=" + (m_dir / "server.key").string()});
  }
  ProcessOptions options = as_server_user();
  options.output = m_dir / "server.log";
  m_server = Process::start(argv, options);

  const auto deadline = std::chrono::steady_clock::now() + k_ready_limit;
  for (;;) {
    if (!m_server->running()) {
      m_server.reset();
      throw std::runtime_error("PostgreSQL exited while starting on port " + port + ":\n" + log());
    }
    const auto ready = run_command(
      {tool("pg_isready"), "-q", "-h", m_options.listen_address, "-p", port, "-U", k_user, "-d", "postgres", "-t", "2"}, {}, 10s);
    if (ready.exit_code == 0) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      m_server->stop(SIGKILL);
      m_server.reset();
      throw std::runtime_error("PostgreSQL did not accept connections on port " + port + " within 30 s:\n" + log());
    }
    std::this_thread::sleep_for(50ms);
  }
}

ProcessOptions PostgresInstance::as_server_user() const {
  ProcessOptions options;
  if (running_as_root()) options.run_as_user = "postgres";
  return options;
}

} // namespace fp::test
