// The storage interface the HTTP handlers talk to, and the database that hands out one store per
// worker thread. Two real back ends implement it: SQLite (embedded default) and PostgreSQL.
#pragma once

#include "order.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <tl/expected.hpp>

namespace fp::server {

// Why a store operation did not happen. Kept apart so the HTTP layer can answer 503 (try again)
// for an unreachable or saturated database and 500 only for a real fault.
struct StoreError {
  enum class Kind { unavailable, overloaded, internal };
  Kind kind = Kind::internal;
  std::string message;
};

template <class T> using StoreResult = tl::expected<T, StoreError>;
template <class T> using Reply = std::function<void(StoreResult<T>)>;

struct ListQuery {
  std::size_t limit = 0;       // at most this many orders
  std::optional<std::string> after; // only orders whose id sorts after this one
};

// How many database connections the store holds and how they are used; exported on /metrics.
struct PoolStats {
  std::uint64_t size = 0;     // connections configured
  std::uint64_t open = 0;     // connections currently established
  std::uint64_t busy = 0;     // running a statement now
  std::uint64_t waiting = 0;  // requests queued for a connection
};

// One per worker thread and used only from that thread's io_context. A reply may run before the
// call returns (SQLite) or later on the same thread (PostgreSQL); callers must allow both.
class Store {
public:
  virtual ~Store() = default;
  virtual void create(const Order& order, Reply<void> reply) = 0;
  virtual void find(const std::string& id, Reply<std::optional<Order>> reply) = 0;
  // Orders sorted by id (ids start with their creation second, so this is oldest first).
  virtual void list(const ListQuery& query, Reply<std::vector<Order>> reply) = 0;
  virtual void update(const std::string& id, const OrderPatch& patch, Reply<std::optional<Order>> reply) = 0;
  virtual void remove(const std::string& id, Reply<bool> reply) = 0;
  virtual void ping(Reply<void> reply) = 0;
  virtual PoolStats pool_stats() const = 0;
  // Closes every connection, fails queued requests as unavailable and cancels timers and waits, so
  // the worker's io_context runs out of work. Called once, on the worker thread, when draining ends.
  virtual void close() = 0;
};

// The process-wide handle: creates the schema when opened, and serves the maintenance commands.
class Database {
public:
  virtual ~Database() = default;
  // A store bound to one worker's io_context. `connections` is that worker's share of the pool.
  virtual StoreResult<std::unique_ptr<Store>> make_store(boost::asio::io_context& io,
                                                         std::size_t connections) = 0;
  virtual StoreResult<std::uint64_t> reset() = 0;                        // delete every order
  virtual StoreResult<void> insert_batch(const std::vector<Order>& orders) = 0; // one transaction
  virtual StoreResult<std::uint64_t> count() = 0;
  virtual std::string describe() const = 0; // the URL with any password hidden
};

// The URL with the password (user:PASSWORD@host) replaced by ***, for messages and logs.
std::string redact_password(std::string_view url);

// Opens `sqlite://PATH` or `postgresql://...` / `postgres://...`.
StoreResult<std::unique_ptr<Database>> open_database(const std::string& url);

} // namespace fp::server
