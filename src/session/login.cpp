// Login glue; see login.h.
#include "session/login.h"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auth/random.h"
#include "base/base64.h"
#include "base/strings.h"
#include "net/runtime.h"

namespace postamt::session {

namespace sasl = proto::sasl;
using Status = LoginResult::Status;

namespace {

// A real argon2id hash of a random password, computed once: unknown users are
// verified against it so that they cost exactly as much as a wrong password.
const std::string& dummy_hash() {
  static const std::string h = [] {
    auto r = auth::hash_password(auth::random_token(24));
    return r.ok() ? *r : std::string();
  }();
  return h;
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  if (d.count() <= 0) co_return;
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  boost::system::error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

void log_outcome(const std::string& protocol, const std::string& mech, const LoginResult& r, const std::string& user,
                 const std::string& rip) {
  if (r.status == Status::ok)
    spdlog::info("{}: auth ok mech={} user={} rip={}", protocol, mech, r.account.address, rip);
  else
    // fail2ban: "auth failed .* rip=<HOST>"
    spdlog::warn("{}: auth failed mech={} user={} rip={}", protocol, mech, user, rip);
}

// A client's SASL line (RFC 4954 §4 / RFC 5034 §4): "*" cancels, else base64.
// nullopt with result.status set when the exchange must end.
std::optional<std::string> decode_line(const std::string& line, LoginResult& result) {
  auto d = sasl::decode_client_line(line);
  if (std::holds_alternative<sasl::Cancel>(d)) {
    result.status = Status::cancelled;
    return std::nullopt;
  }
  if (std::holds_alternative<sasl::BadBase64>(d)) {
    result.status = Status::malformed;
    return std::nullopt;
  }
  return std::get<sasl::Decoded>(std::move(d)).data;
}

}  // namespace

LoginResult check_password(store::Store& store, const std::string& user, const std::string& password) {
  LoginResult out;
  out.authcid = user;
  auto acct = store.find_account(user);
  if (!acct) {
    (void)auth::verify_password(password, dummy_hash());
    out.status = Status::failed;
    return out;
  }
  out.status = auth::verify_password(password, acct->password_hash) ? Status::ok : Status::failed;
  if (out.status == Status::ok) out.account = std::move(*acct);
  return out;
}

asio::awaitable<LoginResult> password_login(LoginContext& ctx, std::string protocol, std::string user,
                                            std::string password, std::string rip) {
  auto delay = ctx.throttle.delay(rip, user, std::chrono::steady_clock::now());
  co_await sleep_for(delay);
  store::Store* st = &ctx.store;
  auto check = [st, user, password]() { return check_password(*st, user, password); };
  LoginResult r = co_await net::offload(ctx.pool, std::move(check));
  if (r.status == Status::ok)
    ctx.throttle.record_success(rip, user, std::chrono::steady_clock::now());
  else
    ctx.throttle.record_failure(rip, user, std::chrono::steady_clock::now());
  log_outcome(protocol, "password", r, user, rip);
  co_return r;
}

std::unique_ptr<sasl::Mechanism> make_mechanism(const std::string& name) {
  if (iequals(name, "PLAIN")) return sasl::make_plain();
  if (iequals(name, "LOGIN")) return sasl::make_login();
  if (iequals(name, "SCRAM-SHA-256")) return sasl::make_scram_sha256(auth::random_token(24));
  return nullptr;
}

asio::awaitable<LoginResult> sasl_login(LoginContext& ctx, std::string protocol, std::string mechanism,
                                        std::optional<std::string> initial, SaslIo io, std::string rip) {
  LoginResult result;
  auto mech = make_mechanism(mechanism);
  if (!mech) {
    result.status = Status::unknown_mechanism;
    co_return result;
  }
  std::optional<std::string> decoded_initial;
  if (initial) {
    decoded_initial = decode_line(*initial, result);
    if (!decoded_initial) co_return result;
  }
  sasl::Step step = decoded_initial ? mech->start(std::string_view(*decoded_initial)) : mech->start(std::nullopt);
  std::string user;  // for throttling and logs once known
  store::Account account;
  bool have_account = false;
  // PLAIN/LOGIN go through password_login(), which throttles and logs itself;
  // key-based mechanisms (SCRAM) are throttled and logged here.
  bool password_checked = false;
  // Each mechanism finishes in a handful of steps; the bound stops a confused client.
  for (int round = 0; round < 10; ++round) {
    if (auto* ch = std::get_if<sasl::Challenge>(&step)) {
      std::string challenge = ch->data;
      bool sent = co_await io.send_challenge(challenge);
      if (!sent) {
        result.status = Status::io_error;
        co_return result;
      }
      std::optional<std::string> line = co_await io.read_line();
      if (!line) {
        result.status = Status::io_error;
        co_return result;
      }
      std::optional<std::string> data = decode_line(*line, result);
      if (!data) co_return result;
      step = mech->step(*data);
      continue;
    }
    if (auto* np = std::get_if<sasl::NeedPassword>(&step)) {
      user = np->authcid;
      password_checked = true;
      LoginResult r = co_await password_login(ctx, protocol, np->authcid, np->password, rip);
      if (r.status == Status::ok) {
        account = r.account;
        have_account = true;
      }
      step = mech->finish_password(r.status == Status::ok);
      continue;
    }
    if (auto* nk = std::get_if<sasl::NeedScramKeys>(&step)) {
      user = nk->authcid;
      auto delay = ctx.throttle.delay(rip, user, std::chrono::steady_clock::now());
      co_await sleep_for(delay);
      store::Store* st = &ctx.store;
      std::string name = user;
      auto find = [st, name]() { return st->find_account(name); };
      Result<store::Account> acct = co_await net::offload(ctx.pool, std::move(find));
      sasl::ScramCredentials creds;
      if (acct && !acct->scram.stored_key.empty()) {
        creds.salt = acct->scram.salt;
        creds.iterations = acct->scram.iterations;
        creds.stored_key = acct->scram.stored_key;
        creds.server_key = acct->scram.server_key;
        account = *acct;
        have_account = true;
      } else {
        // Unknown user: a consistent fake, so the exchange fails only at the proof.
        creds = sasl::fake_scram_credentials(user, ctx.secret);
        have_account = false;
      }
      step = mech->provide_keys(creds);
      continue;
    }
    if (auto* ok = std::get_if<sasl::Success>(&step)) {
      if (!have_account) break;  // cannot happen with a correct mechanism; fail safe
      result.status = Status::ok;
      result.account = account;
      result.authcid = ok->authcid;
      result.final_data = ok->final_data;
      if (!password_checked) {
        ctx.throttle.record_success(rip, user, std::chrono::steady_clock::now());
        log_outcome(protocol, mechanism, result, user, rip);
      }
      co_return result;
    }
    if (auto* f = std::get_if<sasl::Failure>(&step)) {
      result.status = f->malformed ? Status::malformed : Status::failed;
      if (!user.empty() && !password_checked) {
        ctx.throttle.record_failure(rip, user, std::chrono::steady_clock::now());
        log_outcome(protocol, mechanism, result, user, rip);
      }
      co_return result;
    }
  }
  result.status = Status::failed;
  co_return result;
}

}  // namespace postamt::session
