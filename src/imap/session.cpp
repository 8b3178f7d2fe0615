// IMAP session: connection loop, literal continuations, command table,
// completion responses and the synchronization points of RFC 9051 §7.
// Handles untrusted input: every byte the client sends.
// RFCs: 9051 §2.2 (commands, responses), §5.4 (autologout), §5.5 (pipelining),
// §7 (untagged responses), §7.1 (response codes); 3501; 7888 (LITERAL+/-).
#include "imap/session.h"

#include <spdlog/spdlog.h>

#include "auth/random.h"
#include "base/strings.h"
#include "imap/mailbox_ops.h"
#include "net/runtime.h"
#include "session/tls_start.h"
#include "proto/imap/mailbox_name.h"

namespace postamt::imap {

namespace {
constexpr uint8_t kNotAuth = static_cast<uint8_t>(State::not_authenticated);
constexpr uint8_t kAuth = static_cast<uint8_t>(State::authenticated);
constexpr uint8_t kSel = static_cast<uint8_t>(State::selected);
constexpr uint8_t kAny = kNotAuth | kAuth | kSel;
constexpr uint8_t kLoggedIn = kAuth | kSel;

// Before login no command needs a big literal (LOGIN, AUTHENTICATE, ID): a small cap keeps
// unauthenticated memory small (DESIGN §7); enter_authenticated() raises it.
constexpr uint64_t kPreAuthLiteral = 16 * 1024;

codec::TokenizerLimits tokenizer_limits(const Settings& s) {
  codec::TokenizerLimits l;
  l.max_line = s.max_line;
  l.max_literal = kPreAuthLiteral;
  return l;
}

}  // namespace

const Session::CommandSpec* Session::find_spec(std::string_view name) {
  static const CommandSpec kTable[] = {
      {"CAPABILITY", &Session::cmd_capability, kAny, false, false},
      {"NOOP", &Session::cmd_noop, kAny, false, false},
      {"LOGOUT", &Session::cmd_logout, kAny, false, false},
      {"ID", &Session::cmd_id, kAny, false, false},
      {"ENABLE", &Session::cmd_enable, kLoggedIn, false, false},
      {"STARTTLS", &Session::cmd_starttls, kNotAuth, false, false},
      {"LOGIN", &Session::cmd_login, kNotAuth, false, false},
      {"AUTHENTICATE", &Session::cmd_authenticate, kNotAuth, false, false},
      {"UNAUTHENTICATE", &Session::cmd_unauthenticate, kLoggedIn, false, false},
      {"NAMESPACE", &Session::cmd_namespace, kLoggedIn, false, false},
      {"SELECT", &Session::cmd_select, kLoggedIn, false, false},
      {"EXAMINE", &Session::cmd_select, kLoggedIn, false, false},
      {"CREATE", &Session::cmd_create, kLoggedIn, false, false},
      {"DELETE", &Session::cmd_delete, kLoggedIn, false, false},
      {"RENAME", &Session::cmd_rename, kLoggedIn, false, false},
      {"SUBSCRIBE", &Session::cmd_subscribe, kLoggedIn, false, false},
      {"UNSUBSCRIBE", &Session::cmd_subscribe, kLoggedIn, false, false},
      {"LIST", &Session::cmd_list, kLoggedIn, false, false},
      {"LSUB", &Session::cmd_list, kLoggedIn, false, false},
      {"STATUS", &Session::cmd_status, kLoggedIn, false, false},
      {"APPEND", &Session::cmd_append, kLoggedIn, false, false},
      {"IDLE", &Session::cmd_idle, kLoggedIn, false, false},
      {"GETQUOTA", &Session::cmd_getquota, kLoggedIn, false, false},
      {"GETQUOTAROOT", &Session::cmd_getquota, kLoggedIn, false, false},
      {"SETQUOTA", &Session::cmd_setquota, kLoggedIn, false, false},
      {"COMPRESS", &Session::cmd_compress, kLoggedIn, false, false},
      {"CHECK", &Session::cmd_check, kSel, false, false},
      {"CLOSE", &Session::cmd_close, kSel, false, false},
      {"UNSELECT", &Session::cmd_close, kSel, false, false},
      {"EXPUNGE", &Session::cmd_expunge, kSel, true, false},
      {"SEARCH", &Session::cmd_search, kSel, true, true},
      {"SORT", &Session::cmd_sort, kSel, true, true},
      {"THREAD", &Session::cmd_thread, kSel, true, true},
      {"FETCH", &Session::cmd_fetch, kSel, true, true},
      {"STORE", &Session::cmd_store, kSel, true, true},
      {"COPY", &Session::cmd_copy, kSel, true, false},
      {"MOVE", &Session::cmd_copy, kSel, true, false},
  };
  for (const auto& s : kTable)
    if (name == s.name) return &s;
  return nullptr;
}

Session::Session(std::shared_ptr<net::Stream> stream, std::shared_ptr<net::SessionHandle> handle, Mode mode,
                 std::shared_ptr<Services> services)
    : stream_(std::move(stream)),
      handle_(std::move(handle)),
      mode_(mode),
      services_(std::move(services)),
      settings_(services_->settings.get()),
      tokenizer_(tokenizer_limits(*settings_)),
      login_{services_->store, services_->runtime.workers(), services_->throttle, services_->secret},
      id_(auth::random_token(10)) {}

Session::~Session() {
  if (watcher_) services_->notifier.remove(watcher_.get());
  if (counted_user_) services_->users.release(account_->id);
}

asio::awaitable<void> run_session(std::shared_ptr<net::Stream> stream, std::shared_ptr<net::SessionHandle> handle,
                                  Mode mode, std::shared_ptr<Services> services) {
  Session s(std::move(stream), std::move(handle), mode, std::move(services));
  co_await s.run();
}

asio::awaitable<void> Session::run() {
  spdlog::info("imap[{}] connect rip={} listener={}", id_, stream_->remote_ip(), mode_ == Mode::tls ? "imaps" : "imap");
  stream_->set_timeout(settings_->login_timeout);
  if (mode_ == Mode::tls) {
    auto ctx = services_->tls->context(net::TlsProtocol::imap);
    bool ok = co_await session::start_tls(stream_.get(), std::move(ctx), "imap", id_);
    if (!ok) co_return;
  }
  // RFC 9051 §7.1.1: a CAPABILITY response code in the greeting saves a round trip.
  send("* OK [CAPABILITY " + capabilities() + "] Postamt IMAP ready\r\n");
  while (!closing_) {
    if (services_->registry.draining()) {
      send("* BYE [UNAVAILABLE] Server shutting down\r\n");
      break;
    }
    auto ev = tokenizer_.next();
    if (std::holds_alternative<codec::NeedMore>(ev)) {
      if (!co_await flush()) break;
      handle_->set_idle(true);
      if (services_->registry.draining()) continue;
      bool more = co_await fill();
      handle_->set_idle(false);
      if (!more) break;
      continue;
    }
    if (auto* line = std::get_if<codec::Line>(&ev)) {
      co_await dispatch(std::move(line->text));
    } else if (auto* lit = std::get_if<codec::NeedLiteral>(&ev)) {
      // RFC 9051 §7.5: the client waits for this before sending a synchronizing literal.
      if (!lit->non_sync) {
        send("+ Ready for literal data\r\n");
        if (!co_await flush()) break;
      }
    } else if (auto* tl = std::get_if<codec::TooLong>(&ev)) {
      std::string tag = tl->tag.empty() ? "*" : tl->tag;
      switch (tl->what) {
        case codec::Overflow::line:
          send(tag + " BAD Command line too long\r\n");
          break;
        case codec::Overflow::literal:
          // RFC 9051 §7.1 TOOBIG / RFC 7888 §4: refused before reading it.
          send(tag + " NO [TOOBIG] Literal too large (maximum " +
               std::to_string(state_ == State::not_authenticated ? kPreAuthLiteral : settings_->max_message_size) +
               " octets)\r\n");
          break;
        case codec::Overflow::literal_count:
          send(tag + " BAD Too many literals in one command\r\n");
          break;
      }
      client_error();
    }
  }
  co_await flush();
  spdlog::info("imap[{}] disconnect rip={}", id_, stream_->remote_ip());
}

asio::awaitable<bool> Session::fill() {
  // Issue 3 §5: an idle session holds only small buffers, and an idle session spends its
  // life in this read. So it waits with a small buffer; once reads fill it (a client
  // sending an APPEND, or pipelining), a large heap buffer moves the bulk and is freed
  // as soon as the client slows down again.
  constexpr size_t kSmall = 512, kLarge = 64 * 1024;
  if (!bulk_read_) {
    char buf[kSmall];
    size_t n = co_await stream_->read_some(buf, sizeof buf);
    if (n == 0) co_return false;
    bulk_read_ = n == sizeof buf;
    tokenizer_.feed(std::string_view(buf, n));
    co_return true;
  }
  std::unique_ptr<char[]> buf(new char[kLarge]);
  size_t n = co_await stream_->read_some(buf.get(), kLarge);
  if (n == 0) co_return false;
  bulk_read_ = n >= kLarge / 4;
  tokenizer_.feed(std::string_view(buf.get(), n));
  co_return true;
}

asio::awaitable<bool> Session::flush() { co_return co_await out_.flush(*stream_); }

void Session::untagged(std::string_view s) {
  std::string line = "* ";
  line += s;
  line += "\r\n";
  send(line);
}

void Session::ok(std::string text, std::string code) {
  completion_ = "OK " + (code.empty() ? "" : "[" + code + "] ") + text;
}
void Session::no(std::string text, std::string code) {
  completion_ = "NO " + (code.empty() ? "" : "[" + code + "] ") + text;
}
void Session::bad(std::string text, std::string code) {
  completion_ = "BAD " + (code.empty() ? "" : "[" + code + "] ") + text;
  client_error();
}

// DESIGN §8: the one place store/codec errors become IMAP answers (RFC 5530 codes).
void Session::fail(const Error& e) {
  switch (e.code) {
    case ErrorCode::temp: no("Temporary failure, try again", "UNAVAILABLE"); break;
    case ErrorCode::not_found: no(e.message.empty() ? "No such mailbox" : e.message, "NONEXISTENT"); break;
    case ErrorCode::exists: no(e.message.empty() ? "Already exists" : e.message, "ALREADYEXISTS"); break;
    case ErrorCode::no_quota: no("Quota exceeded", "OVERQUOTA"); break;
    case ErrorCode::too_big: no(e.message.empty() ? "Too big" : e.message, "TOOBIG"); break;
    case ErrorCode::in_use: no("Mailbox in use", "INUSE"); break;
    case ErrorCode::permission: no(e.message.empty() ? "Not permitted" : e.message, "NOPERM"); break;
    case ErrorCode::params: bad(e.message.empty() ? "Invalid arguments" : e.message); break;
    case ErrorCode::internal:
      spdlog::error("imap[{}] {}", id_, e.describe());
      no("Internal error", "SERVERBUG");
      break;
  }
}

void Session::client_error() {
  if (++errors_ >= settings_->max_errors) {
    send("* BYE Too many errors, closing connection\r\n");
    closing_ = true;
  }
}

bool Session::password_auth_allowed() const {
  // DESIGN §7 / RFC 9051 §6.2.3: no plaintext passwords before TLS unless allowed on loopback.
  return stream_->is_tls() || (settings_->allow_plaintext_auth_loopback && stream_->remote_is_loopback());
}

bool Session::tls_available() const { return services_->tls && !stream_->is_tls() && !compressed_; }

SyncOptions Session::sync_options(bool allow_expunge) const {
  SyncOptions o;
  o.allow_expunge = allow_expunge;
  o.qresync = qresync_;
  o.condstore = condstore_;
  o.send_uid = qresync_;
  o.recent = rev2_ ? nullptr : &recent_;
  return o;
}

uint32_t Session::recent_count() const {
  uint32_t n = 0;
  for (uint32_t u : recent_) n += view_.seq_of(u) != 0 && !view_.pending_expunge(u);
  return n;
}

void Session::claim_recent(uint32_t after) {
  uint32_t top = view_.max_uid();
  if (top <= after) return;
  // EXAMINE never claims (RFC 3501 §6.3.2); it shows what nobody has claimed yet.
  uint32_t prev = read_only_ ? services_->notifier.recent_boundary(view_.mailbox_id())
                             : services_->notifier.claim_recent(view_.mailbox_id(), top);
  uint32_t from = std::max(prev, after);
  for (uint32_t s = view_.seq_of(top); s >= 1; --s) {
    uint32_t u = view_.at(s)->uid;
    if (u <= from) break;
    recent_.insert(u);
  }
}

asio::awaitable<void> Session::sync(bool allow_expunge) {
  if (state_ != State::selected) co_return;
  SyncOptions opt = sync_options(allow_expunge);
  if (watcher_ && watcher_->take_changed()) {
    store::Store* st = &services_->store;
    int64_t mailbox_id = view_.mailbox_id();
    uint64_t since = view_.known_modseq();
    int64_t account_id = account_->id;
    struct Delta {
      Result<store::Mailbox> mailbox = Error::make(ErrorCode::internal, "");
      Result<std::vector<store::Message>> changed = Error::make(ErrorCode::internal, "");
      Result<std::vector<uint32_t>> vanished = Error::make(ErrorCode::internal, "");
    };
    auto load = [st, mailbox_id, since, account_id]() {
      Delta d;
      // HIGHESTMODSEQ first: whatever commits after it is seen by the next sync.
      d.mailbox = mailbox_by_id(*st, account_id, mailbox_id);
      if (!d.mailbox) return d;
      d.changed = st->list_changed(mailbox_id, since);
      d.vanished = st->list_vanished(mailbox_id, since);
      return d;
    };
    Delta d = co_await offload(std::move(load));
    if (!d.mailbox && d.mailbox.error().code == ErrorCode::not_found) {
      // Deleted by another session: sequence numbers mean nothing any more (as Dovecot does).
      send("* BYE Selected mailbox was deleted\r\n");
      spdlog::info("imap[{}] selected mailbox deleted elsewhere", id_);
      leave_selected();
      closing_ = true;
      co_return;
    }
    if (d.mailbox && d.changed && d.vanished) {
      uint32_t old_max = view_.max_uid();
      send(view_.apply(*d.changed, *d.vanished, d.mailbox->highest_modseq, d.mailbox->uidnext, opt));
      claim_recent(old_max);
      // RFC 3501 §7.3.2: IMAP4rev1 clients hear the new RECENT count with EXISTS. After
      // expunges the client computes the smaller count itself (as with Dovecot).
      uint32_t n = recent_count();
      if (!rev2_ && n > announced_recent_) send("* " + std::to_string(n) + " RECENT\r\n");
      announced_recent_ = n;
    } else
      watcher_->notify();  // try again at the next point
  } else if (allow_expunge) {
    send(view_.flush_expunges(opt));
  }
}

asio::awaitable<void> Session::dispatch(std::string line) {
  auto parsed = codec::parse_command(line);
  if (auto* e = std::get_if<codec::CommandError>(&parsed)) {
    send((e->tag.empty() ? std::string("*") : e->tag) + " BAD " + e->message + "\r\n");
    client_error();
    co_return;
  }
  auto& cmd = std::get<codec::Command>(parsed);
  Request req{std::move(cmd.tag), std::move(cmd.name), std::move(cmd.args), false};
  if (req.name == "UID") {
    if (req.args.empty() || req.args[0].kind != codec::TokenKind::atom) {
      send(req.tag + " BAD UID needs a command\r\n");
      client_error();
      co_return;
    }
    req.uid = true;
    req.name = ascii_uppercase(req.args[0].text);
    req.args.erase(req.args.begin());
  }
  const CommandSpec* spec = find_spec(req.name);
  if (!spec || (req.uid && !spec->uid_form)) {
    send(req.tag + " BAD Unknown command\r\n");
    client_error();
    co_return;
  }
  if (!(spec->states & static_cast<uint8_t>(state_))) {
    const char* why = state_ == State::not_authenticated ? "Not logged in"
                      : state_ == State::authenticated   ? "No mailbox selected"
                                                         : "Not valid in this state";
    send(req.tag + " BAD " + why + "\r\n");
    client_error();
    co_return;
  }
  completion_.clear();
  // Other sessions' flag changes and new messages first, so FETCH (CHANGEDSINCE), SEARCH
  // MODSEQ and friends work on current data; expunges wait (RFC 9051 §7.5.1: they would
  // renumber the messages this very command names).
  if (spec->keeps_expunge) co_await sync(false);
  co_await (this->*spec->handler)(req);
  if (completion_.empty()) co_return;  // the handler answered itself (LOGOUT, IDLE, STARTTLS)
  // RFC 9051 §7.5.1: EXPUNGE never while answering FETCH, STORE or SEARCH by sequence number.
  bool allow_expunge = req.uid || !spec->keeps_expunge;
  co_await sync(allow_expunge);
  // Only success ends a run of errors: a NO that counted as one (a failed login) must not
  // reset the count, or a client could guess passwords forever on one connection.
  if (completion_.rfind("OK", 0) == 0) errors_ = 0;
  send(req.tag + " " + completion_ + "\r\n");
  completion_.clear();
}

Result<std::string> Session::mailbox_arg(const codec::Token& t) {
  // RFC 9051 §5.1.3 / RFC 6855 §3: modified UTF-7 unless UTF-8 is enabled; INBOX normalized.
  return codec::decode_mailbox_name(t, utf8());
}

std::string Session::mailbox_out(const std::string& name) const {
  std::string out;
  codec::format_mailbox_name(out, name, utf8());
  return out;
}

bool Session::seqs_in_range(const codec::SequenceSet& set, bool uid) const {
  if (uid || set.is_saved_result()) return true;
  for (const auto& r : set.ranges())
    if (r.first > view_.exists() || r.last > view_.exists()) return false;  // 0 is "*": fine
  return true;
}

std::vector<uint32_t> Session::resolve_set(const codec::SequenceSet& set, bool uid) const {
  if (!set.is_saved_result()) return view_.seqs_of(set, uid);
  // RFC 5182 §2.1: "$" is the UIDs the last SEARCH ... RETURN (SAVE) found.
  std::vector<uint32_t> seqs;
  for (uint32_t u : saved_uids_)
    if (uint32_t s = view_.seq_of(u)) seqs.push_back(s);
  return seqs;
}

asio::awaitable<void> Session::enter_authenticated(store::Account account) {
  if (!services_->users.acquire(account.id, settings_->sessions_per_user)) {
    spdlog::info("imap[{}] too many sessions user={} rip={}", id_, account.address, stream_->remote_ip());
    no("Too many sessions for this user", "LIMIT");
    co_return;
  }
  counted_user_ = true;
  account_ = std::move(account);
  state_ = State::authenticated;
  stream_->set_timeout(settings_->idle_timeout);
  auto executor = co_await asio::this_coro::executor;
  watcher_ = std::make_shared<Watcher>(executor, account_->id);
  // Message-sized literals (APPEND) only for authenticated users.
  tokenizer_.set_max_literal(settings_->max_message_size);
  services_->notifier.add(watcher_);
  spdlog::info("imap[{}] login user={} rip={}", id_, account_->address, stream_->remote_ip());
  ok("Logged in", "CAPABILITY " + capabilities());
}

void Session::leave_selected() {
  view_.clear();
  if (watcher_) watcher_->watch_mailbox(0);
  mailbox_name_.clear();
  saved_uids_.clear();
  recent_.clear();
  announced_recent_ = 0;
  read_only_ = false;
  state_ = State::authenticated;
}

}  // namespace postamt::imap
