// The PostgreSQL back end, shared by many worker processes. Each worker thread gets a store with its
// own few connections, driven without blocking by that thread's io_context; maintenance commands
// (reset, seed, count) use one blocking connection.
#pragma once

#include "store.hpp"

#include <chrono>
#include <cstddef>

namespace fp::server {

// Requests a store keeps waiting while all its connections are busy. Past this it answers
// `overloaded` at once: a slow database sheds load instead of growing memory and latency unbounded.
inline constexpr std::size_t k_pg_max_waiting = 1024;

// How long one statement may run. Past it the connection is dropped and reopened (the statement may
// still finish on the server) and the caller gets `unavailable`.
inline constexpr std::chrono::seconds k_pg_statement_timeout{10};

// `url` is postgresql://... or postgres://..., handed to libpq as is (sslmode and every other
// parameter included). Connects (connect_timeout defaults to 10 s) and creates the schema if missing.
// Messages and describe() show the URL with its password replaced by ***.
StoreResult<std::unique_ptr<Database>> open_postgres_database(const std::string& url);

} // namespace fp::server
