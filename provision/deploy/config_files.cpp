#include "deploy/config_files.hpp"

#include "deploy/template.hpp"

#include "units.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace fp::deploy {
namespace {

using Result = tl::expected<std::string, std::string>;
// Validation steps return an error message, or nothing.
using Check = tl::expected<void, std::string>;

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A whole decimal number in [min, max]; nothing else (no sign, no spaces).
bool parse_number(std::string_view text, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
  if (text.empty() || text.size() > 10) return false;
  std::uint64_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value < min || value > max) return false;
  out = value;
  return true;
}

Check check_range(int value, int min, int max, std::string_view what) {
  if (value < min || value > max) {
    return tl::unexpected(std::string(what) + " is " + std::to_string(value) + ": give a number from " +
                          std::to_string(min) + " to " + std::to_string(max));
  }
  return {};
}

// Text that goes into a configuration file as one word: no character that would end the word, the
// directive or the line (or start a comment, a variable or a systemd specifier) may be in it.
Check check_word(std::string_view text, std::string_view what, std::string_view forbidden) {
  if (text.empty()) return tl::unexpected(std::string(what) + " is empty");
  for (char c : text) {
    if (is_control(c) || c == ' ' || forbidden.find(c) != std::string_view::npos) {
      std::string shown = is_control(c) ? "a control character (newline, tab, ...)" : "'" + std::string(1, c) + "'";
      if (c == ' ') shown = "a space";
      return tl::unexpected(std::string(what) + " '" + std::string(text) + "' contains " + shown +
                            ", which cannot be written safely into the file");
    }
  }
  return {};
}

// Characters that end or change a word in nginx's configuration syntax.
constexpr std::string_view k_nginx_special = ";{}\"'#$\\";
// The same for systemd unit files, plus '%' (specifiers).
constexpr std::string_view k_systemd_special = ";{}\"'#$\\%";

Check check_absolute_path(std::string_view path, std::string_view what, std::string_view forbidden) {
  if (auto ok = check_word(path, what, forbidden); !ok) return ok;
  if (path.front() != '/') {
    return tl::unexpected(std::string(what) + " '" + std::string(path) + "' is not an absolute path (begin it with '/')");
  }
  return {};
}

// "name", "10.0.0.5", "[::1]": a host in an address; the port is checked apart.
bool is_host(std::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    return std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
      return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
    });
  }
  return std::all_of(host.begin(), host.end(), [](char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-';
  });
}

// "HOST:PORT" with a port from 1 to 65535.
Check check_host_port(std::string_view address, std::string_view what) {
  const std::string shown = std::string(what) + " '" + std::string(address) + "'";
  const auto colon = address.rfind(':');
  std::uint64_t port = 0;
  if (colon == std::string_view::npos || !is_host(address.substr(0, colon))) {
    return tl::unexpected(shown + " is not HOST:PORT (e.g. 10.110.0.5:8080)");
  }
  if (!parse_number(address.substr(colon + 1), 1, 65535, port)) {
    return tl::unexpected(shown + " has no valid port: give one from 1 to 65535 after the ':'");
  }
  return {};
}

// nginx's `listen`: "PORT" or "HOST:PORT".
Check check_listen(std::string_view listen) {
  std::uint64_t port = 0;
  if (parse_number(listen, 1, 65535, port)) return {};
  if (listen.find(':') == std::string_view::npos) {
    return tl::unexpected("nginx listen '" + std::string(listen) +
                          "' is neither a port (1 to 65535) nor HOST:PORT (e.g. 127.0.0.1:8080)");
  }
  return check_host_port(listen, "nginx listen");
}

// A Unix user name, as useradd accepts it.
Check check_user_name(std::string_view user, std::string_view what) {
  const bool ok = !user.empty() && user.size() <= 32 && (user.front() == '_' || (user.front() >= 'a' && user.front() <= 'z')) &&
                  std::all_of(user.begin(), user.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-';
                  });
  if (!ok) {
    return tl::unexpected(std::string(what) + " '" + std::string(user) +
                          "' is not a user name: lowercase letters, digits, '_' and '-', starting with a letter or '_'");
  }
  return {};
}

// A PostgreSQL name written unquoted (pg_hba.conf, SQL): lowercase so that it means itself.
Check check_pg_name(std::string_view name, std::string_view what) {
  const bool ok = !name.empty() && name.size() <= 63 && (name.front() == '_' || (name.front() >= 'a' && name.front() <= 'z')) &&
                  std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_'; });
  if (!ok) {
    return tl::unexpected(std::string(what) + " '" + std::string(name) +
                          "' is not a plain PostgreSQL name: lowercase letters, digits and '_', starting with a letter or '_'");
  }
  return {};
}

enum class Family { none, v4, v6 };

Family address_family(const std::string& address) {
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return Family::v4;
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) return Family::v6;
  return Family::none;
}

// NAME='value': single quotes are literal both for systemd's EnvironmentFile= and for sh, so a
// value may hold anything except what neither can represent inside them.
Check append_env(std::string& out, std::string_view name, std::string_view value) {
  for (char c : value) {
    if (c == '\'' || is_control(c)) {
      return tl::unexpected(std::string(name) + " contains " +
                            (c == '\'' ? std::string("a single quote (')") : std::string("a control character (newline, tab, ...)")) +
                            ", which the environment file cannot hold: remove it (a database password, too, "
                            "must do without it)");
    }
  }
  out += std::string(name) + "='" + std::string(value) + "'\n";
  return {};
}

std::string file_error(std::string_view file, const std::string& message) {
  return std::string(file) + ": " + message;
}

} // namespace

Result render_nginx_conf(const NginxSettings& settings) {
  constexpr std::string_view file = "nginx.conf";
  auto fail = [&](const std::string& message) { return Result(tl::unexpected(file_error(file, message))); };

  if (auto ok = check_word(settings.listen, "nginx listen", k_nginx_special); !ok) return fail(ok.error());
  if (auto ok = check_listen(settings.listen); !ok) return fail(ok.error());
  if (settings.upstreams.empty()) return fail("no upstream: the load balancer needs at least one worker address");
  std::string servers;
  std::vector<std::string> seen;
  for (const auto& upstream : settings.upstreams) {
    if (auto ok = check_word(upstream.address, "upstream", k_nginx_special); !ok) return fail(ok.error());
    if (auto ok = check_host_port(upstream.address, "upstream"); !ok) return fail(ok.error());
    if (std::find(seen.begin(), seen.end(), upstream.address) != seen.end()) {
      return fail("upstream '" + upstream.address + "' is listed twice");
    }
    seen.push_back(upstream.address);
    if (!servers.empty()) servers += "\n    ";
    servers += "server " + upstream.address + " max_fails=3 fail_timeout=5s;";
  }

  std::string user_line = "# No `user` directive: nginx keeps the user that starts it (`nobody` when that is root).";
  if (!settings.user.empty()) {
    if (auto ok = check_user_name(settings.user, "nginx user"); !ok) return fail(ok.error());
    user_line = "user " + settings.user + ";";
  }
  if (auto ok = check_absolute_path(settings.pid_file, "pid file", k_nginx_special); !ok) return fail(ok.error());
  if (settings.error_log != "stderr") {
    if (auto ok = check_absolute_path(settings.error_log, "error log", k_nginx_special); !ok) return fail(ok.error());
  }
  std::string access_log_line = "access_log off;";
  if (!settings.access_log.empty() && settings.access_log != "off") {
    if (auto ok = check_absolute_path(settings.access_log, "access log", k_nginx_special); !ok) return fail(ok.error());
    // Buffered: one write per 64 KiB (or per second) instead of one per request under load.
    access_log_line = "access_log " + settings.access_log + " fp_upstream buffer=64k flush=1s;";
  }
  if (auto ok = check_absolute_path(settings.temp_dir, "temp dir", k_nginx_special); !ok) return fail(ok.error());
  if (auto ok = check_range(settings.worker_connections, 64, 1000000, "worker_connections"); !ok) return fail(ok.error());
  if (auto ok = check_range(settings.upstream_keepalive_seconds, 1, 3600, "upstream keep-alive seconds"); !ok) {
    return fail(ok.error());
  }
  if (auto ok = check_range(settings.max_requests_per_client, 1, 10000000, "max requests per client"); !ok) {
    return fail(ok.error());
  }

  std::string temp_dir = settings.temp_dir;
  while (temp_dir.size() > 1 && temp_dir.back() == '/') temp_dir.pop_back();
  const Variables variables = {
    {"user_line", user_line},
    {"worker_rlimit_nofile", std::to_string(2 * settings.worker_connections + 64)},
    {"pid_file", settings.pid_file},
    {"error_log", settings.error_log},
    {"worker_connections", std::to_string(settings.worker_connections)},
    {"access_log_line", access_log_line},
    {"temp_dir", temp_dir},
    {"max_requests_per_client", std::to_string(settings.max_requests_per_client)},
    {"upstream_servers", servers},
    {"upstream_keepalive_seconds", std::to_string(settings.upstream_keepalive_seconds)},
    {"listen", settings.listen},
  };
  return render_embedded(file, variables);
}

Result render_worker_env(const WorkerEnvironment& environment) {
  constexpr std::string_view file = "fp-order-server.env";
  auto fail = [&](const std::string& message) { return Result(tl::unexpected(file_error(file, message))); };

  if (auto ok = check_host_port(environment.listen, "listen address"); !ok) return fail(ok.error());
  const std::string_view url = environment.database_url;
  if (!url.starts_with("sqlite://") && !url.starts_with("postgresql://") && !url.starts_with("postgres://")) {
    return fail("database URL '" + environment.database_url +
                "' is neither sqlite://PATH nor postgresql://USER:PASSWORD@HOST:PORT/DATABASE");
  }
  if (environment.threads < 0) return fail("threads is " + std::to_string(environment.threads) + ": give 0 (one per core) or more");
  if (auto duration = fp::parse_duration(environment.drain_idle); !duration) {
    return fail("drain idle grace '" + environment.drain_idle + "': " + duration.error());
  }

  std::string lines;
  Check ok = append_env(lines, "FP_LISTEN", environment.listen)
               .and_then([&] { return append_env(lines, "FP_DATABASE_URL", environment.database_url); })
               .and_then([&]() -> Check {
                 if (environment.threads > 0) return append_env(lines, "FP_THREADS", std::to_string(environment.threads));
                 return {};
               })
               .and_then([&] { return append_env(lines, "FP_DRAIN_IDLE", environment.drain_idle); })
               .and_then([&]() -> Check {
                 if (!environment.access_log.empty()) return append_env(lines, "FP_ACCESS_LOG", environment.access_log);
                 return {};
               });
  if (!ok) return fail(ok.error());
  lines.pop_back(); // the template ends the last line
  return render_embedded(file, {{"variables", lines}});
}

Result render_worker_unit(const WorkerUnit& unit) {
  constexpr std::string_view file = "fp-order-server.service";
  auto fail = [&](const std::string& message) { return Result(tl::unexpected(file_error(file, message))); };

  if (auto ok = check_absolute_path(unit.binary, "server binary", k_systemd_special); !ok) return fail(ok.error());
  if (auto ok = check_absolute_path(unit.environment_file, "environment file", k_systemd_special); !ok) {
    return fail(ok.error());
  }
  if (auto ok = check_user_name(unit.user, "service user"); !ok) return fail(ok.error());
  if (unit.user == "root") return fail("the service user must not be root: fp-order-server needs no privilege");
  if (auto ok = check_range(unit.stop_timeout_seconds, 1, 3600, "stop timeout seconds"); !ok) return fail(ok.error());
  std::string writable = "# No ReadWritePaths: with PostgreSQL the server writes no file.";
  if (!unit.data_directory.empty()) {
    if (auto ok = check_absolute_path(unit.data_directory, "data directory", k_systemd_special); !ok) {
      return fail(ok.error());
    }
    writable = "# SQLite: the database, its WAL and shared-memory files live here.\nReadWritePaths=" + unit.data_directory;
  }
  return render_embedded(file, {
                                 {"user", unit.user},
                                 {"environment_file", unit.environment_file},
                                 {"binary", unit.binary},
                                 {"stop_timeout_seconds", std::to_string(unit.stop_timeout_seconds)},
                                 {"writable_paths_line", writable},
                               });
}

namespace {

Check check_postgres(const PostgresSettings& settings) {
  if (settings.listen_address.empty()) {
    return tl::unexpected(std::string("no listen address: give the droplet's private address"));
  }
  if (settings.listen_address == "*" || settings.listen_address == "0.0.0.0" || settings.listen_address == "::") {
    return tl::unexpected("listen address '" + settings.listen_address +
                          "' would listen on every interface: give the droplet's private address");
  }
  if (address_family(settings.listen_address) == Family::none) {
    return tl::unexpected("listen address '" + settings.listen_address + "' is not an IP address");
  }
  return check_range(settings.port, 1, 65535, "port")
    .and_then([&] { return check_range(settings.memory_mb, 256, 4 * 1024 * 1024, "memory (MB)"); })
    .and_then([&] { return check_range(settings.max_connections, 5, 10000, "max_connections"); })
    .and_then([&] { return check_pg_name(settings.database, "database"); })
    .and_then([&] { return check_pg_name(settings.user, "database user"); });
}

} // namespace

Result render_postgresql_conf(const PostgresSettings& settings) {
  constexpr std::string_view file = "postgresql.conf";
  if (auto ok = check_postgres(settings); !ok) return tl::unexpected(file_error(file, ok.error()));

  const std::int64_t memory = settings.memory_mb;
  const std::int64_t shared_buffers = memory / 4;
  const std::int64_t effective_cache = memory * 3 / 4;
  const std::int64_t work_mem_kb =
    std::clamp<std::int64_t>((memory - shared_buffers) * 1024 / (3 * std::int64_t{settings.max_connections}), 1024, 65536);
  const std::int64_t maintenance = std::clamp<std::int64_t>(memory / 16, 64, 2048);
  return render_embedded(file, {
                                 {"listen_address", settings.listen_address},
                                 {"port", std::to_string(settings.port)},
                                 {"max_connections", std::to_string(settings.max_connections)},
                                 {"memory_mb", std::to_string(memory)},
                                 {"shared_buffers_mb", std::to_string(shared_buffers)},
                                 {"effective_cache_size_mb", std::to_string(effective_cache)},
                                 {"work_mem_kb", std::to_string(work_mem_kb)},
                                 {"maintenance_work_mem_mb", std::to_string(maintenance)},
                               });
}

Result render_pg_hba(const PostgresSettings& settings) {
  constexpr std::string_view file = "pg_hba.conf";
  if (auto ok = check_postgres(settings); !ok) return tl::unexpected(file_error(file, ok.error()));
  if (settings.allowed_sources.empty()) {
    return tl::unexpected(file_error(file, "no allowed source: give the workers' private addresses"));
  }
  std::string lines;
  std::vector<std::string> seen;
  for (const auto& source : settings.allowed_sources) {
    const Family family = address_family(source);
    if (family == Family::none) {
      return tl::unexpected(file_error(file, "allowed source '" + source + "' is not an IP address (e.g. 10.110.0.5)"));
    }
    if (std::find(seen.begin(), seen.end(), source) != seen.end()) continue;
    seen.push_back(source);
    if (!lines.empty()) lines += "\n";
    lines += "host    " + settings.database + "   " + settings.user + "   " + source + (family == Family::v4 ? "/32" : "/128") +
             "   scram-sha-256";
  }
  return render_embedded(file, {{"worker_lines", lines}});
}

} // namespace fp::deploy
