// The embedded SQLite store backend (DESIGN §5): metadata in
// data_dir/db/postamt.sqlite (WAL), message bytes as content-addressed files in
// data_dir/blobs/. Several processes may open the same directory at once (the
// CLI while the server runs); change notifications reach only subscribers in the
// process that made the change.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "store/store.h"

namespace postamt::store {

struct SqliteOptions {
  std::string data_dir;  // db/ and blobs/ below it; created if absent
};

// The concrete type behind open_sqlite_store(), for tests and diagnostics.
class SqliteStore : public Store {
 public:
  // Transactions committed by the group-commit writer so far. Fewer commits
  // than writes means fsyncs were shared.
  virtual uint64_t commit_count() const = 0;
  // Writes (jobs) handed to the group-commit writer so far.
  virtual uint64_t write_count() const = 0;
};

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

}  // namespace postamt::store
