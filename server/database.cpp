#include "store.hpp"

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

std::string redact_password(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const auto authority_start = scheme + 3;
  const auto authority_end = url.find_first_of("/?", authority_start);
  const auto authority = url.substr(authority_start, authority_end == std::string_view::npos
                                                       ? std::string_view::npos
                                                       : authority_end - authority_start);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  const auto colon = authority.find(':');
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  std::string out(url.substr(0, authority_start + colon + 1));
  out += "***";
  out += url.substr(authority_start + at);
  return out;
}

} // namespace fp::server
