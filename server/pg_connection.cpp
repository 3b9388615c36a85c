#include "pg_connection.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <poll.h>
#include <utility>

namespace fp::server {
namespace {

// Shown in pg_stat_activity, so an operator can tell the order server's sessions from others. A
// fallback: an application_name in the URL wins.
constexpr const char* k_application_name = "fp-order-server";

// libpq prints notices to stderr unless told otherwise. A library does not print, and nothing a
// notice says matters here: "relation already exists, skipping" from the schema check, or the FATAL
// a server sends an idle connection before closing it, which shows up as a broken connection anyway.
void ignore_notice(void*, const char*) {}

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      while (i + 1 < text.size() && (text[i + 1] == '\t' || text[i + 1] == ' ')) ++i;
      out += ' ';
    } else {
      out += text[i];
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
  return out;
}

// Where the URL spells out a password: the user-info part, split as libpq splits it (it ends at the
// first '@' met before any '/', and the password starts after the first ':'), and password= in the
// query string. Half-open [begin, end) offsets.
std::vector<std::pair<std::size_t, std::size_t>> password_spans(std::string_view url) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  const auto scheme = url.find("://");
  std::size_t rest = 0;
  if (scheme != std::string_view::npos) {
    const auto start = scheme + 3;
    rest = start;
    const auto end = url.find_first_of("@/", start);
    if (end != std::string_view::npos && url[end] == '@') {
      rest = end + 1;
      const auto colon = url.find(':', start);
      if (colon < end) spans.emplace_back(colon + 1, end);
    }
  }
  const auto query = url.find('?', rest);
  if (query == std::string_view::npos) return spans;
  std::size_t begin = query + 1;
  while (begin <= url.size()) {
    auto end = url.find('&', begin);
    if (end == std::string_view::npos) end = url.size();
    constexpr std::string_view k_key = "password=";
    if (url.substr(begin, end - begin).starts_with(k_key)) spans.emplace_back(begin + k_key.size(), end);
    begin = end + 1;
  }
  return spans;
}

StoreResult<void> fail_if_bad(PGconn* connection, const PgConnectParams& params) {
  if (!connection)
    return tl::unexpected(StoreError{StoreError::Kind::unavailable, "postgresql: out of memory while connecting"});
  if (PQstatus(connection) == CONNECTION_OK) return {};
  return tl::unexpected(StoreError{StoreError::Kind::unavailable,
                                   "postgresql: cannot connect to " + params.redacted_url() + ": " +
                                     params.scrub(pg_error_text(connection))});
}

StoreError::Kind kind_of(const char* sqlstate, const PGconn* connection) {
  if (!connection || PQstatus(connection) != CONNECTION_OK) return StoreError::Kind::unavailable;
  if (!sqlstate) return StoreError::Kind::internal;
  const std::string_view state(sqlstate);
  // 08: connection exception; 57P01..57P05: shutdown, crash, starting up, database dropped, idle timeout.
  if (state.starts_with("08") || state.starts_with("57P")) return StoreError::Kind::unavailable;
  // Try again later: out of resources (53), serialization failure or deadlock (40), a lock not
  // available (55P03), or the server's statement_timeout cancelled it (57014).
  if (state.starts_with("53") || state.starts_with("40") || state == "55P03" || state == "57014")
    return StoreError::Kind::overloaded;
  return StoreError::Kind::internal;
}

} // namespace

StoreResult<std::shared_ptr<const PgConnectParams>> PgConnectParams::parse(const std::string& url) {
  std::shared_ptr<PgConnectParams> params(new PgConnectParams(url));
  for (const auto& [begin, end] : password_spans(url))
    if (end > begin) params->m_secrets.push_back(url.substr(begin, end - begin));

  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  std::string parse_error;
  if (!options) {
    parse_error = error ? one_line(error) : "out of memory";
    PQfreemem(error);
  } else {
    for (const PQconninfoOption* option = options; option->keyword; ++option) {
      if (!option->val) continue;
      const std::string_view keyword(option->keyword);
      const std::string_view value(option->val);
      if (keyword == "password" && !value.empty()) params->m_secrets.emplace_back(value);
      if (keyword == "connect_timeout") {
        int seconds = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (ec == std::errc() && end == value.data() + value.size()) {
          // libpq's own rules: 0 or less waits forever, and 1 s is raised to 2 s.
          if (seconds <= 0) params->m_connect_timeout.reset();
          else params->m_connect_timeout = std::chrono::seconds(std::max(seconds, 2));
        }
      }
    }
    PQconninfoFree(options);
  }
  std::sort(params->m_secrets.begin(), params->m_secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  params->m_redacted_url = params->scrub(redact_postgres_url(url));

  if (!parse_error.empty()) {
    return tl::unexpected(StoreError{StoreError::Kind::internal, "postgresql: invalid database URL " +
                                                                   params->m_redacted_url + ": " +
                                                                   params->scrub(parse_error)});
  }
  return std::shared_ptr<const PgConnectParams>(std::move(params));
}

StoreResult<PgConn> PgConnectParams::connect_blocking() const {
  // Keywords are applied in order and the expanded URL (dbname) comes last, so anything the URL sets
  // (connect_timeout, application_name) wins over these defaults.
  const std::string timeout = std::to_string(k_default_connect_timeout.count());
  const std::array<const char*, 4> keywords{"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const std::array<const char*, 4> values{timeout.c_str(), k_application_name, m_url.c_str(), nullptr};
  PgConn connection(PQconnectdbParams(keywords.data(), values.data(), 1));
  if (auto ok = fail_if_bad(connection.get(), *this); !ok) return tl::unexpected(ok.error());
  PQsetNoticeProcessor(connection.get(), ignore_notice, nullptr);
  return connection;
}

PgConn PgConnectParams::connect_start() const {
  // No connect_timeout here: PQconnectPoll ignores it; the store keeps its own deadline.
  const std::array<const char*, 3> keywords{"fallback_application_name", "dbname", nullptr};
  const std::array<const char*, 3> values{k_application_name, m_url.c_str(), nullptr};
  PgConn connection(PQconnectStartParams(keywords.data(), values.data(), 1));
  if (connection) PQsetNoticeProcessor(connection.get(), ignore_notice, nullptr);
  return connection;
}

std::string PgConnectParams::scrub(std::string text) const {
  for (const auto& secret : m_secrets) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
      text.replace(at, secret.size(), "***");
  }
  return text;
}

std::string redact_postgres_url(std::string_view url) {
  std::string out(url);
  auto spans = password_spans(url);
  // Back to front, so earlier offsets stay valid.
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) out.replace(it->first, it->second - it->first, "***");
  return out;
}

std::string pg_error_text(const PGconn* connection) {
  if (!connection) return "no connection";
  return one_line(PQerrorMessage(connection));
}

StoreError pg_result_error(const PGresult* result, const PGconn* connection, std::string_view what,
                           const PgConnectParams& params) {
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string detail;
  if (result) {
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    detail = primary ? primary : one_line(PQresultErrorMessage(result));
    if (detail.empty()) detail = std::string("unexpected result ") + PQresStatus(PQresultStatus(result));
  } else {
    detail = pg_error_text(connection);
  }
  if (sqlstate) detail += std::string(" (SQLSTATE ") + sqlstate + ")";
  return StoreError{kind_of(sqlstate, connection), "postgresql: " + std::string(what) + ": " + params.scrub(detail)};
}

bool pg_result_ok(const PGresult* result) {
  if (!result) return false;
  const auto status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

std::string pg_value(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column), static_cast<std::size_t>(PQgetlength(result, row, column)));
}

StoreResult<PgResult> pg_exec(PGconn* connection, const std::string& sql, const PgParams& params,
                              std::string_view what, const PgConnectParams& connect_params) {
  PgResult result;
  if (params.empty()) {
    result.reset(PQexec(connection, sql.c_str()));
  } else {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
    result.reset(PQexecParams(connection, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                              nullptr, nullptr, 0));
  }
  if (!pg_result_ok(result.get()))
    return tl::unexpected(pg_result_error(result.get(), connection, what, connect_params));
  return result;
}

void pg_drain_idle(PGconn* connection) {
  // A server that closes a connection first sends a FATAL message, then EOF: two reads.
  for (int reads = 0; reads < 4 && PQstatus(connection) == CONNECTION_OK; ++reads) {
    pollfd ready{PQsocket(connection), POLLIN, 0};
    if (poll(&ready, 1, 0) <= 0) return;
    if (!PQconsumeInput(connection)) return;
  }
}

boost::system::error_code PgSocket::watch(int fd) {
  forget();
  if (fd < 0) return boost::asio::error::bad_descriptor;
  boost::system::error_code ec;
  m_descriptor.assign(fd, ec);
  return ec;
}

void PgSocket::forget() {
  if (m_descriptor.is_open()) (void)m_descriptor.release();
}

} // namespace fp::server
