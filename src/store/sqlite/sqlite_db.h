// Thin RAII layer over the SQLite C API: connections, cached prepared statements,
// and the mapping of SQLite result codes to ErrorCode. The only place besides
// the other files in this directory that sees sqlite3.h.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace postamt::store::sqlite {

// Maps an SQLite result code: busy/locked/full/I/O are transient (temp) so the
// client retries; constraint violations mean the row exists; the rest internal.
Error db_error(sqlite3* db, int rc, std::string_view what);

class Db;

// A cached statement in use; resets itself (and clears bindings) when it goes
// out of scope, so the cache can hand it out again. Bind errors are remembered
// and reported by the next step().
class Stmt {
 public:
  Stmt(Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Stmt();
  Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_), bind_rc_(other.bind_rc_) {
    other.stmt_ = nullptr;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;

  // Parameters are 1-based like SQLite's.
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, std::string_view text);
  Stmt& bind_blob(int i, std::string_view bytes);

  // true: a row is available; false: done.
  Result<bool> step();
  // Runs a statement that returns no rows.
  Result<void> run();

  int64_t i64(int col) const;
  std::string text(int col) const;
  std::string blob(int col) const;

 private:
  Db* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = 0;
};

class Db {
 public:
  // Opens (creating if asked) and applies the per-connection settings: WAL,
  // synchronous=FULL, foreign keys, busy timeout.
  static Result<std::unique_ptr<Db>> open(const std::string& path, bool create);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Prepares once per connection and caches by SQL text. A statement must not be
  // used twice at the same time (nested loops over the same SQL).
  Result<Stmt> prepare(const char* sql);
  Result<void> exec(const char* sql);
  // Single integer from a query, or fallback when it returns no row.
  Result<int64_t> query_i64(const char* sql, int64_t fallback);

  int64_t last_insert_id() const;
  int changes() const;
  // True when no transaction is open (SQLite may roll back on its own after
  // SQLITE_FULL or an I/O error).
  bool autocommit() const;
  sqlite3* handle() { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

// A read transaction over several queries, so they all see one snapshot; ended
// (COMMIT of a read-only transaction) when it goes out of scope.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Db& db) : db_(db) {}
  ~ReadSnapshot() {
    if (active_) (void)db_.exec("COMMIT");
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  Result<void> begin() {
    auto r = db_.exec("BEGIN");
    active_ = r.ok();
    return r;
  }

 private:
  Db& db_;
  bool active_ = false;
};

}  // namespace postamt::store::sqlite
