// SMTP AUTH on the submission listeners: PLAIN, LOGIN, SCRAM-SHA-256, only
// after TLS (DESIGN §7).
// Handles untrusted input: SASL messages.
// RFCs: 4954, 4422, 4616, 5802, 7677.
#include <spdlog/spdlog.h>

#include "base/base64.h"
#include "smtp/session.h"

namespace postamt::smtp {

using Status = session::LoginResult::Status;

asio::awaitable<void> Session::cmd_auth(const codec::Command& c) {
  if (mode_ == Mode::mx) {
    reply(502, "5.5.1", "AUTH not available on this port");
    co_return;
  }
  if (!auth_allowed()) {
    reply(538, "5.7.11", "Encryption required for requested authentication mechanism");  // RFC 4954 §6
    co_return;
  }
  if (user_) {
    reply(503, "5.5.1", "Already authenticated");
    co_return;
  }
  if (state_ >= State::mail) {
    reply(503, "5.5.1", "AUTH not permitted during a mail transaction");
    co_return;
  }
  session::SaslIo io;
  io.send_challenge = [this](std::string raw) -> asio::awaitable<bool> {
    reply(334, "", base64_encode(raw));
    co_return co_await flush();
  };
  io.read_line = [this]() -> asio::awaitable<std::optional<std::string>> {
    for (;;) {
      auto ev = decoder_.next();
      if (auto* line = std::get_if<codec::Line>(&ev)) co_return std::move(line->text);
      if (std::holds_alternative<codec::LineTooLong>(ev)) co_return std::nullopt;
      if (!co_await fill()) co_return std::nullopt;
    }
  };
  std::string mech = c.auth_mechanism;
  std::optional<std::string> initial = c.auth_initial;
  std::string rip = stream_->remote_ip();
  session::LoginResult r = co_await session::sasl_login(login_, "smtp", mech, initial, io, rip);
  switch (r.status) {
    case Status::ok: {
      if (!r.final_data.empty()) {
        // RFC 4954 §4: additional data with success goes in a 334; the client answers empty.
        bool sent = co_await io.send_challenge(r.final_data);
        std::optional<std::string> ack;
        if (sent) ack = co_await io.read_line();
        if (!ack || *ack == "*") {
          reply(501, "5.7.0", "Authentication cancelled");
          co_return;
        }
      }
      user_ = r.account;
      reply(235, "2.7.0", "Authentication successful");
      break;
    }
    case Status::failed:
      reply(535, "5.7.8", "Authentication credentials invalid");
      client_error();
      break;
    case Status::cancelled:
      reply(501, "5.7.0", "Authentication cancelled");
      break;
    case Status::malformed:
      reply(501, "5.5.2", "Cannot decode response");
      client_error();
      break;
    case Status::unknown_mechanism:
      reply(504, "5.5.4", "Unrecognized authentication type");
      client_error();
      break;
    case Status::io_error:
      closing_ = true;
      break;
  }
}

}  // namespace postamt::smtp
