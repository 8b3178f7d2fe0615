// Private declaration of the SQLite backend, shared by its .cpp files:
// sqlite_store.cpp (open, reader pool, domains, queue), sqlite_accounts.cpp
// (accounts, aliases, resolution), sqlite_mailboxes.cpp (mailbox create,
// delete, rename, subscriptions), sqlite_messages.cpp (delivery, append,
// reading, expunge), sqlite_imap.cpp (flags, copy/move, changes since a
// modseq), sqlite_search.cpp (full-text index and search).
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

// Shared by the .cpp files (defined in sqlite_messages.cpp).
extern const char* const kMailboxSelect;   // "SELECT <mailbox columns> FROM mailboxes "
extern const char* const kMessageColumns;  // columns read by read_message(), table alias m
Mailbox read_mailbox(const Stmt& s);
Message read_message(const Stmt& s, int64_t mailbox_id);
Error mailbox_not_found(int64_t id);
// Collects the rows of a statement selecting kMessageColumns.
Result<std::vector<Message>> collect_messages(Stmt& stmt, int64_t mailbox_id);

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
  // not_found unless the mailbox exists.
  static Result<void> require_mailbox(Db& db, int64_t mailbox_id);
  static Result<bool> account_exists(Db& db, int64_t account_id);
  // Inside a job: next modseq of the account, logged in change_log.
  static Result<uint64_t> bump_modseq(Db& db, int64_t account_id, int64_t mailbox_id, Change::Kind kind);
  // Inside a job: a new mailbox (new UIDVALIDITY, highest_modseq a fresh
  // modseq); the Change to publish is appended to `changes`.
  static Result<Mailbox> insert_mailbox(Db& db, int64_t account_id, const std::string& name,
                                        const std::string& special_use, std::vector<Change>& changes);
  // Inside a job: removes messages from mailbox `mb` with one new modseq,
  // tombstones their UIDs, updates counters (and the account's usage when
  // `release_quota`). `gone` holds (uid, size) of rows that exist.
  static Result<uint64_t> remove_messages(TxContext& tx, const Mailbox& mb,
                                          const std::vector<std::pair<uint32_t, int64_t>>& gone, bool delete_rows,
                                          bool release_quota, std::vector<Change>& changes);
  // Inside a job: the search text of a blob, unless the blob has one already.
  static Result<void> index_text(Db& db, const std::string& blob_id, const MessageSummary& summary);
  Result<CopyResult> copy_or_move(int64_t src_mailbox_id, const std::vector<uint32_t>& uids, int64_t dst_mailbox_id,
                                  bool move);
  Result<void> rename_inbox(TxContext& tx, const Mailbox& inbox, const std::string& to,
                            std::vector<Change>& changes);
  Result<void> insert_message_job(TxContext& tx, const NewMessage& msg, const std::string& blob_id,
                                  uint64_t blob_size, const DeliveryTarget& target, DeliveryResult& result,
                                  std::vector<Change>& changes);
  Result<void> insert_queue_job(TxContext& tx, const OutboundMessage& out, const std::string& blob_id,
                                uint64_t size, DeliveryResult& result);
  // Inside a job: makes sure the blob file and its row exist (see deliver()).
  Result<void> ensure_blob(TxContext& tx, const std::string& blob_id, uint64_t blob_size, bool streamed,
                           std::string_view bytes);

  std::string db_path_;
  BlobStore blobs_;
  std::unique_ptr<Db> writer_;
  GroupCommit commit_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Db>> idle_readers_;
  ChangeHub hub_;
};

}  // namespace postamt::store::sqlite
