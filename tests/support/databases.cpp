#include "databases.hpp"

#include "postgres_instance.hpp"
#include "temp_dir.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace fp::test {
namespace {

std::mutex g_mutex;
std::atomic<int> g_counter{0};

TempDir& sqlite_dir() {
  static TempDir dir("fp-sqlite");
  return dir;
}

} // namespace

std::vector<std::string> store_kinds() { return {"sqlite", "postgresql"}; }

PostgresInstance& shared_postgres() {
  std::lock_guard lock(g_mutex);
  static std::unique_ptr<PostgresInstance> instance;
  if (!instance) instance = std::make_unique<PostgresInstance>();
  return *instance;
}

std::string fresh_database_url(const std::string& kind) {
  const int n = ++g_counter;
  if (kind == "sqlite") return "sqlite://" + (sqlite_dir() / ("orders-" + std::to_string(n) + ".db")).string();
  if (kind != "postgresql") throw std::invalid_argument("unknown store kind " + kind);
  auto& postgres = shared_postgres();
  const std::string name = "fp_test_" + std::to_string(n);
  auto created = postgres.psql("CREATE DATABASE " + name);
  if (created.exit_code != 0) throw std::runtime_error("CREATE DATABASE failed: " + created.output);
  // Same server and user, another database: swap the path of the URL.
  std::string url = postgres.url();
  const auto query = url.find('?');
  const auto slash = url.rfind('/', query);
  return url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query));
}

} // namespace fp::test
