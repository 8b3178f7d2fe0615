// IMAP session internals: states, command table, selected-mailbox view.
// Handles untrusted input: everything the client sends.
// RFCs: 9051, 3501 and the extensions in capability.cpp.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "imap/imap_server.h"
#include "imap/mailbox_view.h"
#include "proto/imap/command_parser.h"
#include "proto/imap/mailbox_args.h"
#include "proto/imap/tokenizer.h"
#include "session/login.h"
#include "session/wire.h"

namespace postamt::imap {

namespace asio = boost::asio;
namespace codec = proto::imap;

// RFC 9051 §3.
enum class State : uint8_t { not_authenticated = 1, authenticated = 2, selected = 4, logout = 8 };

// What STATUS and LIST-STATUS count over a mailbox's messages.
struct StatusCounts {
  uint32_t messages = 0, unseen = 0, deleted = 0, recent = 0;
  uint64_t size = 0;
};
// Blocking only in the sense of O(messages): run it on the worker with the listing.
// recent_claimed: Notifier::recent_boundary() of the mailbox.
StatusCounts count_status(const std::vector<store::Message>& messages, uint32_t recent_claimed);

// One parsed command; for "UID x", name is x and uid is set.
struct Request {
  std::string tag;
  std::string name;
  std::vector<codec::Token> args;
  bool uid = false;
};

class Session {
 public:
  Session(std::shared_ptr<net::Stream> stream, std::shared_ptr<net::SessionHandle> handle, Mode mode,
          std::shared_ptr<Services> services);
  ~Session();
  asio::awaitable<void> run();

 private:
  using Handler = asio::awaitable<void> (Session::*)(Request&);
  struct CommandSpec {
    const char* name;
    Handler handler;
    uint8_t states;     // State bits where the command is valid
    bool uid_form;      // may follow "UID"
    bool keeps_expunge; // RFC 9051 §7.5.1: no EXPUNGE while answering (FETCH/STORE/SEARCH)
  };
  static const CommandSpec* find_spec(std::string_view name);

  // --- connection plumbing (session.cpp)
  asio::awaitable<void> dispatch(std::string line);
  asio::awaitable<bool> fill();
  asio::awaitable<bool> flush();
  void send(std::string_view s) { out_.add(s); }
  void untagged(std::string_view s);  // "* " + s + CRLF
  // The tagged completion; sent by dispatch() after any untagged updates.
  void ok(std::string text, std::string code = {});
  void no(std::string text, std::string code = {});
  void bad(std::string text, std::string code = {});
  void fail(const Error& e);  // one mapping from the error taxonomy to NO [code] (DESIGN §8)
  void client_error();
  bool password_auth_allowed() const;
  bool tls_available() const;
  bool utf8() const { return utf8_enabled_ || rev2_; }
  std::string capabilities() const;
  SyncOptions sync_options(bool allow_expunge) const;
  // Brings the view up to date with the store and queues the untagged responses.
  asio::awaitable<void> sync(bool allow_expunge);
  template <class F>
  auto offload(F f) -> asio::awaitable<std::invoke_result_t<F&>> {
    co_return co_await net::offload(services_->runtime.workers(), std::move(f));
  }
  // Sequence numbers (ascending) a set names: seq numbers or UIDs, or "$" (RFC 5182).
  std::vector<uint32_t> resolve_set(const codec::SequenceSet& set, bool uid) const;
  // False if a sequence set names a message number above the message count (RFC 9051 §9
  // seq-number: answered with BAD, as Dovecot does). UID sets and "$" are always fine.
  bool seqs_in_range(const codec::SequenceSet& set, bool uid) const;
  // \Recent (IMAP4rev1 only, RFC 3501 §2.3.2): whether a UID shows it, how many do, and
  // claiming the messages above `after` (new in this session) when selected read-write.
  bool recent(uint32_t uid) const { return !rev2_ && recent_.count(uid) != 0; }
  uint32_t recent_count() const;
  void claim_recent(uint32_t after);
  // Removes the messages from the store (cmd_expunge.cpp); the caller announces them.
  asio::awaitable<Result<void>> expunge_uids(std::vector<uint32_t> uids);
  asio::awaitable<void> enter_authenticated(store::Account account);
  void leave_selected();
  // A mailbox argument decoded (mUTF-7 unless UTF-8 is enabled), INBOX normalized.
  Result<std::string> mailbox_arg(const codec::Token& t);
  std::string mailbox_out(const std::string& name) const;  // as a quoted/literal string

  // "* STATUS name (...)" from a mailbox and its counts (cmd_status.cpp).
  std::string status_response(const store::Mailbox& mb, const StatusCounts& counts,
                              const std::vector<codec::StatusItem>& items) const;

  // --- any state (cmd_any.cpp)
  asio::awaitable<void> cmd_capability(Request& r);
  asio::awaitable<void> cmd_noop(Request& r);
  asio::awaitable<void> cmd_logout(Request& r);
  asio::awaitable<void> cmd_id(Request& r);
  asio::awaitable<void> cmd_enable(Request& r);
  // --- not authenticated (cmd_auth.cpp)
  asio::awaitable<void> cmd_starttls(Request& r);
  asio::awaitable<void> cmd_login(Request& r);
  asio::awaitable<void> cmd_authenticate(Request& r);
  asio::awaitable<void> cmd_unauthenticate(Request& r);
  // --- authenticated
  asio::awaitable<void> cmd_namespace(Request& r);
  asio::awaitable<void> cmd_select(Request& r);    // SELECT, EXAMINE
  asio::awaitable<void> cmd_create(Request& r);
  asio::awaitable<void> cmd_delete(Request& r);
  asio::awaitable<void> cmd_rename(Request& r);
  asio::awaitable<void> cmd_subscribe(Request& r);  // SUBSCRIBE, UNSUBSCRIBE
  asio::awaitable<void> cmd_list(Request& r);       // LIST, LSUB
  asio::awaitable<void> cmd_status(Request& r);
  asio::awaitable<void> cmd_append(Request& r);
  asio::awaitable<void> cmd_idle(Request& r);
  asio::awaitable<void> cmd_getquota(Request& r);   // GETQUOTA, GETQUOTAROOT
  asio::awaitable<void> cmd_setquota(Request& r);
  asio::awaitable<void> cmd_compress(Request& r);
  // --- selected
  asio::awaitable<void> cmd_check(Request& r);
  asio::awaitable<void> cmd_close(Request& r);      // CLOSE, UNSELECT
  asio::awaitable<void> cmd_expunge(Request& r);    // EXPUNGE, UID EXPUNGE
  asio::awaitable<void> cmd_search(Request& r);
  asio::awaitable<void> cmd_sort(Request& r);
  asio::awaitable<void> cmd_thread(Request& r);
  asio::awaitable<void> cmd_fetch(Request& r);
  asio::awaitable<void> cmd_store(Request& r);
  asio::awaitable<void> cmd_copy(Request& r);       // COPY, MOVE

  std::shared_ptr<net::Stream> stream_;
  std::shared_ptr<net::SessionHandle> handle_;
  Mode mode_;
  std::shared_ptr<Services> services_;
  std::shared_ptr<const Settings> settings_;
  codec::Tokenizer tokenizer_;
  session::LoginContext login_;
  std::string id_;
  session::ReplyQueue out_;
  std::string completion_;  // the tagged response of the current command
  State state_ = State::not_authenticated;
  unsigned errors_ = 0;
  bool closing_ = false;
  std::optional<store::Account> account_;
  bool counted_user_ = false;
  std::shared_ptr<Watcher> watcher_;
  // ENABLEd (RFC 5161) and implied extensions.
  bool rev2_ = false;
  bool utf8_enabled_ = false;
  bool condstore_ = false;  // enabled, or implied by a CONDSTORE-using command (RFC 7162 §3.1)
  bool qresync_ = false;
  bool compressed_ = false;
  bool bulk_read_ = false;  // the last read filled its buffer: read big (fill())
  // Selected mailbox.
  MailboxView view_;
  bool read_only_ = false;
  std::string mailbox_name_;
  std::vector<uint32_t> saved_uids_;  // RFC 5182 SEARCHRES "$"
  std::set<uint32_t> recent_;          // RFC 3501 §2.3.2: UIDs recent in this session
  uint32_t announced_recent_ = 0;
  friend struct SessionTestAccess;
};

}  // namespace postamt::imap
