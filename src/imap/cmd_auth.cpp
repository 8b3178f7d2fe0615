// Not-authenticated state: STARTTLS, LOGIN, AUTHENTICATE (SASL-IR), and the way
// back, UNAUTHENTICATE. Handles untrusted input: user names, passwords, SASL data.
// RFCs: 9051 §6.2 (STARTTLS, AUTHENTICATE, LOGIN), 4959 (SASL-IR), 8437
// (UNAUTHENTICATE), 5530 (AUTHENTICATIONFAILED, PRIVACYREQUIRED), 4422, 4616, 7677.
#include <spdlog/spdlog.h>

#include "base/base64.h"
#include "base/strings.h"
#include "imap/session.h"
#include "session/tls_start.h"

namespace postamt::imap {

using Status = session::LoginResult::Status;

asio::awaitable<void> Session::cmd_starttls(Request& r) {
  if (!r.args.empty()) co_return bad("STARTTLS takes no arguments");
  if (!tls_available()) co_return bad(stream_->is_tls() ? "Already in TLS" : "TLS not available");
  send(r.tag + " OK Begin TLS negotiation now\r\n");
  if (!co_await flush()) {
    closing_ = true;
    co_return;
  }
  // RFC 9051 §6.2.1 / DESIGN §7: nothing pipelined before the handshake survives it.
  tokenizer_.discard_buffered();
  auto ctx = services_->tls->context(net::TlsProtocol::imap);
  bool ok = co_await session::start_tls(stream_.get(), std::move(ctx), "imap", id_);
  if (!ok) {
    closing_ = true;
    co_return;
  }
}

asio::awaitable<void> Session::cmd_login(Request& r) {
  if (r.args.size() != 2 || !r.args[0].is_astring() || !r.args[1].is_astring())
    co_return bad("LOGIN needs a user name and a password");
  if (!password_auth_allowed()) co_return no("Plaintext authentication disallowed without TLS", "PRIVACYREQUIRED");
  std::string user = r.args[0].text, password = r.args[1].text, rip = stream_->remote_ip();
  session::LoginResult res = co_await session::password_login(login_, "imap", user, password, rip);
  if (res.status != Status::ok) {
    // The same answer for unknown users and wrong passwords (DESIGN §7).
    no("Authentication failed", "AUTHENTICATIONFAILED");
    client_error();
    co_return;
  }
  co_await enter_authenticated(std::move(res.account));
}

asio::awaitable<void> Session::cmd_authenticate(Request& r) {
  if (r.args.empty() || r.args.size() > 2 || r.args[0].kind != codec::TokenKind::atom ||
      (r.args.size() == 2 && r.args[1].kind != codec::TokenKind::atom))
    co_return bad("AUTHENTICATE needs a mechanism");
  std::string mech = ascii_uppercase(r.args[0].text);
  // SCRAM never shows the password; PLAIN only inside TLS (DESIGN §7).
  if (mech != "SCRAM-SHA-256" && !password_auth_allowed())
    co_return no("Plaintext authentication disallowed without TLS", "PRIVACYREQUIRED");
  session::SaslIo io;
  io.send_challenge = [this](std::string raw) -> asio::awaitable<bool> {
    send("+ " + base64_encode(raw) + "\r\n");  // RFC 9051 §6.2.2
    co_return co_await flush();
  };
  io.read_line = [this]() -> asio::awaitable<std::optional<std::string>> {
    for (;;) {
      auto ev = tokenizer_.next();
      if (auto* line = std::get_if<codec::Line>(&ev)) co_return std::move(line->text);
      if (!std::holds_alternative<codec::NeedMore>(ev)) co_return std::nullopt;
      if (!co_await fill()) co_return std::nullopt;
    }
  };
  std::optional<std::string> initial;
  if (r.args.size() == 2) initial = r.args[1].text;  // RFC 4959 SASL-IR ("=" = empty)
  std::string rip = stream_->remote_ip();
  session::LoginResult res = co_await session::sasl_login(login_, "imap", mech, initial, io, rip);
  if (res.status == Status::ok && !res.final_data.empty()) {
    // RFC 9051 §6.2.2: server-final data goes in a continuation; the client answers empty.
    bool sent = co_await io.send_challenge(res.final_data);
    std::optional<std::string> ack;
    if (sent) ack = co_await io.read_line();
    if (!ack || *ack == "*") res.status = Status::cancelled;
  }
  switch (res.status) {
    case Status::ok:
      co_await enter_authenticated(std::move(res.account));
      break;
    case Status::failed:
      no("Authentication failed", "AUTHENTICATIONFAILED");
      client_error();
      break;
    case Status::cancelled:
      bad("Authentication cancelled");  // RFC 9051 §6.2.2: "*" ends with BAD
      break;
    case Status::malformed:
      bad("Invalid base64 data");
      break;
    case Status::unknown_mechanism:
      no("Unsupported authentication mechanism");
      client_error();
      break;
    case Status::io_error:
      closing_ = true;
      break;
  }
}

// RFC 8437 §3: back to not-authenticated, as if freshly connected (TLS stays).
asio::awaitable<void> Session::cmd_unauthenticate(Request& r) {
  if (!r.args.empty()) co_return bad("UNAUTHENTICATE takes no arguments");
  if (state_ == State::selected) leave_selected();
  if (watcher_) services_->notifier.remove(watcher_.get());
  watcher_.reset();
  if (counted_user_) services_->users.release(account_->id);
  counted_user_ = false;
  account_.reset();
  rev2_ = utf8_enabled_ = condstore_ = qresync_ = false;
  state_ = State::not_authenticated;
  stream_->set_timeout(settings_->login_timeout);
  tokenizer_.set_max_literal(16 * 1024);  // as before login (session.cpp kPreAuthLiteral)
  ok("UNAUTHENTICATE completed");
}

}  // namespace postamt::imap
