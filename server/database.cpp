#include "store.hpp"

#include <algorithm>

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
  std::string out(url);
  // user:PASSWORD@host
  const auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    const auto start = scheme + 3;
    const auto end = std::min(out.find_first_of("/?", start), out.size());
    const auto at = out.rfind('@', end);
    const auto colon = out.find(':', start);
    if (at != std::string::npos && at >= start && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // ...?password=PASSWORD&... (libpq accepts it as a query parameter too)
  for (auto at = out.find("password="); at != std::string::npos; at = out.find("password=", at + 1)) {
    if (at > 0 && out[at - 1] != '?' && out[at - 1] != '&') continue;
    const auto value = at + 9;
    const auto end = std::min(out.find('&', value), out.size());
    out.replace(value, end - value, "***");
  }
  return out;
}

} // namespace fp::server
