// Fresh, empty databases of each kind the server supports, backed by real instances that live as
// long as the test program: SQLite files in one temporary directory, PostgreSQL databases created
// in one throwaway PostgreSQL server (started on first use).
#pragma once

#include <string>
#include <vector>

namespace fp::test {

// "sqlite" and "postgresql": the parameter of every test that runs against both stores.
std::vector<std::string> store_kinds();

// A new empty database of that kind; its URL for fp-order-server --database.
std::string fresh_database_url(const std::string& kind);

class PostgresInstance;
// The shared PostgreSQL server behind fresh_database_url("postgresql") (started if needed).
PostgresInstance& shared_postgres();

} // namespace fp::test
