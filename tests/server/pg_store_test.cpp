// The PostgreSQL back end against a real PostgreSQL: the same answers as the SQLite store, and what
// only a networked database brings (a bounded wait queue, outages, restarts, TLS, passwords in URLs).
#include "object_id.hpp"
#include "pg_store.hpp"
#include "support/postgres_instance.hpp"

#include <atomic>
#include <csignal>
#include <functional>
#include <future>
#include <latch>
#include <map>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace fp::server {
namespace {

using namespace std::chrono_literals;
using fp::test::PostgresInstance;
using fp::test::PostgresOptions;
using Kind = StoreError::Kind;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds k_reply_limit = 30s;
// Reconnect backoff tops out at 5 s; this leaves room for a slow machine.
constexpr std::chrono::milliseconds k_recovery_limit = 30s;

Order make_order(std::string product = "widget", std::int64_t quantity = 1) {
  return Order{ObjectId::generate().hex(), std::move(product), quantity, "Ada Lovelace",
               "12 St James's Square, London"};
}

void expect_same(const Order& actual, const Order& expected) {
  EXPECT_EQ(actual.id, expected.id);
  EXPECT_EQ(actual.product, expected.product);
  EXPECT_EQ(actual.quantity, expected.quantity);
  EXPECT_EQ(actual.customer_name, expected.customer_name);
  EXPECT_EQ(actual.customer_address, expected.customer_address);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Runs `io` until `done()` holds; false if `limit` passed first.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = k_reply_limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    io.restart();
    if (io.run_one_for(20ms) == 0 && io.stopped()) std::this_thread::sleep_for(5ms);
  }
  return true;
}

void run_for(boost::asio::io_context& io, std::chrono::milliseconds duration) {
  io.restart();
  io.run_for(duration);
}

// Waits until `done()` holds, without running any io_context (e.g. for a psql query to say so).
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

template <class T>
StoreResult<T> await(boost::asio::io_context& io, const std::function<void(Reply<T>)>& call,
                     std::chrono::milliseconds limit = k_reply_limit) {
  std::optional<StoreResult<T>> reply;
  call([&reply](StoreResult<T> result) { reply = std::move(result); });
  if (!run_until(io, [&] { return reply.has_value(); }, limit)) {
    ADD_FAILURE() << "no reply within " << limit.count() << " ms";
    return tl::unexpected(StoreError{Kind::internal, "test: no reply"});
  }
  return std::move(*reply);
}

// A store on its own io_context, with blocking wrappers for the tests.
class StoreHarness {
public:
  StoreHarness(Database& database, std::size_t connections)
    : m_store(database.make_store(m_io, connections).value()) {}
  ~StoreHarness() {
    m_store->close();
    run_for(m_io, 10s); // returns as soon as the store's cancelled work has drained
  }
  StoreHarness(const StoreHarness&) = delete;
  StoreHarness& operator=(const StoreHarness&) = delete;

  Store& store() { return *m_store; }
  boost::asio::io_context& io() { return m_io; }

  StoreResult<void> create(const Order& order) {
    return await<void>(m_io, [&](Reply<void> reply) { m_store->create(order, std::move(reply)); });
  }
  StoreResult<std::optional<Order>> find(const std::string& id, std::chrono::milliseconds limit = k_reply_limit) {
    return await<std::optional<Order>>(
      m_io, [&](Reply<std::optional<Order>> reply) { m_store->find(id, std::move(reply)); }, limit);
  }
  StoreResult<std::vector<Order>> list(const ListQuery& query) {
    return await<std::vector<Order>>(m_io,
                                     [&](Reply<std::vector<Order>> reply) { m_store->list(query, std::move(reply)); });
  }
  StoreResult<std::optional<Order>> update(const std::string& id, const OrderPatch& patch) {
    return await<std::optional<Order>>(
      m_io, [&](Reply<std::optional<Order>> reply) { m_store->update(id, patch, std::move(reply)); });
  }
  StoreResult<bool> remove(const std::string& id) {
    return await<bool>(m_io, [&](Reply<bool> reply) { m_store->remove(id, std::move(reply)); });
  }
  StoreResult<void> ping() {
    return await<void>(m_io, [&](Reply<void> reply) { m_store->ping(std::move(reply)); });
  }

  bool wait_open(std::uint64_t connections, std::chrono::milliseconds limit = k_reply_limit) {
    return run_until(m_io, [&] { return m_store->pool_stats().open == connections; }, limit);
  }

  // Retries `find` until it returns the order; every failure on the way must be `unavailable`.
  bool wait_found(const std::string& id, std::chrono::milliseconds limit = k_recovery_limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      auto found = find(id);
      if (found && *found) return true;
      if (!found) {
        EXPECT_EQ(found.error().kind, Kind::unavailable) << found.error().message;
      }
      run_for(m_io, 100ms);
    }
    return false;
  }

private:
  boost::asio::io_context m_io;
  std::unique_ptr<Store> m_store;
};

// A psql session holding an exclusive lock on the orders table, so statements on it wait.
class TableLock {
public:
  explicit TableLock(PostgresInstance& postgres)
    : m_postgres(postgres),
      m_psql(fp::test::Process::start(
        postgres.psql_command("BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600); COMMIT;"),
        fp::test::ProcessOptions{m_dir / "psql.log", {}, std::nullopt})) {
    const bool granted = eventually([&] {
      return m_postgres
               .psql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                     "WHERE c.relname = 'orders' AND l.mode = 'AccessExclusiveLock' AND l.granted")
               .output == "1";
    });
    if (!granted) {
      release();
      throw std::runtime_error("psql did not get the table lock: " + fp::test::read_file(m_dir / "psql.log"));
    }
  }
  ~TableLock() { release(); }
  TableLock(const TableLock&) = delete;
  TableLock& operator=(const TableLock&) = delete;

  void release() {
    if (m_released) return;
    m_released = true;
    (void)m_postgres.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()");
    if (!m_psql.wait_for(10s)) m_psql.stop(SIGKILL);
  }

private:
  PostgresInstance& m_postgres;
  fp::test::TempDir m_dir{"fp-lock"};
  fp::test::Process m_psql;
  bool m_released = false;
};

// One PostgreSQL for the whole suite: initdb costs seconds.
class PgStoreTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    try {
      s_postgres = std::make_unique<PostgresInstance>();
    } catch (const std::exception& e) {
      s_setup_error = e.what();
    }
  }
  static void TearDownTestSuite() { s_postgres.reset(); }

  void SetUp() override {
    ASSERT_TRUE(s_postgres) << s_setup_error;
    s_postgres->start(); // a test that stopped it and failed half-way must not break the next ones
    auto database = open_postgres_database(s_postgres->url());
    ASSERT_TRUE(database) << database.error().message;
    m_db = std::move(*database);
    ASSERT_TRUE(m_db->reset());
  }

  static PostgresInstance& postgres() { return *s_postgres; }

  std::unique_ptr<Database> m_db;

private:
  static inline std::unique_ptr<PostgresInstance> s_postgres;
  static inline std::string s_setup_error;
};

TEST_F(PgStoreTest, CreateThenFindReturnsTheSameOrder) {
  StoreHarness h(*m_db, 2);
  const Order order = make_order("Espresso machine", 3);
  ASSERT_TRUE(h.create(order));
  auto found = h.find(order.id);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(*found);
  expect_same(**found, order);
}

TEST_F(PgStoreTest, FindOfAnUnknownIdIsEmpty) {
  StoreHarness h(*m_db, 1);
  auto found = h.find(ObjectId::generate().hex());
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_FALSE(*found);
}

TEST_F(PgStoreTest, CreateWithAnIdInUseFailsAsInternal) {
  StoreHarness h(*m_db, 1);
  const Order order = make_order();
  ASSERT_TRUE(h.create(order));
  Order again = make_order("other");
  again.id = order.id;
  auto created = h.create(again);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().kind, Kind::internal); // as SQLite's UNIQUE failure
  auto found = h.find(order.id);
  ASSERT_TRUE(found && *found);
  expect_same(**found, order);
  EXPECT_TRUE(h.ping()) << "the connection stays usable after a failed statement";
}

TEST_F(PgStoreTest, TextIsStoredVerbatim) {
  StoreHarness h(*m_db, 1);
  const std::vector<std::string> texts = {"Robert'); DROP TABLE orders;--", "tab\there\nnew line\r\n",
                                          "back\\slash \\x41 $1 %s ?", "ünïcødé 日本語 🚀",
                                          std::string(1000, 'x'), "'"};
  for (const auto& text : texts) {
    Order order{ObjectId::generate().hex(), text, std::numeric_limits<std::int64_t>::max(), text, text};
    ASSERT_TRUE(h.create(order)) << text;
    auto found = h.find(order.id);
    ASSERT_TRUE(found && *found) << text;
    expect_same(**found, order);
  }
  EXPECT_EQ(m_db->count().value(), texts.size());
}

TEST_F(PgStoreTest, ListIsOrderedByIdAndPagesWithAfter) {
  StoreHarness h(*m_db, 2);
  std::vector<Order> orders;
  for (const char* id : {"65a000000000000000000003", "000000000000000000000001", "ffffffffffffffffffffffff",
                         "65a000000000000000000002", "a00000000000000000000000"}) {
    Order order = make_order(std::string("product ") + id);
    order.id = id;
    ASSERT_TRUE(h.create(order));
    orders.push_back(order);
  }
  std::sort(orders.begin(), orders.end(), [](const Order& a, const Order& b) { return a.id < b.id; });

  auto all = h.list(ListQuery{100, std::nullopt});
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), orders.size());
  for (std::size_t i = 0; i < orders.size(); ++i) expect_same((*all)[i], orders[i]);

  auto first = h.list(ListQuery{2, std::nullopt});
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[1].id, orders[1].id);

  auto second = h.list(ListQuery{2, orders[1].id});
  ASSERT_TRUE(second);
  ASSERT_EQ(second->size(), 2u);
  EXPECT_EQ((*second)[0].id, orders[2].id);
  EXPECT_EQ((*second)[1].id, orders[3].id);

  auto last = h.list(ListQuery{2, orders[3].id});
  ASSERT_TRUE(last);
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ((*last)[0].id, orders[4].id);

  auto beyond = h.list(ListQuery{2, orders[4].id});
  ASSERT_TRUE(beyond);
  EXPECT_TRUE(beyond->empty());

  auto none = h.list(ListQuery{0, std::nullopt});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(PgStoreTest, ListOfManyLargeOrdersNeedsManyReads) {
  std::vector<Order> orders;
  for (int i = 0; i < 600; ++i) {
    Order order = make_order(std::string(900, static_cast<char>('a' + i % 26)), i + 1);
    order.customer_address = std::string(1000, 'z');
    orders.push_back(std::move(order));
  }
  ASSERT_TRUE(m_db->insert_batch(orders));
  StoreHarness h(*m_db, 1);
  auto listed = h.list(ListQuery{10000, std::nullopt});
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), orders.size());
  std::sort(orders.begin(), orders.end(), [](const Order& a, const Order& b) { return a.id < b.id; });
  for (std::size_t i = 0; i < orders.size(); ++i) expect_same((*listed)[i], orders[i]);
}

TEST_F(PgStoreTest, PartialUpdateKeepsTheOtherFields) {
  StoreHarness h(*m_db, 1);
  const Order order = make_order("Kettle", 2);
  ASSERT_TRUE(h.create(order));

  OrderPatch quantity_only;
  quantity_only.quantity = 7;
  auto updated = h.update(order.id, quantity_only);
  ASSERT_TRUE(updated) << updated.error().message;
  ASSERT_TRUE(*updated);
  Order expected = order;
  expected.quantity = 7;
  expect_same(**updated, expected);

  OrderPatch two_fields;
  two_fields.product = "Teapot";
  two_fields.customer_address = "1 Infinite Loop";
  updated = h.update(order.id, two_fields);
  ASSERT_TRUE(updated && *updated);
  expected.product = "Teapot";
  expected.customer_address = "1 Infinite Loop";
  expect_same(**updated, expected);

  auto found = h.find(order.id);
  ASSERT_TRUE(found && *found);
  expect_same(**found, expected);

  auto unknown = h.update(ObjectId::generate().hex(), quantity_only);
  ASSERT_TRUE(unknown) << unknown.error().message;
  EXPECT_FALSE(*unknown);
}

TEST_F(PgStoreTest, RemoveSaysWhetherAnOrderWasDeleted) {
  StoreHarness h(*m_db, 1);
  const Order order = make_order();
  ASSERT_TRUE(h.create(order));
  auto removed = h.remove(order.id);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_TRUE(*removed);
  removed = h.remove(order.id);
  ASSERT_TRUE(removed);
  EXPECT_FALSE(*removed);
  auto found = h.find(order.id);
  ASSERT_TRUE(found);
  EXPECT_FALSE(*found);
}

TEST_F(PgStoreTest, PingAnswers) {
  StoreHarness h(*m_db, 1);
  auto pong = h.ping();
  EXPECT_TRUE(pong) << pong.error().message;
}

TEST_F(PgStoreTest, ResetCountAndInsertBatch) {
  std::vector<Order> orders;
  for (int i = 0; i < 2500; ++i) orders.push_back(make_order("item " + std::to_string(i), i + 1));
  ASSERT_TRUE(m_db->insert_batch(orders)); // three INSERTs in one transaction
  EXPECT_EQ(m_db->count().value(), 2500u);
  {
    StoreHarness h(*m_db, 1);
    auto found = h.find(orders[2499].id);
    ASSERT_TRUE(found && *found);
    expect_same(**found, orders[2499]);
  }
  EXPECT_EQ(m_db->reset().value(), 2500u);
  EXPECT_EQ(m_db->count().value(), 0u);
  EXPECT_TRUE(m_db->insert_batch({}));

  // One transaction: a duplicate in the second INSERT undoes the first one as well.
  std::vector<Order> with_duplicate(orders.begin(), orders.begin() + 1500);
  with_duplicate[1400].id = with_duplicate[10].id;
  auto inserted = m_db->insert_batch(with_duplicate);
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().kind, Kind::internal);
  EXPECT_EQ(m_db->count().value(), 0u);
  EXPECT_TRUE(m_db->insert_batch({orders[0]})) << "the admin connection is usable after a failed batch";
  EXPECT_EQ(m_db->count().value(), 1u);
}

TEST_F(PgStoreTest, PoolStatsShowConnectionsAndQueue) {
  StoreHarness h(*m_db, 3);
  ASSERT_TRUE(h.wait_open(3));
  auto stats = h.store().pool_stats();
  EXPECT_EQ(stats.size, 3u);
  EXPECT_EQ(stats.busy, 0u);
  EXPECT_EQ(stats.waiting, 0u);

  // Two reads in one turn of the event loop share a connection (and a Sync); one asked in a later
  // turn, while they are still in flight (held up by a lock), goes to an idle connection.
  int replies = 0;
  {
    TableLock lock(postgres());
    const auto count_found = [&](StoreResult<std::optional<Order>> result) {
      EXPECT_TRUE(result) << result.error().message;
      ++replies;
    };
    for (int i = 0; i < 2; ++i) h.store().find(ObjectId::generate().hex(), count_found);
    stats = h.store().pool_stats();
    EXPECT_EQ(stats.busy, 1u);
    EXPECT_EQ(stats.waiting, 0u);
    run_for(h.io(), 100ms);
    h.store().find(ObjectId::generate().hex(), count_found);
    stats = h.store().pool_stats();
    EXPECT_EQ(stats.busy, 2u);
    EXPECT_EQ(stats.waiting, 0u);
    EXPECT_EQ(replies, 0);
  }
  ASSERT_TRUE(run_until(h.io(), [&] { return replies == 3; }));

  // Every pipeline full, and two more: those two wait.
  const auto count_ok = [&](StoreResult<void> result) {
    EXPECT_TRUE(result) << result.error().message;
    ++replies;
  };
  const int issued = static_cast<int>(3 * k_pg_pipeline_depth + 2);
  replies = 0;
  for (int i = 0; i < issued; ++i) h.store().ping(count_ok);
  stats = h.store().pool_stats();
  EXPECT_EQ(stats.open, 3u);
  EXPECT_EQ(stats.busy, 3u);
  EXPECT_EQ(stats.waiting, 2u);
  ASSERT_TRUE(run_until(h.io(), [&] { return replies == issued; }));
  stats = h.store().pool_stats();
  EXPECT_EQ(stats.open, 3u);
  EXPECT_EQ(stats.busy, 0u);
  EXPECT_EQ(stats.waiting, 0u);
}

TEST_F(PgStoreTest, FullWaitingQueueAnswersOverloaded) {
  StoreHarness h(*m_db, 1);
  ASSERT_TRUE(h.wait_open(1));
  constexpr std::size_t k_extra = 50;
  // The pipeline fills, then the queue, and the rest overflow.
  const std::size_t issued = k_pg_pipeline_depth + k_pg_max_waiting + k_extra;
  std::size_t ok = 0;
  std::size_t overloaded = 0;
  std::size_t other = 0;
  for (std::size_t i = 0; i < issued; ++i) {
    h.store().ping([&](StoreResult<void> result) {
      if (result) ++ok;
      else if (result.error().kind == Kind::overloaded) ++overloaded;
      else ++other;
    });
  }
  EXPECT_EQ(h.store().pool_stats().waiting, k_pg_max_waiting);
  ASSERT_TRUE(run_until(h.io(), [&] { return ok + overloaded + other == issued; }));
  EXPECT_EQ(overloaded, k_extra);
  EXPECT_EQ(ok, k_pg_pipeline_depth + k_pg_max_waiting);
  EXPECT_EQ(other, 0u);
}

TEST_F(PgStoreTest, PipelinedRequestsOnOneConnectionAreAnsweredInOrder) {
  std::vector<Order> stored;
  for (int i = 0; i < 40; ++i) stored.push_back(make_order("stored " + std::to_string(i), i + 1));
  ASSERT_TRUE(m_db->insert_batch(stored));
  std::vector<Order> sorted = stored;
  std::sort(sorted.begin(), sorted.end(), [](const Order& a, const Order& b) { return a.id < b.id; });
  StoreHarness h(*m_db, 1);
  ASSERT_TRUE(h.wait_open(1));

  // Reads and writes mixed, all issued at once: more than one pipeline holds, so some wait. Each
  // write is followed by a read of what it wrote, which must see it: a connection runs its
  // statements in the order sent, and a write's answer comes after its commit.
  std::vector<int> answered; // request numbers, in the order answered
  std::vector<Order> created;
  const int issued = static_cast<int>(3 * k_pg_pipeline_depth);
  for (int n = 0; n < issued; ++n) {
    const auto done = [&answered, n] { answered.push_back(n); };
    switch (n % 5) {
      case 0: {
        const Order& expected = stored[static_cast<std::size_t>(n) % stored.size()];
        h.store().find(expected.id, [=, &expected](StoreResult<std::optional<Order>> found) {
          EXPECT_TRUE(found && *found) << n;
          if (found && *found) expect_same(**found, expected);
          done();
        });
        break;
      }
      case 1:
        h.store().find(ObjectId::generate().hex(), [=](StoreResult<std::optional<Order>> found) {
          EXPECT_TRUE(found && !*found) << n;
          done();
        });
        break;
      case 2:
        h.store().list(ListQuery{3, sorted[5].id}, [=, &sorted](StoreResult<std::vector<Order>> listed) {
          EXPECT_TRUE(listed && listed->size() == 3) << n;
          if (listed && listed->size() == 3) expect_same((*listed)[0], sorted[6]);
          done();
        });
        break;
      case 3:
        created.push_back(make_order("created " + std::to_string(n), n));
        h.store().create(created.back(), [=](StoreResult<void> result) {
          EXPECT_TRUE(result) << n << ": " << result.error().message;
          done();
        });
        break;
      default: {
        const Order expected = created.back();
        h.store().find(expected.id, [=](StoreResult<std::optional<Order>> found) {
          EXPECT_TRUE(found && *found) << n << ": the write before it was not visible";
          if (found && *found) expect_same(**found, expected);
          done();
        });
        break;
      }
    }
  }
  const auto stats = h.store().pool_stats();
  EXPECT_EQ(stats.busy, 1u);
  EXPECT_EQ(stats.waiting, static_cast<std::uint64_t>(issued) - k_pg_pipeline_depth);
  ASSERT_TRUE(run_until(h.io(), [&] { return answered.size() == static_cast<std::size_t>(issued); }));
  for (int n = 0; n < issued; ++n) EXPECT_EQ(answered[static_cast<std::size_t>(n)], n);
  EXPECT_EQ(m_db->count().value(), stored.size() + created.size());
}

TEST_F(PgStoreTest, AFailingStatementInAPipelineFailsOnlyItself) {
  StoreHarness h(*m_db, 1);
  ASSERT_TRUE(h.wait_open(1));
  const Order existing = make_order("existing");
  ASSERT_TRUE(h.create(existing));
  Order duplicate = make_order("duplicate");
  duplicate.id = existing.id;
  const Order first = make_order("first");
  const Order second = make_order("second");

  // All in one turn of the event loop, so on one connection at once: a write that fails (duplicate
  // key) between writes and reads that succeed, and a read that fails (a parameter PostgreSQL
  // rejects: invalid UTF-8) ahead of reads in its own group, which the failure keeps from running.
  std::map<std::string, std::optional<StoreResult<void>>> writes;
  std::map<std::string, std::optional<StoreResult<std::optional<Order>>>> reads;
  std::optional<StoreResult<void>> pong;
  const auto read = [&](const std::string& label, const std::string& id) {
    reads[label];
    h.store().find(id, [&reads, label](StoreResult<std::optional<Order>> found) { reads[label] = std::move(found); });
  };
  const auto write = [&](const std::string& label, const Order& order) {
    writes[label];
    h.store().create(order, [&writes, label](StoreResult<void> result) { writes[label] = std::move(result); });
  };
  read("existing before", existing.id);
  write("duplicate", duplicate);
  write("first", first);
  read("invalid", "\xff\xfe not UTF-8");
  read("existing after", existing.id);
  h.store().ping([&](StoreResult<void> result) { pong = std::move(result); });
  write("second", second);
  read("first", first.id);
  EXPECT_EQ(h.store().pool_stats().waiting, 0u);

  const auto all_answered = [&] {
    for (const auto& [label, result] : writes)
      if (!result) return false;
    for (const auto& [label, result] : reads)
      if (!result) return false;
    return pong.has_value();
  };
  ASSERT_TRUE(run_until(h.io(), all_answered));

  ASSERT_FALSE(*writes["duplicate"]);
  EXPECT_EQ(writes["duplicate"]->error().kind, Kind::internal) << writes["duplicate"]->error().message;
  EXPECT_TRUE(*writes["first"]) << writes["first"]->error().message;
  EXPECT_TRUE(*writes["second"]) << writes["second"]->error().message;
  ASSERT_FALSE(*reads["invalid"]);
  EXPECT_EQ(reads["invalid"]->error().kind, Kind::internal) << reads["invalid"]->error().message;
  EXPECT_TRUE(contains(reads["invalid"]->error().message, "22021")) << reads["invalid"]->error().message;
  for (const char* label : {"existing before", "existing after"}) {
    ASSERT_TRUE(*reads[label] && **reads[label]) << label;
    expect_same(***reads[label], existing);
  }
  ASSERT_TRUE(*reads["first"] && **reads["first"]);
  expect_same(***reads["first"], first);
  EXPECT_TRUE(*pong);

  EXPECT_EQ(m_db->count().value(), 3u);
  auto found = h.find(existing.id);
  ASSERT_TRUE(found && *found);
  expect_same(**found, existing); // the duplicate changed nothing
  EXPECT_EQ(h.store().pool_stats().open, 1u) << "a failed statement does not cost the connection";
}

TEST_F(PgStoreTest, AWriteRefusedAtCommitFailsOnlyItself) {
  // A deferred constraint trigger: the INSERT itself succeeds, its transaction fails at the Sync.
  struct Trigger {
    PostgresInstance& postgres;
    ~Trigger() {
      (void)postgres.psql("DROP TRIGGER IF EXISTS fp_refuse_at_commit ON orders; "
                          "DROP FUNCTION IF EXISTS fp_refuse_at_commit()");
    }
  } trigger{postgres()};
  ASSERT_EQ(postgres()
              .psql("CREATE FUNCTION fp_refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    "IF NEW.product = 'refused at commit' THEN RAISE EXCEPTION 'refused at commit'; END IF; "
                    "RETURN NULL; END $$; "
                    "CREATE CONSTRAINT TRIGGER fp_refuse_at_commit AFTER INSERT ON orders "
                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fp_refuse_at_commit()")
              .exit_code,
            0);
  StoreHarness h(*m_db, 1);
  ASSERT_TRUE(h.wait_open(1));
  const Order before = make_order("before");
  const Order refused = make_order("refused at commit");
  const Order after = make_order("after");
  std::vector<std::optional<StoreResult<void>>> created(3);
  std::optional<StoreResult<std::optional<Order>>> found;
  h.store().create(before, [&](StoreResult<void> result) { created[0] = std::move(result); });
  h.store().create(refused, [&](StoreResult<void> result) { created[1] = std::move(result); });
  h.store().find(before.id, [&](StoreResult<std::optional<Order>> result) { found = std::move(result); });
  h.store().create(after, [&](StoreResult<void> result) { created[2] = std::move(result); });
  ASSERT_TRUE(run_until(h.io(), [&] { return created[0] && created[1] && created[2] && found; }));

  EXPECT_TRUE(*created[0]) << created[0]->error().message;
  ASSERT_FALSE(*created[1]);
  EXPECT_EQ(created[1]->error().kind, Kind::internal);
  EXPECT_TRUE(contains(created[1]->error().message, "refused at commit")) << created[1]->error().message;
  EXPECT_TRUE(*created[2]) << created[2]->error().message;
  ASSERT_TRUE(*found && **found);
  expect_same(***found, before);
  EXPECT_EQ(m_db->count().value(), 2u);
  auto gone = h.find(refused.id);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
  EXPECT_EQ(h.store().pool_stats().open, 1u);
}

TEST_F(PgStoreTest, AReplyMayDestroyTheStoreWhileRepliesOfItsBatchAreDue) {
  boost::asio::io_context io;
  auto store = m_db->make_store(io, 1).value();
  ASSERT_TRUE(run_until(io, [&] { return store->pool_stats().open == 1; }));
  int replies = 0;
  for (int i = 0; i < 10; ++i) {
    store->ping([&](StoreResult<void>) {
      if (++replies == 1) store.reset(); // answered together: the other nine are due after this returns
    });
  }
  ASSERT_TRUE(run_until(io, [&] { return replies == 10; }));
  EXPECT_FALSE(store);
  io.restart();
  auto ran = std::async(std::launch::async, [&] { io.run(); });
  if (ran.wait_for(10s) != std::future_status::ready) {
    io.stop();
    ran.wait();
    FAIL() << "io_context::run() did not return after the store was destroyed";
  }
  EXPECT_EQ(replies, 10);
}

TEST_F(PgStoreTest, RepliesMayCallTheStoreAgain) {
  StoreHarness h(*m_db, 2);
  std::vector<Order> orders;
  for (int i = 0; i < 30; ++i) orders.push_back(make_order());
  std::size_t created = 0;
  bool failed = false;
  std::function<void()> next = [&] {
    if (created == orders.size()) return;
    h.store().create(orders[created], [&](StoreResult<void> result) {
      if (!result) {
        failed = true;
        return;
      }
      ++created;
      next();
    });
  };
  next();
  ASSERT_TRUE(run_until(h.io(), [&] { return failed || created == orders.size(); }));
  EXPECT_FALSE(failed);
  EXPECT_EQ(m_db->count().value(), orders.size());

  // A reply that closes the store: what is asked afterwards fails as unavailable.
  std::optional<StoreResult<void>> after_close;
  h.store().ping([&](StoreResult<void> result) {
    EXPECT_TRUE(result);
    h.store().close();
    h.store().ping([&](StoreResult<void> again) { after_close = std::move(again); });
  });
  ASSERT_TRUE(run_until(h.io(), [&] { return after_close.has_value(); }));
  ASSERT_FALSE(*after_close);
  EXPECT_EQ(after_close->error().kind, Kind::unavailable);
}

TEST_F(PgStoreTest, CloseFailsPendingRequestsAndLetsRunReturn) {
  boost::asio::io_context io;
  auto store = m_db->make_store(io, 2).value();
  ASSERT_TRUE(run_until(io, [&] { return store->pool_stats().open == 2; }));
  int replies = 0;
  int unavailable = 0;
  const auto count_reply = [&](StoreResult<std::optional<Order>> result) {
    ++replies;
    if (!result && result.error().kind == Kind::unavailable) ++unavailable;
  };
  for (int i = 0; i < 10; ++i) store->find(ObjectId::generate().hex(), count_reply); // all in flight
  store->close();
  store->find(ObjectId::generate().hex(), count_reply);

  io.restart();
  auto ran = std::async(std::launch::async, [&] { io.run(); });
  if (ran.wait_for(10s) != std::future_status::ready) {
    io.stop();
    ran.wait();
    FAIL() << "io_context::run() did not return after close()";
  }
  EXPECT_EQ(replies, 11);
  EXPECT_EQ(unavailable, 11);
}

TEST_F(PgStoreTest, StoreMayBeDestroyedRightAfterClose) {
  boost::asio::io_context io;
  auto store = m_db->make_store(io, 2).value();
  ASSERT_TRUE(run_until(io, [&] { return store->pool_stats().open == 2; }));
  int replies = 0;
  for (int i = 0; i < 5; ++i) store->ping([&](StoreResult<void> result) {
    EXPECT_FALSE(result);
    ++replies;
  });
  store->close();
  store.reset(); // its cancelled handlers are still queued in io

  // Destroyed without close(), while still connecting: the destructor closes.
  auto connecting = m_db->make_store(io, 2).value();
  run_for(io, 1ms);
  connecting.reset();

  io.restart();
  auto ran = std::async(std::launch::async, [&] { io.run(); });
  if (ran.wait_for(10s) != std::future_status::ready) {
    io.stop();
    ran.wait();
    FAIL() << "io_context::run() did not return after the stores were destroyed";
  }
  EXPECT_EQ(replies, 5);
}

TEST_F(PgStoreTest, StoresOnSeveralThreadsShareOneDatabase) {
  constexpr int k_threads = 4;
  constexpr int k_orders = 100; // per thread, all issued at once: most wait for one of 2 connections
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&] {
      boost::asio::io_context io;
      auto store = m_db->make_store(io, 2);
      if (!store) {
        ++failures;
        return;
      }
      int done = 0;
      for (int i = 0; i < k_orders; ++i) {
        (*store)->create(make_order(), [&](StoreResult<void> result) {
          if (!result) ++failures;
          ++done;
        });
      }
      if (!run_until(io, [&] { return done == k_orders; })) ++failures;
      (*store)->close();
      run_for(io, 10s);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(m_db->count().value(), static_cast<std::uint64_t>(k_threads * k_orders));
}

TEST_F(PgStoreTest, WorkersStartingTogetherCreateTheSchemaOnce) {
  ASSERT_EQ(postgres().psql("DROP TABLE orders").exit_code, 0);
  constexpr int k_workers = 8;
  std::latch start(k_workers);
  std::vector<std::future<StoreResult<std::unique_ptr<Database>>>> opened;
  for (int i = 0; i < k_workers; ++i) {
    opened.push_back(std::async(std::launch::async, [&] {
      start.arrive_and_wait();
      return open_postgres_database(postgres().url());
    }));
  }
  for (auto& database : opened) {
    auto result = database.get();
    EXPECT_TRUE(result) << result.error().message;
  }
  EXPECT_EQ(postgres().psql("SELECT count(*) FROM pg_tables WHERE tablename = 'orders'").output, "1");
  EXPECT_EQ(postgres()
              .psql("SELECT collation_name FROM information_schema.columns "
                    "WHERE table_name = 'orders' AND column_name = 'id'")
              .output,
            "C");
}

TEST_F(PgStoreTest, StoppedDatabaseAnswersUnavailableAndRecovers) {
  StoreHarness h(*m_db, 2);
  ASSERT_TRUE(h.wait_open(2));
  const Order order = make_order();
  ASSERT_TRUE(h.create(order));

  postgres().stop();
  auto found = h.find(order.id, 15s);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().kind, Kind::unavailable);
  EXPECT_FALSE(contains(found.error().message, PostgresInstance::k_password)) << found.error().message;
  ASSERT_TRUE(run_until(h.io(), [&] { return h.store().pool_stats().open == 0; }, 10s));

  // Once reconnecting has failed, requests are answered at once instead of waiting for a connection.
  run_for(h.io(), 1s);
  const auto asked = Clock::now();
  auto again = h.find(order.id);
  EXPECT_LT(Clock::now() - asked, 1s);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, Kind::unavailable);
  EXPECT_TRUE(contains(again.error().message, "127.0.0.1")) << again.error().message;
  EXPECT_FALSE(contains(again.error().message, PostgresInstance::k_password)) << again.error().message;

  auto counted = m_db->count();
  ASSERT_FALSE(counted);
  EXPECT_EQ(counted.error().kind, Kind::unavailable);
  EXPECT_FALSE(contains(counted.error().message, PostgresInstance::k_password)) << counted.error().message;

  // A store started while the database is down answers as soon as its first attempts fail, and,
  // closed while it keeps retrying, leaves nothing behind in its io_context.
  {
    boost::asio::io_context io;
    auto store = m_db->make_store(io, 2).value();
    auto pong = await<void>(io, [&](Reply<void> reply) { store->ping(std::move(reply)); }, 10s);
    ASSERT_FALSE(pong);
    EXPECT_EQ(pong.error().kind, Kind::unavailable);
    run_for(io, 300ms);
    store->close();
    auto ran = std::async(std::launch::async, [&] { io.run(); });
    if (ran.wait_for(10s) != std::future_status::ready) {
      io.stop();
      ran.wait();
      ADD_FAILURE() << "io_context::run() did not return after close() of a reconnecting store";
    }
  }

  postgres().start();
  EXPECT_TRUE(h.wait_found(order.id));
  EXPECT_TRUE(h.wait_open(2, k_recovery_limit));
  EXPECT_EQ(m_db->count().value(), 1u);
}

TEST_F(PgStoreTest, ReconnectsAfterRestart) {
  StoreHarness h(*m_db, 3);
  ASSERT_TRUE(h.wait_open(3));
  const Order order = make_order();
  ASSERT_TRUE(h.create(order));
  postgres().restart();
  EXPECT_TRUE(h.wait_found(order.id));
  EXPECT_TRUE(h.wait_open(3, k_recovery_limit));
  EXPECT_EQ(h.store().pool_stats().open, 3u);
  EXPECT_EQ(m_db->count().value(), 1u) << "the admin connection reconnects too";
}

TEST_F(PgStoreTest, ConnectionLostDuringAStatementAnswersUnavailable) {
  StoreHarness h(*m_db, 2);
  ASSERT_TRUE(h.wait_open(2));
  TableLock lock(postgres());
  std::optional<StoreResult<std::optional<Order>>> reply;
  h.store().find(ObjectId::generate().hex(),
                 [&](StoreResult<std::optional<Order>> result) { reply = std::move(result); });
  run_for(h.io(), 100ms); // reads go out at the end of the event loop's turn
  const std::string waiting =
    "FROM pg_stat_activity WHERE application_name = 'fp-order-server' AND wait_event_type = 'Lock'";
  ASSERT_TRUE(eventually([&] { return postgres().psql("SELECT count(*) " + waiting).output == "1"; }));
  ASSERT_EQ(postgres().psql("SELECT pg_terminate_backend(pid) " + waiting).exit_code, 0);

  ASSERT_TRUE(run_until(h.io(), [&] { return reply.has_value(); }, k_pg_statement_timeout / 2));
  ASSERT_FALSE(*reply);
  EXPECT_EQ(reply->error().kind, Kind::unavailable) << reply->error().message;

  lock.release();
  EXPECT_TRUE(h.wait_open(2, k_recovery_limit));
  EXPECT_TRUE(h.ping());
}

TEST_F(PgStoreTest, KilledConnectionFailsItsWholePipelineAndTheStoreRecovers) {
  StoreHarness h(*m_db, 1);
  ASSERT_TRUE(h.wait_open(1));
  const Order order = make_order();
  ASSERT_TRUE(h.create(order));
  TableLock lock(postgres());

  // A full pipeline stuck behind the lock, and a few more requests waiting for room in it.
  constexpr std::size_t k_waiting = 5;
  const std::size_t issued = k_pg_pipeline_depth + k_waiting;
  std::size_t found = 0;
  std::size_t unavailable = 0;
  std::size_t other = 0;
  for (std::size_t i = 0; i < issued; ++i) {
    h.store().find(order.id, [&](StoreResult<std::optional<Order>> result) {
      if (result && *result) ++found;
      else if (!result && result.error().kind == Kind::unavailable) ++unavailable;
      else ++other;
    });
  }
  run_for(h.io(), 100ms);
  auto stats = h.store().pool_stats();
  EXPECT_EQ(stats.open, 1u);
  EXPECT_EQ(stats.busy, 1u);
  EXPECT_EQ(stats.waiting, k_waiting);
  const std::string waiting =
    "FROM pg_stat_activity WHERE application_name = 'fp-order-server' AND wait_event_type = 'Lock'";
  ASSERT_TRUE(eventually([&] { return postgres().psql("SELECT count(*) " + waiting).output == "1"; }));
  ASSERT_EQ(postgres().psql("SELECT pg_terminate_backend(pid) " + waiting).exit_code, 0);

  // Everything sent on the killed connection may have run: unavailable, all of it. What was still
  // waiting goes to the new connection, where it waits for the lock in turn.
  ASSERT_TRUE(run_until(h.io(), [&] { return unavailable + other >= k_pg_pipeline_depth; }, k_pg_statement_timeout / 2));
  EXPECT_EQ(unavailable, k_pg_pipeline_depth);
  EXPECT_EQ(found, 0u);
  lock.release();
  ASSERT_TRUE(run_until(h.io(), [&] { return found + unavailable + other == issued; }, k_recovery_limit));
  EXPECT_EQ(found, k_waiting);
  EXPECT_EQ(other, 0u);
  stats = h.store().pool_stats();
  EXPECT_EQ(stats.open, 1u);
  EXPECT_EQ(stats.busy, 0u);
  EXPECT_EQ(stats.waiting, 0u);
  EXPECT_TRUE(h.ping());
}

TEST_F(PgStoreTest, StatementTimeoutDropsTheConnection) {
  StoreHarness h(*m_db, 1);
  ASSERT_TRUE(h.wait_open(1));
  TableLock lock(postgres());
  // The deadline belongs to the oldest statement in flight: the second, sent behind the first, is
  // dropped with it.
  const auto asked = Clock::now();
  std::optional<StoreResult<std::optional<Order>>> first;
  std::optional<StoreResult<std::optional<Order>>> second;
  Clock::time_point answered{};
  h.store().find(ObjectId::generate().hex(), [&](StoreResult<std::optional<Order>> result) {
    first = std::move(result);
    answered = Clock::now();
  });
  run_for(h.io(), 3s);
  h.store().find(ObjectId::generate().hex(),
                 [&](StoreResult<std::optional<Order>> result) { second = std::move(result); });
  ASSERT_TRUE(run_until(h.io(), [&] { return first && second; }, k_pg_statement_timeout + 10s));
  const auto waited = answered - asked;
  for (const auto* found : {&*first, &*second}) {
    ASSERT_FALSE(*found);
    EXPECT_EQ(found->error().kind, Kind::unavailable);
    EXPECT_TRUE(contains(found->error().message, "longer than")) << found->error().message;
  }
  EXPECT_GE(waited, k_pg_statement_timeout - 100ms);
  EXPECT_LT(waited, k_pg_statement_timeout + 5s);

  lock.release();
  EXPECT_TRUE(h.wait_open(1, k_recovery_limit));
  EXPECT_TRUE(h.ping());
}

TEST_F(PgStoreTest, ConnectsWhenTheFirstOfSeveralHostsIsDown) {
  // libpq closes the refused socket and opens another one mid-connect; the store must follow it.
  const auto dead_port = fp::test::free_port();
  auto database = open_postgres_database("postgresql://fp:secret@127.0.0.1:" + std::to_string(dead_port) +
                                         ",127.0.0.1:" + std::to_string(postgres().port()) + "/fp?sslmode=disable");
  ASSERT_TRUE(database) << database.error().message;
  StoreHarness h(**database, 2);
  ASSERT_TRUE(h.wait_open(2));
  EXPECT_TRUE(h.ping());
}

TEST_F(PgStoreTest, DescribeAndErrorsNeverShowThePassword) {
  const std::string described = m_db->describe();
  EXPECT_FALSE(contains(described, PostgresInstance::k_password)) << described;
  EXPECT_TRUE(contains(described, "postgresql://fp:***@127.0.0.1:")) << described;

  const std::string host = "@127.0.0.1:" + std::to_string(postgres().port());
  auto wrong = open_postgres_database("postgresql://fp:hunter2-wrong" + host + "/fp?sslmode=disable");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind, Kind::unavailable);
  EXPECT_TRUE(contains(wrong.error().message, "password authentication failed")) << wrong.error().message;
  EXPECT_FALSE(contains(wrong.error().message, "hunter2")) << wrong.error().message;

  auto in_query = open_postgres_database("postgresql://fp" + host + "/fp?sslmode=disable&password=secret");
  ASSERT_TRUE(in_query) << in_query.error().message;
  EXPECT_FALSE(contains((*in_query)->describe(), PostgresInstance::k_password)) << (*in_query)->describe();
  EXPECT_TRUE(contains((*in_query)->describe(), "password=***")) << (*in_query)->describe();

  auto encoded = open_postgres_database("postgresql://fp:s%65cret" + host + "/fp?sslmode=disable");
  ASSERT_TRUE(encoded) << encoded.error().message;
  EXPECT_FALSE(contains((*encoded)->describe(), "s%65cret")) << (*encoded)->describe();

  const auto nobody_port = fp::test::free_port();
  auto nobody = open_postgres_database("postgresql://fp:secret@127.0.0.1:" + std::to_string(nobody_port) +
                                       "/fp?connect_timeout=2");
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().kind, Kind::unavailable);
  EXPECT_TRUE(contains(nobody.error().message, "127.0.0.1")) << nobody.error().message;
  EXPECT_FALSE(contains(nobody.error().message, PostgresInstance::k_password)) << nobody.error().message;

  auto malformed = open_postgres_database("postgresql://fp:secret@127.0.0.1:" + std::to_string(nobody_port) +
                                          "/fp?no_such_option=1");
  ASSERT_FALSE(malformed);
  EXPECT_FALSE(contains(malformed.error().message, PostgresInstance::k_password)) << malformed.error().message;
}

TEST_F(PgStoreTest, RequiringTlsFromAPlainServerFails) {
  auto database = open_postgres_database(postgres().url("require"));
  ASSERT_FALSE(database);
  EXPECT_EQ(database.error().kind, Kind::unavailable);
  EXPECT_TRUE(contains(database.error().message, "SSL")) << database.error().message;
  EXPECT_FALSE(contains(database.error().message, PostgresInstance::k_password)) << database.error().message;
}

class PgTlsTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    try {
      PostgresOptions options;
      options.ssl = true;
      s_postgres = std::make_unique<PostgresInstance>(options);
    } catch (const std::exception& e) {
      s_setup_error = e.what();
    }
  }
  static void TearDownTestSuite() { s_postgres.reset(); }
  void SetUp() override { ASSERT_TRUE(s_postgres) << s_setup_error; }

  static PostgresInstance& postgres() { return *s_postgres; }

private:
  static inline std::unique_ptr<PostgresInstance> s_postgres;
  static inline std::string s_setup_error;
};

TEST_F(PgTlsTest, StoreConnectionsAreEncrypted) {
  auto database = open_postgres_database(postgres().url("require"));
  ASSERT_TRUE(database) << database.error().message;
  Database& db = **database;
  ASSERT_TRUE(db.reset());

  std::vector<Order> orders;
  for (int i = 0; i < 300; ++i) {
    Order order = make_order(std::string(1000, 'p'), i + 1);
    order.customer_address = std::string(1000, 'a');
    orders.push_back(std::move(order));
  }
  ASSERT_TRUE(db.insert_batch(orders));

  StoreHarness h(db, 2);
  ASSERT_TRUE(h.wait_open(2));
  const Order order = make_order();
  ASSERT_TRUE(h.create(order));
  auto found = h.find(order.id);
  ASSERT_TRUE(found && *found) << (found ? "not found" : found.error().message);
  expect_same(**found, order);
  auto listed = h.list(ListQuery{1000, std::nullopt}); // some 600 kB: many TLS records and reads
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(listed->size(), orders.size() + 1);

  // The admin connection and both store connections, seen from the server.
  const auto sessions = postgres().psql(
    "SELECT count(*) FILTER (WHERE s.ssl) || ',' || count(*) FILTER (WHERE NOT s.ssl) "
    "FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'fp-order-server'");
  EXPECT_EQ(sessions.output, "3,0");
}

} // namespace
} // namespace fp::server
