// SQLite backend: opening, the reader pool, blob garbage collection, domains and
// the outbound queue listing. See sqlite_store_impl.h for the file split.
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>

#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/store_util.h"

namespace postamt::store {

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  if (options.data_dir.empty()) return Error::make(ErrorCode::params, "data directory not set");
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir + "/db", ec);
  if (ec) return Error::make(ErrorCode::internal, "cannot create database directory", ec.message());
  auto blobs = BlobStore::open(options.data_dir + "/blobs");
  if (!blobs) return blobs.error();

  std::string db_path = options.data_dir + "/db/postamt.sqlite";
  auto writer = sqlite::Db::open(db_path, true);
  if (!writer) return writer.error();
  if (auto r = sqlite::apply_schema(**writer); !r) return r.error();
  std::unique_ptr<Store> store =
      std::make_unique<sqlite::SqliteStoreImpl>(db_path, std::move(*blobs), std::move(*writer));
  return store;
}

namespace sqlite {

namespace {

// Idle reader connections kept open; more are opened on demand under load.
constexpr size_t kMaxIdleReaders = 8;

}  // namespace

ReaderLease::~ReaderLease() {
  if (db_) owner_->release_reader(std::move(db_));
}

SqliteStoreImpl::SqliteStoreImpl(std::string db_path, BlobStore blobs, std::unique_ptr<Db> writer)
    : db_path_(std::move(db_path)),
      blobs_(std::move(blobs)),
      writer_(std::move(writer)),
      commit_(*writer_, [this](Db& db, const std::vector<std::string>& ids) { collect_blobs(db, ids); }) {}

Result<ReaderLease> SqliteStoreImpl::reader() {
  {
    std::lock_guard lock(pool_mu_);
    if (!idle_readers_.empty()) {
      auto db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(db));
    }
  }
  auto db = Db::open(db_path_, false);
  if (!db) return db.error();
  // A reader never writes; make a bug that tries fail loudly.
  if (auto r = (*db)->exec("PRAGMA query_only=1"); !r) return r.error();
  return ReaderLease(this, std::move(*db));
}

void SqliteStoreImpl::release_reader(std::unique_ptr<Db> db) {
  std::lock_guard lock(pool_mu_);
  if (idle_readers_.size() < kMaxIdleReaders) idle_readers_.push_back(std::move(db));
}

// A second transaction, so the file is unlinked while this process holds the
// database write lock: a concurrent delivery (this or another process) that
// found the file present re-checks it under the same lock before referencing
// it, so it either sees the file gone and rewrites it, or commits its reference
// first and this check keeps the file. Unlinking before COMMIT is safe: if the
// commit fails, the blobs row merely outlives its file, and the next delivery of
// that content rewrites it.
void SqliteStoreImpl::collect_blobs(Db& db, const std::vector<std::string>& candidates) {
  std::vector<std::string> ids = candidates;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (!db.exec("BEGIN IMMEDIATE")) return;  // leave garbage; harmless
  for (const auto& id : ids) {
    auto refs = db.prepare(
        "SELECT EXISTS(SELECT 1 FROM messages WHERE blob_id = ?1) OR EXISTS(SELECT 1 FROM queue WHERE blob_id = ?1)");
    if (!refs) break;
    refs->bind(1, id);
    auto row = refs->step();
    if (!row || !*row) break;
    if (refs->i64(0) != 0) continue;
    // The search text goes with the blob (blob_text references blobs).
    auto fts = db.prepare("DELETE FROM blob_fts WHERE rowid = (SELECT id FROM blob_text WHERE blob_id = ?1)");
    if (!fts || !fts->bind(1, id).run()) break;
    auto text = db.prepare("DELETE FROM blob_text WHERE blob_id = ?1");
    if (!text || !text->bind(1, id).run()) break;
    auto del = db.prepare("DELETE FROM blobs WHERE id = ?1");
    if (!del || !del->bind(1, id).run()) break;
    blobs_.remove(id);
  }
  if (!db.exec("COMMIT")) (void)db.exec("ROLLBACK");
}

Result<bool> SqliteStoreImpl::domain_exists(Db& db, const std::string& domain) {
  auto stmt = db.prepare("SELECT 1 FROM domains WHERE name = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, domain);
  return stmt->step();
}

Result<void> SqliteStoreImpl::add_domain(std::string_view domain) {
  auto name = normalize_domain(domain);
  if (!name) return name.error();
  return write([&](TxContext& tx) -> Result<void> {
    auto exists = domain_exists(tx.db, *name);
    if (!exists) return exists.error();
    if (*exists) return Error::make(ErrorCode::exists, "domain exists already", *name);
    auto stmt = tx.db.prepare("INSERT INTO domains(name, created) VALUES (?1, ?2)");
    if (!stmt) return stmt.error();
    return stmt->bind(1, *name).bind(2, unix_now()).run();
  });
}

Result<void> SqliteStoreImpl::remove_domain(std::string_view domain) {
  auto name = normalize_domain(domain);
  if (!name) return name.error();
  return write([&](TxContext& tx) -> Result<void> {
    auto exists = domain_exists(tx.db, *name);
    if (!exists) return exists.error();
    if (!*exists) return Error::make(ErrorCode::not_found, "no such domain", *name);
    auto used = tx.db.prepare(
        "SELECT EXISTS(SELECT 1 FROM accounts WHERE domain = ?1) OR EXISTS(SELECT 1 FROM aliases WHERE domain = ?1)");
    if (!used) return used.error();
    used->bind(1, *name);
    auto row = used->step();
    if (!row) return row.error();
    if (*row && used->i64(0) != 0)
      return Error::make(ErrorCode::params, "domain still has accounts or aliases; remove them first", *name);
    auto del = tx.db.prepare("DELETE FROM domains WHERE name = ?1");
    if (!del) return del.error();
    return del->bind(1, *name).run();
  });
}

Result<std::vector<std::string>> SqliteStoreImpl::list_domains() {
  auto db = reader();
  if (!db) return db.error();
  auto stmt = (*db)->prepare("SELECT name FROM domains ORDER BY name");
  if (!stmt) return stmt.error();
  std::vector<std::string> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(stmt->text(0));
  }
  return out;
}

Result<bool> SqliteStoreImpl::is_local_domain(std::string_view domain) {
  auto name = normalize_domain(domain);
  if (!name) return false;  // not a domain we could host
  auto db = reader();
  if (!db) return db.error();
  return domain_exists(**db, *name);
}

Result<std::vector<QueueEntry>> SqliteStoreImpl::list_queue() {
  auto db = reader();
  if (!db) return db.error();
  // One read transaction: entries and recipients from the same snapshot.
  ReadSnapshot snapshot(**db);
  if (auto r = snapshot.begin(); !r) return r.error();

  auto stmt = (*db)->prepare(
      "SELECT id, queue_id, mail_from, auth_user, smtputf8, body_8bit, ret, envid, blob_id, size, created, "
      "next_attempt, attempts, state, last_error FROM queue ORDER BY created, id");
  if (!stmt) return stmt.error();
  std::vector<std::pair<int64_t, QueueEntry>> rows;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    QueueEntry e;
    e.queue_id = stmt->text(1);
    e.message.mail_from = stmt->text(2);
    e.message.auth_user = stmt->text(3);
    e.message.smtputf8 = stmt->i64(4) != 0;
    e.message.body_8bit = stmt->i64(5) != 0;
    e.message.ret = stmt->text(6);
    e.message.envid = stmt->text(7);
    e.blob_id = stmt->text(8);
    e.size = static_cast<uint64_t>(stmt->i64(9));
    e.created = stmt->i64(10);
    e.next_attempt = stmt->i64(11);
    e.attempts = static_cast<uint32_t>(stmt->i64(12));
    e.state = stmt->text(13);
    e.last_error = stmt->text(14);
    rows.emplace_back(stmt->i64(0), std::move(e));
  }
  std::vector<QueueEntry> out;
  for (auto& [row_id, entry] : rows) {
    auto rcpt = (*db)->prepare(
        "SELECT address, orcpt, notify FROM queue_recipients WHERE queue_row = ?1 ORDER BY position");
    if (!rcpt) return rcpt.error();
    rcpt->bind(1, row_id);
    for (;;) {
      auto row = rcpt->step();
      if (!row) return row.error();
      if (!*row) break;
      entry.message.recipients.push_back({rcpt->text(0), rcpt->text(1), rcpt->text(2)});
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace sqlite
}  // namespace postamt::store
