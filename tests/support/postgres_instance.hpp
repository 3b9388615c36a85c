// A throwaway PostgreSQL server for tests: its own data directory in a temporary directory, a free
// port on 127.0.0.1, stopped by pid and removed when the object goes away.
#pragma once

#include "process.hpp"
#include "temp_dir.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fp::test {

struct PostgresOptions {
  bool ssl = false; // serve TLS with a self-signed certificate (clients then use sslmode=require)
  // Where it listens (the simulator's managed clusters listen on a VPC address) and on which port
  // (0: a free one; a fixed port is tried once).
  std::string listen_address = "127.0.0.1";
  unsigned short port = 0;
  // Who may log in over TCP (CIDRs, as pg_hba.conf takes them); empty: only this machine's loopback.
  std::vector<std::string> allowed_sources;
};

// Database `fp`, user `fp`, password `secret` (checked: TCP connections use scram-sha-256).
class PostgresInstance {
public:
  static constexpr const char* k_user = "fp";
  static constexpr const char* k_password = "secret";
  static constexpr const char* k_database = "fp";

  // initdb, start, wait until it accepts connections (bounded), create the database. Throws
  // std::runtime_error with the server's log when any of it fails.
  explicit PostgresInstance(PostgresOptions options = {});
  ~PostgresInstance(); // fast shutdown (SIGINT) by pid; the data directory is removed
  PostgresInstance(const PostgresInstance&) = delete;
  PostgresInstance& operator=(const PostgresInstance&) = delete;

  // postgresql://fp:secret@LISTEN_ADDRESS:PORT/fp?sslmode=SSLMODE
  std::string url(const std::string& sslmode = "disable") const;
  const std::string& listen_address() const { return m_options.listen_address; }

  // Rewrites pg_hba.conf for these sources (the trusted sources of a managed cluster) and makes
  // the running server reload it (SIGHUP): a source no longer listed is refused from its next login.
  void set_allowed_sources(const std::vector<std::string>& sources);
  unsigned short port() const { return m_port; }
  bool running() const { return m_server.has_value(); }

  void stop();    // fast shutdown; a no-op when stopped
  void start();   // same port and data; throws like the constructor; a no-op when running
  void restart(); // stop(), then start()

  // Runs `psql -X -At -v ON_ERROR_STOP=1 -c SQL URL` to completion; output without trailing newlines.
  CommandResult psql(const std::string& sql) const;
  // The same command line, for a psql left running in the background (e.g. one holding a lock).
  std::vector<std::string> psql_command(const std::string& sql) const;

  // The server's log so far (stdout and stderr of postgres).
  std::string log() const;

private:
  void launch(); // starts postgres and waits until it accepts connections
  void write_hba() const;
  ProcessOptions as_server_user() const;

  PostgresOptions m_options;
  TempDir m_dir;
  unsigned short m_port = 0;
  std::optional<Process> m_server;
};

} // namespace fp::test
