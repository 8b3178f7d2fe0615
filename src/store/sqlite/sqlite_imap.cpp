// SQLite backend: message operations IMAP needs beyond delivery — flag changes
// (STORE, RFC 9051 §6.4.6, UNCHANGEDSINCE RFC 7162 §3.1.3), COPY/MOVE with
// COPYUID data (RFC 9051 §6.4.7, RFC 6851, RFC 4315), and what changed since a
// modseq (CONDSTORE/QRESYNC, RFC 7162 §3.1.4, §3.2.5). Each write is one
// group-committed transaction.
#include <algorithm>
#include <limits>
#include <utility>

#include "store/sqlite/sqlite_store_impl.h"
#include "store/store_util.h"

namespace postamt::store::sqlite {

namespace {

std::vector<uint32_t> sorted_unique(const std::vector<uint32_t>& uids) {
  std::vector<uint32_t> out = uids;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Modseqs are 63-bit (RFC 7162 §3.1.1); anything above cannot have been issued.
constexpr uint64_t kMaxModseq = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

}  // namespace

Result<FlagResult> SqliteStoreImpl::store_flags(int64_t mailbox_id, const std::vector<uint32_t>& uids,
                                                const FlagUpdate& update) {
  auto flags = normalize_flags(update.flags);
  if (!flags) return flags.error();
  std::vector<uint32_t> wanted = sorted_unique(uids);
  FlagResult result;
  std::vector<Change> changes;
  auto r = write([&](TxContext& tx) -> Result<void> {
    result = FlagResult{};
    changes.clear();
    Db& db = tx.db;
    auto mb = mailbox_by_id(db, mailbox_id);
    if (!mb) return mb.error();
    if (!*mb) return mailbox_not_found(mailbox_id);
    std::vector<FlagChange> pending;
    for (uint32_t uid : wanted) {
      auto sel = db.prepare("SELECT modseq, flags FROM messages WHERE mailbox_id = ?1 AND uid = ?2");
      if (!sel) return sel.error();
      sel->bind(1, mailbox_id).bind(2, int64_t{uid});
      auto row = sel->step();
      if (!row) return row.error();
      if (!*row) continue;  // unknown UIDs are ignored
      if (update.unchanged_since && static_cast<uint64_t>(sel->i64(0)) > *update.unchanged_since) {
        result.modified.push_back(uid);
        continue;
      }
      auto current = split_flags(sel->text(1));
      if (!apply_flag_update(current, update.mode, *flags)) continue;
      pending.push_back(FlagChange{uid, 0, std::move(current)});
    }
    if (pending.empty()) return ok_result();
    auto modseq = bump_modseq(db, (*mb)->account_id, mailbox_id, Change::Kind::flags);
    if (!modseq) return modseq.error();
    for (auto& change : pending) {
      auto upd = db.prepare("UPDATE messages SET flags = ?3, modseq = ?4 WHERE mailbox_id = ?1 AND uid = ?2");
      if (!upd) return upd.error();
      upd->bind(1, mailbox_id).bind(2, int64_t{change.uid}).bind(3, join_flags(change.flags));
      if (auto u = upd->bind(4, static_cast<int64_t>(*modseq)).run(); !u) return u;
      change.modseq = *modseq;
    }
    auto upd = db.prepare("UPDATE mailboxes SET highest_modseq = ?2 WHERE id = ?1");
    if (!upd) return upd.error();
    if (auto u = upd->bind(1, mailbox_id).bind(2, static_cast<int64_t>(*modseq)).run(); !u) return u;
    result.changed = std::move(pending);
    changes.push_back(Change{Change::Kind::flags, (*mb)->account_id, mailbox_id, *modseq});
    return ok_result();
  });
  if (!r) return r.error();
  hub_.publish(changes);
  return result;
}

Result<CopyResult> SqliteStoreImpl::copy_messages(int64_t src_mailbox_id, const std::vector<uint32_t>& uids,
                                                  int64_t dst_mailbox_id) {
  return copy_or_move(src_mailbox_id, uids, dst_mailbox_id, false);
}

Result<CopyResult> SqliteStoreImpl::move_messages(int64_t src_mailbox_id, const std::vector<uint32_t>& uids,
                                                  int64_t dst_mailbox_id) {
  return copy_or_move(src_mailbox_id, uids, dst_mailbox_id, true);
}

Result<CopyResult> SqliteStoreImpl::copy_or_move(int64_t src_mailbox_id, const std::vector<uint32_t>& uids,
                                                 int64_t dst_mailbox_id, bool move) {
  std::vector<uint32_t> wanted = sorted_unique(uids);
  CopyResult result;
  std::vector<Change> changes;
  auto r = write([&](TxContext& tx) -> Result<void> {
    result = CopyResult{};
    changes.clear();
    Db& db = tx.db;
    auto src = mailbox_by_id(db, src_mailbox_id);
    if (!src) return src.error();
    if (!*src) return mailbox_not_found(src_mailbox_id);
    auto dst = mailbox_by_id(db, dst_mailbox_id);
    if (!dst) return dst.error();
    if (!*dst) return mailbox_not_found(dst_mailbox_id);
    result.uidvalidity = (*dst)->uidvalidity;

    std::vector<std::pair<uint32_t, int64_t>> found;  // (uid, size), ascending uid
    int64_t bytes = 0;
    for (uint32_t uid : wanted) {
      auto sel = db.prepare("SELECT size FROM messages WHERE mailbox_id = ?1 AND uid = ?2");
      if (!sel) return sel.error();
      sel->bind(1, src_mailbox_id).bind(2, int64_t{uid});
      auto row = sel->step();
      if (!row) return row.error();
      if (!*row) continue;  // unknown UIDs are ignored
      found.emplace_back(uid, sel->i64(0));
      bytes += sel->i64(0);
    }
    if (found.empty()) return ok_result();
    // RFC 9051 §2.3.1.1: UIDs are 32-bit and must not wrap.
    if (uint64_t{(*dst)->uidnext} + found.size() > std::numeric_limits<uint32_t>::max())
      return Error::make(ErrorCode::no_quota, "mailbox has run out of UIDs", (*dst)->name);
    const bool same_account = (*src)->account_id == (*dst)->account_id;
    // A move within one account does not change its usage.
    const bool charge = !(move && same_account);
    if (charge) {
      auto quota = db.prepare("SELECT quota_bytes, used_bytes FROM accounts WHERE id = ?1");
      if (!quota) return quota.error();
      quota->bind(1, (*dst)->account_id);
      auto row = quota->step();
      if (!row) return row.error();
      if (!*row) return Error::make(ErrorCode::not_found, "no such account", std::to_string((*dst)->account_id));
      auto quota_bytes = static_cast<uint64_t>(quota->i64(0));
      auto used_bytes = static_cast<uint64_t>(quota->i64(1));
      if (quota_bytes > 0 && used_bytes + static_cast<uint64_t>(bytes) > quota_bytes)
        return Error::make(ErrorCode::no_quota, "over quota", std::to_string((*dst)->account_id));
    }

    auto modseq = bump_modseq(db, (*dst)->account_id, dst_mailbox_id, Change::Kind::appended);
    if (!modseq) return modseq.error();
    int64_t now = unix_now();
    uint32_t next = (*dst)->uidnext;
    for (const auto& [old_uid, size] : found) {
      uint32_t new_uid = next++;
      if (move) {
        // In place: the moved message keeps its email id (RFC 8474 §5.1).
        auto upd = db.prepare(
            "UPDATE messages SET mailbox_id = ?3, uid = ?4, modseq = ?5, save_date = ?6 "
            "WHERE mailbox_id = ?1 AND uid = ?2");
        if (!upd) return upd.error();
        upd->bind(1, src_mailbox_id).bind(2, int64_t{old_uid}).bind(3, dst_mailbox_id).bind(4, int64_t{new_uid});
        if (auto u = upd->bind(5, static_cast<int64_t>(*modseq)).bind(6, now).run(); !u) return u;
      } else {
        // The blob and its search text are shared, not copied.
        auto ins = db.prepare(
            "INSERT INTO messages(mailbox_id, uid, modseq, flags, internal_date, save_date, size, blob_id, "
            "trace_prefix, email_id, summary_json, preview, subject, from_addr, message_id, sent_date) "
            "SELECT ?3, ?4, ?5, flags, internal_date, ?6, size, blob_id, trace_prefix, ?7, summary_json, preview, "
            "subject, from_addr, message_id, sent_date FROM messages WHERE mailbox_id = ?1 AND uid = ?2");
        if (!ins) return ins.error();
        ins->bind(1, src_mailbox_id).bind(2, int64_t{old_uid}).bind(3, dst_mailbox_id).bind(4, int64_t{new_uid});
        if (auto i = ins->bind(5, static_cast<int64_t>(*modseq)).bind(6, now).bind(7, new_email_id()).run(); !i)
          return i;
      }
      result.uids.emplace_back(old_uid, new_uid);
    }
    auto upd = db.prepare(
        "UPDATE mailboxes SET uidnext = ?2, highest_modseq = ?3, messages = messages + ?4, "
        "total_bytes = total_bytes + ?5 WHERE id = ?1");
    if (!upd) return upd.error();
    upd->bind(1, dst_mailbox_id).bind(2, int64_t{next}).bind(3, static_cast<int64_t>(*modseq));
    if (auto u = upd->bind(4, static_cast<int64_t>(found.size())).bind(5, bytes).run(); !u) return u;
    if (charge) {
      auto used = db.prepare("UPDATE accounts SET used_bytes = used_bytes + ?2 WHERE id = ?1");
      if (!used) return used.error();
      if (auto u = used->bind(1, (*dst)->account_id).bind(2, bytes).run(); !u) return u;
    }
    changes.push_back(Change{Change::Kind::appended, (*dst)->account_id, dst_mailbox_id, *modseq});
    if (move) {
      // RFC 6851 §3.3: the source sees an expunge; the rows have moved already.
      auto removed = remove_messages(tx, **src, found, false, !same_account, changes);
      if (!removed) return removed.error();
    }
    return ok_result();
  });
  if (!r) return r.error();
  hub_.publish(changes);
  return result;
}

Result<std::vector<Message>> SqliteStoreImpl::list_changed(int64_t mailbox_id, uint64_t since_modseq) {
  auto db = reader();
  if (!db) return db.error();
  ReadSnapshot snapshot(**db);
  if (auto r = snapshot.begin(); !r) return r.error();
  if (auto mb = require_mailbox(**db, mailbox_id); !mb) return mb.error();
  if (since_modseq >= kMaxModseq) return std::vector<Message>{};
  // The modseq index finds the few changed rows of a large mailbox; sorting
  // them by UID is cheap.
  static const std::string sql = std::string("SELECT ") + kMessageColumns +
                                 " FROM messages AS m INDEXED BY messages_modseq "
                                 "WHERE m.mailbox_id = ?1 AND m.modseq > ?2 ORDER BY m.uid";
  auto stmt = (*db)->prepare(sql.c_str());
  if (!stmt) return stmt.error();
  stmt->bind(1, mailbox_id).bind(2, static_cast<int64_t>(since_modseq));
  return collect_messages(*stmt, mailbox_id);
}

Result<std::vector<uint32_t>> SqliteStoreImpl::list_vanished(int64_t mailbox_id, uint64_t since_modseq) {
  auto db = reader();
  if (!db) return db.error();
  ReadSnapshot snapshot(**db);
  if (auto r = snapshot.begin(); !r) return r.error();
  if (auto mb = require_mailbox(**db, mailbox_id); !mb) return mb.error();
  std::vector<uint32_t> out;
  if (since_modseq >= kMaxModseq) return out;
  auto stmt = (*db)->prepare("SELECT uid FROM expunged WHERE mailbox_id = ?1 AND modseq > ?2 ORDER BY uid");
  if (!stmt) return stmt.error();
  stmt->bind(1, mailbox_id).bind(2, static_cast<int64_t>(since_modseq));
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(static_cast<uint32_t>(stmt->i64(0)));
  }
  return out;
}

}  // namespace postamt::store::sqlite
