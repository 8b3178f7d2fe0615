// SQLite RAII layer; see sqlite_db.h.
#include "store/sqlite/sqlite_db.h"

#include <sqlite3.h>

namespace postamt::store::sqlite {

namespace {

// The CLI opens the same database while the server runs: writers wait for each
// other this long before reporting a temporary failure.
constexpr int kBusyTimeoutMs = 10000;

}  // namespace

Error db_error(sqlite3* db, int rc, std::string_view what) {
  std::string detail = std::string(what) + ": " + sqlite3_errstr(rc);
  if (db != nullptr) detail += std::string(" (") + sqlite3_errmsg(db) + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
      return Error::make(ErrorCode::temp, "storage temporarily unavailable", detail);
    case SQLITE_CONSTRAINT:
      return Error::make(ErrorCode::exists, "already exists", detail);
    default:
      return Error::make(ErrorCode::internal, "storage error", detail);
  }
}

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::bind(int i, int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, i, v);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Stmt& Stmt::bind(int i, std::string_view text) {
  // Empty views may carry a null data pointer, which SQLite would bind as NULL.
  const char* data = text.data() != nullptr ? text.data() : "";
  int rc = sqlite3_bind_text64(stmt_, i, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Stmt& Stmt::bind_blob(int i, std::string_view bytes) {
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  int rc = sqlite3_bind_blob64(stmt_, i, data, bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> Stmt::step() {
  if (bind_rc_ != SQLITE_OK) return db_error(db_->handle(), bind_rc_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_error(db_->handle(), rc, sqlite3_sql(stmt_));
}

Result<void> Stmt::run() {
  auto r = step();
  if (!r) return r.error();
  return ok_result();
}

int64_t Stmt::i64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Stmt::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::string Stmt::blob(int col) const {
  auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  if (p == nullptr) return {};
  return std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

Result<std::unique_ptr<Db>> Db::open(const std::string& path, bool create) {
  sqlite3* raw = nullptr;
  // NOMUTEX: each connection is used by one thread at a time (writer behind the
  // group commit, readers leased from a pool).
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error err = db_error(raw, rc, "open " + path);
    sqlite3_close(raw);
    return err;
  }
  std::unique_ptr<Db> db(new Db(raw));
  sqlite3_extended_result_codes(raw, 1);
  // busy_timeout first: switching to WAL needs a lock another process may hold.
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // synchronous=FULL in WAL mode fsyncs the WAL on every commit: a committed
  // transaction survives power loss (DESIGN §5).
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (auto r = db->exec(pragma); !r) return r.error();
  }
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Result<Stmt> Db::prepare(const char* sql) {
  auto it = cache_.find(std::string_view(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return db_error(db_, rc, sql);
    it = cache_.emplace(sql, stmt).first;
  }
  return Stmt(this, it->second);
}

Result<void> Db::exec(const char* sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
  sqlite3_free(msg);
  if (rc != SQLITE_OK) return db_error(db_, rc, sql);
  return ok_result();
}

Result<int64_t> Db::query_i64(const char* sql, int64_t fallback) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  return *row ? stmt->i64(0) : fallback;
}

int64_t Db::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }
bool Db::autocommit() const { return sqlite3_get_autocommit(db_) != 0; }

}  // namespace postamt::store::sqlite
