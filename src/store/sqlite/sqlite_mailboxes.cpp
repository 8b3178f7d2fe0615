// SQLite backend: mailbox management for IMAP — CREATE, DELETE, RENAME (incl.
// the INBOX special case) and subscriptions. Each call is one group-committed
// transaction. RFCs: 9051 §6.3.3-§6.3.8 (CREATE, DELETE, RENAME, SUBSCRIBE,
// UNSUBSCRIBE), 7162 (modseqs), 6154 (special-use as given by the caller).
#include <algorithm>
#include <limits>

#include "store/sqlite/sqlite_store_impl.h"
#include "store/store_util.h"

namespace postamt::store::sqlite {

namespace {

Error account_missing(int64_t account_id) {
  return Error::make(ErrorCode::not_found, "no such account", std::to_string(account_id));
}

Error name_exists(std::string_view name) {
  return Error::make(ErrorCode::exists, "mailbox exists already", std::string(name));
}

Result<bool> is_subscribed(Db& db, int64_t account_id, const std::string& name) {
  auto stmt = db.prepare("SELECT 1 FROM subscriptions WHERE account_id = ?1 AND name = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, account_id).bind(2, name);
  return stmt->step();
}

}  // namespace

Result<Mailbox> SqliteStoreImpl::create_mailbox(int64_t account_id, std::string_view name_in,
                                                std::string_view special_use) {
  if (auto v = check_mailbox_name(name_in); !v) return v.error();
  std::string name = canonical_mailbox_name(name_in);
  std::string use(special_use);
  Mailbox created;
  std::vector<Change> changes;
  auto r = write([&](TxContext& tx) -> Result<void> {
    changes.clear();
    auto acct = account_exists(tx.db, account_id);
    if (!acct) return acct.error();
    if (!*acct) return account_missing(account_id);
    auto existing = mailbox_by_name(tx.db, account_id, name);
    if (!existing) return existing.error();
    if (*existing) return name_exists(name);
    auto mb = insert_mailbox(tx.db, account_id, name, use, changes);
    if (!mb) return mb.error();
    created = std::move(*mb);
    return ok_result();
  });
  if (!r) return r.error();
  hub_.publish(changes);
  return created;
}

Result<void> SqliteStoreImpl::delete_mailbox(int64_t account_id, std::string_view name) {
  // RFC 9051 §6.3.4: deleting INBOX is an error.
  if (is_inbox(name)) return Error::make(ErrorCode::permission, "INBOX cannot be deleted");
  std::vector<Change> changes;
  auto r = write([&](TxContext& tx) -> Result<void> {
    changes.clear();
    Db& db = tx.db;
    auto mb = mailbox_by_name(db, account_id, name);
    if (!mb) return mb.error();
    if (!*mb) return Error::make(ErrorCode::not_found, "no such mailbox", std::string(name));
    int64_t id = (*mb)->id;
    {
      auto blobs = db.prepare("SELECT DISTINCT blob_id FROM messages WHERE mailbox_id = ?1");
      if (!blobs) return blobs.error();
      blobs->bind(1, id);
      for (;;) {
        auto row = blobs->step();
        if (!row) return row.error();
        if (!*row) break;
        tx.unreferenced_blobs.push_back(blobs->text(0));
      }
    }
    auto bytes = db.prepare("SELECT coalesce(sum(size), 0) FROM messages WHERE mailbox_id = ?1");
    if (!bytes) return bytes.error();
    bytes->bind(1, id);
    auto row = bytes->step();
    if (!row) return row.error();
    int64_t freed = *row ? bytes->i64(0) : 0;
    // The tombstones go too: a mailbox created later under this name has a new
    // UIDVALIDITY, so no client can ask about these UIDs (RFC 7162 §3.2.5).
    for (const char* sql : {"DELETE FROM messages WHERE mailbox_id = ?1", "DELETE FROM expunged WHERE mailbox_id = ?1",
                            "DELETE FROM mailboxes WHERE id = ?1"}) {
      auto stmt = db.prepare(sql);
      if (!stmt) return stmt.error();
      if (auto d = stmt->bind(1, id).run(); !d) return d;
    }
    auto used = db.prepare("UPDATE accounts SET used_bytes = max(0, used_bytes - ?2) WHERE id = ?1");
    if (!used) return used.error();
    if (auto u = used->bind(1, account_id).bind(2, freed).run(); !u) return u;
    auto modseq = bump_modseq(db, account_id, id, Change::Kind::mailbox);
    if (!modseq) return modseq.error();
    changes.push_back(Change{Change::Kind::mailbox, account_id, id, *modseq});
    return ok_result();
  });
  if (!r) return r;
  hub_.publish(changes);
  return ok_result();
}

// RFC 9051 §6.3.6: renaming INBOX moves its messages to a new mailbox and leaves
// INBOX empty. The moved messages are new to `to` (UIDs 1..n, a new
// UIDVALIDITY), and gone from INBOX (tombstoned; INBOX keeps its uidnext).
Result<void> SqliteStoreImpl::rename_inbox(TxContext& tx, const Mailbox& inbox, const std::string& to,
                                           std::vector<Change>& changes) {
  Db& db = tx.db;
  auto created = insert_mailbox(db, inbox.account_id, to, "", changes);
  if (!created) return created.error();
  std::vector<std::pair<uint32_t, int64_t>> moved;
  {
    auto sel = db.prepare("SELECT uid, size FROM messages WHERE mailbox_id = ?1 ORDER BY uid");
    if (!sel) return sel.error();
    sel->bind(1, inbox.id);
    for (;;) {
      auto row = sel->step();
      if (!row) return row.error();
      if (!*row) break;
      moved.emplace_back(static_cast<uint32_t>(sel->i64(0)), sel->i64(1));
    }
  }
  if (moved.empty()) return ok_result();
  auto modseq = bump_modseq(db, inbox.account_id, created->id, Change::Kind::appended);
  if (!modseq) return modseq.error();
  int64_t bytes = 0;
  uint32_t uid = 1;
  for (const auto& [old_uid, size] : moved) {
    // In place: the row keeps its email id, blob, flags and dates.
    auto upd = db.prepare("UPDATE messages SET mailbox_id = ?3, uid = ?4, modseq = ?5 WHERE mailbox_id = ?1 AND uid = ?2");
    if (!upd) return upd.error();
    upd->bind(1, inbox.id).bind(2, int64_t{old_uid}).bind(3, created->id).bind(4, int64_t{uid++});
    if (auto u = upd->bind(5, static_cast<int64_t>(*modseq)).run(); !u) return u;
    bytes += size;
  }
  auto dst = db.prepare(
      "UPDATE mailboxes SET uidnext = ?2, messages = ?3, total_bytes = ?4, highest_modseq = ?5 WHERE id = ?1");
  if (!dst) return dst.error();
  dst->bind(1, created->id).bind(2, int64_t{uid}).bind(3, static_cast<int64_t>(moved.size())).bind(4, bytes);
  if (auto u = dst->bind(5, static_cast<int64_t>(*modseq)).run(); !u) return u;
  changes.push_back(Change{Change::Kind::appended, inbox.account_id, created->id, *modseq});
  auto removed = remove_messages(tx, inbox, moved, false, false, changes);
  if (!removed) return removed.error();
  return ok_result();
}

Result<void> SqliteStoreImpl::rename_mailbox(int64_t account_id, std::string_view from_in, std::string_view to_in) {
  if (auto v = check_mailbox_name(to_in); !v) return v.error();
  std::string from = canonical_mailbox_name(from_in);
  std::string to(to_in);
  if (is_inbox(to)) return name_exists("INBOX");
  std::vector<Change> changes;
  auto r = write([&](TxContext& tx) -> Result<void> {
    changes.clear();
    Db& db = tx.db;
    auto src = mailbox_by_name(db, account_id, from);
    if (!src) return src.error();
    if (!*src) return Error::make(ErrorCode::not_found, "no such mailbox", from);
    auto target = mailbox_by_name(db, account_id, to);
    if (!target) return target.error();
    if (*target) return name_exists(to);
    if (from == "INBOX") return rename_inbox(tx, **src, to, changes);

    // The mailbox and everything below it: (id, old name, new name).
    struct Renamed {
      int64_t id;
      std::string from, to;
    };
    std::vector<Renamed> renamed;
    {
      auto sel = db.prepare("SELECT id, name FROM mailboxes WHERE account_id = ?1 ORDER BY id");
      if (!sel) return sel.error();
      sel->bind(1, account_id);
      for (;;) {
        auto row = sel->step();
        if (!row) return row.error();
        if (!*row) break;
        std::string name = sel->text(1);
        if (auto n = renamed_name(name, from, to)) renamed.push_back(Renamed{sel->i64(0), name, *n});
      }
    }
    for (const auto& m : renamed) {
      if (m.to.size() > kMaxMailboxName) return Error::make(ErrorCode::params, "mailbox name too long", m.to);
      auto clash = mailbox_by_name(db, account_id, m.to);
      if (!clash) return clash.error();
      // A clash with a mailbox that is itself renamed away is fine (renaming a
      // mailbox to its parent's name when the parent does not exist).
      bool moving_away = *clash && std::any_of(renamed.begin(), renamed.end(),
                                               [&](const Renamed& o) { return o.id == (*clash)->id; });
      if (*clash && !moving_away) return name_exists(m.to);
    }
    // Two steps, so UNIQUE(account_id, name) holds whatever the order: first
    // to placeholder names no valid name can have (control characters).
    for (int step = 0; step < 2; ++step) {
      for (const auto& m : renamed) {
        auto upd = db.prepare("UPDATE mailboxes SET name = ?2 WHERE id = ?1");
        if (!upd) return upd.error();
        std::string name = step == 0 ? "\x01rename\x01" + std::to_string(m.id) : m.to;
        if (auto u = upd->bind(1, m.id).bind(2, name).run(); !u) return u;
      }
    }
    // Subscriptions follow the renamed names (same two steps).
    std::vector<std::string> resubscribe;
    for (const auto& m : renamed) {
      auto sub = is_subscribed(db, account_id, m.from);
      if (!sub) return sub.error();
      if (!*sub) continue;
      auto del = db.prepare("DELETE FROM subscriptions WHERE account_id = ?1 AND name = ?2");
      if (!del) return del.error();
      if (auto d = del->bind(1, account_id).bind(2, m.from).run(); !d) return d;
      resubscribe.push_back(m.to);
    }
    for (const auto& name : resubscribe) {
      auto ins = db.prepare("INSERT OR IGNORE INTO subscriptions(account_id, name) VALUES (?1, ?2)");
      if (!ins) return ins.error();
      if (auto i = ins->bind(1, account_id).bind(2, name).run(); !i) return i;
    }
    auto modseq = bump_modseq(db, account_id, (*src)->id, Change::Kind::mailbox);
    if (!modseq) return modseq.error();
    for (const auto& m : renamed) changes.push_back(Change{Change::Kind::mailbox, account_id, m.id, *modseq});
    return ok_result();
  });
  if (!r) return r;
  hub_.publish(changes);
  return ok_result();
}

Result<void> SqliteStoreImpl::set_subscribed(int64_t account_id, std::string_view name_in, bool subscribed) {
  if (auto v = check_mailbox_name(name_in); !v) return v.error();
  std::string name = canonical_mailbox_name(name_in);
  return write([&](TxContext& tx) -> Result<void> {
    auto acct = account_exists(tx.db, account_id);
    if (!acct) return acct.error();
    if (!*acct) return account_missing(account_id);
    auto stmt = tx.db.prepare(subscribed ? "INSERT OR IGNORE INTO subscriptions(account_id, name) VALUES (?1, ?2)"
                                         : "DELETE FROM subscriptions WHERE account_id = ?1 AND name = ?2");
    if (!stmt) return stmt.error();
    return stmt->bind(1, account_id).bind(2, name).run();
  });
}

Result<std::vector<std::string>> SqliteStoreImpl::list_subscriptions(int64_t account_id) {
  auto db = reader();
  if (!db) return db.error();
  ReadSnapshot snapshot(**db);
  if (auto r = snapshot.begin(); !r) return r.error();
  auto acct = account_exists(**db, account_id);
  if (!acct) return acct.error();
  if (!*acct) return account_missing(account_id);
  auto stmt = (*db)->prepare("SELECT name FROM subscriptions WHERE account_id = ?1 ORDER BY name");
  if (!stmt) return stmt.error();
  stmt->bind(1, account_id);
  std::vector<std::string> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(stmt->text(0));
  }
  return out;
}

}  // namespace postamt::store::sqlite
