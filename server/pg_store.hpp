// The PostgreSQL back end, shared by many worker processes. Each worker thread gets a store with its
// own few connections, driven without blocking by that thread's io_context; maintenance commands
// (reset, seed, count) use one blocking connection.
#pragma once

#include "store.hpp"

#include <chrono>
#include <cstddef>

namespace fp::server {

// Statements one connection may have in flight at once (libpq pipeline mode): sent one after
// another without waiting for the answers before them, which come back in order. Deep enough to
// keep a connection busy through a whole turn of its worker's event loop (with 64 clients on two
// workers of four connections, some 8 per connection); shallow enough that a slow statement at the
// head holds up few others, and the results in flight on one connection stay small.
inline constexpr std::size_t k_pg_pipeline_depth = 32;

// Requests a store keeps waiting while every connection's pipeline is full (or none is open). Past
// this it answers `overloaded` at once: a slow database sheds load instead of growing memory and
// latency unbounded.
inline constexpr std::size_t k_pg_max_waiting = 1024;

// How long one statement may run. Past it the connection is dropped and reopened (the statement may
// still finish on the server) and the caller gets `unavailable`.
inline constexpr std::chrono::seconds k_pg_statement_timeout{10};

// `url` is postgresql://... or postgres://..., handed to libpq as is (sslmode and every other
// parameter included). Connects (connect_timeout defaults to 10 s) and creates the schema if missing.
// Messages and describe() show the URL with its password replaced by ***.
StoreResult<std::unique_ptr<Database>> open_postgres_database(const std::string& url);

} // namespace fp::server
