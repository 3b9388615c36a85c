// Owners of libpq handles and the pieces the PostgreSQL back end shares between its blocking admin
// connection and the nonblocking connections of worker stores. Private to the server library: this
// header includes libpq, so nothing that store.hpp users include may include it.
#pragma once

#include "store.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <libpq-fe.h>

namespace fp::server {

struct PgConnFinisher {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct PgResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgConn = std::unique_ptr<PGconn, PgConnFinisher>;
using PgResult = std::unique_ptr<PGresult, PgResultClearer>;

// Text parameters for a statement; nullopt is SQL NULL.
using PgParams = std::vector<std::optional<std::string>>;

// What libpq needs to connect, built once from the database URL, and what must never be shown of it.
// Immutable after parse(), so the stores of every worker thread share one.
class PgConnectParams {
public:
  // Used when the URL sets no connect_timeout; libpq itself would wait for as long as TCP does.
  static constexpr std::chrono::seconds k_default_connect_timeout{10};

  static StoreResult<std::shared_ptr<const PgConnectParams>> parse(const std::string& url);

  PgConnectParams(const PgConnectParams&) = delete;
  PgConnectParams& operator=(const PgConnectParams&) = delete;

  // Blocking: for the admin connection and the schema check at start-up.
  StoreResult<PgConn> connect_blocking() const;
  // Nonblocking start (PQconnectStartParams); the caller drives PQconnectPoll. Null when libpq could
  // not even allocate the connection.
  PgConn connect_start() const;

  // For the nonblocking connect, which libpq leaves untimed: nullopt when the URL says 0 (no limit).
  std::optional<std::chrono::seconds> connect_timeout() const { return m_connect_timeout; }

  const std::string& redacted_url() const { return m_redacted_url; }
  // `text` with every form of the password (as written in the URL, and decoded) replaced by ***.
  std::string scrub(std::string text) const;

private:
  explicit PgConnectParams(std::string url) : m_url(std::move(url)) {}

  std::string m_url;
  std::string m_redacted_url;
  std::vector<std::string> m_secrets; // longest first, so a secret containing another is hidden whole
  std::optional<std::chrono::seconds> m_connect_timeout = k_default_connect_timeout;
};

// The URL with the password of its user-info part and any password= query value replaced by ***.
// Splits the URL the way libpq does (credentials end at the first '@' before any '/').
std::string redact_postgres_url(std::string_view url);

// PQerrorMessage on one line, without libpq's trailing newline.
std::string pg_error_text(const PGconn* connection);

// Why a statement failed, from its result (SQLSTATE decides the kind) or, when there is no result,
// from the connection. An unusable connection always makes it `unavailable`.
StoreError pg_result_error(const PGresult* result, const PGconn* connection, std::string_view what,
                           const PgConnectParams& params);

bool pg_result_ok(const PGresult* result);
std::string pg_value(const PGresult* result, int row, int column);

// Runs one statement on a blocking connection; the error says `what` failed.
StoreResult<PgResult> pg_exec(PGconn* connection, const std::string& sql, const PgParams& params,
                              std::string_view what, const PgConnectParams& connect_params);

// Reads whatever the server sent to an idle blocking connection, so a connection the server has
// closed (restart, termination) shows as CONNECTION_BAD before a command is sent on it.
void pg_drain_idle(PGconn* connection);

// Lets Asio wait for readiness on a socket that libpq owns. Asio closes the descriptors it owns;
// libpq closes its socket itself (in PQfinish, when a connection breaks, and when a connection
// attempt moves to another address), so the descriptor is only ever released here, never closed.
// Forget the socket before anything that may close it; waits still pending complete as aborted.
class PgSocket {
public:
  explicit PgSocket(boost::asio::io_context& io) : m_descriptor(io) {}
  ~PgSocket() { forget(); }
  PgSocket(const PgSocket&) = delete;
  PgSocket& operator=(const PgSocket&) = delete;

  boost::system::error_code watch(int fd);
  void forget();

  template <class Handler>
  void async_wait(boost::asio::posix::descriptor_base::wait_type type, Handler&& handler) {
    m_descriptor.async_wait(type, std::forward<Handler>(handler));
  }

private:
  boost::asio::posix::stream_descriptor m_descriptor;
};

} // namespace fp::server
