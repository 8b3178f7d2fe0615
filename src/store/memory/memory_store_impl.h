// Private declaration of the in-memory backend, shared by memory_store.cpp
// (domains, accounts, aliases) and memory_messages.cpp (mailboxes, messages,
// queue). One mutex guards everything; listeners are called after it is released.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
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

  Result<DeliveryResult> deliver(const NewMessage& msg) override;
  Result<std::vector<Message>> list_messages(int64_t mailbox_id) override;
  Result<Message> get_message(int64_t mailbox_id, uint32_t uid) override;
  Result<std::unique_ptr<MessageReader>> open_message(int64_t mailbox_id, uint32_t uid) override;
  Result<void> expunge(int64_t mailbox_id, const std::vector<uint32_t>& uids) override;

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
  void create_mailbox(int64_t account_id, const std::string& name, const std::string& special_use);
  void add_blob_ref(const std::string& id, std::string_view bytes);
  void drop_blob_ref(const std::string& id);

  std::mutex mu_;
  std::set<std::string> domains_;
  std::map<int64_t, StoredAccount> accounts_;
  std::map<std::string, std::vector<std::string>> aliases_;  // source -> targets
  std::map<int64_t, StoredMailbox> mailboxes_;
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
