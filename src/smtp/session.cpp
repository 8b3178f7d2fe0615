// SMTP session: connection loop, command table, pipelining, the simple commands
// (HELO/EHLO, RSET, NOOP, QUIT, VRFY, EXPN, HELP) and STARTTLS.
// Handles untrusted input: every byte the client sends.
// RFCs: 5321 (§4.1, §4.2, §4.5.3), 2920 (PIPELINING), 3207 (STARTTLS), 2034, 8314.
#include "smtp/session.h"

#include <spdlog/spdlog.h>

#include "auth/random.h"
#include "session/tls_start.h"

namespace postamt::smtp {

namespace {
using V = codec::Verb;
}  // namespace

const Session::CommandSpec* Session::find_spec(codec::Verb verb) {
  // RFC 2920 §3.1: EHLO, DATA, VRFY, EXPN, TURN, QUIT and NOOP end a group; so do
  // STARTTLS and AUTH here because the next bytes depend on their answer.
  static const CommandSpec kTable[] = {
      {V::helo, &Session::cmd_helo, false, true},     {V::ehlo, &Session::cmd_ehlo, false, true},
      {V::mail, &Session::cmd_mail, true, false},     {V::rcpt, &Session::cmd_rcpt, true, false},
      {V::data, &Session::cmd_data, true, true},      {V::bdat, &Session::cmd_bdat, false, false},
      {V::rset, &Session::cmd_rset, false, false},    {V::noop, &Session::cmd_noop, false, true},
      {V::quit, &Session::cmd_quit, false, true},     {V::vrfy, &Session::cmd_vrfy, false, true},
      {V::expn, &Session::cmd_expn, false, true},     {V::help, &Session::cmd_help, false, true},
      {V::starttls, &Session::cmd_starttls, false, true}, {V::auth, &Session::cmd_auth, true, true},
  };
  for (const auto& s : kTable)
    if (s.verb == verb) return &s;
  return nullptr;
}

static codec::Limits limits_of(const Settings& s) {
  codec::Limits l;
  l.max_command_line = s.max_command_line;
  l.max_message_size = s.max_message_size;
  l.content_chunk = 64 * 1024;  // spooled to storage as it arrives
  return l;
}

Session::Session(std::shared_ptr<net::Stream> stream, std::shared_ptr<net::SessionHandle> handle, Mode mode,
                 std::shared_ptr<Services> services)
    : stream_(std::move(stream)),
      handle_(std::move(handle)),
      mode_(mode),
      services_(std::move(services)),
      settings_(services_->settings.get()),
      decoder_(limits_of(*settings_),
               settings_->normalize_bare_line_endings ? codec::BareLineEndings::normalize : codec::BareLineEndings::reject),
      login_{services_->store, services_->runtime.workers(), services_->throttle, services_->secret},
      id_(auth::random_token(10)) {}

asio::awaitable<void> run_session(std::shared_ptr<net::Stream> stream, std::shared_ptr<net::SessionHandle> handle,
                                  Mode mode, std::shared_ptr<Services> services) {
  Session s(std::move(stream), std::move(handle), mode, std::move(services));
  co_await s.run();
}

asio::awaitable<void> Session::run() {
  const char* listener = mode_ == Mode::mx ? "smtp" : mode_ == Mode::submission ? "submission" : "submissions";
  spdlog::info("smtp[{}] connect rip={} listener={}", id_, stream_->remote_ip(), listener);
  stream_->set_timeout(settings_->command_timeout);
  if (mode_ == Mode::submissions) {
    auto ctx = services_->tls->context(net::TlsProtocol::smtp);
    bool ok = co_await session::start_tls(stream_.get(), std::move(ctx), "smtp", id_);
    if (!ok) co_return;
  }
  reply(220, "", settings_->hostname + " ESMTP Postamt");
  while (!closing_) {
    if (services_->registry.draining() && state_ <= State::ready) {
      reply(421, "4.3.2", "Service shutting down, try again later");
      break;
    }
    auto ev = decoder_.next();
    if (std::holds_alternative<codec::NeedMore>(ev)) {
      if (!co_await flush()) break;
      handle_->set_idle(state_ <= State::ready);
      // Drain may have started while we were busy; an idle session leaves now.
      if (services_->registry.draining() && state_ <= State::ready) continue;
      bool more = co_await fill();
      handle_->set_idle(false);
      if (!more) break;
      continue;
    }
    if (auto* line = std::get_if<codec::Line>(&ev)) {
      co_await dispatch(line->text);
    } else if (std::holds_alternative<codec::LineTooLong>(ev)) {
      reply(500, "5.5.2", "Line too long");
      client_error();
    }
  }
  co_await flush();
  spdlog::info("smtp[{}] disconnect rip={}", id_, stream_->remote_ip());
}

// The decoder holds at most one line or the DATA in progress.
asio::awaitable<bool> Session::fill() { co_return co_await session::read_into(*stream_, decoder_); }

void Session::reply(int code, std::string_view enhanced, std::string_view text) {
  out_.add(codec::format_reply(code, enhanced, text));
}

asio::awaitable<bool> Session::flush() { co_return co_await out_.flush(*stream_); }

// The one mapping from the error taxonomy (DESIGN §8) to SMTP replies
// (RFC 5321 §4.2.2, RFC 3463 enhanced codes). Messages stay generic; the log has details.
void Session::reply_error(const Error& e) {
  switch (e.code) {
    case ErrorCode::no_quota: return reply(552, "5.2.2", "Mailbox full");
    case ErrorCode::too_big: return reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
    case ErrorCode::permission: return reply(550, "5.7.1", "Not allowed");
    case ErrorCode::not_found: return reply(550, "5.1.1", "User unknown");
    // Client syntax never reaches here (the codec answers it): params is ours.
    case ErrorCode::params:
    case ErrorCode::temp:
    case ErrorCode::exists:
    case ErrorCode::in_use:
    case ErrorCode::internal: break;
  }
  reply(451, "4.3.0", "Local error in processing, try again later");
}

void Session::client_error() {
  // RFC 5321 §4.5.3: a server may close after too many errors; 421 says why.
  if (++errors_ >= settings_->max_errors) {
    reply(421, "4.7.0", "Too many errors, closing connection");
    spdlog::info("smtp[{}] too many errors rip={}", id_, stream_->remote_ip());
    closing_ = true;
  }
}

asio::awaitable<void> Session::dispatch(const std::string& line) {
  auto parsed = codec::parse_command(line);
  if (auto* err = std::get_if<codec::SyntaxError>(&parsed)) {
    reply(err->code, err->enhanced, err->text);
    client_error();
    co_return;
  }
  const auto& cmd = std::get<codec::Command>(parsed);
  const CommandSpec* spec = find_spec(cmd.verb);
  if (!spec) {
    reply(500, "5.5.2", "Command not recognized");
    client_error();
    co_return;
  }
  if (spec->needs_helo && state_ == State::greeted) {
    reply(503, "5.5.1", "Send EHLO first");
    client_error();
    co_return;
  }
  co_await (this->*spec->handler)(cmd);
  if (spec->ends_group) co_await flush();
}

void Session::reset_transaction() {
  mail_from_.clear();
  smtputf8_ = false;
  body_8bit_ = false;
  local_.clear();
  remote_.clear();
  spool_discard();
  bdat_started_ = false;
  bdat_too_big_ = false;
  bdat_bare_ = false;
  bdat_bytes_ = 0;
  if (state_ > State::ready) state_ = State::ready;
}

bool Session::tls_available() const { return services_->tls && mode_ != Mode::submissions && !stream_->is_tls(); }

bool Session::auth_allowed() const {
  if (mode_ == Mode::mx) return false;
  // DESIGN §7: no password mechanism before TLS unless allowed for loopback.
  return stream_->is_tls() || (settings_->allow_plaintext_auth_loopback && stream_->remote_is_loopback());
}

asio::awaitable<void> Session::cmd_helo(const codec::Command& c) {
  if (c.domain.empty()) {
    reply(501, "5.5.4", "Syntax: HELO hostname");
    client_error();
    co_return;
  }
  reset_transaction();
  helo_ = c.domain;
  esmtp_ = false;
  state_ = State::ready;
  reply(250, "", settings_->hostname);
}

asio::awaitable<void> Session::cmd_ehlo(const codec::Command& c) {
  if (c.domain.empty()) {
    reply(501, "5.5.4", "Syntax: EHLO hostname");
    client_error();
    co_return;
  }
  reset_transaction();
  helo_ = c.domain;
  esmtp_ = true;
  state_ = State::ready;
  std::string text = settings_->hostname + " Hello " + c.domain;
  text += "\nPIPELINING";
  text += "\nSIZE " + std::to_string(settings_->max_message_size);  // RFC 1870
  text += "\n8BITMIME";                                               // RFC 6152
  text += "\nSMTPUTF8";                                               // RFC 6531
  text += "\nCHUNKING";                                               // RFC 3030
  text += "\nENHANCEDSTATUSCODES";                                    // RFC 2034
  if (tls_available()) text += "\nSTARTTLS";                          // RFC 3207
  if (auth_allowed() && !user_) text += "\nAUTH PLAIN LOGIN SCRAM-SHA-256";  // RFC 4954
  reply(250, "", text);
}

asio::awaitable<void> Session::cmd_rset(const codec::Command&) {
  reset_transaction();
  reply(250, "2.0.0", "OK");
  co_return;
}

asio::awaitable<void> Session::cmd_noop(const codec::Command&) {
  reply(250, "2.0.0", "OK");
  co_return;
}

asio::awaitable<void> Session::cmd_quit(const codec::Command&) {
  reply(221, "2.0.0", "Bye");
  closing_ = true;
  co_return;
}

asio::awaitable<void> Session::cmd_vrfy(const codec::Command&) {
  // RFC 5321 §3.5.3: 252 neither confirms nor denies; users are not revealed.
  reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
  co_return;
}

asio::awaitable<void> Session::cmd_expn(const codec::Command&) {
  reply(502, "5.5.1", "EXPN not available");
  co_return;
}

asio::awaitable<void> Session::cmd_help(const codec::Command&) {
  reply(214, "2.0.0", "See RFC 5321");
  co_return;
}

asio::awaitable<void> Session::cmd_starttls(const codec::Command& c) {
  if (!c.argument.empty()) {
    reply(501, "5.5.4", "Syntax: STARTTLS");
    client_error();
    co_return;
  }
  if (!tls_available()) {
    reply(stream_->is_tls() ? 503 : 454, stream_->is_tls() ? "5.5.1" : "4.7.0",
          stream_->is_tls() ? "TLS already active" : "TLS not available");
    co_return;
  }
  reply(220, "2.0.0", "Ready to start TLS");
  if (!co_await flush()) {
    closing_ = true;
    co_return;
  }
  // DESIGN §7 / RFC 3207 §4.2: anything the client sent before the handshake
  // (e.g. commands injected in the same packet as STARTTLS) is discarded.
  decoder_.discard_buffered();
  auto ctx = services_->tls->context(net::TlsProtocol::smtp);
  bool ok = co_await session::start_tls(stream_.get(), std::move(ctx), "smtp", id_);
  if (!ok) {
    closing_ = true;
    co_return;
  }
  // RFC 3207 §4.2: the session restarts; the client must send EHLO again.
  reset_transaction();
  state_ = State::greeted;
  esmtp_ = false;
  helo_.clear();
}

}  // namespace postamt::smtp
