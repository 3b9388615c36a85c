// fp-order-server: the orders API of the course's app.py in C++. This file only binds flags and
// environment variables to the library and picks the exit code.
#include "access_log.hpp"
#include "http_server.hpp"
#include "object_id.hpp"
#include "store.hpp"
#include "units.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace fp::server;

constexpr const char* k_version = "0.1.0";
constexpr const char* k_default_database = "sqlite://fp-orders.db";
constexpr std::size_t k_seed_batch = 1000;

// A usage or configuration mistake: exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::mutex g_log_mutex;

void log_line(std::string_view level, std::string_view message, std::string_view fields = {}) {
  std::string line = "level=" + std::string(level) + " msg=\"";
  for (char c : message) {
    if (c == '"' || c == '\\') line += '\\';
    line += (c == '\n') ? ' ' : c;
  }
  line += '"';
  if (!fields.empty()) {
    line += ' ';
    line += fields;
  }
  line += '\n';
  std::lock_guard lock(g_log_mutex);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

std::chrono::milliseconds parse_duration(const std::string& text, const std::string& flag) {
  auto parsed = fp::parse_duration(text);
  if (!parsed) throw UsageError(flag + ": " + parsed.error());
  return std::chrono::duration_cast<std::chrono::milliseconds>(*parsed);
}

std::pair<std::string, unsigned short> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  std::string host = colon == std::string::npos ? text : text.substr(0, colon);
  const std::string port_text = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long port = 0;
  std::size_t used = 0;
  try {
    port = std::stoul(port_text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (host.empty() || used == 0 || used != port_text.size() || port > 65535) {
    throw UsageError("--listen: '" + text + "' is not HOST:PORT; write e.g. 0.0.0.0:8000 or 127.0.0.1:0");
  }
  return {host, static_cast<unsigned short>(port)};
}

std::unique_ptr<Database> open_or_fail(const std::string& url) {
  auto database = open_database(url);
  if (!database) {
    if (database.error().kind == StoreError::Kind::internal && database.error().message.starts_with("unsupported"))
      throw UsageError("--database: " + database.error().message);
    throw std::runtime_error(database.error().message);
  }
  return std::move(*database);
}

void raise_file_limit() {
  // Thousands of client connections need thousands of descriptors; the soft limit is often 1024.
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

struct ServeOptions {
  std::string listen = "0.0.0.0:8000";
  std::string database = k_default_database;
  std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  std::size_t db_pool = 0;
  std::string idle_timeout = "60s";
  std::string drain_timeout = "30s";
  std::string drain_idle = "0s";
  std::string access_log;
};

int serve(const ServeOptions& options) {
  ServerConfig config;
  std::tie(config.host, config.port) = parse_listen(options.listen);
  config.threads = options.threads;
  config.db_pool = options.db_pool;
  config.idle_timeout = parse_duration(options.idle_timeout, "--idle-timeout");
  config.drain_timeout = parse_duration(options.drain_timeout, "--drain-timeout");
  config.drain_idle = parse_duration(options.drain_idle, "--drain-idle");
  if (config.threads < 1 || config.threads > 1024) throw UsageError("--threads: expected 1 to 1024");
  std::unique_ptr<AccessLog> access_log;
  if (!options.access_log.empty()) {
    auto opened = AccessLog::open(options.access_log);
    if (!opened) throw UsageError("--access-log: " + opened.error());
    access_log = std::move(*opened);
    config.access_log = access_log.get();
  }
  config.log = [](std::string_view message) { log_line("error", message); };

  raise_file_limit();
  std::signal(SIGPIPE, SIG_IGN);
  auto database = open_or_fail(options.database);
  auto server = HttpServer::start(*database, config);
  if (!server) throw std::runtime_error(server.error());

  // Signals are handled on their own small loop so the workers never see them.
  boost::asio::io_context signal_io;
  boost::asio::signal_set signals(signal_io, SIGINT, SIGTERM);
  auto& running = **server;
  std::function<void(const boost::system::error_code&, int)> on_signal =
    [&](const boost::system::error_code& ec, int number) {
      if (ec) return;
      // The grace actually applied: the drain timeout caps it.
      const auto grace = std::min(config.drain_idle, config.drain_timeout);
      log_line("info", "draining",
               "signal=" + std::to_string(number) + " idle_grace_ms=" + std::to_string(grace.count()) +
                 " drain_timeout_ms=" + std::to_string(config.drain_timeout.count()));
      running.drain();
      signals.async_wait(on_signal); // a second signal during the drain changes nothing
    };
  signals.async_wait(on_signal);
  std::thread signal_thread([&] { signal_io.run(); });

  log_line("info", "fp-order-server listening",
           "listen=" + running.local_address() + " store=" + database->describe() +
             " threads=" + std::to_string(config.threads) + " db_connections=" +
             std::to_string(running.db_connections()) + " pid=" + std::to_string(getpid()) +
             " version=" + k_version);
  running.wait();
  signal_io.stop();
  signal_thread.join();
  server->reset();
  database.reset(); // closes the store cleanly (SQLite checkpoints its WAL)
  log_line("info", "stopped");
  return 0;
}

int reset(const std::string& url) {
  auto database = open_or_fail(url);
  auto deleted = database->reset();
  if (!deleted) throw std::runtime_error(deleted.error().message);
  std::cout << "deleted " << *deleted << " orders from " << database->describe() << "\n";
  return 0;
}

int seed(const std::string& url, std::uint64_t count) {
  static constexpr std::array<const char*, 6> products = {"Laptop", "Phone", "Keyboard", "Monitor", "Mouse", "Desk"};
  static constexpr std::array<const char*, 6> names = {"Budi Santoso", "Siti Rahma", "Andi Wijaya",
                                                       "Dewi Lestari", "Rudi Hartono", "Maya Putri"};
  auto database = open_or_fail(url);
  std::mt19937_64 random(std::random_device{}());
  std::uint64_t done = 0;
  while (done < count) {
    std::vector<Order> batch;
    const auto n = std::min<std::uint64_t>(k_seed_batch, count - done);
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto r = random();
      batch.push_back(Order{ObjectId::generate().hex(), products[r % products.size()],
                            static_cast<std::int64_t>(1 + (r >> 8) % 10), names[(r >> 16) % names.size()],
                            "Jl. Merdeka No. " + std::to_string(1 + (r >> 24) % 200) + ", Jakarta"});
    }
    if (auto ok = database->insert_batch(batch); !ok) throw std::runtime_error(ok.error().message);
    done += n;
  }
  std::cout << "inserted " << count << " orders into " << database->describe() << "\n";
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"fp-order-server: the orders API (routes of the course's app.py) on SQLite or PostgreSQL"};
  app.set_version_flag("--version", k_version);
  app.require_subcommand(1);

  ServeOptions serve_options;
  auto* serve_cmd = app.add_subcommand("serve", "Serve the orders API over HTTP until SIGTERM or SIGINT");
  serve_cmd->add_option("--listen", serve_options.listen, "Address and port to listen on (port 0: any free one)")
    ->envname("FP_LISTEN")->capture_default_str();
  serve_cmd->add_option("--database", serve_options.database, "sqlite://PATH or postgresql://USER:PASS@HOST:PORT/DB")
    ->envname("FP_DATABASE_URL")->capture_default_str();
  serve_cmd->add_option("--threads", serve_options.threads, "Worker threads, each with its own event loop")
    ->envname("FP_THREADS")->capture_default_str();
  serve_cmd->add_option("--db-pool", serve_options.db_pool, "Database connections in all (default: 4 per thread)")
    ->envname("FP_DB_POOL");
  serve_cmd->add_option("--idle-timeout", serve_options.idle_timeout,
                        "Close a connection that sends no (complete) request for this long")
    ->envname("FP_IDLE_TIMEOUT")->capture_default_str();
  serve_cmd->add_option("--drain-timeout", serve_options.drain_timeout,
                        "On SIGTERM, how long in-flight requests may still take")
    ->envname("FP_DRAIN_TIMEOUT")->capture_default_str();
  serve_cmd->add_option("--drain-idle", serve_options.drain_idle,
                        "On SIGTERM, how long an idle keep-alive connection may still bring requests (each "
                        "answered with 'Connection: close') before it is closed; 0s closes it at once. A load "
                        "balancer may be sending on it already. --drain-timeout still caps the whole drain")
    ->envname("FP_DRAIN_IDLE")->capture_default_str();
  serve_cmd->add_option("--access-log", serve_options.access_log, "Write one line per request to FILE ('-': stdout)")
    ->envname("FP_ACCESS_LOG");

  std::string database = k_default_database;
  auto* reset_cmd = app.add_subcommand("reset", "Delete every order (do this before each load test)");
  reset_cmd->add_option("--database", database, "Database URL")->envname("FP_DATABASE_URL")->capture_default_str();

  std::uint64_t count = 0;
  auto* seed_cmd = app.add_subcommand("seed", "Insert COUNT generated orders");
  seed_cmd->add_option("--database", database, "Database URL")->envname("FP_DATABASE_URL")->capture_default_str();
  auto* count_positional = seed_cmd->add_option("count", count, "How many orders to insert");
  seed_cmd->add_option("--count", count, "How many orders to insert (same as the positional COUNT)")
    ->excludes(count_positional);

  try {
    const std::string first = argc > 1 ? argv[1] : "";
    if (!first.empty() && first[0] != '-' && first != "serve" && first != "reset" && first != "seed") {
      throw UsageError("unknown command '" + first + "': expected serve, reset or seed");
    }
    app.parse(argc, argv);
    if (serve_cmd->parsed()) return serve(serve_options);
    if (reset_cmd->parsed()) return reset(database);
    if (seed_cmd->parsed()) {
      if (count == 0) throw UsageError("seed: give the number of orders, e.g. 'fp-order-server seed 1000'");
      return seed(database, count);
    }
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e); // --help, --version
    std::cerr << "fp-order-server: error: " << e.what() << "\nRun 'fp-order-server --help' for usage.\n";
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "fp-order-server: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "fp-order-server: error: " << e.what() << "\n";
    return 1;
  }
  return 2;
}
