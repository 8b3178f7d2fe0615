// SASL PLAIN and LOGIN server mechanisms.
// Handles untrusted input: the client's credentials before authentication.
// RFCs: 4616 (PLAIN), draft-murchison-sasl-login-00 (LOGIN), 4422 §5 (initial response).
#include "proto/sasl/sasl.h"

namespace postamt::proto::sasl {
namespace {

// RFC 4616 §2 asks servers to accept at least 255 octets per field; we allow more
// but stay bounded (the line limit bounds it too).
constexpr size_t kMaxField = 1024;

// Names end up in logs and store lookups: no control characters.
bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxField) return false;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

Failure malformed(std::string reason) { return Failure{std::move(reason), true}; }

// Shared tail of PLAIN and LOGIN: wait for the session's password verdict.
class PasswordMechanism : public Mechanism {
 public:
  Step finish_password(bool ok) override {
    if (state_ != State::need_password) return finish(Failure{"finish_password out of order"});
    return finish(ok ? Step{Success{authcid_, authcid_, {}}} : Step{Failure{"invalid credentials"}});
  }

 protected:
  enum class State { initial, need_user, need_pass, need_password, done };

  Step finish(Step s) {
    state_ = State::done;
    return s;
  }
  Step need_password(std::string authcid, std::string password) {
    state_ = State::need_password;
    authcid_ = authcid;
    return NeedPassword{authcid_, std::move(authcid), std::move(password)};
  }

  State state_ = State::initial;
  std::string authcid_;
};

class Plain final : public PasswordMechanism {
 public:
  Step start(std::optional<std::string_view> initial) override {
    if (state_ != State::initial) return finish(Failure{"start called twice"});
    if (initial) return parse(*initial);
    state_ = State::need_pass;
    return Challenge{};  // RFC 4616 §2: empty challenge, then the message
  }
  Step step(std::string_view data) override {
    if (state_ != State::need_pass) return finish(Failure{"unexpected client data"});
    return parse(data);
  }

 private:
  // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd
  Step parse(std::string_view msg) {
    size_t a = msg.find('\0');
    if (a == std::string_view::npos) return finish(malformed("PLAIN: missing NUL"));
    size_t b = msg.find('\0', a + 1);
    if (b == std::string_view::npos) return finish(malformed("PLAIN: missing second NUL"));
    std::string_view authzid = msg.substr(0, a);
    std::string_view authcid = msg.substr(a + 1, b - a - 1);
    std::string_view passwd = msg.substr(b + 1);
    // A third NUL would be part of the password in a naive split; RFC 4616 forbids it.
    if (passwd.find('\0') != std::string_view::npos) return finish(malformed("PLAIN: NUL in password"));
    if (!valid_name(authcid)) return finish(malformed("PLAIN: invalid authcid"));
    if (!authzid.empty() && !valid_name(authzid)) return finish(malformed("PLAIN: invalid authzid"));
    if (passwd.empty() || passwd.size() > kMaxField) return finish(malformed("PLAIN: invalid password"));
    // We do not support acting as another user (RFC 4616 §2 leaves the policy to us).
    if (!authzid.empty() && authzid != authcid) return finish(Failure{"PLAIN: authzid not permitted"});
    return need_password(std::string(authcid), std::string(passwd));
  }
};

class Login final : public PasswordMechanism {
 public:
  Step start(std::optional<std::string_view> initial) override {
    if (state_ != State::initial) return finish(Failure{"start called twice"});
    // Some clients (and RFC 4954-era habits) send the user name as initial response.
    if (initial && !initial->empty()) return take_user(*initial);
    state_ = State::need_user;
    return Challenge{"Username:"};
  }
  Step step(std::string_view data) override {
    if (state_ == State::need_user) return take_user(data);
    if (state_ != State::need_pass) return finish(Failure{"unexpected client data"});
    if (data.empty() || data.size() > kMaxField || data.find('\0') != std::string_view::npos)
      return finish(malformed("LOGIN: invalid password"));
    return need_password(std::move(user_), std::string(data));
  }

 private:
  Step take_user(std::string_view data) {
    if (!valid_name(data)) return finish(malformed("LOGIN: invalid user name"));
    user_ = std::string(data);
    state_ = State::need_pass;
    return Challenge{"Password:"};
  }

  std::string user_;
};

}  // namespace

std::unique_ptr<Mechanism> make_plain() { return std::make_unique<Plain>(); }
std::unique_ptr<Mechanism> make_login() { return std::make_unique<Login>(); }

}  // namespace postamt::proto::sasl
