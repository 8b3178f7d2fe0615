// Login glue shared by every protocol session (SMTP AUTH, POP3 USER/PASS and
// AUTH, later IMAP LOGIN/AUTHENTICATE): password and SASL checks against the
// store, the same work and the same answer for unknown users and wrong passwords,
// and growing delays after failures (DESIGN §7).
// Handles untrusted input: user names, passwords, SASL messages.
// RFCs: 4422 (SASL), 4616 (PLAIN), 5802/7677 (SCRAM-SHA-256).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth/password.h"
#include "auth/login_throttle.h"
#include "proto/sasl/sasl.h"
#include "store/store.h"

namespace postamt::session {

namespace asio = boost::asio;

struct LoginContext {
  store::Store& store;
  asio::thread_pool& pool;
  auth::LoginThrottle& throttle;
  std::string secret;  // server secret for fake SCRAM salts of unknown users
};

struct LoginResult {
  enum class Status { ok, failed, cancelled, malformed, io_error, unknown_mechanism };
  Status status = Status::failed;
  store::Account account;
  std::string authcid;
  std::string final_data;  // SCRAM server-final message, raw (caller encodes)
};

// Blocking: verifies user/password; unknown users cost the same as wrong passwords.
LoginResult check_password(store::Store& store, const std::string& user, const std::string& password);

// Waits for the throttle delay, checks the password on the worker pool, records
// the outcome and logs it with rip= for fail2ban.
asio::awaitable<LoginResult> password_login(LoginContext& ctx, std::string protocol, std::string user,
                                            std::string password, std::string rip);

// Wire I/O of a SASL exchange, supplied by the protocol session.
struct SaslIo {
  std::function<asio::awaitable<bool>(std::string raw_challenge)> send_challenge;  // session base64-encodes
  std::function<asio::awaitable<std::optional<std::string>>()> read_line;         // nullopt on EOF/too long
};

// Supported mechanisms by name (upper case); nullptr if unknown.
std::unique_ptr<proto::sasl::Mechanism> make_mechanism(const std::string& name);

// Runs a whole SASL exchange. `initial` is the initial response as sent on the
// wire (base64 or "="), if any.
asio::awaitable<LoginResult> sasl_login(LoginContext& ctx, std::string protocol, std::string mechanism,
                                        std::optional<std::string> initial, SaslIo io, std::string rip);

}  // namespace postamt::session
