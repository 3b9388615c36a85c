#include "sqlite_store.hpp"

#include "sqlite_handle.hpp"

#include <chrono>
#include <thread>
#include <mutex>

namespace fp::server {
namespace {

constexpr int k_busy_timeout_ms = 5000; // another process (reset, seed) holding the write lock

constexpr const char* k_schema = R"sql(
CREATE TABLE IF NOT EXISTS orders (
  id TEXT PRIMARY KEY,
  product TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  customer_name TEXT NOT NULL,
  customer_address TEXT NOT NULL
) WITHOUT ROWID;
)sql";

constexpr const char* k_columns = "id, product, quantity, customer_name, customer_address";

StoreError sqlite_error(sqlite3* db, std::string_view what) {
  const int code = sqlite3_errcode(db);
  StoreError error;
  error.kind = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? StoreError::Kind::overloaded
                                                              : StoreError::Kind::internal;
  error.message = std::string("sqlite: ") + std::string(what) + ": " + sqlite3_errmsg(db);
  return error;
}

Order read_order(const SqliteStatement::Use& row) {
  return Order{row.text(0), row.text(1), row.integer(2), row.text(3), row.text(4)};
}

// One sqlite3 connection with the statements this store uses, prepared once.
class Connection {
public:
  static StoreResult<Connection> open(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    SqliteDb db(raw);
    if (rc != SQLITE_OK) {
      return tl::unexpected(StoreError{StoreError::Kind::unavailable,
                                       "sqlite: cannot open " + path + ": " +
                                         (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))});
    }
    sqlite3_busy_timeout(db.get(), k_busy_timeout_ms);
    Connection c(std::move(db));
    // Processes opening a new database at the same moment (fpctl's local provider starts its
    // workers together) race for the switch to WAL, where SQLite answers BUSY without calling the
    // busy handler: the loser tries again, for as long as the busy timeout allows.
    const auto setup = [&c](const char* sql) -> StoreResult<void> {
      for (int waited_ms = 0;; waited_ms += 50) {
        auto ok = c.exec(sql);
        if (ok) return ok;
        const int code = sqlite3_errcode(c.m_db.get()) & 0xff;
        if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || waited_ms >= k_busy_timeout_ms) return ok;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    };
    if (auto ok = setup("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"); !ok)
      return tl::unexpected(ok.error());
    if (auto ok = setup(k_schema); !ok) return tl::unexpected(ok.error());
    for (auto [slot, sql] : {
           std::pair{&c.m_insert, std::string("INSERT INTO orders (") + k_columns + ") VALUES (?1, ?2, ?3, ?4, ?5)"},
           std::pair{&c.m_find, std::string("SELECT ") + k_columns + " FROM orders WHERE id = ?1"},
           std::pair{&c.m_list, std::string("SELECT ") + k_columns + " FROM orders ORDER BY id LIMIT ?1"},
           std::pair{&c.m_list_after,
                     std::string("SELECT ") + k_columns + " FROM orders WHERE id > ?2 ORDER BY id LIMIT ?1"},
           std::pair{&c.m_update, std::string("UPDATE orders SET product = coalesce(?2, product), "
                                              "quantity = coalesce(?3, quantity), "
                                              "customer_name = coalesce(?4, customer_name), "
                                              "customer_address = coalesce(?5, customer_address) "
                                              "WHERE id = ?1 RETURNING ") + k_columns},
           std::pair{&c.m_delete, std::string("DELETE FROM orders WHERE id = ?1")},
           std::pair{&c.m_ping, std::string("SELECT 1")},
         }) {
      sqlite3_stmt* statement = nullptr;
      if (sqlite3_prepare_v3(c.m_db.get(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) !=
          SQLITE_OK) {
        return tl::unexpected(sqlite_error(c.m_db.get(), "prepare"));
      }
      *slot = SqliteStatement(SqliteStatementPtr(statement));
    }
    return c;
  }

  StoreResult<void> exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(m_db.get(), sql, nullptr, nullptr, &message) != SQLITE_OK) {
      StoreError error = sqlite_error(m_db.get(), "exec");
      sqlite3_free(message);
      return tl::unexpected(error);
    }
    return {};
  }

  StoreResult<void> insert(const Order& order) {
    auto q = m_insert.use();
    q.bind(1, std::string_view(order.id));
    q.bind(2, std::string_view(order.product));
    q.bind(3, order.quantity);
    q.bind(4, std::string_view(order.customer_name));
    q.bind(5, std::string_view(order.customer_address));
    if (q.step() != SQLITE_DONE) return tl::unexpected(sqlite_error(m_db.get(), "insert"));
    return {};
  }

  StoreResult<std::optional<Order>> find(const std::string& id) {
    auto q = m_find.use();
    q.bind(1, std::string_view(id));
    switch (q.step()) {
      case SQLITE_ROW: return read_order(q);
      case SQLITE_DONE: return std::optional<Order>();
      default: return tl::unexpected(sqlite_error(m_db.get(), "select"));
    }
  }

  StoreResult<std::vector<Order>> list(const ListQuery& query) {
    auto q = query.after ? m_list_after.use() : m_list.use();
    q.bind(1, static_cast<std::int64_t>(query.limit));
    if (query.after) q.bind(2, std::string_view(*query.after));
    std::vector<Order> orders;
    orders.reserve(query.limit);
    for (;;) {
      const int rc = q.step();
      if (rc == SQLITE_DONE) return orders;
      if (rc != SQLITE_ROW) return tl::unexpected(sqlite_error(m_db.get(), "select"));
      orders.push_back(read_order(q));
    }
  }

  StoreResult<std::optional<Order>> update(const std::string& id, const OrderPatch& patch) {
    auto q = m_update.use();
    q.bind(1, std::string_view(id));
    q.bind(2, patch.product);
    q.bind(3, patch.quantity);
    q.bind(4, patch.customer_name);
    q.bind(5, patch.customer_address);
    switch (q.step()) {
      case SQLITE_ROW: {
        Order order = read_order(q);
        if (q.step() != SQLITE_DONE) return tl::unexpected(sqlite_error(m_db.get(), "update"));
        return order;
      }
      case SQLITE_DONE: return std::optional<Order>();
      default: return tl::unexpected(sqlite_error(m_db.get(), "update"));
    }
  }

  StoreResult<bool> remove(const std::string& id) {
    auto q = m_delete.use();
    q.bind(1, std::string_view(id));
    if (q.step() != SQLITE_DONE) return tl::unexpected(sqlite_error(m_db.get(), "delete"));
    return sqlite3_changes(m_db.get()) > 0;
  }

  StoreResult<void> ping() {
    auto q = m_ping.use();
    if (q.step() != SQLITE_ROW) return tl::unexpected(sqlite_error(m_db.get(), "ping"));
    return {};
  }

  StoreResult<std::uint64_t> count() {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(m_db.get(), "SELECT count(*) FROM orders", -1, &raw, nullptr) != SQLITE_OK)
      return tl::unexpected(sqlite_error(m_db.get(), "count"));
    SqliteStatement statement{SqliteStatementPtr(raw)};
    auto q = statement.use();
    if (q.step() != SQLITE_ROW) return tl::unexpected(sqlite_error(m_db.get(), "count"));
    return static_cast<std::uint64_t>(q.integer(0));
  }

  std::uint64_t changes() const { return static_cast<std::uint64_t>(sqlite3_changes64(m_db.get())); }

private:
  explicit Connection(SqliteDb db) : m_db(std::move(db)) {}

  SqliteDb m_db;
  SqliteStatement m_insert, m_find, m_list, m_list_after, m_update, m_delete, m_ping;
};

// Writes go through one connection guarded by a mutex: SQLite allows one writer at a time, and an
// in-process lock hands it over in nanoseconds where busy_timeout would sleep in milliseconds.
struct Writer {
  std::mutex mutex;
  Connection connection;
};

class SqliteStore final : public Store {
public:
  SqliteStore(Connection reader, std::shared_ptr<Writer> writer)
    : m_reader(std::move(reader)), m_writer(std::move(writer)) {}

  void create(const Order& order, Reply<void> reply) override {
    std::unique_lock lock(m_writer->mutex);
    auto result = m_writer->connection.insert(order);
    lock.unlock();
    reply(std::move(result));
  }
  void find(const std::string& id, Reply<std::optional<Order>> reply) override { reply(m_reader.find(id)); }
  void list(const ListQuery& query, Reply<std::vector<Order>> reply) override { reply(m_reader.list(query)); }
  void update(const std::string& id, const OrderPatch& patch, Reply<std::optional<Order>> reply) override {
    std::unique_lock lock(m_writer->mutex);
    auto result = m_writer->connection.update(id, patch);
    lock.unlock();
    reply(std::move(result));
  }
  void remove(const std::string& id, Reply<bool> reply) override {
    std::unique_lock lock(m_writer->mutex);
    auto result = m_writer->connection.remove(id);
    lock.unlock();
    reply(std::move(result));
  }
  void ping(Reply<void> reply) override { reply(m_reader.ping()); }
  PoolStats pool_stats() const override { return PoolStats{1, 1, 0, 0}; }
  void close() override {} // connections close with the store; nothing runs asynchronously

private:
  Connection m_reader;
  std::shared_ptr<Writer> m_writer;
};

class SqliteDatabase final : public Database {
public:
  SqliteDatabase(std::string path, std::shared_ptr<Writer> writer)
    : m_path(std::move(path)), m_writer(std::move(writer)) {}

  StoreResult<std::unique_ptr<Store>> make_store(boost::asio::io_context&, std::size_t) override {
    auto reader = Connection::open(m_path);
    if (!reader) return tl::unexpected(reader.error());
    return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(*reader), m_writer));
  }

  StoreResult<std::uint64_t> reset() override {
    std::lock_guard lock(m_writer->mutex);
    if (auto ok = m_writer->connection.exec("DELETE FROM orders"); !ok) return tl::unexpected(ok.error());
    return m_writer->connection.changes();
  }

  StoreResult<void> insert_batch(const std::vector<Order>& orders) override {
    std::lock_guard lock(m_writer->mutex);
    auto& c = m_writer->connection;
    if (auto ok = c.exec("BEGIN IMMEDIATE"); !ok) return ok;
    for (const auto& order : orders) {
      if (auto ok = c.insert(order); !ok) {
        (void)c.exec("ROLLBACK");
        return ok;
      }
    }
    return c.exec("COMMIT");
  }

  StoreResult<std::uint64_t> count() override {
    std::lock_guard lock(m_writer->mutex);
    return m_writer->connection.count();
  }

  std::string describe() const override { return "sqlite://" + m_path; }

private:
  std::string m_path;
  std::shared_ptr<Writer> m_writer;
};

} // namespace

StoreResult<std::unique_ptr<Database>> open_sqlite_database(const std::string& path) {
  auto connection = Connection::open(path);
  if (!connection) return tl::unexpected(connection.error());
  std::shared_ptr<Writer> writer(new Writer{{}, std::move(*connection)});
  return std::unique_ptr<Database>(std::make_unique<SqliteDatabase>(path, std::move(writer)));
}

} // namespace fp::server
