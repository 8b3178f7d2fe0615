// In-memory backend: what IMAP needs beyond delivery — mailbox create, delete,
// rename, subscriptions, APPEND, flags, COPY/MOVE, changes since a modseq and
// text search. Same semantics as the SQLite backend (sqlite_mailboxes.cpp,
// sqlite_imap.cpp, sqlite_search.cpp; the conformance suite checks both): every
// call checks what can fail before changing anything, so it is all or nothing.
#include <algorithm>
#include <limits>

#include "store/blob_store.h"
#include "store/memory/memory_store_impl.h"
#include "store/store_util.h"

namespace postamt::store::memory {

namespace {

Error mailbox_not_found(int64_t id) {
  return Error::make(ErrorCode::not_found, "no such mailbox", std::to_string(id));
}

Error account_missing(int64_t account_id) {
  return Error::make(ErrorCode::not_found, "no such account", std::to_string(account_id));
}

Error name_exists(std::string_view name) {
  return Error::make(ErrorCode::exists, "mailbox exists already", std::string(name));
}

std::vector<uint32_t> sorted_unique(const std::vector<uint32_t>& uids) {
  std::vector<uint32_t> out = uids;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Result<Mailbox> MemoryStore::create_mailbox(int64_t account_id, std::string_view name_in,
                                            std::string_view special_use) {
  if (auto v = check_mailbox_name(name_in); !v) return v.error();
  std::string name = canonical_mailbox_name(name_in);
  std::vector<Change> changes;
  Mailbox created;
  {
    std::lock_guard lock(mu_);
    if (!accounts_.count(account_id)) return account_missing(account_id);
    if (mailbox_by_name(account_id, name)) return name_exists(name);
    created = mailbox_info(insert_mailbox(account_id, name, std::string(special_use), changes));
  }
  hub_.publish(changes);
  return created;
}

Result<void> MemoryStore::delete_mailbox(int64_t account_id, std::string_view name) {
  if (is_inbox(name)) return Error::make(ErrorCode::permission, "INBOX cannot be deleted");
  std::vector<Change> changes;
  {
    std::lock_guard lock(mu_);
    auto* mb = mailbox_by_name(account_id, name);
    if (!mb) return Error::make(ErrorCode::not_found, "no such mailbox", std::string(name));
    StoredAccount& acct = accounts_.at(account_id);
    for (auto& [uid, m] : mb->messages) {
      acct.info.used_bytes -= std::min(acct.info.used_bytes, m.meta.size);
      email_ids_.erase(m.meta.email_id);
      drop_blob_ref(m.meta.blob_id);
    }
    int64_t id = mb->info.id;
    mailboxes_.erase(id);
    changes.push_back(Change{Change::Kind::mailbox, account_id, id, ++acct.highest_modseq});
  }
  hub_.publish(changes);
  return ok_result();
}

Result<void> MemoryStore::rename_mailbox(int64_t account_id, std::string_view from_in, std::string_view to_in) {
  if (auto v = check_mailbox_name(to_in); !v) return v.error();
  std::string from = canonical_mailbox_name(from_in);
  std::string to(to_in);
  if (is_inbox(to)) return name_exists("INBOX");
  std::vector<Change> changes;
  {
    std::lock_guard lock(mu_);
    auto* src = mailbox_by_name(account_id, from);
    if (!src) return Error::make(ErrorCode::not_found, "no such mailbox", from);
    if (mailbox_by_name(account_id, to)) return name_exists(to);
    StoredAccount& acct = accounts_.at(account_id);

    if (from == "INBOX") {
      // RFC 9051 §6.3.6: the messages move to a new mailbox; INBOX stays, empty.
      StoredMailbox& dst = insert_mailbox(account_id, to, "", changes);  // std::map: src stays valid
      if (!src->messages.empty()) {
        uint64_t modseq = ++acct.highest_modseq;
        std::vector<std::pair<uint32_t, uint64_t>> moved;
        for (auto& [old_uid, m] : src->messages) {
          moved.emplace_back(old_uid, m.meta.size);
          StoredMessage copy = std::move(m);
          copy.meta.mailbox_id = dst.info.id;
          copy.meta.uid = dst.info.uidnext++;
          copy.meta.modseq = modseq;
          dst.info.messages += 1;
          dst.info.total_bytes += copy.meta.size;
          uint32_t uid = copy.meta.uid;
          dst.messages.emplace(uid, std::move(copy));
        }
        src->messages.clear();
        dst.info.highest_modseq = modseq;
        changes.push_back(Change{Change::Kind::appended, account_id, dst.info.id, modseq});
        remove_messages(*src, moved, false, changes);
      }
    } else {
      struct Renamed {
        StoredMailbox* mb;
        std::string to;
      };
      std::vector<Renamed> renamed;
      for (auto& [id, mb] : mailboxes_)
        if (mb.info.account_id == account_id)
          if (auto n = renamed_name(mb.info.name, from, to)) renamed.push_back(Renamed{&mb, *n});
      for (const auto& r : renamed) {
        if (r.to.size() > kMaxMailboxName) return Error::make(ErrorCode::params, "mailbox name too long", r.to);
        auto* clash = mailbox_by_name(account_id, r.to);
        bool moving_away = std::any_of(renamed.begin(), renamed.end(), [&](const Renamed& o) { return o.mb == clash; });
        if (clash && !moving_away) return name_exists(r.to);
      }
      auto& subs = subscriptions_[account_id];
      std::vector<std::string> resubscribe;
      for (auto& r : renamed)
        if (subs.erase(r.mb->info.name) > 0) resubscribe.push_back(r.to);
      subs.insert(resubscribe.begin(), resubscribe.end());
      uint64_t modseq = ++acct.highest_modseq;
      for (auto& r : renamed) {
        r.mb->info.name = r.to;
        changes.push_back(Change{Change::Kind::mailbox, account_id, r.mb->info.id, modseq});
      }
    }
  }
  hub_.publish(changes);
  return ok_result();
}

Result<void> MemoryStore::set_subscribed(int64_t account_id, std::string_view name_in, bool subscribed) {
  if (auto v = check_mailbox_name(name_in); !v) return v.error();
  std::string name = canonical_mailbox_name(name_in);
  std::lock_guard lock(mu_);
  if (!accounts_.count(account_id)) return account_missing(account_id);
  if (subscribed)
    subscriptions_[account_id].insert(name);
  else
    subscriptions_[account_id].erase(name);
  return ok_result();
}

Result<std::vector<std::string>> MemoryStore::list_subscriptions(int64_t account_id) {
  std::lock_guard lock(mu_);
  if (!accounts_.count(account_id)) return account_missing(account_id);
  auto it = subscriptions_.find(account_id);
  if (it == subscriptions_.end()) return std::vector<std::string>{};
  return std::vector<std::string>(it->second.begin(), it->second.end());
}

Result<AppendResult> MemoryStore::append(int64_t account_id, int64_t mailbox_id,
                                         const std::vector<AppendMessage>& messages) {
  if (messages.empty()) return Error::make(ErrorCode::params, "nothing to append");
  std::vector<std::vector<std::string>> flags;
  std::vector<std::string> ids;
  uint64_t total = 0;
  for (const auto& m : messages) {
    if (!m.blob_id.empty() && !BlobStore::is_valid_id(m.blob_id))
      return Error::make(ErrorCode::params, "bad blob id", m.blob_id);
    auto f = normalize_flags(m.flags);
    if (!f) return f.error();
    flags.push_back(std::move(*f));
    ids.push_back(m.blob_id.empty() ? BlobStore::compute_id(m.bytes) : m.blob_id);
    total += m.blob_id.empty() ? m.bytes.size() : m.blob_size;
  }
  int64_t now = unix_now();
  AppendResult result;
  std::vector<Change> changes;
  {
    std::lock_guard lock(mu_);
    // Like SQLite: streamed blobs this append was handed and nothing references
    // are garbage when it fails for good (not after a temporary failure).
    auto fail = [&](Error e) {
      if (e.code == ErrorCode::temp) return e;
      for (size_t i = 0; i < messages.size(); ++i) {
        auto it = blobs_.find(ids[i]);
        if (!messages[i].blob_id.empty() && it != blobs_.end() && it->second.second == 0) blobs_.erase(it);
      }
      return e;
    };
    auto* mb = mailbox_by_id(mailbox_id);
    if (!mb || mb->info.account_id != account_id) return fail(mailbox_not_found(mailbox_id));
    auto acct_it = accounts_.find(account_id);
    if (acct_it == accounts_.end()) return fail(account_missing(account_id));
    StoredAccount& acct = acct_it->second;
    if (acct.info.quota_bytes > 0 && acct.info.used_bytes + total > acct.info.quota_bytes)
      return fail(Error::make(ErrorCode::no_quota, "over quota", std::to_string(account_id)));
    if (uint64_t{mb->info.uidnext} + messages.size() > std::numeric_limits<uint32_t>::max())
      return fail(Error::make(ErrorCode::no_quota, "mailbox has run out of UIDs", mb->info.name));
    for (size_t i = 0; i < messages.size(); ++i)
      if (!messages[i].blob_id.empty() && !blobs_.count(ids[i]))
        return fail(Error::make(ErrorCode::temp, "blob vanished, retry", ids[i]));

    uint64_t modseq = ++acct.highest_modseq;
    for (size_t i = 0; i < messages.size(); ++i) {
      const auto& in = messages[i];
      StoredMessage m;
      m.meta.mailbox_id = mailbox_id;
      m.meta.uid = mb->info.uidnext++;
      m.meta.modseq = modseq;
      m.meta.flags = flags[i];
      m.meta.internal_date = in.internal_date != 0 ? in.internal_date : now;
      m.meta.save_date = now;
      m.meta.size = in.blob_id.empty() ? in.bytes.size() : in.blob_size;
      m.meta.blob_id = ids[i];
      do m.meta.email_id = new_email_id();
      while (!email_ids_.insert(m.meta.email_id).second);
      m.meta.summary = in.summary;
      add_blob_ref(ids[i], in.bytes);
      mb->info.messages += 1;
      mb->info.total_bytes += m.meta.size;
      acct.info.used_bytes += m.meta.size;
      result.uids.push_back(m.meta.uid);
      uint32_t uid = m.meta.uid;
      mb->messages.emplace(uid, std::move(m));
    }
    mb->info.highest_modseq = modseq;
    result.uidvalidity = mb->info.uidvalidity;
    changes.push_back(Change{Change::Kind::appended, account_id, mailbox_id, modseq});
  }
  hub_.publish(changes);
  return result;
}

Result<FlagResult> MemoryStore::store_flags(int64_t mailbox_id, const std::vector<uint32_t>& uids,
                                            const FlagUpdate& update) {
  auto flags = normalize_flags(update.flags);
  if (!flags) return flags.error();
  FlagResult result;
  std::vector<Change> changes;
  {
    std::lock_guard lock(mu_);
    auto* mb = mailbox_by_id(mailbox_id);
    if (!mb) return mailbox_not_found(mailbox_id);
    std::vector<std::pair<StoredMessage*, std::vector<std::string>>> pending;
    for (uint32_t uid : sorted_unique(uids)) {
      auto it = mb->messages.find(uid);
      if (it == mb->messages.end()) continue;
      Message& m = it->second.meta;
      if (update.unchanged_since && m.modseq > *update.unchanged_since) {
        result.modified.push_back(uid);
        continue;
      }
      std::vector<std::string> next = m.flags;
      if (apply_flag_update(next, update.mode, *flags)) pending.emplace_back(&it->second, std::move(next));
    }
    if (!pending.empty()) {
      uint64_t modseq = ++accounts_.at(mb->info.account_id).highest_modseq;
      for (auto& [m, next] : pending) {
        m->meta.flags = std::move(next);
        m->meta.modseq = modseq;
        result.changed.push_back(FlagChange{m->meta.uid, modseq, m->meta.flags});
      }
      mb->info.highest_modseq = modseq;
      changes.push_back(Change{Change::Kind::flags, mb->info.account_id, mailbox_id, modseq});
    }
  }
  hub_.publish(changes);
  return result;
}

Result<CopyResult> MemoryStore::copy_messages(int64_t src_mailbox_id, const std::vector<uint32_t>& uids,
                                              int64_t dst_mailbox_id) {
  return copy_or_move(src_mailbox_id, uids, dst_mailbox_id, false);
}

Result<CopyResult> MemoryStore::move_messages(int64_t src_mailbox_id, const std::vector<uint32_t>& uids,
                                              int64_t dst_mailbox_id) {
  return copy_or_move(src_mailbox_id, uids, dst_mailbox_id, true);
}

Result<CopyResult> MemoryStore::copy_or_move(int64_t src_mailbox_id, const std::vector<uint32_t>& uids,
                                             int64_t dst_mailbox_id, bool move) {
  CopyResult result;
  std::vector<Change> changes;
  int64_t now = unix_now();
  {
    std::lock_guard lock(mu_);
    auto* src = mailbox_by_id(src_mailbox_id);
    if (!src) return mailbox_not_found(src_mailbox_id);
    auto* dst = mailbox_by_id(dst_mailbox_id);
    if (!dst) return mailbox_not_found(dst_mailbox_id);
    result.uidvalidity = dst->info.uidvalidity;
    std::vector<std::pair<uint32_t, uint64_t>> found;
    uint64_t bytes = 0;
    for (uint32_t uid : sorted_unique(uids)) {
      auto it = src->messages.find(uid);
      if (it == src->messages.end()) continue;
      found.emplace_back(uid, it->second.meta.size);
      bytes += it->second.meta.size;
    }
    if (found.empty()) return result;
    if (uint64_t{dst->info.uidnext} + found.size() > std::numeric_limits<uint32_t>::max())
      return Error::make(ErrorCode::no_quota, "mailbox has run out of UIDs", dst->info.name);
    const bool same_account = src->info.account_id == dst->info.account_id;
    const bool charge = !(move && same_account);
    StoredAccount& dst_acct = accounts_.at(dst->info.account_id);
    if (charge && dst_acct.info.quota_bytes > 0 && dst_acct.info.used_bytes + bytes > dst_acct.info.quota_bytes)
      return Error::make(ErrorCode::no_quota, "over quota", std::to_string(dst->info.account_id));

    uint64_t modseq = ++dst_acct.highest_modseq;
    for (const auto& [old_uid, size] : found) {
      auto it = src->messages.find(old_uid);
      StoredMessage m;
      if (move) {
        m = std::move(it->second);
        src->messages.erase(it);
      } else {
        m = it->second;
        do m.meta.email_id = new_email_id();
        while (!email_ids_.insert(m.meta.email_id).second);
        add_blob_ref(m.meta.blob_id, {});
      }
      m.meta.mailbox_id = dst_mailbox_id;
      m.meta.uid = dst->info.uidnext++;
      m.meta.modseq = modseq;
      m.meta.save_date = now;
      dst->info.messages += 1;
      dst->info.total_bytes += size;
      if (charge) dst_acct.info.used_bytes += size;
      result.uids.emplace_back(old_uid, m.meta.uid);
      uint32_t uid = m.meta.uid;
      dst->messages.emplace(uid, std::move(m));
    }
    dst->info.highest_modseq = modseq;
    changes.push_back(Change{Change::Kind::appended, dst->info.account_id, dst_mailbox_id, modseq});
    if (move) remove_messages(*src, found, !same_account, changes);
  }
  hub_.publish(changes);
  return result;
}

Result<std::vector<Message>> MemoryStore::list_changed(int64_t mailbox_id, uint64_t since_modseq) {
  std::lock_guard lock(mu_);
  auto* mb = mailbox_by_id(mailbox_id);
  if (!mb) return mailbox_not_found(mailbox_id);
  std::vector<Message> out;
  for (auto& [uid, m] : mb->messages) {
    if (m.meta.modseq <= since_modseq) continue;
    out.push_back(m.meta);
    out.back().summary = MessageSummary{};  // like list_messages()
  }
  return out;
}

Result<std::vector<uint32_t>> MemoryStore::list_vanished(int64_t mailbox_id, uint64_t since_modseq) {
  std::lock_guard lock(mu_);
  auto* mb = mailbox_by_id(mailbox_id);
  if (!mb) return mailbox_not_found(mailbox_id);
  std::vector<uint32_t> out;
  for (auto& [uid, modseq] : mb->expunged)
    if (modseq > since_modseq) out.push_back(uid);
  return out;
}

// A plain scan over the folded text; SQLite's trigram index must agree with it.
Result<std::vector<uint32_t>> MemoryStore::search_text(int64_t mailbox_id, std::string_view needle,
                                                       TextField field) {
  std::lock_guard lock(mu_);
  auto* mb = mailbox_by_id(mailbox_id);
  if (!mb) return mailbox_not_found(mailbox_id);
  std::vector<uint32_t> out;
  if (needle.find('\0') != std::string_view::npos) return out;
  for (auto& [uid, m] : mb->messages) {
    const auto& s = m.meta.summary;
    bool hit = needle.empty() || s.search_body.find(needle) != std::string::npos ||
               (field == TextField::text && s.search_headers.find(needle) != std::string::npos);
    if (hit) out.push_back(uid);
  }
  return out;
}

}  // namespace postamt::store::memory
