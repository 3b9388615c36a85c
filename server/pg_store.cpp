#include "pg_store.hpp"

#include "pg_connection.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <deque>
#include <limits>
#include <mutex>
#include <random>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace fp::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using WaitType = boost::asio::posix::descriptor_base::wait_type;

constexpr std::chrono::milliseconds k_backoff_first = 100ms;
constexpr std::chrono::milliseconds k_backoff_max = 5s;

// Rows per INSERT in insert_batch: five parameters a row stays far below the protocol's limit of
// 65,535, and one round trip per thousand rows keeps seeding fast.
constexpr std::size_t k_batch_rows = 1000;

// The pg_advisory_xact_lock key that serialises schema creation ("fp-order" in ASCII).
constexpr const char* k_schema_lock_key = "7381449745944044914";

constexpr const char* k_columns = "id, product, quantity, customer_name, customer_address";

// id is compared byte by byte (COLLATE "C"), as SQLite does: list order and `after` then do not
// depend on the database's locale.
constexpr const char* k_create_table = R"sql(
CREATE TABLE IF NOT EXISTS orders (
  id text COLLATE "C" PRIMARY KEY,
  product text NOT NULL,
  quantity bigint NOT NULL,
  customer_name text NOT NULL,
  customer_address text NOT NULL
))sql";

// Names of the statements every worker connection prepares once, in one round trip.
constexpr const char* k_insert = "fp_insert";
constexpr const char* k_find = "fp_find";
constexpr const char* k_list = "fp_list";
constexpr const char* k_list_after = "fp_list_after";
constexpr const char* k_update = "fp_update";
constexpr const char* k_delete = "fp_delete";
constexpr const char* k_ping = "fp_ping";
constexpr std::size_t k_max_params = 5;

// All of them in one simple-query message: one round trip per new connection. SQL-level PREPARE
// and protocol-level prepared statements share one namespace, so PQsendQueryPrepared finds these.
const std::string& prepare_sql() {
  static const std::string sql = [] {
    const std::string columns = k_columns;
    const std::pair<const char*, std::string> statements[] = {
      {k_insert, "(text, text, bigint, text, text) AS INSERT INTO orders (" + columns +
                   ") VALUES ($1, $2, $3, $4, $5)"},
      {k_find, "(text) AS SELECT " + columns + " FROM orders WHERE id = $1"},
      {k_list, "(bigint) AS SELECT " + columns + " FROM orders ORDER BY id LIMIT $1"},
      {k_list_after, "(bigint, text) AS SELECT " + columns + " FROM orders WHERE id > $2 ORDER BY id LIMIT $1"},
      {k_update, "(text, text, bigint, text, text) AS UPDATE orders SET product = coalesce($2, product), "
                 "quantity = coalesce($3, quantity), customer_name = coalesce($4, customer_name), "
                 "customer_address = coalesce($5, customer_address) WHERE id = $1 RETURNING " +
                   columns},
      {k_delete, "(text) AS DELETE FROM orders WHERE id = $1"},
      {k_ping, " AS SELECT 1"},
    };
    std::string all;
    for (const auto& [name, definition] : statements) all += std::string("PREPARE ") + name + definition + ";\n";
    return all;
  }();
  return sql;
}

std::uint64_t parse_count(const char* text) {
  std::uint64_t value = 0;
  const std::string_view digits(text ? text : "");
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

Order read_order(const PGresult* rows, int row) {
  Order order{pg_value(rows, row, 0), pg_value(rows, row, 1), 0, pg_value(rows, row, 3), pg_value(rows, row, 4)};
  const char* quantity = PQgetvalue(rows, row, 2);
  std::from_chars(quantity, quantity + PQgetlength(rows, row, 2), order.quantity);
  return order;
}

std::optional<std::string> optional_text(const std::optional<std::int64_t>& value) {
  return value ? std::optional<std::string>(std::to_string(*value)) : std::nullopt;
}

// Whether a statement changes data. A write always gets a Sync of its own (see Pool::send).
enum class Access { read, write };

struct Request {
  const char* statement = nullptr;
  Access access = Access::read;
  PgParams params;
  std::function<void(StoreResult<PgResult>)> done;
};

// One worker thread's connections and the requests waiting for them. Everything runs on that
// thread's io_context, so nothing here locks. Completion handlers hold only a weak_ptr and the
// generation of the connection they were started on: after close(), after the store is destroyed,
// or once their connection has been replaced, they do nothing.
//
// Each connection is in libpq's pipeline mode: up to k_pg_pipeline_depth statements are sent
// without waiting for the answers before them, and the answers come back in the order sent. Every
// statement ends up in a group closed by a Sync, and a group is one implicit transaction: a
// statement that fails aborts the rest of its group (PGRES_PIPELINE_ABORTED: they never ran) and
// nothing beyond it. So:
// - a write (INSERT, UPDATE, DELETE) is a group of its own, synced as soon as it is sent: it commits
//   at its Sync, it cannot be rolled back by another request's failure, and reads sent before it
//   are answered without waiting for its commit;
// - reads sent in one turn of the event loop go to one connection (pick) and share one Sync, sent
//   at the end of the turn (sync_later): one message, one wake-up and one transaction of the
//   backend for all of them instead of one each. A read whose group was aborted by another read's
//   failure never ran, so it goes back to the head of the waiting line.
// libpq 15's PQpipelineSync also flushes, so one Sync per turn is also one send() per turn. On the
// two-core benchmark machine, wake-ups are what costs: spreading each turn's reads over every idle
// connection (one group per backend per turn) measured well below keeping them together.
class Pool : public std::enable_shared_from_this<Pool> {
public:
  Pool(boost::asio::io_context& io, std::shared_ptr<const PgConnectParams> params, std::size_t size)
    : m_io(io), m_params(std::move(params)), m_random(std::random_device{}()) {
    m_slots.reserve(size);
    for (std::size_t i = 0; i < size; ++i) m_slots.push_back(std::make_unique<Slot>(io, i));
  }

  // Connects from the io_context's thread: make_store may be called from another one.
  void start() {
    boost::asio::post(m_io, [weak = weak_from_this()] {
      const auto self = weak.lock();
      if (!self || self->m_closed) return;
      for (auto& slot : self->m_slots)
        if (slot->state == State::disconnected) self->connect(*slot);
    });
  }

  // Never replies in place: failures found here are posted (reply_later), and answers only ever
  // come from a completion handler (take_results).
  void submit(Request request) {
    if (m_closed) return reply_later(std::move(request.done), closed_error());
    // Down means every connection attempt since the last open connection failed: answering now beats
    // holding the request until the next attempt, which may be seconds of backoff away.
    if (m_down) return reply_later(std::move(request.done), StoreError{StoreError::Kind::unavailable, m_last_error});
    if (m_waiting.size() >= k_pg_max_waiting) {
      return reply_later(std::move(request.done),
                         StoreError{StoreError::Kind::overloaded,
                                    "postgresql: all " + std::to_string(m_slots.size()) + " connections have " +
                                      std::to_string(k_pg_pipeline_depth) + " statements in flight and " +
                                      std::to_string(k_pg_max_waiting) + " requests are waiting"});
    }
    m_waiting.push_back(std::move(request));
    pump();
  }

  // open: connections established (statements prepared, in pipeline mode). busy: open connections
  // with at least one statement in flight (sent, answer not read yet), whether one or
  // k_pg_pipeline_depth of them. waiting: requests no connection could take because every open
  // one has a full pipeline (or none is open). So busy == size with waiting == 0 is a pool in use
  // but not saturated; waiting > 0 is a saturated one.
  PoolStats stats() const {
    PoolStats stats;
    stats.size = m_slots.size();
    for (const auto& slot : m_slots) {
      if (slot->state != State::open) continue;
      ++stats.open;
      if (!slot->sent.empty()) ++stats.busy;
    }
    stats.waiting = m_waiting.size();
    return stats;
  }

  void close() {
    if (m_closed) return;
    m_closed = true;
    for (auto& slot : m_slots) {
      for (auto& statement : slot->sent) reply_later(std::move(statement.request.done), closed_error());
      drop(*slot);
      slot->state = State::closed;
    }
    fail_waiting(closed_error());
  }

private:
  enum class State { disconnected, connecting, preparing, open, closed };

  // A statement handed to libpq, and what came back for it so far.
  struct InFlight {
    Request request;
    std::optional<StoreResult<PgResult>> result; // the first good result, or the first error
    bool aborted = false; // PGRES_PIPELINE_ABORTED: a statement before it in its group failed; it never ran
  };

  struct Slot {
    Slot(boost::asio::io_context& io, std::size_t i) : index(i), socket(io), timer(io) {}

    std::size_t index;
    State state = State::disconnected;
    PgConn connection;
    PgSocket socket; // declared after the connection, so destroyed (released) before PQfinish
    boost::asio::steady_timer timer; // by state: reconnect backoff, connect deadline, statement deadline
    bool timer_armed = false;        // a wait on `timer` is pending
    std::uint64_t generation = 0;    // bumped whenever the connection is dropped
    bool read_pending = false;       // a wait for readability is pending
    bool write_pending = false;
    std::optional<StoreResult<void>> prepared; // what the PREPAREs returned so far
    // The pipeline, in the order sent: the answers come back in this order. The head of `sent` is
    // cut into the groups that a Sync closed (`groups`, their sizes, oldest first), then the
    // `unsynced` statements whose Sync goes out at the end of this turn of the event loop.
    std::deque<InFlight> sent;
    std::deque<std::size_t> groups;
    std::size_t unsynced = 0;
    std::size_t next_result = 0;  // index in `sent` of the statement whose results come next
    std::optional<StoreError> commit_error; // the head group's transaction failed at its Sync
    Clock::time_point deadline{}; // when the oldest statement in flight will have run too long
    std::chrono::milliseconds backoff = k_backoff_first;
  };

  using Step = void (Pool::*)(Slot&, const boost::system::error_code&);

  auto on(Slot& slot, Step step) {
    return [weak = weak_from_this(), index = slot.index, generation = slot.generation,
            step](const boost::system::error_code& ec) {
      const auto self = weak.lock(); // also keeps the pool alive while a reply destroys its store
      if (!self || self->m_closed) return;
      Slot& current = *self->m_slots[index];
      if (current.generation != generation) return;
      ((*self).*step)(current, ec);
    };
  }

  static StoreError closed_error() {
    return StoreError{StoreError::Kind::unavailable, "postgresql: the store is closed"};
  }

  std::string connection_error(const Slot& slot, std::string_view what) const {
    return "postgresql: " + std::string(what) + " " + m_params->redacted_url() + ": " +
           m_params->scrub(pg_error_text(slot.connection.get()));
  }

  void connect(Slot& slot) {
    slot.state = State::connecting;
    slot.connection = m_params->connect_start();
    if (!slot.connection || PQstatus(slot.connection.get()) == CONNECTION_BAD)
      return fail(slot, connection_error(slot, "cannot connect to"));
    if (const auto limit = m_params->connect_timeout()) arm_timer(slot, Clock::now() + *limit);
    // libpq: before the first PQconnectPoll, wait as if it had asked for writability.
    await_connect(slot, PGRES_POLLING_WRITING);
  }

  void await_connect(Slot& slot, PostgresPollingStatusType want) {
    if (const auto ec = slot.socket.watch(PQsocket(slot.connection.get())))
      return fail(slot, "postgresql: cannot connect to " + m_params->redacted_url() + ": " + ec.message());
    slot.socket.async_wait(want == PGRES_POLLING_READING ? WaitType::wait_read : WaitType::wait_write,
                           on(slot, &Pool::on_connect_ready));
  }

  void on_connect_ready(Slot& slot, const boost::system::error_code& ec) {
    // PQconnectPoll may close this socket and open another (the next address of the host, or a
    // retry without TLS under sslmode=prefer), so stop watching it before calling it.
    slot.socket.forget();
    if (ec) return fail(slot, "postgresql: cannot connect to " + m_params->redacted_url() + ": " + ec.message());
    switch (PQconnectPoll(slot.connection.get())) {
      case PGRES_POLLING_READING: return await_connect(slot, PGRES_POLLING_READING);
      case PGRES_POLLING_WRITING: return await_connect(slot, PGRES_POLLING_WRITING);
      case PGRES_POLLING_OK: return prepare(slot);
      default: return fail(slot, connection_error(slot, "cannot connect to"));
    }
  }

  // The PREPAREs go as one simple query, which pipeline mode does not allow: the connection enters
  // it only once they are done (prepared()).
  void prepare(Slot& slot) {
    PGconn* connection = slot.connection.get();
    if (PQsetnonblocking(connection, 1) != 0 || !PQsendQuery(connection, prepare_sql().c_str()))
      return fail(slot, connection_error(slot, "cannot prepare statements on"));
    if (const auto ec = slot.socket.watch(PQsocket(connection)))
      return fail(slot, "postgresql: cannot watch the connection to " + m_params->redacted_url() + ": " + ec.message());
    slot.state = State::preparing;
    slot.prepared.reset();
    drive(slot);
  }

  // Sends what libpq still holds and takes every result that has arrived. Called on every readiness
  // of the socket while it is open or preparing.
  void drive(Slot& slot) {
    // A nonblocking connection (TLS especially) may not take a whole message at once; libpq wants
    // PQflush repeated until it returns 0, whenever the socket can take more.
    const int flushed = PQflush(slot.connection.get());
    if (flushed < 0) return fail(slot, connection_error(slot, "connection lost to"));
    if (flushed > 0) wait(slot, WaitType::wait_write);
    if (slot.state == State::preparing) return take_prepare_results(slot);
    take_results(slot);
  }

  void take_prepare_results(Slot& slot) {
    PGconn* connection = slot.connection.get();
    // PQisBusy is false on a broken connection too: PQgetResult then reports why, without blocking.
    while (!PQisBusy(connection)) {
      PgResult result(PQgetResult(connection));
      if (!result) return prepared(slot);
      // The first error wins: one failed PREPARE fails them all.
      if (slot.prepared && !*slot.prepared) continue;
      if (pg_result_ok(result.get())) slot.prepared.emplace();
      else slot.prepared = tl::unexpected(pg_result_error(result.get(), connection, "prepare", *m_params));
    }
    wait(slot, WaitType::wait_read);
  }

  void prepared(Slot& slot) {
    cancel_timer(slot); // the connect deadline
    PGconn* connection = slot.connection.get();
    if (!slot.prepared) return fail(slot, "postgresql: prepare: the server sent no result");
    if (!*slot.prepared) return fail(slot, slot.prepared->error().message);
    if (!PQenterPipelineMode(connection)) return fail(slot, connection_error(slot, "cannot enter pipeline mode on"));
    slot.state = State::open;
    slot.backoff = k_backoff_first;
    m_down = false;
    wait(slot, WaitType::wait_read); // an idle connection is watched, to notice a server going away
    pump();
  }

  // The connection for the next request, among those with room in their pipelines (null when none
  // has any): first one that already holds reads waiting for this turn's Sync, since joining them
  // costs the backend no extra message, wake-up or transaction; else an idle one; else the one with
  // the fewest statements in flight. So the requests of one turn go out together, and successive
  // turns spread over the connections.
  Slot* pick() {
    Slot* least = nullptr;
    for (auto& slot : m_slots) {
      if (slot->state != State::open || slot->sent.size() >= k_pg_pipeline_depth) continue;
      if (slot->unsynced > 0) return slot.get();
      if (!least || slot->sent.size() < least->sent.size()) least = slot.get();
    }
    return least;
  }

  // Hands waiting requests to connections with room in their pipelines, oldest first.
  void pump() {
    while (!m_waiting.empty()) {
      Slot* slot = pick();
      if (!slot) return;
      Request request = std::move(m_waiting.front());
      m_waiting.pop_front();
      send(*slot, std::move(request)); // on failure the request is back at the front, the slot closed
    }
  }

  void send(Slot& slot, Request request) {
    const bool write = request.access == Access::write;
    if (write && slot.unsynced > 0 && !sync(slot)) return m_waiting.push_front(std::move(request));
    std::array<const char*, k_max_params> values{};
    const auto count = std::min(request.params.size(), values.size());
    for (std::size_t i = 0; i < count; ++i) values[i] = request.params[i] ? request.params[i]->c_str() : nullptr;
    if (!PQsendQueryPrepared(slot.connection.get(), request.statement, static_cast<int>(count), values.data(),
                             nullptr, nullptr, 0)) {
      // Nothing of it can have run: no Sync follows it. The request goes back to the head of the
      // line while this connection is replaced.
      const auto why = connection_error(slot, "connection lost to");
      m_waiting.push_front(std::move(request));
      return fail(slot, why);
    }
    if (slot.sent.empty()) {
      // The statement deadline: armed once and moved on lazily (on_timer), not per statement.
      slot.deadline = Clock::now() + k_pg_statement_timeout;
      if (!slot.timer_armed) arm_timer(slot, slot.deadline);
    }
    slot.sent.push_back(InFlight{std::move(request), std::nullopt, false});
    ++slot.unsynced;
    if (write) {
      (void)sync(slot); // on failure the write is answered `unavailable` with the rest in flight
    } else {
      sync_later();
    }
  }

  // Closes the open group with a Sync. False if that broke the connection (the slot is then failed).
  bool sync(Slot& slot) {
    PGconn* connection = slot.connection.get();
    if (!PQpipelineSync(connection)) {
      fail(slot, connection_error(slot, "connection lost to"));
      return false;
    }
    slot.groups.push_back(slot.unsynced);
    slot.unsynced = 0;
    // PQpipelineSync has tried to send everything; what the socket did not take waits for writability.
    const int flushed = PQflush(connection);
    if (flushed < 0) {
      fail(slot, connection_error(slot, "connection lost to"));
      return false;
    }
    if (flushed > 0) wait(slot, WaitType::wait_write);
    return true;
  }

  // One Sync (and so one send()) per connection for all the reads of this turn of the event loop:
  // posted handlers run after the completions already queued, so the requests that arrive together
  // (one epoll_wait's worth) go out together.
  void sync_later() {
    if (m_sync_posted) return;
    m_sync_posted = true;
    boost::asio::post(m_io, [weak = weak_from_this()] {
      const auto self = weak.lock();
      if (!self) return;
      self->m_sync_posted = false;
      if (self->m_closed) return;
      for (auto& slot : self->m_slots)
        if (slot->state == State::open && slot->unsynced > 0) (void)self->sync(*slot);
    });
  }

  // Takes every result libpq has, in the order the statements were sent, and answers each group once
  // its Sync is in (for a write: once it has committed). Replies run last, with the slot consistent
  // again, because a reply may call the store again, close it, or destroy it.
  void take_results(Slot& slot) {
    PGconn* connection = slot.connection.get();
    std::vector<InFlight> finished;
    std::string failure;
    while (true) {
      if (PQstatus(connection) == CONNECTION_BAD) {
        failure = connection_error(slot, "connection lost to");
        break;
      }
      const bool want_sync = !slot.groups.empty() && slot.next_result == slot.groups.front();
      // Nothing to wait for beyond the open group: its results come after its Sync, this turn.
      if (!want_sync && slot.next_result >= slot.sent.size()) break;
      if (PQisBusy(connection)) break;
      PgResult result(PQgetResult(connection));
      const auto status = result ? PQresultStatus(result.get()) : PGRES_EMPTY_QUERY;
      if (want_sync) {
        if (result && status != PGRES_PIPELINE_SYNC && !pg_result_ok(result.get()) && !slot.commit_error) {
          // The group's transaction failed at its end (a deferred constraint, a serialization
          // failure): libpq reports that error, a null, then the Sync.
          slot.commit_error = pg_result_error(result.get(), connection, "commit", *m_params);
          continue;
        }
        if (!result && slot.commit_error) continue;
        if (!result || status != PGRES_PIPELINE_SYNC) {
          failure = out_of_step(slot, result.get());
          break;
        }
        for (std::size_t i = 0; i < slot.groups.front(); ++i) {
          InFlight& done = slot.sent.front();
          // Rolled back: a write that had succeeded did not happen after all. A read still read
          // what it read.
          if (slot.commit_error && done.request.access == Access::write && done.result && *done.result)
            done.result = tl::unexpected(*slot.commit_error);
          finished.push_back(std::move(done));
          slot.sent.pop_front();
        }
        slot.groups.pop_front();
        slot.commit_error.reset();
        slot.next_result = 0;
        if (!slot.sent.empty()) slot.deadline = Clock::now() + k_pg_statement_timeout;
        continue;
      }
      InFlight& statement = slot.sent[slot.next_result];
      if (!result) { // libpq's null after each statement's results
        if (!statement.result && !statement.aborted) {
          failure = out_of_step(slot, nullptr);
          break;
        }
        ++slot.next_result;
        continue;
      }
      if (status == PGRES_PIPELINE_SYNC) {
        failure = out_of_step(slot, result.get());
        break;
      }
      keep(slot, statement, std::move(result));
    }
    if (failure.empty()) wait(slot, WaitType::wait_read);
    else fail(slot, failure); // what is still in flight; `finished` was answered before the failure

    // Reads that never ran because another read of their group failed go back to the head of the line.
    for (auto it = finished.rbegin(); it != finished.rend(); ++it)
      if (it->aborted) m_waiting.push_front(std::move(it->request));
    pump(); // requests that waited go before any the replies below may issue

    // Last: a reply may call the store again, close it, or destroy it (the handler that called us
    // holds the pool alive). None of it touches `finished`.
    for (auto& statement : finished) {
      if (statement.aborted) continue;
      StoreResult<PgResult> result =
        statement.result ? std::move(*statement.result)
                         : tl::unexpected(StoreError{StoreError::Kind::internal, "postgresql: the server sent no result"});
      statement.request.done(std::move(result));
    }
  }

  void keep(Slot& slot, InFlight& statement, PgResult result) {
    if (PQresultStatus(result.get()) == PGRES_PIPELINE_ABORTED) {
      statement.aborted = true;
      return;
    }
    if (statement.result && !*statement.result) return; // the first error wins
    if (pg_result_ok(result.get())) {
      if (!statement.result) statement.result = std::move(result);
      return;
    }
    statement.result = tl::unexpected(pg_result_error(result.get(), slot.connection.get(), "statement", *m_params));
  }

  // The results no longer match the statements sent: a bug here or in libpq. The connection is
  // replaced rather than trusted with more.
  std::string out_of_step(const Slot& slot, const PGresult* result) const {
    return "postgresql: unexpected " + std::string(result ? PQresStatus(PQresultStatus(result)) : "end of results") +
           " in the pipeline; dropped the connection to " + m_params->redacted_url() +
           (PQstatus(slot.connection.get()) == CONNECTION_OK ? "" : ": " + m_params->scrub(pg_error_text(slot.connection.get())));
  }

  void wait(Slot& slot, WaitType type) {
    bool& pending = type == WaitType::wait_read ? slot.read_pending : slot.write_pending;
    if (pending) return;
    pending = true;
    slot.socket.async_wait(type, on(slot, type == WaitType::wait_read ? &Pool::on_readable : &Pool::on_writable));
  }

  void on_readable(Slot& slot, const boost::system::error_code& ec) {
    slot.read_pending = false;
    if (ec) return fail(slot, "postgresql: connection lost to " + m_params->redacted_url() + ": " + ec.message());
    if (slot.state != State::preparing && slot.state != State::open) return;
    // An idle connection hears from the server only when it is going away (shutdown, restart,
    // termination): a FATAL message, then end of file. A busy one may have all its answers in
    // libpq's buffer before the end of file, but they cannot be told apart from what was lost:
    // everything in flight is answered `unavailable`.
    if (!PQconsumeInput(slot.connection.get()) && slot.state == State::open)
      return fail(slot, connection_error(slot, "connection lost to"));
    drive(slot);
  }

  void on_writable(Slot& slot, const boost::system::error_code& ec) {
    slot.write_pending = false;
    if (ec) return fail(slot, "postgresql: connection lost to " + m_params->redacted_url() + ": " + ec.message());
    if (slot.state == State::preparing || slot.state == State::open) drive(slot);
  }

  void on_timer(Slot& slot, const boost::system::error_code& ec) {
    // Cancelled, or re-armed for a later deadline after this expiry was already queued.
    if (ec || slot.timer.expiry() > Clock::now()) return;
    slot.timer_armed = false;
    switch (slot.state) {
      case State::disconnected: return connect(slot);
      case State::connecting:
      case State::preparing:
        return fail(slot, "postgresql: cannot connect to " + m_params->redacted_url() + ": timed out after " +
                            std::to_string(m_params->connect_timeout().value_or(0s).count()) + " s");
      case State::open:
        if (slot.sent.empty()) return;                                         // re-armed by the next statement
        if (Clock::now() < slot.deadline) return arm_timer(slot, slot.deadline); // the head moved on meanwhile
        return fail(slot, "postgresql: a statement ran longer than " + std::to_string(k_pg_statement_timeout.count()) +
                            " s; dropped the connection to " + m_params->redacted_url());
      default: return;
    }
  }

  // The connection broke, timed out or could not be opened. Statements already handed to libpq may
  // or may not have run, so their callers get `unavailable`; requests still waiting stay queued for
  // the other connections; the slot reconnects after a backoff.
  void fail(Slot& slot, const std::string& why) {
    const bool was_open = slot.state == State::open;
    std::deque<InFlight> sent;
    sent.swap(slot.sent);
    drop(slot);
    retry_later(slot);
    if (!was_open) {
      m_last_error = why;
      if (open_count() == 0) {
        m_down = true;
        fail_waiting(StoreError{StoreError::Kind::unavailable, why});
      }
    }
    for (auto& statement : sent)
      reply_later(std::move(statement.request.done), StoreError{StoreError::Kind::unavailable, why});
  }

  void drop(Slot& slot) {
    ++slot.generation;
    slot.socket.forget(); // before PQfinish closes the socket
    slot.connection.reset();
    cancel_timer(slot);
    slot.read_pending = slot.write_pending = false;
    slot.prepared.reset();
    slot.sent.clear();
    slot.groups.clear();
    slot.unsynced = 0;
    slot.next_result = 0;
    slot.commit_error.reset();
    slot.state = State::disconnected;
  }

  void retry_later(Slot& slot) {
    // Jitter spreads out the reconnects of every worker's connections after a database restart.
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(slot.backoff * jitter(m_random));
    slot.backoff = std::min(slot.backoff * 2, k_backoff_max);
    arm_timer(slot, Clock::now() + delay);
  }

  void arm_timer(Slot& slot, Clock::time_point at) {
    slot.timer.expires_at(at);
    slot.timer.async_wait(on(slot, &Pool::on_timer));
    slot.timer_armed = true;
  }

  void cancel_timer(Slot& slot) {
    slot.timer.cancel();
    slot.timer_armed = false;
  }

  void fail_waiting(const StoreError& error) {
    std::deque<Request> waiting;
    waiting.swap(m_waiting);
    for (auto& request : waiting) reply_later(std::move(request.done), error);
  }

  // Failures found without a round trip are posted, not called in place: the caller is inside a
  // store call, and a reply that calls the store again must not recurse into it.
  void reply_later(std::function<void(StoreResult<PgResult>)> done, StoreError error) {
    boost::asio::post(m_io, [done = std::move(done), error = std::move(error)]() mutable {
      done(tl::unexpected(std::move(error)));
    });
  }

  std::size_t open_count() const {
    return static_cast<std::size_t>(
      std::count_if(m_slots.begin(), m_slots.end(), [](const auto& slot) { return slot->state == State::open; }));
  }

  boost::asio::io_context& m_io;
  std::shared_ptr<const PgConnectParams> m_params;
  std::vector<std::unique_ptr<Slot>> m_slots;
  std::deque<Request> m_waiting;
  bool m_closed = false;
  bool m_down = false; // no connection open, and the last attempt to open one failed
  bool m_sync_posted = false;
  std::string m_last_error;
  std::minstd_rand m_random;
};

class PgStore final : public Store {
public:
  explicit PgStore(std::shared_ptr<Pool> pool) : m_pool(std::move(pool)) {}
  // Like every Store, destroyed on its worker thread (or once that thread's io_context has stopped).
  ~PgStore() override { m_pool->close(); }
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  void create(const Order& order, Reply<void> reply) override {
    m_pool->submit(Request{k_insert, Access::write,
                           {order.id, order.product, std::to_string(order.quantity), order.customer_name,
                            order.customer_address},
                           [reply = std::move(reply)](StoreResult<PgResult> result) {
                             reply(result.map([](const PgResult&) {}));
                           }});
  }

  void find(const std::string& id, Reply<std::optional<Order>> reply) override {
    m_pool->submit(Request{k_find, Access::read, {id}, [reply = std::move(reply)](StoreResult<PgResult> result) {
                             reply(result.map(first_order));
                           }});
  }

  void list(const ListQuery& query, Reply<std::vector<Order>> reply) override {
    constexpr auto k_max_limit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    PgParams params{std::to_string(std::min(query.limit, k_max_limit))};
    if (query.after) params.emplace_back(*query.after);
    m_pool->submit(Request{query.after ? k_list_after : k_list, Access::read, std::move(params),
                           [reply = std::move(reply)](StoreResult<PgResult> result) {
                             reply(result.map([](const PgResult& rows) {
                               std::vector<Order> orders;
                               const int count = PQntuples(rows.get());
                               orders.reserve(static_cast<std::size_t>(count));
                               for (int row = 0; row < count; ++row) orders.push_back(read_order(rows.get(), row));
                               return orders;
                             }));
                           }});
  }

  void update(const std::string& id, const OrderPatch& patch, Reply<std::optional<Order>> reply) override {
    m_pool->submit(Request{k_update, Access::write,
                           {id, patch.product, optional_text(patch.quantity), patch.customer_name,
                            patch.customer_address},
                           [reply = std::move(reply)](StoreResult<PgResult> result) {
                             reply(result.map(first_order));
                           }});
  }

  void remove(const std::string& id, Reply<bool> reply) override {
    m_pool->submit(Request{k_delete, Access::write, {id}, [reply = std::move(reply)](StoreResult<PgResult> result) {
                             reply(result.map(
                               [](const PgResult& done) { return parse_count(PQcmdTuples(done.get())) > 0; }));
                           }});
  }

  void ping(Reply<void> reply) override {
    m_pool->submit(Request{k_ping, Access::read, {}, [reply = std::move(reply)](StoreResult<PgResult> result) {
                             reply(result.map([](const PgResult&) {}));
                           }});
  }

  PoolStats pool_stats() const override { return m_pool->stats(); }
  void close() override { m_pool->close(); }

private:
  static std::optional<Order> first_order(const PgResult& rows) {
    if (PQntuples(rows.get()) == 0) return std::nullopt;
    return read_order(rows.get(), 0);
  }

  std::shared_ptr<Pool> m_pool;
};

std::string insert_rows_sql(std::size_t rows) {
  std::string sql = std::string("INSERT INTO orders (") + k_columns + ") VALUES ";
  for (std::size_t row = 0; row < rows; ++row) {
    const auto p = [base = row * 5](std::size_t column) { return "$" + std::to_string(base + column); };
    sql += row ? ", (" : "(";
    sql += p(1) + ", " + p(2) + ", " + p(3) + "::bigint, " + p(4) + ", " + p(5) + ")";
  }
  return sql;
}

// Worker processes of a fresh deployment start together, and CREATE TABLE IF NOT EXISTS is not safe
// against a concurrent CREATE (both may decide to create; one then fails on a catalog index). An
// advisory lock held until commit serialises them; checking first means a database user without
// CREATE rights can still run against a table someone else created.
StoreResult<void> create_schema(PGconn* connection, const PgConnectParams& params) {
  const auto run = [&](const std::string& sql) { return pg_exec(connection, sql, {}, "create schema", params); };
  if (auto begun = run("BEGIN"); !begun) return tl::unexpected(begun.error());
  auto created = [&]() -> StoreResult<void> {
    if (auto locked = run(std::string("SELECT pg_advisory_xact_lock(") + k_schema_lock_key + ")"); !locked)
      return tl::unexpected(locked.error());
    auto exists = run("SELECT to_regclass('orders') IS NOT NULL");
    if (!exists) return tl::unexpected(exists.error());
    if (pg_value(exists->get(), 0, 0) != "t") {
      if (auto table = run(k_create_table); !table) return tl::unexpected(table.error());
    }
    if (auto committed = run("COMMIT"); !committed) return tl::unexpected(committed.error());
    return {};
  }();
  if (!created) (void)run("ROLLBACK");
  return created;
}

class PgDatabase final : public Database {
public:
  PgDatabase(std::shared_ptr<const PgConnectParams> params, PgConn admin)
    : m_params(std::move(params)), m_admin(std::move(admin)) {}

  StoreResult<std::unique_ptr<Store>> make_store(boost::asio::io_context& io, std::size_t connections) override {
    try {
      auto pool = std::make_shared<Pool>(io, m_params, std::max<std::size_t>(connections, 1));
      pool->start();
      return std::unique_ptr<Store>(std::make_unique<PgStore>(std::move(pool)));
    } catch (const std::exception& e) {
      return tl::unexpected(
        StoreError{StoreError::Kind::internal, std::string("postgresql: cannot make a store: ") + e.what()});
    }
  }

  StoreResult<std::uint64_t> reset() override {
    std::lock_guard lock(m_mutex);
    auto connection = admin();
    if (!connection) return tl::unexpected(connection.error());
    auto deleted = pg_exec(*connection, "DELETE FROM orders", {}, "reset", *m_params);
    if (!deleted) return tl::unexpected(deleted.error());
    return parse_count(PQcmdTuples(deleted->get()));
  }

  StoreResult<void> insert_batch(const std::vector<Order>& orders) override {
    std::lock_guard lock(m_mutex);
    auto connection = admin();
    if (!connection) return tl::unexpected(connection.error());
    PGconn* c = *connection;
    if (auto begun = pg_exec(c, "BEGIN", {}, "insert batch", *m_params); !begun) return tl::unexpected(begun.error());
    const std::string full_chunk_sql = insert_rows_sql(std::min(k_batch_rows, orders.size()));
    for (std::size_t first = 0; first < orders.size(); first += k_batch_rows) {
      const std::size_t rows = std::min(k_batch_rows, orders.size() - first);
      PgParams params;
      params.reserve(rows * 5);
      for (std::size_t i = first; i < first + rows; ++i) {
        const Order& order = orders[i];
        params.insert(params.end(), {order.id, order.product, std::to_string(order.quantity), order.customer_name,
                                     order.customer_address});
      }
      const bool full = rows == k_batch_rows || first == 0;
      if (auto inserted = pg_exec(c, full ? full_chunk_sql : insert_rows_sql(rows), params, "insert batch", *m_params);
          !inserted) {
        (void)pg_exec(c, "ROLLBACK", {}, "insert batch", *m_params);
        return tl::unexpected(inserted.error());
      }
    }
    if (auto committed = pg_exec(c, "COMMIT", {}, "insert batch", *m_params); !committed)
      return tl::unexpected(committed.error());
    return {};
  }

  StoreResult<std::uint64_t> count() override {
    std::lock_guard lock(m_mutex);
    auto connection = admin();
    if (!connection) return tl::unexpected(connection.error());
    auto counted = pg_exec(*connection, "SELECT count(*) FROM orders", {}, "count", *m_params);
    if (!counted) return tl::unexpected(counted.error());
    return parse_count(PQgetvalue(counted->get(), 0, 0));
  }

  std::string describe() const override { return m_params->redacted_url(); }

private:
  // The admin connection, opened again when it broke or was left inside a transaction. Caller holds
  // m_mutex.
  StoreResult<PGconn*> admin() {
    if (m_admin) pg_drain_idle(m_admin.get());
    if (!m_admin || PQstatus(m_admin.get()) != CONNECTION_OK || PQtransactionStatus(m_admin.get()) != PQTRANS_IDLE) {
      m_admin.reset();
      auto connection = m_params->connect_blocking();
      if (!connection) return tl::unexpected(connection.error());
      m_admin = std::move(*connection);
    }
    return m_admin.get();
  }

  std::shared_ptr<const PgConnectParams> m_params;
  std::mutex m_mutex;
  PgConn m_admin;
};

} // namespace

StoreResult<std::unique_ptr<Database>> open_postgres_database(const std::string& url) {
  try {
    auto params = PgConnectParams::parse(url);
    if (!params) return tl::unexpected(params.error());
    auto admin = (*params)->connect_blocking();
    if (!admin) return tl::unexpected(admin.error());
    if (auto schema = create_schema(admin->get(), **params); !schema) return tl::unexpected(schema.error());
    return std::unique_ptr<Database>(std::make_unique<PgDatabase>(std::move(*params), std::move(*admin)));
  } catch (const std::exception& e) {
    return tl::unexpected(StoreError{StoreError::Kind::internal, std::string("postgresql: ") + e.what()});
  }
}

} // namespace fp::server
