// Move-only owners of sqlite3 connections and prepared statements.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sqlite3.h>

namespace fp::server {

struct SqliteCloser { void operator()(sqlite3* db) const { sqlite3_close_v2(db); } };
struct SqliteFinalizer { void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); } };
using SqliteDb = std::unique_ptr<sqlite3, SqliteCloser>;
using SqliteStatementPtr = std::unique_ptr<sqlite3_stmt, SqliteFinalizer>;

// A prepared statement that is reset (and its bindings cleared) by the guard returned from use(),
// so a statement is always ready for the next caller whatever path the last one took.
class SqliteStatement {
public:
  SqliteStatement() = default;
  explicit SqliteStatement(SqliteStatementPtr statement) : m_statement(std::move(statement)) {}

  class Use {
  public:
    explicit Use(sqlite3_stmt* s) : m_s(s) {}
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    ~Use() { sqlite3_reset(m_s); sqlite3_clear_bindings(m_s); }

    void bind(int index, std::string_view text) {
      sqlite3_bind_text(m_s, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    }
    void bind(int index, std::int64_t value) { sqlite3_bind_int64(m_s, index, value); }
    void bind(int index, const std::optional<std::string>& text) {
      if (text) bind(index, std::string_view(*text)); else sqlite3_bind_null(m_s, index);
    }
    void bind(int index, const std::optional<std::int64_t>& value) {
      if (value) bind(index, *value); else sqlite3_bind_null(m_s, index);
    }
    int step() { return sqlite3_step(m_s); }
    std::string text(int column) const {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_s, column));
      return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_s, column))) : std::string();
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(m_s, column); }

  private:
    sqlite3_stmt* m_s;
  };

  Use use() { return Use(m_statement.get()); }

private:
  SqliteStatementPtr m_statement;
};

} // namespace fp::server
