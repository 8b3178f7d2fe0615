// Private declaration of the in-memory backend, shared by memory_store.cpp
// (domains, accounts, aliases), memory_messages.cpp (mailboxes, messages,
// queue) and memory_imap.cpp (mailbox management, subscriptions, append,
// flags, copy/move, changes, search). One mutex guards everything; listeners
// are called after it is released.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/change_hub.h"
#include "store/store.h"

namespace postamt::store::memory {

struct StoredMessage {
  Message meta;  // including the summary
  std::string trace_prefix;
};

struct StoredMailbox {
  Mailbox info;
  std::map<uint32_t, StoredMessage> messages;
  std::map<uint32_t, uint64_t> expunged;  // uid -> modseq (tombstones)
};

struct StoredAccount {
  Account info;
  uint64_t highest_modseq = 0;
};

class MemoryStore final : public Store {
 public:
  Result<void> add_domain(std::string_view domain) override;
  Result<void> remove_domain(std::string_view domain) override;
  Result<std::vector<std::string>> list_domains() override;
  Result<bool> is_local_domain(std::string_view domain) override;

  Result<Account> add_account(std::string_view address, std::string_view password_hash, const ScramKeys& scram,
                              uint64_t quota_bytes) override;
  Result<void> set_password(std::string_view address, std::string_view password_hash,
                            const ScramKeys& scram) override;
  Result<void> set_quota(std::string_view address, uint64_t quota_bytes) override;
  Result<void> remove_account(std::string_view address) override;
  Result<std::vector<Account>> list_accounts(std::string_view domain_or_empty) override;
  Result<Account> find_account(std::string_view address) override;
  Result<Account> get_account(int64_t account_id) override;

  Result<void> add_alias(std::string_view source, const std::vector<std::string>& targets) override;
  Result<void> remove_alias(std::string_view source) override;
  Result<std::vector<Alias>> list_aliases(std::string_view domain_or_empty) override;
  Result<std::vector<int64_t>> resolve_recipient(std::string_view address) override;

  Result<std::vector<Mailbox>> list_mailboxes(int64_t account_id) override;
  Result<Mailbox> get_mailbox(int64_t account_id, std::string_view name) override;
  Result<Mailbox> create_mailbox(int64_t account_id, std::string_view name, std::string_view special_use) override;
  Result<void> delete_mailbox(int64_t account_id, std::string_view name) override;
  Result<void> rename_mailbox(int64_t account_id, std::string_view from, std::string_view to) override;
  Result<void> set_subscribed(int64_t account_id, std::string_view name, bool subscribed) override;
  Result<std::vector<std::string>> list_subscriptions(int64_t account_id) override;

  Result<DeliveryResult> deliver(const NewMessage& msg) override;
  Result<std::vector<Message>> list_messages(int64_t mailbox_id) override;
  Result<Message> get_message(int64_t mailbox_id, uint32_t uid) override;
  Result<std::unique_ptr<MessageReader>> open_message(int64_t mailbox_id, uint32_t uid) override;
  Result<void> expunge(int64_t mailbox_id, const std::vector<uint32_t>& uids) override;
  Result<AppendResult> append(int64_t account_id, int64_t mailbox_id,
                              const std::vector<AppendMessage>& messages) override;
  Result<FlagResult> store_flags(int64_t mailbox_id, const std::vector<uint32_t>& uids,
                                 const FlagUpdate& update) override;
  Result<CopyResult> copy_messages(int64_t src_mailbox_id, const std::vector<uint32_t>& uids,
                                   int64_t dst_mailbox_id) override;
  Result<CopyResult> move_messages(int64_t src_mailbox_id, const std::vector<uint32_t>& uids,
                                   int64_t dst_mailbox_id) override;
  Result<std::vector<Message>> list_changed(int64_t mailbox_id, uint64_t since_modseq) override;
  Result<std::vector<uint32_t>> list_vanished(int64_t mailbox_id, uint64_t since_modseq) override;
  Result<std::vector<uint32_t>> search_text(int64_t mailbox_id, std::string_view folded_needle,
                                            TextField field) override;
  Result<std::string> get_search_headers(int64_t mailbox_id, uint32_t uid) override;

  Result<std::unique_ptr<BlobWriter>> begin_blob() override;
  Result<std::unique_ptr<MessageReader>> open_blob(std::string_view blob_id) override;

  Result<std::vector<QueueEntry>> list_queue() override;

  // For MemoryBlobWriter::finish(): stores a finished blob unreferenced, unless
  // one with that id exists.
  void add_finished_blob(const std::string& id, std::string bytes);

  void subscribe(ChangeListener listener) override { hub_.subscribe(std::move(listener)); }

 private:
  // All below require mu_ held.
  StoredAccount* account_by_address(const std::string& address);  // exact, then case-insensitive
  const std::vector<std::string>* alias_by_source(const std::string& source);
  StoredMailbox* mailbox_by_name(int64_t account_id, std::string_view name);
  StoredMailbox* mailbox_by_id(int64_t mailbox_id);
  // A new mailbox with a fresh UIDVALIDITY and modseq; the account must exist.
  StoredMailbox& insert_mailbox(int64_t account_id, const std::string& name, const std::string& special_use,
                                std::vector<Change>& changes);
  // The mailbox as the interface shows it (subscribed filled in).
  Mailbox mailbox_info(const StoredMailbox& mb) const;
  // Tombstones `gone` (UIDs no longer in mb.messages, with their sizes) with one
  // new modseq and updates counters; the account's usage too if release_quota.
  uint64_t remove_messages(StoredMailbox& mb, const std::vector<std::pair<uint32_t, uint64_t>>& gone,
                           bool release_quota, std::vector<Change>& changes);
  Result<CopyResult> copy_or_move(int64_t src_mailbox_id, const std::vector<uint32_t>& uids, int64_t dst_mailbox_id,
                                  bool move);
  void add_blob_ref(const std::string& id, std::string_view bytes);
  void drop_blob_ref(const std::string& id);

  std::mutex mu_;
  std::set<std::string> domains_;
  std::map<int64_t, StoredAccount> accounts_;
  std::map<std::string, std::vector<std::string>> aliases_;  // source -> targets
  std::map<int64_t, StoredMailbox> mailboxes_;
  std::map<int64_t, std::set<std::string>> subscriptions_;  // account -> names
  // id -> bytes, refs. Like files on disk: a finished, never delivered blob sits
  // here with 0 refs; an entry whose refs drop to 0 is collected.
  std::map<std::string, std::pair<std::shared_ptr<const std::string>, uint64_t>> blobs_;
  std::vector<QueueEntry> queue_;
  std::set<std::string> email_ids_;
  int64_t next_account_id_ = 1;
  int64_t next_mailbox_id_ = 1;
  uint32_t last_uidvalidity_ = 0;
  ChangeHub hub_;
};

}  // namespace postamt::store::memory
