// Private declaration of the SQLite backend, shared by its .cpp files:
// sqlite_store.cpp (open, reader pool, domains, queue), sqlite_accounts.cpp
// (accounts, aliases, resolution), sqlite_messages.cpp (mailboxes, messages).
//
// Connections: one writer, used only by the group-commit leader; a pool of
// reader connections (WAL lets them read while a write is in progress).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/blob_store.h"
#include "store/change_hub.h"
#include "store/sqlite/group_commit.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace postamt::store::sqlite {

class SqliteStoreImpl;

// A reader connection borrowed from the pool; returned on destruction.
class ReaderLease {
 public:
  ReaderLease(SqliteStoreImpl* owner, std::unique_ptr<Db> db) : owner_(owner), db_(std::move(db)) {}
  ReaderLease(ReaderLease&& other) noexcept = default;
  ReaderLease& operator=(ReaderLease&&) = delete;
  ~ReaderLease();
  Db& operator*() { return *db_; }
  Db* operator->() { return db_.get(); }

 private:
  SqliteStoreImpl* owner_;
  std::unique_ptr<Db> db_;
};

class SqliteStoreImpl final : public SqliteStore {
 public:
  SqliteStoreImpl(std::string db_path, BlobStore blobs, std::unique_ptr<Db> writer);

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

  Result<std::unique_ptr<BlobWriter>> begin_blob() override { return blobs_.begin_write(); }
  Result<std::unique_ptr<MessageReader>> open_blob(std::string_view blob_id) override;

  Result<std::vector<QueueEntry>> list_queue() override;

  void subscribe(ChangeListener listener) override { hub_.subscribe(std::move(listener)); }

  uint64_t commit_count() const override { return commit_.commit_count(); }
  uint64_t write_count() const override { return commit_.job_count(); }

  void release_reader(std::unique_ptr<Db> db);

 private:
  Result<ReaderLease> reader();
  Result<void> write(const GroupCommit::Job& job) { return commit_.run(job); }
  // After commit: deletes blobs no message or queue entry references any more.
  void collect_blobs(Db& db, const std::vector<std::string>& candidates);

  // Queries usable on any connection (reader, or the writer inside a job).
  static Result<std::optional<Account>> account_by_address(Db& db, const std::string& address);
  static Result<std::optional<std::vector<std::string>>> alias_targets(Db& db, const std::string& source);
  static Result<bool> domain_exists(Db& db, const std::string& domain);
  static Result<std::optional<Mailbox>> mailbox_by_name(Db& db, int64_t account_id, std::string_view name);
  static Result<std::optional<Mailbox>> mailbox_by_id(Db& db, int64_t mailbox_id);
  // Inside a job: next modseq of the account, logged in change_log.
  static Result<uint64_t> bump_modseq(Db& db, int64_t account_id, int64_t mailbox_id, Change::Kind kind);
  static Result<void> create_mailbox(Db& db, int64_t account_id, const std::string& name,
                                     const std::string& special_use);
  Result<void> insert_message_job(TxContext& tx, const NewMessage& msg, const std::string& blob_id,
                                  uint64_t blob_size, const DeliveryTarget& target, DeliveryResult& result,
                                  std::vector<Change>& changes);
  Result<void> insert_queue_job(TxContext& tx, const OutboundMessage& out, const std::string& blob_id,
                                uint64_t size, DeliveryResult& result);

  std::string db_path_;
  BlobStore blobs_;
  std::unique_ptr<Db> writer_;
  GroupCommit commit_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Db>> idle_readers_;
  ChangeHub hub_;
};

}  // namespace postamt::store::sqlite
