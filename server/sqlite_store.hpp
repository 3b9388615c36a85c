// The embedded SQLite back end: one file in WAL mode; an acknowledged write survives a crash of
// the process (synchronous=NORMAL in WAL mode syncs at checkpoints, and a commit is in the WAL
// before it is answered).
#pragma once

#include "store.hpp"

namespace fp::server {

StoreResult<std::unique_ptr<Database>> open_sqlite_database(const std::string& path);

} // namespace fp::server
