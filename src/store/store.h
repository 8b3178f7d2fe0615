// The store interface (DESIGN §2, §5): accounts and credentials, mailboxes and
// messages, blobs, the outbound queue, change notifications. Nothing outside a
// backend (sqlite/, memory/) contains SQL. Only src/app/ knows concrete backends.
//
// Threading: every method may be called from any thread, concurrently. Methods
// block (disk, fsync): sessions call them from the worker pool, never on an I/O
// thread. Durability: every method that changes something (accounts, mailboxes,
// subscriptions, deliver(), append(), store_flags(), copy/move, expunge()) returns
// success only once the change is on stable storage (DESIGN §5); concurrent
// callers share fsyncs (group commit) inside the backend. A failed write changes
// nothing (one transaction per call).
//
// Modseqs (RFC 7162): drawn from one persistent counter per account, so they
// strictly increase in every mailbox, also across restarts. Every change to a
// mailbox's messages (deliver, append, flag change, copy/move in or out, expunge)
// sets the mailbox's highest_modseq to the new value; expunged UIDs leave
// tombstones (mailbox, uid, modseq) for list_vanished().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
  bool subscribed = true;     // the name is in the account's subscriptions (see set_subscribed)
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
  // Full-text search input (DESIGN §5, IMAP SEARCH TEXT/BODY), casefolded with
  // mime::fold_case(): the decoded, unfolded header fields as "name: value\n"
  // lines (at most 256 KiB), and the UTF-8 text of the text/* parts (HTML
  // without tags; at most 2 MiB). Indexed once per blob, by the first deliver()
  // or append() of the blob that has some (copies share it); write-only:
  // get_message() returns them empty.
  std::string search_headers;
  std::string search_body;
};

struct Message {
  int64_t mailbox_id = 0;
  uint32_t uid = 0;
  uint64_t modseq = 0;
  std::vector<std::string> flags;  // system flags ("\\Seen") and keywords
  int64_t internal_date = 0;       // unix seconds
  int64_t save_date = 0;
  uint64_t size = 0;               // trace prefix + blob bytes: the exact RFC822.SIZE
  uint32_t prefix_size = 0;        // bytes of the per-recipient trace prefix; the blob (to
                                   // which summary offsets are relative) starts there
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

// A message for Store::append() (IMAP APPEND): the content is `bytes`, or a
// finished blob (`blob_id` + `blob_size`, trusted like NewMessage's). No trace
// prefix. internal_date 0 = now.
struct AppendMessage {
  std::string_view bytes;
  std::string blob_id;
  uint64_t blob_size = 0;
  MessageSummary summary;
  std::vector<std::string> flags;
  int64_t internal_date = 0;
};
struct AppendResult {
  uint32_t uidvalidity = 0;          // RFC 4315 APPENDUID
  std::vector<uint32_t> uids;        // in the order of the messages given
};

// Flag changes (IMAP STORE, RFC 9051 §6.4.6; UNCHANGEDSINCE, RFC 7162 §3.1.3).
struct FlagUpdate {
  enum class Mode { add, remove, replace };
  Mode mode = Mode::add;
  std::vector<std::string> flags;
  std::optional<uint64_t> unchanged_since;
};
struct FlagChange {
  uint32_t uid = 0;
  uint64_t modseq = 0;               // the message's new modseq
  std::vector<std::string> flags;    // the message's flags after the change
};
struct FlagResult {
  std::vector<FlagChange> changed;   // messages whose flags changed, ascending UID
  std::vector<uint32_t> modified;    // UNCHANGEDSINCE failures, ascending UID
};

// RFC 4315 COPYUID data.
struct CopyResult {
  uint32_t uidvalidity = 0;          // of the destination mailbox
  std::vector<std::pair<uint32_t, uint32_t>> uids;  // source uid -> new uid, ascending source uid
};

// What search_text() looks in (RFC 9051 §6.4.4 SEARCH BODY / TEXT).
enum class TextField { body, text /* headers + body */ };

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

  // Mailboxes. Names are UTF-8 with '/' as the hierarchy delimiter; INBOX matches
  // case-insensitively (RFC 9051 §5.1) and is stored as "INBOX". A name is params
  // if empty, starting or ending with '/', containing "//" or control characters.
  virtual Result<std::vector<Mailbox>> list_mailboxes(int64_t account_id) = 0;  // ascending id
  virtual Result<Mailbox> get_mailbox(int64_t account_id, std::string_view name) = 0;  // INBOX case-insensitive
  // Creates an empty mailbox: a new UIDVALIDITY (unique, above every value handed
  // out before), uidnext 1, highest_modseq a fresh modseq. Parents are not
  // created (the IMAP session does that). exists if the name exists, not_found if
  // the account does not. special_use is stored as given ("" for none).
  // Publishes Change::Kind::mailbox.
  virtual Result<Mailbox> create_mailbox(int64_t account_id, std::string_view name,
                                         std::string_view special_use) = 0;
  // Removes the mailbox, its messages (quota usage decreased, unreferenced blobs
  // collected as in expunge()) and its expunge tombstones (a mailbox created later
  // under that name has a new UIDVALIDITY). Children and subscriptions stay
  // (RFC 9051 §6.3.4, §6.3.9). permission for INBOX, not_found if absent.
  // Publishes Change::Kind::mailbox with the deleted mailbox's id.
  virtual Result<void> delete_mailbox(int64_t account_id, std::string_view name) = 0;
  // RFC 9051 §6.3.6. Renames `from` and every mailbox below "from/" to the
  // corresponding name below `to`, keeping ids, UIDVALIDITY, UIDs and uidnext;
  // subscriptions of the renamed names follow. exists if `to` or a renamed
  // child's new name exists (or `to` is INBOX), not_found if `from` does not.
  // From INBOX: creates `to` (new UIDVALIDITY) and moves every INBOX message into
  // it with UIDs 1..n in ascending old-UID order (flags, dates, email ids kept);
  // INBOX stays, empty, its uidnext unchanged, the moved UIDs tombstoned; INBOX's
  // children are not renamed. One transaction. Publishes Change::Kind::mailbox
  // (for INBOX also expunged on INBOX and appended on `to`).
  virtual Result<void> rename_mailbox(int64_t account_id, std::string_view from, std::string_view to) = 0;

  // Subscriptions (RFC 9051 §6.3.7/§6.3.8): a set of names per account, which
  // need not exist as mailboxes. Idempotent: subscribing twice or unsubscribing
  // a name not subscribed succeeds. not_found if the account does not exist.
  // Not published.
  virtual Result<void> set_subscribed(int64_t account_id, std::string_view name, bool subscribed) = 0;
  virtual Result<std::vector<std::string>> list_subscriptions(int64_t account_id) = 0;  // sorted (bytewise)

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
  // Removes the messages (unknown UIDs ignored); unreferenced blobs are deleted;
  // the UIDs are tombstoned with one new modseq. Durable before return.
  // Publishes Change::Kind::expunged (nothing if no UID matched). not_found if
  // the mailbox does not exist.
  virtual Result<void> expunge(int64_t mailbox_id, const std::vector<uint32_t>& uids) = 0;

  // IMAP APPEND / MULTIAPPEND (RFC 3502): every message in one commit, or none.
  // UIDs from the mailbox's uidnext in the order given, one shared new modseq,
  // save_date now, no trace prefix, flags normalised as in store_flags().
  // not_found if the mailbox is gone or not the account's; no_quota if the total
  // size exceeds the account's quota (or the mailbox ran out of UIDs); temp if a
  // streamed blob vanished (as in deliver()); params if a blob id is malformed or
  // `messages` is empty. Durable before return. Publishes Change::Kind::appended.
  // When it fails for good (any code but temp), streamed blobs it was handed are
  // collected unless something else references them, as after a delivery that
  // placed nothing; after temp they stay for a retry. Search text (summary) is
  // indexed as in deliver().
  virtual Result<AppendResult> append(int64_t account_id, int64_t mailbox_id,
                                      const std::vector<AppendMessage>& messages) = 0;

  // IMAP STORE. Flags compare case-insensitively (RFC 9051 §2.3.2); the spelling
  // of the first occurrence is kept (a message's stored spelling wins over the
  // request's); "\\Recent" is never stored. Only messages whose flag set changes
  // get a new modseq (one per call, shared: RFC 7162 §3.1). With unchanged_since,
  // messages whose modseq is above it are left alone and listed in `modified`
  // (RFC 7162 §3.1.3). Unknown UIDs are ignored. not_found if the mailbox does
  // not exist; params if a flag contains whitespace or control characters.
  // Durable before return. Publishes Change::Kind::flags if anything changed.
  virtual Result<FlagResult> store_flags(int64_t mailbox_id, const std::vector<uint32_t>& uids,
                                         const FlagUpdate& update) = 0;

  // IMAP COPY (RFC 9051 §6.4.7, COPYUID RFC 4315): copies the messages (unknown
  // UIDs ignored) with flags, internal date, size, trace prefix, summary and blob
  // (shared, not duplicated; no new search text), new UIDs in ascending source-UID
  // order, one new modseq, save_date now, new email ids. src may equal dst.
  // no_quota if the destination account's quota would be exceeded (or out of
  // UIDs): nothing copied. not_found if either mailbox does not exist. Nothing to
  // copy: empty result, no change. Durable before return. Publishes appended.
  virtual Result<CopyResult> copy_messages(int64_t src_mailbox_id, const std::vector<uint32_t>& uids,
                                           int64_t dst_mailbox_id) = 0;
  // IMAP MOVE (RFC 6851): like copy_messages() plus the expunge from the source,
  // in one transaction; the source UIDs are tombstoned. The moved messages keep
  // their email ids (RFC 8474 §5.1). Within one account the quota is not checked
  // (usage does not change). To the same mailbox: new UIDs, old ones tombstoned.
  // Publishes appended (destination) and expunged (source).
  virtual Result<CopyResult> move_messages(int64_t src_mailbox_id, const std::vector<uint32_t>& uids,
                                           int64_t dst_mailbox_id) = 0;

  // Messages with modseq > since_modseq, ascending UID (CONDSTORE/QRESYNC, and
  // sessions following other sessions' changes). Without summaries, like
  // list_messages(). not_found if the mailbox does not exist.
  virtual Result<std::vector<Message>> list_changed(int64_t mailbox_id, uint64_t since_modseq) = 0;
  // UIDs expunged (or moved away) with modseq > since_modseq, ascending
  // (RFC 7162 §3.2.5 VANISHED). not_found if the mailbox does not exist.
  virtual Result<std::vector<uint32_t>> list_vanished(int64_t mailbox_id, uint64_t since_modseq) = 0;

  // IMAP SEARCH BODY / TEXT (RFC 9051 §6.4.4): UIDs, ascending, of the messages
  // whose search text contains `folded_needle` as a substring (bytewise after
  // casefolding; the caller has applied mime::fold_case() to the needle).
  // TextField::text looks in the headers and the body (a match must lie within
  // one of them). An empty needle matches every message; a needle containing NUL
  // matches none. Messages stored without search text match only the empty
  // needle. not_found if the mailbox does not exist.
  virtual Result<std::vector<uint32_t>> search_text(int64_t mailbox_id, std::string_view folded_needle,
                                                    TextField field) = 0;

  // The stored search_headers text of one message (MessageSummary): the message
  // header's fields as casefolded "name: value\n" lines, a blank line, then the
  // MIME part headers. "" if the message was stored without search text. Lets
  // SEARCH HEADER/FROM/SUBJECT/... work from what delivery computed (DESIGN §5)
  // instead of reading the message. not_found if the message does not exist.
  virtual Result<std::string> get_search_headers(int64_t mailbox_id, uint32_t uid) = 0;

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
