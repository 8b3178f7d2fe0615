// In-memory backend: mailboxes, messages, expunge, the outbound queue, streamed
// blobs. Blobs are shared, reference-counted strings keyed by their sha256 like
// on disk, so the "stored once" and "freed when unreferenced" rules (and a
// streamed blob vanishing before its delivery) behave as in SQLite.
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

// Accumulates in memory (this backend keeps everything there); the blob
// becomes visible to the store only in finish().
class MemoryBlobWriter final : public BlobWriter {
 public:
  explicit MemoryBlobWriter(MemoryStore* store) : store_(store) {}

  Result<void> write(std::string_view bytes) override {
    if (finished_) return Error::make(ErrorCode::internal, "storage error", "write to a finished blob");
    bytes_.append(bytes);
    return ok_result();
  }

  Result<std::string> finish() override {
    if (!finished_) {
      id_ = BlobStore::compute_id(bytes_);
      size_ = bytes_.size();
      store_->add_finished_blob(id_, std::move(bytes_));
      std::string().swap(bytes_);
      finished_ = true;
    }
    return id_;
  }

  uint64_t size() const override { return finished_ ? size_ : bytes_.size(); }

 private:
  MemoryStore* store_;
  std::string bytes_;
  std::string id_;
  uint64_t size_ = 0;
  bool finished_ = false;
};

}  // namespace

Result<std::unique_ptr<BlobWriter>> MemoryStore::begin_blob() {
  std::unique_ptr<BlobWriter> writer = std::make_unique<MemoryBlobWriter>(this);
  return writer;
}

void MemoryStore::add_finished_blob(const std::string& id, std::string bytes) {
  std::lock_guard lock(mu_);
  auto& entry = blobs_[id];
  if (!entry.first) entry.first = std::make_shared<const std::string>(std::move(bytes));
}

Result<std::unique_ptr<MessageReader>> MemoryStore::open_blob(std::string_view blob_id) {
  if (!BlobStore::is_valid_id(blob_id)) return Error::make(ErrorCode::params, "bad blob id", std::string(blob_id));
  std::lock_guard lock(mu_);
  auto it = blobs_.find(std::string(blob_id));
  if (it == blobs_.end()) return Error::make(ErrorCode::not_found, "message data missing", std::string(blob_id));
  return make_string_reader({}, it->second.first);
}

StoredMailbox* MemoryStore::mailbox_by_name(int64_t account_id, std::string_view name) {
  for (auto& [id, mb] : mailboxes_)
    if (mb.info.account_id == account_id && mailbox_name_matches(mb.info.name, name)) return &mb;
  return nullptr;
}

StoredMailbox* MemoryStore::mailbox_by_id(int64_t mailbox_id) {
  auto it = mailboxes_.find(mailbox_id);
  return it == mailboxes_.end() ? nullptr : &it->second;
}

StoredMailbox& MemoryStore::insert_mailbox(int64_t account_id, const std::string& name,
                                           const std::string& special_use, std::vector<Change>& changes) {
  StoredMailbox mb;
  mb.info.id = next_mailbox_id_++;
  mb.info.account_id = account_id;
  mb.info.name = name;
  mb.info.special_use = special_use;
  last_uidvalidity_ = next_uidvalidity(last_uidvalidity_);
  mb.info.uidvalidity = last_uidvalidity_;
  // Like SQLite: a fresh modseq, so even an empty mailbox has a positive one.
  mb.info.highest_modseq = ++accounts_.at(account_id).highest_modseq;
  changes.push_back(Change{Change::Kind::mailbox, account_id, mb.info.id, mb.info.highest_modseq});
  int64_t id = mb.info.id;
  return mailboxes_.emplace(id, std::move(mb)).first->second;
}

Mailbox MemoryStore::mailbox_info(const StoredMailbox& mb) const {
  Mailbox info = mb.info;
  auto subs = subscriptions_.find(mb.info.account_id);
  info.subscribed = subs != subscriptions_.end() && subs->second.count(mb.info.name) > 0;
  return info;
}

// `bytes` is used only if no blob with that id exists (always the case for a
// streamed blob, checked before).
void MemoryStore::add_blob_ref(const std::string& id, std::string_view bytes) {
  auto& entry = blobs_[id];
  if (!entry.first) entry.first = std::make_shared<const std::string>(bytes);
  ++entry.second;
}

void MemoryStore::drop_blob_ref(const std::string& id) {
  auto it = blobs_.find(id);
  if (it != blobs_.end() && --it->second.second == 0) blobs_.erase(it);
}

Result<std::vector<Mailbox>> MemoryStore::list_mailboxes(int64_t account_id) {
  std::lock_guard lock(mu_);
  std::vector<Mailbox> out;
  for (auto& [id, mb] : mailboxes_)
    if (mb.info.account_id == account_id) out.push_back(mailbox_info(mb));
  return out;
}

Result<Mailbox> MemoryStore::get_mailbox(int64_t account_id, std::string_view name) {
  std::lock_guard lock(mu_);
  auto* mb = mailbox_by_name(account_id, name);
  if (!mb) return Error::make(ErrorCode::not_found, "no such mailbox", std::string(name));
  return mailbox_info(*mb);
}

Result<DeliveryResult> MemoryStore::deliver(const NewMessage& msg) {
  if (msg.targets.empty() && !msg.outbound) return Error::make(ErrorCode::params, "message has no recipients");
  if (msg.outbound && msg.outbound->recipients.empty())
    return Error::make(ErrorCode::params, "outbound message has no recipients");
  const bool streamed = !msg.blob_id.empty();
  if (streamed && !BlobStore::is_valid_id(msg.blob_id))
    return Error::make(ErrorCode::params, "bad blob id", msg.blob_id);
  std::string blob_id = streamed ? msg.blob_id : BlobStore::compute_id(msg.bytes);
  uint64_t blob_size = streamed ? msg.blob_size : msg.bytes.size();
  int64_t now = unix_now();
  DeliveryResult result;
  std::vector<Change> changes;
  {
    std::lock_guard lock(mu_);
    // Check everything that can fail before changing anything: all or nothing,
    // like the SQLite transaction.
    if (streamed && !blobs_.count(blob_id))
      return Error::make(ErrorCode::temp, "blob vanished, retry", blob_id);
    for (const auto& target : msg.targets) {
      auto* mb = mailbox_by_name(target.account_id, target.mailbox);
      if (!mb) mb = mailbox_by_name(target.account_id, "INBOX");
      if (mb && mb->info.uidnext == std::numeric_limits<uint32_t>::max())
        return Error::make(ErrorCode::no_quota, "mailbox has run out of UIDs", mb->info.name);
    }
    for (const auto& target : msg.targets) {
      auto acct_it = accounts_.find(target.account_id);
      if (acct_it == accounts_.end()) continue;  // removed since resolution
      StoredAccount& acct = acct_it->second;
      uint64_t size = target.trace_prefix.size() + blob_size;
      if (acct.info.quota_bytes > 0 && acct.info.used_bytes + size > acct.info.quota_bytes) {
        result.over_quota.push_back(target.account_id);
        continue;
      }
      auto* mb = mailbox_by_name(target.account_id, target.mailbox);
      if (!mb) mb = mailbox_by_name(target.account_id, "INBOX");
      if (!mb) return Error::make(ErrorCode::internal, "account has no INBOX");
      uint64_t modseq = ++acct.highest_modseq;
      StoredMessage m;
      m.meta.mailbox_id = mb->info.id;
      m.meta.uid = mb->info.uidnext++;
      m.meta.modseq = modseq;
      m.meta.flags = split_flags(join_flags(target.flags));
      m.meta.internal_date = msg.internal_date != 0 ? msg.internal_date : now;
      m.meta.save_date = now;
      m.meta.size = size;
      m.meta.blob_id = blob_id;
      do m.meta.email_id = new_email_id();
      while (!email_ids_.insert(m.meta.email_id).second);
      m.meta.summary = msg.summary;
      m.meta.prefix_size = static_cast<uint32_t>(target.trace_prefix.size());
      m.trace_prefix = target.trace_prefix;
      mb->info.highest_modseq = modseq;
      mb->info.messages += 1;
      mb->info.total_bytes += size;
      acct.info.used_bytes += size;
      add_blob_ref(blob_id, msg.bytes);
      result.placed.push_back(Placed{target.account_id, mb->info.id, m.meta.uid});
      changes.push_back(Change{Change::Kind::appended, target.account_id, mb->info.id, modseq});
      mb->messages.emplace(m.meta.uid, std::move(m));
    }
    if (msg.outbound) {
      QueueEntry e;
      e.queue_id = new_queue_id();
      e.message = *msg.outbound;
      e.blob_id = blob_id;
      e.size = blob_size;
      e.created = now;
      e.next_attempt = now;
      e.state = "queued";
      add_blob_ref(blob_id, msg.bytes);
      result.queue_id = e.queue_id;
      queue_.push_back(std::move(e));
    }
    // Placed nowhere (everybody over quota): an unreferenced blob with this id
    // (streamed, or finished and never delivered) is garbage now, as the SQLite
    // backend collects it after such a delivery.
    if (result.placed.empty() && result.queue_id.empty()) {
      auto it = blobs_.find(blob_id);
      if (it != blobs_.end() && it->second.second == 0) blobs_.erase(it);
    }
  }
  hub_.publish(changes);
  return result;
}

Result<std::vector<Message>> MemoryStore::list_messages(int64_t mailbox_id) {
  std::lock_guard lock(mu_);
  auto it = mailboxes_.find(mailbox_id);
  if (it == mailboxes_.end()) return mailbox_not_found(mailbox_id);
  std::vector<Message> out;
  for (auto& [uid, m] : it->second.messages) {
    out.push_back(m.meta);
    out.back().summary = MessageSummary{};  // like SQLite: summaries only from get_message()
  }
  return out;
}

Result<Message> MemoryStore::get_message(int64_t mailbox_id, uint32_t uid) {
  std::lock_guard lock(mu_);
  auto it = mailboxes_.find(mailbox_id);
  if (it == mailboxes_.end()) return Error::make(ErrorCode::not_found, "no such message", std::to_string(uid));
  auto m = it->second.messages.find(uid);
  if (m == it->second.messages.end())
    return Error::make(ErrorCode::not_found, "no such message", std::to_string(uid));
  Message out = m->second.meta;
  // Like SQLite, which keeps the search text only in its index.
  out.summary.search_headers.clear();
  out.summary.search_body.clear();
  return out;
}

Result<std::string> MemoryStore::get_search_headers(int64_t mailbox_id, uint32_t uid) {
  std::lock_guard lock(mu_);
  auto it = mailboxes_.find(mailbox_id);
  if (it == mailboxes_.end()) return Error::make(ErrorCode::not_found, "no such message", std::to_string(uid));
  auto m = it->second.messages.find(uid);
  if (m == it->second.messages.end())
    return Error::make(ErrorCode::not_found, "no such message", std::to_string(uid));
  return m->second.meta.summary.search_headers;
}

Result<std::unique_ptr<MessageReader>> MemoryStore::open_message(int64_t mailbox_id, uint32_t uid) {
  std::lock_guard lock(mu_);
  auto it = mailboxes_.find(mailbox_id);
  if (it == mailboxes_.end()) return Error::make(ErrorCode::not_found, "no such message", std::to_string(uid));
  auto m = it->second.messages.find(uid);
  if (m == it->second.messages.end())
    return Error::make(ErrorCode::not_found, "no such message", std::to_string(uid));
  auto blob = blobs_.find(m->second.meta.blob_id);
  if (blob == blobs_.end()) return Error::make(ErrorCode::internal, "message data missing");
  return make_string_reader(m->second.trace_prefix, blob->second.first);
}

uint64_t MemoryStore::remove_messages(StoredMailbox& mb, const std::vector<std::pair<uint32_t, uint64_t>>& gone,
                                      bool release_quota, std::vector<Change>& changes) {
  StoredAccount& acct = accounts_.at(mb.info.account_id);
  uint64_t modseq = ++acct.highest_modseq;
  for (const auto& [uid, size] : gone) {
    mb.info.messages -= 1;
    mb.info.total_bytes -= size;
    if (release_quota) acct.info.used_bytes -= std::min(acct.info.used_bytes, size);
    mb.expunged[uid] = modseq;
  }
  mb.info.highest_modseq = modseq;
  changes.push_back(Change{Change::Kind::expunged, mb.info.account_id, mb.info.id, modseq});
  return modseq;
}

Result<void> MemoryStore::expunge(int64_t mailbox_id, const std::vector<uint32_t>& uids) {
  std::vector<Change> changes;
  {
    std::lock_guard lock(mu_);
    auto it = mailboxes_.find(mailbox_id);
    if (it == mailboxes_.end()) return mailbox_not_found(mailbox_id);
    StoredMailbox& mb = it->second;
    std::vector<std::pair<uint32_t, uint64_t>> gone;
    for (uint32_t uid : uids) {
      auto m = mb.messages.find(uid);
      if (m == mb.messages.end()) continue;  // unknown (or listed twice): ignored
      gone.emplace_back(uid, m->second.meta.size);
      email_ids_.erase(m->second.meta.email_id);
      drop_blob_ref(m->second.meta.blob_id);
      mb.messages.erase(m);
    }
    if (gone.empty()) return ok_result();
    remove_messages(mb, gone, true, changes);
  }
  hub_.publish(changes);
  return ok_result();
}

Result<std::vector<QueueEntry>> MemoryStore::list_queue() {
  std::lock_guard lock(mu_);
  return queue_;
}

}  // namespace postamt::store::memory
