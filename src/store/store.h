// The store interface (DESIGN §2, §5): accounts and credentials, mailboxes and
// messages, blobs, the outbound queue, change notifications. Nothing outside a
// backend (sqlite/, memory/) contains SQL. Only src/app/ knows concrete backends.
//
// Threading: every method may be called from any thread, concurrently. Methods
// block (disk, fsync): sessions call them from the worker pool, never on an I/O
// thread. Durability: when deliver(), append-like writes, expunge() or
// enqueue() return success, the data is on stable storage (DESIGN §5); concurrent
// callers share fsyncs (group commit) inside the backend.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace postamt::store {

// SCRAM-SHA-256 credentials (RFC 5802 / RFC 7677), raw bytes (not base64).
struct ScramKeys {
  std::string salt;
  uint32_t iterations = 0;
  std::string stored_key;
  std::string server_key;
};

struct Account {
  int64_t id = 0;
  std::string address;        // full address, lower-case domain; the login name
  std::string password_hash;  // argon2id encoded string ($argon2id$...), or an imported crypt hash
  ScramKeys scram;
  uint64_t quota_bytes = 0;   // 0 = unlimited
  uint64_t used_bytes = 0;    // sum of message sizes in all mailboxes
};

// An alias maps one source to one or more target addresses. A source of the form
// "@domain" is that domain's catch-all (used only when no account or alias matches).
struct Alias {
  std::string source;
  std::vector<std::string> targets;
};

// Special-use attributes (RFC 6154) as stored: "\\Sent", "\\Drafts", "\\Trash",
// "\\Junk", "\\Archive", or empty. INBOX has none.
struct Mailbox {
  int64_t id = 0;
  int64_t account_id = 0;
  std::string name;           // UTF-8, '/' hierarchy, "INBOX" for the inbox
  std::string special_use;
  uint32_t uidvalidity = 0;   // never changes for an existing mailbox
  uint32_t uidnext = 1;       // strictly ascending, never reused, persisted
  uint64_t highest_modseq = 0;
  uint32_t messages = 0;
  uint64_t total_bytes = 0;
  bool subscribed = true;
};

// What delivery computed once from the MIME parse (DESIGN §5). Opaque to the store
// except for the indexed scalar columns.
struct MessageSummary {
  std::string summary_json;   // envelope, part tree with offsets, header fields (see delivery/)
  std::string preview;        // RFC 8970 preview text, UTF-8, <= 256 chars
  std::string subject;        // decoded, UTF-8 (SORT/SEARCH)
  std::string from;           // first From address, lower-case (SORT)
  std::string message_id;     // as in the header, without <>
  int64_t sent_date = 0;      // Date: header as unix time, 0 if absent/invalid
};

struct Message {
  int64_t mailbox_id = 0;
  uint32_t uid = 0;
  uint64_t modseq = 0;
  std::vector<std::string> flags;  // system flags ("\\Seen") and keywords
  int64_t internal_date = 0;       // unix seconds
  int64_t save_date = 0;
  uint64_t size = 0;               // trace prefix + blob bytes: the exact RFC822.SIZE
  std::string blob_id;             // content address (hex sha256 of the blob bytes)
  std::string email_id;            // RFC 8474 EMAILID
  MessageSummary summary;          // filled only by get_message(), not by list_messages()
};

// Reads a stored message as clients see it: the per-recipient trace prefix
// (Return-Path, Delivered-To) followed by the shared blob bytes.
class MessageReader {
 public:
  virtual ~MessageReader() = default;
  virtual uint64_t size() const = 0;
  // Reads up to n bytes; returns 0 at the end.
  virtual Result<size_t> read(char* buf, size_t n) = 0;
};

// Streams one new blob to storage (SMTP DATA/BDAT spool), so a message never has
// to be held in memory whole. Destroying an unfinished writer removes what it
// wrote. Blocking: call from the worker pool. A writer is used by one thread at
// a time and must not outlive the Store that made it.
//
// Garbage: an unfinished blob is removed by the destructor (after a crash
// mid-write, its temp file goes with the sweep of hour-old temp files at open).
// A finished blob that no deliver() references is an accepted leftover: it
// stays in storage (SQLite backend: a file under blobs/ without a row, which
// nothing sweeps; memory backend: until the store is destroyed) unless a
// delivery referencing it places nothing (everybody over quota) or a later
// reference to identical content goes away — then it is collected as usual.
// Callers deliver what they finish, or accept the leftover.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  // Appends bytes. After an error the writer is unusable (finish() fails too).
  virtual Result<void> write(std::string_view bytes) = 0;
  // Makes the blob durable (fsync file, rename, fsync directory) and returns its
  // content address (hex sha256 of all bytes written). If a blob with that id exists
  // already, the new copy is dropped (content-addressed, stored once). Calling it
  // again returns the same id; write() after finish() is an internal error.
  virtual Result<std::string> finish() = 0;
  virtual uint64_t size() const = 0;   // bytes written so far
};

// One local recipient of a delivery.
struct DeliveryTarget {
  int64_t account_id = 0;
  std::string mailbox = "INBOX";     // falls back to INBOX if it does not exist
  std::string trace_prefix;          // "Return-Path: <...>\r\nDelivered-To: ...\r\n"
  std::vector<std::string> flags;
};

// A message for the outbound queue: everything later delivery needs (issue 4).
struct OutboundRecipient {
  std::string address;
  std::string orcpt;                 // RFC 3461 ORCPT, empty if none
  std::string notify;                // RFC 3461 NOTIFY, empty if none
};
struct OutboundMessage {
  std::string mail_from;             // reverse path, "" = null sender
  std::vector<OutboundRecipient> recipients;
  std::string auth_user;             // submitting account address
  bool smtputf8 = false;
  bool body_8bit = false;            // BODY=8BITMIME
  std::string ret;                   // RFC 3461 RET=FULL|HDRS or empty
  std::string envid;                 // RFC 3461 ENVID or empty
};

// The message content is either `bytes` (written to storage by deliver()) or a
// blob written beforehand with Store::begin_blob() (`blob_id` set).
struct NewMessage {
  std::string_view bytes;            // the message as received (CRLF lines), incl. our Received:
  // If set: the message bytes are this blob (written with begin_blob(), finished);
  // `bytes` is ignored. The id is never re-checked against the content.
  std::string blob_id;
  // Its size, with blob_id. Trusted, not verified: it becomes each message's
  // size (trace prefix + blob_size, i.e. RFC822.SIZE), the quota charge and the
  // queue entry's size, so it must be what the writer's size() reported.
  uint64_t blob_size = 0;
  MessageSummary summary;
  int64_t internal_date = 0;
  std::vector<DeliveryTarget> targets;       // local recipients
  std::optional<OutboundMessage> outbound;   // remote recipients, queued atomically
};

struct Placed {
  int64_t account_id = 0;
  int64_t mailbox_id = 0;
  uint32_t uid = 0;
};
struct DeliveryResult {
  std::vector<Placed> placed;
  std::string queue_id;              // set when outbound was queued
  std::vector<int64_t> over_quota;   // account ids of targets skipped: quota exceeded
};

struct QueueEntry {
  std::string queue_id;
  OutboundMessage message;
  std::string blob_id;
  uint64_t size = 0;
  int64_t created = 0;
  int64_t next_attempt = 0;
  uint32_t attempts = 0;
  std::string state;                 // "queued", "held"
  std::string last_error;
};

// Published after commit (DESIGN §2).
struct Change {
  enum class Kind { appended, expunged, flags, mailbox };
  Kind kind = Kind::appended;
  int64_t account_id = 0;
  int64_t mailbox_id = 0;
  uint64_t modseq = 0;
};
using ChangeListener = std::function<void(const Change&)>;

class Store {
 public:
  virtual ~Store() = default;

  // Domains.
  virtual Result<void> add_domain(std::string_view domain) = 0;
  virtual Result<void> remove_domain(std::string_view domain) = 0;  // params if accounts remain
  virtual Result<std::vector<std::string>> list_domains() = 0;
  virtual Result<bool> is_local_domain(std::string_view domain) = 0;

  // Accounts. add_account creates INBOX, Sent, Drafts, Trash, Junk, Archive.
  virtual Result<Account> add_account(std::string_view address, std::string_view password_hash,
                                      const ScramKeys& scram, uint64_t quota_bytes) = 0;
  virtual Result<void> set_password(std::string_view address, std::string_view password_hash,
                                    const ScramKeys& scram) = 0;
  virtual Result<void> set_quota(std::string_view address, uint64_t quota_bytes) = 0;
  virtual Result<void> remove_account(std::string_view address) = 0;
  virtual Result<std::vector<Account>> list_accounts(std::string_view domain_or_empty) = 0;
  virtual Result<Account> find_account(std::string_view address) = 0;  // not_found
  virtual Result<Account> get_account(int64_t account_id) = 0;

  // Aliases.
  virtual Result<void> add_alias(std::string_view source, const std::vector<std::string>& targets) = 0;
  virtual Result<void> remove_alias(std::string_view source) = 0;
  virtual Result<std::vector<Alias>> list_aliases(std::string_view domain_or_empty) = 0;
  // Local accounts an address delivers to: the account itself, else alias
  // expansion (recursive, bounded depth 8, duplicates removed), else the domain's
  // catch-all. not_found if none.
  virtual Result<std::vector<int64_t>> resolve_recipient(std::string_view address) = 0;

  // Mailboxes.
  virtual Result<std::vector<Mailbox>> list_mailboxes(int64_t account_id) = 0;
  virtual Result<Mailbox> get_mailbox(int64_t account_id, std::string_view name) = 0;  // INBOX case-insensitive

  // Messages.
  // Places the message in every target's mailbox (one row per target sharing
  // one blob; targets over quota are skipped) and queues `outbound`, in one
  // commit: everything placed and queued becomes visible together, or nothing.
  // With msg.blob_id: the blob must exist when the delivery commits; if it does
  // not (never finished, unknown, or garbage-collected meanwhile because the
  // last message with identical content was expunged after finish()), temp
  // "blob vanished, retry" and nothing is visible. A malformed id is params.
  virtual Result<DeliveryResult> deliver(const NewMessage& msg) = 0;
  virtual Result<std::vector<Message>> list_messages(int64_t mailbox_id) = 0;  // ascending UID
  virtual Result<Message> get_message(int64_t mailbox_id, uint32_t uid) = 0;
  virtual Result<std::unique_ptr<MessageReader>> open_message(int64_t mailbox_id, uint32_t uid) = 0;
  // Removes the messages (unknown UIDs ignored); unreferenced blobs are deleted.
  virtual Result<void> expunge(int64_t mailbox_id, const std::vector<uint32_t>& uids) = 0;

  // Blobs written ahead of delivery (see BlobWriter).
  virtual Result<std::unique_ptr<BlobWriter>> begin_blob() = 0;
  // Reads a blob's bytes (not a message: no trace prefix). Any blob present in
  // storage, delivered or only finished. not_found if absent, params if malformed.
  virtual Result<std::unique_ptr<MessageReader>> open_blob(std::string_view blob_id) = 0;

  // Outbound queue.
  virtual Result<std::vector<QueueEntry>> list_queue() = 0;

  // Change notifications, delivered after commit, on the committing thread.
  virtual void subscribe(ChangeListener listener) = 0;
};

}  // namespace postamt::store
