// SQLite backend: mailbox lookup and messages — delivery (blob + rows + queue
// entry in one group-committed transaction; the blob written by deliver() or
// streamed before with begin_blob()), IMAP APPEND (RFC 3502: all messages in one
// commit), listing, reading, expunge. UIDs come from
// mailboxes.uidnext, bumped in the same transaction as the insert, so they are
// strictly ascending and never reused (RFC 9051 §2.3.1.1); modseqs from the
// account's counter (RFC 7162).
#include <algorithm>
#include <limits>
#include <utility>

#include "store/sqlite/sqlite_store_impl.h"
#include "store/store_util.h"

namespace postamt::store::sqlite {

const char* const kMailboxSelect =
    "SELECT id, account_id, name, special_use, uidvalidity, uidnext, highest_modseq, messages, total_bytes, "
    "EXISTS(SELECT 1 FROM subscriptions s WHERE s.account_id = mailboxes.account_id AND s.name = mailboxes.name) "
    "FROM mailboxes ";

const char* const kMessageColumns =
    "m.uid, m.modseq, m.flags, m.internal_date, m.save_date, m.size, m.blob_id, m.email_id, length(m.trace_prefix)";

Mailbox read_mailbox(const Stmt& s) {
  Mailbox m;
  m.id = s.i64(0);
  m.account_id = s.i64(1);
  m.name = s.text(2);
  m.special_use = s.text(3);
  m.uidvalidity = static_cast<uint32_t>(s.i64(4));
  m.uidnext = static_cast<uint32_t>(s.i64(5));
  m.highest_modseq = static_cast<uint64_t>(s.i64(6));
  m.messages = static_cast<uint32_t>(s.i64(7));
  m.total_bytes = static_cast<uint64_t>(s.i64(8));
  m.subscribed = s.i64(9) != 0;
  return m;
}

Message read_message(const Stmt& s, int64_t mailbox_id) {
  Message m;
  m.mailbox_id = mailbox_id;
  m.uid = static_cast<uint32_t>(s.i64(0));
  m.modseq = static_cast<uint64_t>(s.i64(1));
  m.flags = split_flags(s.text(2));
  m.internal_date = s.i64(3);
  m.save_date = s.i64(4);
  m.size = static_cast<uint64_t>(s.i64(5));
  m.blob_id = s.text(6);
  m.email_id = s.text(7);
  m.prefix_size = static_cast<uint32_t>(s.i64(8));
  return m;
}

Error mailbox_not_found(int64_t id) {
  return Error::make(ErrorCode::not_found, "no such mailbox", std::to_string(id));
}

Result<std::vector<Message>> collect_messages(Stmt& stmt, int64_t mailbox_id) {
  std::vector<Message> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_message(stmt, mailbox_id));
  }
}

namespace {

const std::string& mailbox_query(bool by_name) {
  static const std::string by_id_sql = std::string(kMailboxSelect) + "WHERE id = ?1";
  static const std::string by_name_sql = std::string(kMailboxSelect) + "WHERE account_id = ?1 AND name = ?2";
  return by_name ? by_name_sql : by_id_sql;
}

// Columns shared by list_messages and get_message; get_message adds the summary.
const std::string& message_list_sql() {
  static const std::string sql =
      std::string("SELECT ") + kMessageColumns + " FROM messages m WHERE m.mailbox_id = ?1 ORDER BY m.uid";
  return sql;
}
const std::string& message_get_sql() {
  static const std::string sql = std::string("SELECT ") + kMessageColumns +
                                 ", m.summary_json, m.preview, m.subject, m.from_addr, m.message_id, m.sent_date "
                                 "FROM messages m WHERE m.mailbox_id = ?1 AND m.uid = ?2";
  return sql;
}

uint64_t append_size(const AppendMessage& m) { return m.blob_id.empty() ? m.bytes.size() : m.blob_size; }

}  // namespace

Result<std::optional<Mailbox>> SqliteStoreImpl::mailbox_by_name(Db& db, int64_t account_id, std::string_view name) {
  auto stmt = db.prepare(mailbox_query(true).c_str());
  if (!stmt) return stmt.error();
  // RFC 9051 §5.1: INBOX is case-insensitive; we store it as "INBOX".
  stmt->bind(1, account_id).bind(2, mailbox_name_matches("INBOX", name) ? std::string_view("INBOX") : name);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Mailbox>();
  return std::optional<Mailbox>(read_mailbox(*stmt));
}

Result<std::optional<Mailbox>> SqliteStoreImpl::mailbox_by_id(Db& db, int64_t mailbox_id) {
  auto stmt = db.prepare(mailbox_query(false).c_str());
  if (!stmt) return stmt.error();
  stmt->bind(1, mailbox_id);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Mailbox>();
  return std::optional<Mailbox>(read_mailbox(*stmt));
}

Result<void> SqliteStoreImpl::require_mailbox(Db& db, int64_t mailbox_id) {
  auto mb = mailbox_by_id(db, mailbox_id);
  if (!mb) return mb.error();
  if (!*mb) return mailbox_not_found(mailbox_id);
  return ok_result();
}

Result<bool> SqliteStoreImpl::account_exists(Db& db, int64_t account_id) {
  auto stmt = db.prepare("SELECT 1 FROM accounts WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, account_id);
  return stmt->step();
}

Result<Mailbox> SqliteStoreImpl::insert_mailbox(Db& db, int64_t account_id, const std::string& name,
                                                const std::string& special_use, std::vector<Change>& changes) {
  auto last = db.query_i64("SELECT value FROM meta WHERE key = 'last_uidvalidity'", 0);
  if (!last) return last.error();
  uint32_t uidvalidity = next_uidvalidity(static_cast<uint32_t>(*last));
  auto upd = db.prepare("UPDATE meta SET value = ?1 WHERE key = 'last_uidvalidity'");
  if (!upd) return upd.error();
  if (auto r = upd->bind(1, int64_t{uidvalidity}).run(); !r) return r.error();
  auto ins = db.prepare("INSERT INTO mailboxes(account_id, name, special_use, uidvalidity) VALUES (?1, ?2, ?3, ?4)");
  if (!ins) return ins.error();
  if (auto r = ins->bind(1, account_id).bind(2, name).bind(3, special_use).bind(4, int64_t{uidvalidity}).run(); !r)
    return r.error();
  int64_t id = db.last_insert_id();
  // RFC 7162 mod-sequences are positive: even an empty mailbox reports one,
  // and it lies below every later change.
  auto modseq = bump_modseq(db, account_id, id, Change::Kind::mailbox);
  if (!modseq) return modseq.error();
  auto set = db.prepare("UPDATE mailboxes SET highest_modseq = ?2 WHERE id = ?1");
  if (!set) return set.error();
  if (auto r = set->bind(1, id).bind(2, static_cast<int64_t>(*modseq)).run(); !r) return r.error();
  changes.push_back(Change{Change::Kind::mailbox, account_id, id, *modseq});
  auto mb = mailbox_by_id(db, id);
  if (!mb) return mb.error();
  if (!*mb) return Error::make(ErrorCode::internal, "mailbox vanished", name);
  return std::move(**mb);
}

Result<uint64_t> SqliteStoreImpl::bump_modseq(Db& db, int64_t account_id, int64_t mailbox_id, Change::Kind kind) {
  auto upd = db.prepare("UPDATE accounts SET highest_modseq = highest_modseq + 1 WHERE id = ?1 RETURNING highest_modseq");
  if (!upd) return upd.error();
  upd->bind(1, account_id);
  auto row = upd->step();
  if (!row) return row.error();
  if (!*row) return Error::make(ErrorCode::not_found, "no such account", std::to_string(account_id));
  auto modseq = upd->i64(0);
  if (auto done = upd->step(); !done) return done.error();  // let RETURNING finish the update
  auto log = db.prepare("INSERT INTO change_log(account_id, modseq, mailbox_id, kind, created) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!log) return log.error();
  auto r = log->bind(1, account_id).bind(2, modseq).bind(3, mailbox_id).bind(4, static_cast<int64_t>(kind))
               .bind(5, unix_now()).run();
  if (!r) return r.error();
  return static_cast<uint64_t>(modseq);
}

Result<std::vector<Mailbox>> SqliteStoreImpl::list_mailboxes(int64_t account_id) {
  auto db = reader();
  if (!db) return db.error();
  static const std::string sql = std::string(kMailboxSelect) + "WHERE account_id = ?1 ORDER BY id";
  auto stmt = (*db)->prepare(sql.c_str());
  if (!stmt) return stmt.error();
  stmt->bind(1, account_id);
  std::vector<Mailbox> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(read_mailbox(*stmt));
  }
  return out;
}

Result<Mailbox> SqliteStoreImpl::get_mailbox(int64_t account_id, std::string_view name) {
  auto db = reader();
  if (!db) return db.error();
  auto mb = mailbox_by_name(**db, account_id, name);
  if (!mb) return mb.error();
  if (!*mb) return Error::make(ErrorCode::not_found, "no such mailbox", std::string(name));
  return std::move(**mb);
}

Result<void> SqliteStoreImpl::insert_message_job(TxContext& tx, const NewMessage& msg, const std::string& blob_id,
                                                 uint64_t blob_size, const DeliveryTarget& target,
                                                 DeliveryResult& result, std::vector<Change>& changes) {
  Db& db = tx.db;
  auto quota = db.prepare("SELECT quota_bytes, used_bytes FROM accounts WHERE id = ?1");
  if (!quota) return quota.error();
  quota->bind(1, target.account_id);
  auto row = quota->step();
  if (!row) return row.error();
  // The account was removed between resolution and delivery: nobody to deliver to.
  if (!*row) return ok_result();
  uint64_t quota_bytes = static_cast<uint64_t>(quota->i64(0));
  uint64_t used_bytes = static_cast<uint64_t>(quota->i64(1));
  uint64_t size = target.trace_prefix.size() + blob_size;
  if (quota_bytes > 0 && used_bytes + size > quota_bytes) {
    result.over_quota.push_back(target.account_id);
    return ok_result();
  }

  auto mailbox = mailbox_by_name(db, target.account_id, target.mailbox);
  if (!mailbox) return mailbox.error();
  if (!*mailbox) {
    mailbox = mailbox_by_name(db, target.account_id, "INBOX");
    if (!mailbox) return mailbox.error();
    if (!*mailbox) return Error::make(ErrorCode::internal, "account has no INBOX", std::to_string(target.account_id));
  }
  const Mailbox& mb = **mailbox;
  // RFC 9051 §2.3.1.1: UIDs are 32-bit and must not wrap.
  if (mb.uidnext == std::numeric_limits<uint32_t>::max())
    return Error::make(ErrorCode::no_quota, "mailbox has run out of UIDs", mb.name);

  auto modseq = bump_modseq(db, target.account_id, mb.id, Change::Kind::appended);
  if (!modseq) return modseq.error();
  int64_t now = unix_now();
  auto ins = db.prepare(
      "INSERT INTO messages(mailbox_id, uid, modseq, flags, internal_date, save_date, size, blob_id, trace_prefix, "
      "email_id, summary_json, preview, subject, from_addr, message_id, sent_date) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)");
  if (!ins) return ins.error();
  ins->bind(1, mb.id).bind(2, int64_t{mb.uidnext}).bind(3, static_cast<int64_t>(*modseq));
  ins->bind(4, join_flags(target.flags)).bind(5, msg.internal_date != 0 ? msg.internal_date : now).bind(6, now);
  ins->bind(7, static_cast<int64_t>(size)).bind(8, blob_id).bind_blob(9, target.trace_prefix);
  ins->bind(10, new_email_id()).bind(11, msg.summary.summary_json).bind(12, msg.summary.preview);
  ins->bind(13, msg.summary.subject).bind(14, msg.summary.from).bind(15, msg.summary.message_id);
  ins->bind(16, msg.summary.sent_date);
  if (auto r = ins->run(); !r) return r;

  auto upd = db.prepare(
      "UPDATE mailboxes SET uidnext = uidnext + 1, highest_modseq = ?2, messages = messages + 1, "
      "total_bytes = total_bytes + ?3 WHERE id = ?1");
  if (!upd) return upd.error();
  if (auto r = upd->bind(1, mb.id).bind(2, static_cast<int64_t>(*modseq)).bind(3, static_cast<int64_t>(size)).run();
      !r)
    return r;
  auto used = db.prepare("UPDATE accounts SET used_bytes = used_bytes + ?2 WHERE id = ?1");
  if (!used) return used.error();
  if (auto r = used->bind(1, target.account_id).bind(2, static_cast<int64_t>(size)).run(); !r) return r;

  result.placed.push_back(Placed{target.account_id, mb.id, mb.uidnext});
  changes.push_back(Change{Change::Kind::appended, target.account_id, mb.id, *modseq});
  return ok_result();
}

Result<void> SqliteStoreImpl::insert_queue_job(TxContext& tx, const OutboundMessage& out, const std::string& blob_id,
                                               uint64_t size, DeliveryResult& result) {
  std::string queue_id = new_queue_id();
  int64_t now = unix_now();
  auto ins = tx.db.prepare(
      "INSERT INTO queue(queue_id, mail_from, auth_user, smtputf8, body_8bit, ret, envid, blob_id, size, created, "
      "next_attempt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)");
  if (!ins) return ins.error();
  ins->bind(1, queue_id).bind(2, out.mail_from).bind(3, out.auth_user).bind(4, int64_t{out.smtputf8});
  ins->bind(5, int64_t{out.body_8bit}).bind(6, out.ret).bind(7, out.envid).bind(8, blob_id);
  ins->bind(9, static_cast<int64_t>(size)).bind(10, now);
  if (auto r = ins->run(); !r) return r;
  int64_t row_id = tx.db.last_insert_id();
  for (size_t i = 0; i < out.recipients.size(); ++i) {
    const auto& rcpt = out.recipients[i];
    auto r = tx.db.prepare(
        "INSERT INTO queue_recipients(queue_row, position, address, orcpt, notify) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!r) return r.error();
    r->bind(1, row_id).bind(2, static_cast<int64_t>(i)).bind(3, rcpt.address).bind(4, rcpt.orcpt);
    if (auto done = r->bind(5, rcpt.notify).run(); !done) return done;
  }
  result.queue_id = std::move(queue_id);
  return ok_result();
}

// Under the write lock, which blob collection holds while it unlinks (see
// collect_blobs): a blob collected since it was written (its last reference
// expunged meanwhile, here or in another process) is written again — or, when
// streamed, its bytes are gone and the sender must send them again. Either way
// no row ever points at a missing file.
Result<void> SqliteStoreImpl::ensure_blob(TxContext& tx, const std::string& blob_id, uint64_t blob_size,
                                          bool streamed, std::string_view bytes) {
  if (!blobs_.exists(blob_id)) {
    if (streamed) return Error::make(ErrorCode::temp, "blob vanished, retry", blob_id);
    if (auto again = blobs_.put(blob_id, bytes); !again) return again;
  }
  auto blob = tx.db.prepare("INSERT OR IGNORE INTO blobs(id, size, created) VALUES (?1, ?2, ?3)");
  if (!blob) return blob.error();
  return blob->bind(1, blob_id).bind(2, static_cast<int64_t>(blob_size)).bind(3, unix_now()).run();
}

Result<DeliveryResult> SqliteStoreImpl::deliver(const NewMessage& msg) {
  if (msg.targets.empty() && !msg.outbound) return Error::make(ErrorCode::params, "message has no recipients");
  if (msg.outbound && msg.outbound->recipients.empty())
    return Error::make(ErrorCode::params, "outbound message has no recipients");
  // A streamed blob is on disk already (begin_blob); its size is the caller's word.
  const bool streamed = !msg.blob_id.empty();
  if (streamed && !BlobStore::is_valid_id(msg.blob_id))
    return Error::make(ErrorCode::params, "bad blob id", msg.blob_id);
  std::string blob_id = streamed ? msg.blob_id : BlobStore::compute_id(msg.bytes);
  uint64_t blob_size = streamed ? msg.blob_size : msg.bytes.size();
  // Written and fsynced on the caller's thread, so concurrent deliveries write
  // their blobs in parallel and only the metadata goes through the group commit.
  if (!streamed)
    if (auto r = blobs_.put(blob_id, msg.bytes); !r) return r.error();

  DeliveryResult result;
  std::vector<Change> changes;
  auto r = write([&](TxContext& tx) -> Result<void> {
    if (auto b = ensure_blob(tx, blob_id, blob_size, streamed, msg.bytes); !b) return b;
    for (const auto& target : msg.targets)
      if (auto t = insert_message_job(tx, msg, blob_id, blob_size, target, result, changes); !t) return t;
    if (!result.placed.empty())
      if (auto t = index_text(tx.db, blob_id, msg.summary); !t) return t;
    if (msg.outbound)
      if (auto q = insert_queue_job(tx, *msg.outbound, blob_id, blob_size, result); !q) return q;
    // Everybody over quota: the blob (and its row) is garbage after commit.
    if (result.placed.empty() && result.queue_id.empty()) tx.unreferenced_blobs.push_back(blob_id);
    return ok_result();
  });
  if (!r) return r.error();
  hub_.publish(changes);
  return result;
}

Result<std::vector<Message>> SqliteStoreImpl::list_messages(int64_t mailbox_id) {
  auto db = reader();
  if (!db) return db.error();
  // One read transaction: the mailbox check and the rows from the same snapshot.
  ReadSnapshot snapshot(**db);
  if (auto r = snapshot.begin(); !r) return r.error();
  if (auto mb = require_mailbox(**db, mailbox_id); !mb) return mb.error();
  auto stmt = (*db)->prepare(message_list_sql().c_str());
  if (!stmt) return stmt.error();
  stmt->bind(1, mailbox_id);
  return collect_messages(*stmt, mailbox_id);
}

Result<Message> SqliteStoreImpl::get_message(int64_t mailbox_id, uint32_t uid) {
  auto db = reader();
  if (!db) return db.error();
  auto stmt = (*db)->prepare(message_get_sql().c_str());
  if (!stmt) return stmt.error();
  stmt->bind(1, mailbox_id).bind(2, int64_t{uid});
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return Error::make(ErrorCode::not_found, "no such message", std::to_string(uid));
  Message m = read_message(*stmt, mailbox_id);
  m.summary.summary_json = stmt->text(9);
  m.summary.preview = stmt->text(10);
  m.summary.subject = stmt->text(11);
  m.summary.from = stmt->text(12);
  m.summary.message_id = stmt->text(13);
  m.summary.sent_date = stmt->i64(14);
  return m;
}

Result<std::unique_ptr<MessageReader>> SqliteStoreImpl::open_message(int64_t mailbox_id, uint32_t uid) {
  std::string prefix;
  std::string blob_id;
  {
    auto db = reader();
    if (!db) return db.error();
    auto stmt = (*db)->prepare("SELECT trace_prefix, blob_id FROM messages WHERE mailbox_id = ?1 AND uid = ?2");
    if (!stmt) return stmt.error();
    stmt->bind(1, mailbox_id).bind(2, int64_t{uid});
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return Error::make(ErrorCode::not_found, "no such message", std::to_string(uid));
    prefix = stmt->blob(0);
    blob_id = stmt->text(1);
  }
  return blobs_.open_reader(blob_id, std::move(prefix));
}

Result<std::unique_ptr<MessageReader>> SqliteStoreImpl::open_blob(std::string_view blob_id) {
  std::string id(blob_id);
  if (!BlobStore::is_valid_id(id)) return Error::make(ErrorCode::params, "bad blob id", id);
  return blobs_.open_reader(id, {});
}

Result<uint64_t> SqliteStoreImpl::remove_messages(TxContext& tx, const Mailbox& mb,
                                                 const std::vector<std::pair<uint32_t, int64_t>>& gone,
                                                 bool delete_rows, bool release_quota, std::vector<Change>& changes) {
  Db& db = tx.db;
  auto modseq = bump_modseq(db, mb.account_id, mb.id, Change::Kind::expunged);
  if (!modseq) return modseq.error();
  int64_t bytes = 0;
  for (const auto& [uid, size] : gone) {
    bytes += size;
    if (delete_rows) {
      auto del = db.prepare("DELETE FROM messages WHERE mailbox_id = ?1 AND uid = ?2");
      if (!del) return del.error();
      if (auto d = del->bind(1, mb.id).bind(2, int64_t{uid}).run(); !d) return d.error();
    }
    // RFC 7162 §3.2.5: QRESYNC reports these as VANISHED.
    auto tomb = db.prepare("INSERT OR REPLACE INTO expunged(mailbox_id, uid, modseq) VALUES (?1, ?2, ?3)");
    if (!tomb) return tomb.error();
    if (auto t = tomb->bind(1, mb.id).bind(2, int64_t{uid}).bind(3, static_cast<int64_t>(*modseq)).run(); !t)
      return t.error();
  }
  auto upd = db.prepare(
      "UPDATE mailboxes SET messages = messages - ?2, total_bytes = total_bytes - ?3, highest_modseq = ?4 "
      "WHERE id = ?1");
  if (!upd) return upd.error();
  upd->bind(1, mb.id).bind(2, static_cast<int64_t>(gone.size())).bind(3, bytes);
  if (auto u = upd->bind(4, static_cast<int64_t>(*modseq)).run(); !u) return u.error();
  if (release_quota) {
    auto used = db.prepare("UPDATE accounts SET used_bytes = max(0, used_bytes - ?2) WHERE id = ?1");
    if (!used) return used.error();
    if (auto u = used->bind(1, mb.account_id).bind(2, bytes).run(); !u) return u.error();
  }
  changes.push_back(Change{Change::Kind::expunged, mb.account_id, mb.id, *modseq});
  return *modseq;
}

Result<void> SqliteStoreImpl::expunge(int64_t mailbox_id, const std::vector<uint32_t>& uids) {
  std::vector<uint32_t> wanted = uids;
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  std::vector<Change> changes;
  auto r = write([&](TxContext& tx) -> Result<void> {
    Db& db = tx.db;
    auto mb = mailbox_by_id(db, mailbox_id);
    if (!mb) return mb.error();
    if (!*mb) return mailbox_not_found(mailbox_id);
    std::vector<std::pair<uint32_t, int64_t>> gone;
    for (uint32_t uid : wanted) {
      auto sel = db.prepare("SELECT size, blob_id FROM messages WHERE mailbox_id = ?1 AND uid = ?2");
      if (!sel) return sel.error();
      sel->bind(1, mailbox_id).bind(2, int64_t{uid});
      auto row = sel->step();
      if (!row) return row.error();
      if (!*row) continue;  // unknown UIDs are ignored
      gone.emplace_back(uid, sel->i64(0));
      tx.unreferenced_blobs.push_back(sel->text(1));
    }
    if (gone.empty()) return ok_result();
    auto removed = remove_messages(tx, **mb, gone, true, true, changes);
    if (!removed) return removed.error();
    return ok_result();
  });
  if (!r) return r;
  hub_.publish(changes);
  return ok_result();
}

Result<AppendResult> SqliteStoreImpl::append(int64_t account_id, int64_t mailbox_id,
                                             const std::vector<AppendMessage>& messages) {
  if (messages.empty()) return Error::make(ErrorCode::params, "nothing to append");
  struct Prepared {
    std::string blob_id;
    uint64_t size = 0;
    std::vector<std::string> flags;
  };
  std::vector<Prepared> prepared;
  uint64_t total = 0;
  for (const auto& m : messages) {
    Prepared p;
    const bool streamed = !m.blob_id.empty();
    if (streamed && !BlobStore::is_valid_id(m.blob_id)) return Error::make(ErrorCode::params, "bad blob id", m.blob_id);
    p.blob_id = streamed ? m.blob_id : BlobStore::compute_id(m.bytes);
    p.size = append_size(m);
    auto flags = normalize_flags(m.flags);
    if (!flags) return flags.error();
    p.flags = std::move(*flags);
    total += p.size;
    prepared.push_back(std::move(p));
  }
  // Blob files are written (and fsynced) here, outside the group commit, like
  // deliver() does; a quota failure leaves them as collectable leftovers.
  for (size_t i = 0; i < messages.size(); ++i)
    if (messages[i].blob_id.empty())
      if (auto r = blobs_.put(prepared[i].blob_id, messages[i].bytes); !r) return r.error();

  AppendResult result;
  std::vector<Change> changes;
  auto r = write([&](TxContext& tx) -> Result<void> {
    Db& db = tx.db;
    result = AppendResult{};
    auto mb = mailbox_by_id(db, mailbox_id);
    if (!mb) return mb.error();
    if (!*mb || (*mb)->account_id != account_id) return mailbox_not_found(mailbox_id);
    auto quota = db.prepare("SELECT quota_bytes, used_bytes FROM accounts WHERE id = ?1");
    if (!quota) return quota.error();
    quota->bind(1, account_id);
    auto row = quota->step();
    if (!row) return row.error();
    if (!*row) return Error::make(ErrorCode::not_found, "no such account", std::to_string(account_id));
    uint64_t quota_bytes = static_cast<uint64_t>(quota->i64(0));
    uint64_t used_bytes = static_cast<uint64_t>(quota->i64(1));
    if (quota_bytes > 0 && used_bytes + total > quota_bytes)
      return Error::make(ErrorCode::no_quota, "over quota", std::to_string(account_id));
    // RFC 9051 §2.3.1.1: UIDs are 32-bit and must not wrap.
    if (uint64_t{(*mb)->uidnext} + prepared.size() > std::numeric_limits<uint32_t>::max())
      return Error::make(ErrorCode::no_quota, "mailbox has run out of UIDs", (*mb)->name);
    for (size_t i = 0; i < prepared.size(); ++i)
      if (auto b = ensure_blob(tx, prepared[i].blob_id, prepared[i].size, !messages[i].blob_id.empty(),
                               messages[i].bytes);
          !b)
        return b;
    auto modseq = bump_modseq(db, account_id, mailbox_id, Change::Kind::appended);
    if (!modseq) return modseq.error();
    int64_t now = unix_now();
    uint32_t uid = (*mb)->uidnext;
    for (size_t i = 0; i < prepared.size(); ++i, ++uid) {
      const auto& m = messages[i];
      const auto& p = prepared[i];
      auto ins = db.prepare(
          "INSERT INTO messages(mailbox_id, uid, modseq, flags, internal_date, save_date, size, blob_id, "
          "trace_prefix, email_id, summary_json, preview, subject, from_addr, message_id, sent_date) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, x'', ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
      if (!ins) return ins.error();
      ins->bind(1, mailbox_id).bind(2, int64_t{uid}).bind(3, static_cast<int64_t>(*modseq));
      ins->bind(4, join_flags(p.flags)).bind(5, m.internal_date != 0 ? m.internal_date : now).bind(6, now);
      ins->bind(7, static_cast<int64_t>(p.size)).bind(8, p.blob_id).bind(9, new_email_id());
      ins->bind(10, m.summary.summary_json).bind(11, m.summary.preview).bind(12, m.summary.subject);
      ins->bind(13, m.summary.from).bind(14, m.summary.message_id).bind(15, m.summary.sent_date);
      if (auto done = ins->run(); !done) return done;
      if (auto t = index_text(db, p.blob_id, m.summary); !t) return t;
      result.uids.push_back(uid);
    }
    auto upd = db.prepare(
        "UPDATE mailboxes SET uidnext = ?2, highest_modseq = ?3, messages = messages + ?4, "
        "total_bytes = total_bytes + ?5 WHERE id = ?1");
    if (!upd) return upd.error();
    upd->bind(1, mailbox_id).bind(2, int64_t{uid}).bind(3, static_cast<int64_t>(*modseq));
    if (auto u = upd->bind(4, static_cast<int64_t>(prepared.size())).bind(5, static_cast<int64_t>(total)).run(); !u)
      return u;
    auto used = db.prepare("UPDATE accounts SET used_bytes = used_bytes + ?2 WHERE id = ?1");
    if (!used) return used.error();
    if (auto u = used->bind(1, account_id).bind(2, static_cast<int64_t>(total)).run(); !u) return u;
    result.uidvalidity = (*mb)->uidvalidity;
    changes.push_back(Change{Change::Kind::appended, account_id, mailbox_id, *modseq});
    return ok_result();
  });
  if (!r) {
    // Nothing references the blobs this append wrote: collect them (unless
    // something else does). A streamed blob it was handed goes the same way,
    // like in a delivery that placed nothing — except after a temporary
    // failure, which the caller may retry with the same blob.
    const bool retry = r.error().code == ErrorCode::temp;
    (void)write([&](TxContext& tx) -> Result<void> {
      for (size_t i = 0; i < prepared.size(); ++i)
        if (messages[i].blob_id.empty() || !retry) tx.unreferenced_blobs.push_back(prepared[i].blob_id);
      return ok_result();
    });
    return r.error();
  }
  hub_.publish(changes);
  return result;
}

}  // namespace postamt::store::sqlite
