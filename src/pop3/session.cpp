// POP3 session: connection loop, command table, CAPA, STLS and logins.
// Handles untrusted input: every byte the client sends.
// RFCs: 1939 §3–§7, 2449 (CAPA, PIPELINING), 2595 (STLS), 5034 (AUTH), 3206.
#include "pop3/session.h"

#include <spdlog/spdlog.h>

#include "auth/random.h"
#include "base/base64.h"
#include "net/runtime.h"
#include "session/tls_start.h"

namespace postamt::pop3 {

namespace {
using V = codec::Verb;
using Status = session::LoginResult::Status;
constexpr size_t kCommandLine = 512;   // RFC 2449 §4 allows 255; we are liberal
constexpr size_t kSaslLine = 8192;     // AUTH continuation lines are longer
}  // namespace

const Session::CommandSpec* Session::find_spec(codec::Verb verb) {
  static const CommandSpec kTable[] = {
      {V::capa, &Session::cmd_capa, true, true},   {V::stls, &Session::cmd_stls, true, false},
      {V::user, &Session::cmd_user, true, false},  {V::pass, &Session::cmd_pass, true, false},
      {V::auth, &Session::cmd_auth, true, false},  {V::stat, &Session::cmd_stat, false, true},
      {V::list, &Session::cmd_list, false, true},  {V::uidl, &Session::cmd_uidl, false, true},
      {V::retr, &Session::cmd_retr, false, true},  {V::top, &Session::cmd_top, false, true},
      {V::dele, &Session::cmd_dele, false, true},  {V::rset, &Session::cmd_rset, false, true},
      {V::noop, &Session::cmd_noop, false, true},  {V::quit, &Session::cmd_quit, true, true},
  };
  for (const auto& s : kTable)
    if (s.verb == verb) return &s;
  return nullptr;
}

Session::Session(std::shared_ptr<net::Stream> stream, std::shared_ptr<net::SessionHandle> handle, Mode mode,
                 std::shared_ptr<Services> services)
    : stream_(std::move(stream)),
      handle_(std::move(handle)),
      mode_(mode),
      services_(std::move(services)),
      settings_(services_->settings.get()),
      decoder_(kCommandLine),
      login_{services_->store, services_->runtime.workers(), services_->throttle, services_->secret},
      id_(auth::random_token(10)) {}

Session::~Session() {
  // A dropped connection deletes nothing (RFC 1939 §6); it only releases the lock.
  if (locked_) services_->locks.unlock(account_->id);
}

asio::awaitable<void> run_session(std::shared_ptr<net::Stream> stream, std::shared_ptr<net::SessionHandle> handle,
                                  Mode mode, std::shared_ptr<Services> services) {
  Session s(std::move(stream), std::move(handle), mode, std::move(services));
  co_await s.run();
}

asio::awaitable<void> Session::run() {
  spdlog::info("pop3[{}] connect rip={} listener={}", id_, stream_->remote_ip(), mode_ == Mode::tls ? "pop3s" : "pop3");
  stream_->set_timeout(settings_->idle_timeout);
  if (mode_ == Mode::tls) {
    auto ctx = services_->tls->context(net::TlsProtocol::pop3);
    bool ok = co_await session::start_tls(stream_.get(), std::move(ctx), "pop3", id_);
    if (!ok) co_return;
  }
  send(codec::ok("Postamt POP3 ready"));
  while (!closing_) {
    if (services_->registry.draining()) {
      // Nothing is deleted: RFC 1939 §6 UPDATE happens only on QUIT.
      send(codec::err("Server shutting down", "SYS/TEMP"));
      break;
    }
    auto ev = decoder_.next();
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
      co_await dispatch(line->text);
    } else {
      send(codec::err("Line too long"));
      client_error();
    }
  }
  co_await flush();
  spdlog::info("pop3[{}] disconnect rip={}", id_, stream_->remote_ip());
}

asio::awaitable<bool> Session::fill() { co_return co_await session::read_into(*stream_, decoder_); }

asio::awaitable<bool> Session::flush() { co_return co_await out_.flush(*stream_); }

void Session::client_error() {
  if (++errors_ >= settings_->max_errors) {
    send(codec::err("Too many errors, closing connection"));
    closing_ = true;
  }
}

bool Session::auth_allowed() const {
  // DESIGN §7: no password mechanism before TLS unless allowed for loopback.
  return stream_->is_tls() || (settings_->allow_plaintext_auth_loopback && stream_->remote_is_loopback());
}

bool Session::tls_available() const { return services_->tls && !stream_->is_tls(); }

asio::awaitable<void> Session::dispatch(const std::string& line) {
  auto parsed = codec::parse_command(line);
  if (auto* e = std::get_if<codec::SyntaxError>(&parsed)) {
    send(codec::err(e->text));
    client_error();
    co_return;
  }
  const auto& cmd = std::get<codec::Command>(parsed);
  const CommandSpec* spec = find_spec(cmd.verb);
  if (!spec) {
    send(codec::err("Unknown command"));
    client_error();
    co_return;
  }
  bool allowed = state_ == State::authorization ? spec->in_authorization : spec->in_transaction;
  if (!allowed) {
    send(codec::err(state_ == State::authorization ? "Not logged in" : "Command not valid in this state"));
    client_error();
    co_return;
  }
  co_await (this->*spec->handler)(cmd);
}

asio::awaitable<void> Session::cmd_capa(const codec::Command&) {
  // RFC 2449 §5.
  std::string s = codec::ok("Capability list follows");
  s += "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";
  if (state_ == State::authorization) {
    if (auth_allowed()) s += "USER\r\nSASL PLAIN LOGIN SCRAM-SHA-256\r\n";
    if (tls_available()) s += "STLS\r\n";
  }
  s += "IMPLEMENTATION Postamt\r\n.\r\n";
  send(std::move(s));
  co_return;
}

asio::awaitable<void> Session::cmd_stls(const codec::Command&) {
  if (!tls_available()) {
    send(codec::err(stream_->is_tls() ? "Already in TLS" : "TLS not available"));
    co_return;
  }
  send(codec::ok("Begin TLS negotiation"));
  if (!co_await flush()) {
    closing_ = true;
    co_return;
  }
  // RFC 2595 §4 / DESIGN §7: nothing sent before the handshake survives it.
  decoder_.discard_buffered();
  auto ctx = services_->tls->context(net::TlsProtocol::pop3);
  bool ok = co_await session::start_tls(stream_.get(), std::move(ctx), "pop3", id_);
  if (!ok) {
    closing_ = true;
    co_return;
  }
  user_.clear();
}

asio::awaitable<void> Session::cmd_user(const codec::Command& c) {
  if (!auth_allowed()) {
    send(codec::err("Plaintext authentication disallowed without TLS", "AUTH"));
    co_return;
  }
  user_ = c.args.empty() ? std::string() : c.args[0];
  send(codec::ok("Send PASS"));
  co_return;
}

asio::awaitable<void> Session::cmd_pass(const codec::Command& c) {
  if (!auth_allowed()) {
    send(codec::err("Plaintext authentication disallowed without TLS", "AUTH"));
    co_return;
  }
  if (user_.empty()) {
    send(codec::err("Send USER first"));
    client_error();
    co_return;
  }
  std::string user = user_, password = c.args.empty() ? std::string() : c.args[0];
  std::string rip = stream_->remote_ip();
  user_.clear();
  session::LoginResult r = co_await session::password_login(login_, "pop3", user, password, rip);
  if (r.status != Status::ok) {
    // RFC 3206 §4: [AUTH] — the same answer for unknown users and wrong passwords.
    send(codec::err("Authentication failed", "AUTH"));
    client_error();
    co_return;
  }
  co_await enter_transaction(std::move(r.account));
}

asio::awaitable<void> Session::cmd_auth(const codec::Command& c) {
  if (c.args.empty()) {
    // Common extension (e.g. Dovecot, Outlook probing): list the mechanisms.
    send(codec::ok("Mechanisms follow") + "PLAIN\r\nLOGIN\r\nSCRAM-SHA-256\r\n.\r\n");
    co_return;
  }
  if (!auth_allowed()) {
    send(codec::err("Authentication disallowed without TLS", "AUTH"));
    co_return;
  }
  session::SaslIo io;
  io.send_challenge = [this](std::string raw) -> asio::awaitable<bool> {
    send("+ " + base64_encode(raw) + "\r\n");  // RFC 5034 §4
    co_return co_await flush();
  };
  io.read_line = [this]() -> asio::awaitable<std::optional<std::string>> {
    decoder_.set_max_line(kSaslLine);
    std::optional<std::string> result;
    for (;;) {
      auto ev = decoder_.next();
      if (auto* line = std::get_if<codec::Line>(&ev)) {
        result = std::move(line->text);
        break;
      }
      if (std::holds_alternative<codec::LineTooLong>(ev)) break;
      if (!co_await fill()) break;
    }
    decoder_.set_max_line(kCommandLine);
    co_return result;
  };
  std::string mech = c.args[0];
  for (auto& ch : mech) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::optional<std::string> initial;
  if (c.args.size() > 1) initial = c.args[1];  // RFC 5034 §4 initial response
  std::string rip = stream_->remote_ip();
  session::LoginResult r = co_await session::sasl_login(login_, "pop3", mech, initial, io, rip);
  if (r.status == Status::ok && !r.final_data.empty()) {
    bool sent = co_await io.send_challenge(r.final_data);
    std::optional<std::string> ack;
    if (sent) ack = co_await io.read_line();
    if (!ack || *ack == "*") r.status = Status::cancelled;
  }
  switch (r.status) {
    case Status::ok:
      co_await enter_transaction(std::move(r.account));
      break;
    case Status::failed:
      send(codec::err("Authentication failed", "AUTH"));
      client_error();
      break;
    case Status::cancelled:
      send(codec::err("Authentication cancelled"));
      break;
    case Status::malformed:
      send(codec::err("Invalid base64 data"));
      client_error();
      break;
    case Status::unknown_mechanism:
      send(codec::err("Unsupported authentication mechanism"));
      client_error();
      break;
    case Status::io_error:
      closing_ = true;
      break;
  }
}

asio::awaitable<void> Session::enter_transaction(store::Account account) {
  // RFC 1939 §8 / RFC 3206 §3: a second session on the maildrop gets [IN-USE].
  if (!services_->locks.try_lock(account.id)) {
    spdlog::info("pop3[{}] maildrop in use user={} rip={}", id_, account.address, stream_->remote_ip());
    send(codec::err("Mailbox is locked by another POP3 session", "IN-USE"));
    co_return;
  }
  account_ = account;
  locked_ = true;
  store::Store* st = &services_->store;
  int64_t account_id = account.id;
  struct Loaded {
    Result<store::Mailbox> mailbox = Error::make(ErrorCode::internal, "");
    Result<std::vector<store::Message>> messages = Error::make(ErrorCode::internal, "");
  };
  auto load = [st, account_id]() {
    Loaded l;
    l.mailbox = st->get_mailbox(account_id, "INBOX");
    if (l.mailbox) l.messages = st->list_messages(l.mailbox->id);
    return l;
  };
  Loaded loaded = co_await net::offload(services_->runtime.workers(), std::move(load));
  if (!loaded.mailbox || !loaded.messages) {
    spdlog::error("pop3[{}] cannot open maildrop user={}", id_, account.address);
    services_->locks.unlock(account.id);
    locked_ = false;
    send(codec::err("Cannot open mailbox, try again later", "SYS/TEMP"));
    co_return;
  }
  mailbox_id_ = loaded.mailbox->id;
  uidvalidity_ = loaded.mailbox->uidvalidity;
  uint64_t total = 0;
  for (const auto& m : *loaded.messages) {
    entries_.push_back(Entry{m.uid, m.size, false});
    total += m.size;
  }
  state_ = State::transaction;
  spdlog::info("pop3[{}] login user={} messages={} rip={}", id_, account.address, entries_.size(), stream_->remote_ip());
  send(codec::ok("Logged in, " + std::to_string(entries_.size()) + " messages (" + std::to_string(total) + " octets)"));
}

}  // namespace postamt::pop3
