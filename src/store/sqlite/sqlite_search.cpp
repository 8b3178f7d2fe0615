// SQLite backend: full-text search for IMAP SEARCH BODY/TEXT (RFC 9051 §6.4.4:
// case-insensitive substring match). The casefolded text (see MessageSummary)
// is stored once per blob in an FTS5 table with the trigram tokenizer (DESIGN
// §5), filled in the transaction that stores the first message of the blob.
// Needles of 3+ characters are a quoted FTS5 phrase: consecutive trigrams,
// i.e. exactly a substring; shorter ones are checked with instr() (no index).
// Handles untrusted input: the needle comes from the client.
#include "store/sqlite/sqlite_store_impl.h"
#include "store/store_util.h"

namespace postamt::store::sqlite {

namespace {

// An FTS5 string (FTS5 query syntax, sqlite.org/fts5.html): inside double
// quotes everything is literal except the quote itself, which is doubled. So
// % _ * ? [ ] ^ : ( ) and keywords like NEAR or OR need no treatment.
std::string fts_phrase(std::string_view needle) {
  std::string out = "\"";
  for (char c : needle) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Result<std::vector<uint32_t>> collect_uids(Stmt& stmt) {
  std::vector<uint32_t> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(static_cast<uint32_t>(stmt.i64(0)));
  }
}

}  // namespace

Result<void> SqliteStoreImpl::index_text(Db& db, const std::string& blob_id, const MessageSummary& summary) {
  if (summary.search_headers.empty() && summary.search_body.empty()) return ok_result();
  auto map = db.prepare("INSERT OR IGNORE INTO blob_text(blob_id) VALUES (?1)");
  if (!map) return map.error();
  if (auto r = map->bind(1, blob_id).run(); !r) return r;
  if (db.changes() == 0) return ok_result();  // indexed with an earlier message of this blob
  int64_t id = db.last_insert_id();
  auto ins = db.prepare("INSERT INTO blob_fts(rowid, headers, body) VALUES (?1, ?2, ?3)");
  if (!ins) return ins.error();
  return ins->bind(1, id).bind(2, summary.search_headers).bind(3, summary.search_body).run();
}

Result<std::vector<uint32_t>> SqliteStoreImpl::search_text(int64_t mailbox_id, std::string_view needle,
                                                           TextField field) {
  auto db = reader();
  if (!db) return db.error();
  ReadSnapshot snapshot(**db);
  if (auto r = snapshot.begin(); !r) return r.error();
  if (auto mb = require_mailbox(**db, mailbox_id); !mb) return mb.error();

  if (needle.empty()) {
    auto stmt = (*db)->prepare("SELECT uid FROM messages WHERE mailbox_id = ?1 ORDER BY uid");
    if (!stmt) return stmt.error();
    stmt->bind(1, mailbox_id);
    return collect_uids(*stmt);
  }
  // Stored search text never contains NUL (see delivery::summarize), and SQL
  // text functions would stop at it.
  if (needle.find('\0') != std::string_view::npos) return std::vector<uint32_t>{};

  if (utf8_length(needle) >= 3) {
    auto stmt = (*db)->prepare(
        "SELECT m.uid FROM messages m JOIN blob_text t ON t.blob_id = m.blob_id "
        "WHERE m.mailbox_id = ?1 AND t.id IN (SELECT rowid FROM blob_fts WHERE blob_fts MATCH ?2) ORDER BY m.uid");
    if (!stmt) return stmt.error();
    // A phrase must lie within one column, so "text" matches headers or body.
    std::string query = (field == TextField::body ? "body : " : "") + fts_phrase(needle);
    stmt->bind(1, mailbox_id).bind(2, query);
    return collect_uids(*stmt);
  }
  // One or two characters: no trigram to look up; scan this mailbox's texts.
  auto stmt = (*db)->prepare(
      "SELECT m.uid FROM messages m JOIN blob_text t ON t.blob_id = m.blob_id JOIN blob_fts f ON f.rowid = t.id "
      "WHERE m.mailbox_id = ?1 AND (instr(f.body, ?2) > 0 OR (?3 AND instr(f.headers, ?2) > 0)) ORDER BY m.uid");
  if (!stmt) return stmt.error();
  stmt->bind(1, mailbox_id).bind(2, needle).bind(3, int64_t{field == TextField::text});
  return collect_uids(*stmt);
}

Result<std::string> SqliteStoreImpl::get_search_headers(int64_t mailbox_id, uint32_t uid) {
  auto db = reader();
  if (!db) return db.error();
  // The text is kept once per blob (blob_text -> blob_fts), like the index itself.
  auto stmt = (*db)->prepare(
      "SELECT f.headers FROM messages m LEFT JOIN blob_text t ON t.blob_id = m.blob_id "
      "LEFT JOIN blob_fts f ON f.rowid = t.id WHERE m.mailbox_id = ?1 AND m.uid = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, mailbox_id).bind(2, int64_t{uid});
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return Error::make(ErrorCode::not_found, "no such message", std::to_string(uid));
  return stmt->text(0);
}

}  // namespace postamt::store::sqlite
