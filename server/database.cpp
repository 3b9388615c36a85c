#include "store.hpp"

#include "pg_connection.hpp"
#include "pg_store.hpp"
#include "sqlite_store.hpp"

namespace fp::server {

StoreResult<std::unique_ptr<Database>> open_database(const std::string& url) {
  constexpr std::string_view k_sqlite = "sqlite://";
  if (url.starts_with(k_sqlite)) {
    const std::string path = url.substr(k_sqlite.size());
    if (path.empty()) {
      return tl::unexpected(StoreError{StoreError::Kind::internal,
                                       "database URL sqlite:// has no file: use sqlite://orders.db (relative) or "
                                       "sqlite:///var/lib/fp/orders.db (absolute)"});
    }
    return open_sqlite_database(path);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) return open_postgres_database(url);
  return tl::unexpected(StoreError{
    StoreError::Kind::internal,
    "unsupported database URL '" + redact_password(url) +
      "': expected sqlite://PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=require"});
}

// One redactor for every URL: libpq's way of splitting a URL is the one that matters.
std::string redact_password(std::string_view url) { return redact_postgres_url(url); }

} // namespace fp::server
