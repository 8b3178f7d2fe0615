// SCRAM-SHA-256 server mechanism, without channel binding.
// Handles untrusted input: both client messages are parsed before any proof.
// RFCs: 5802 §3 (algorithm), §5 (messages), §7 (grammar); 7677 (SHA-256 variant).
#include "base/base64.h"
#include "proto/sasl/sasl.h"
#include "proto/sasl/scram_util.h"

namespace postamt::proto::sasl {
namespace {

using detail::Attribute;

Failure malformed(std::string reason) { return Failure{std::move(reason), true}; }

class ScramSha256 final : public Mechanism {
 public:
  explicit ScramSha256(std::string server_nonce) : server_nonce_(std::move(server_nonce)) {}

  Step start(std::optional<std::string_view> initial) override {
    if (state_ != State::initial) return finish(Failure{"start called twice"});
    if (server_nonce_.empty() || !detail::is_printable(server_nonce_))
      return finish(Failure{"SCRAM: invalid server nonce from caller"});
    state_ = State::need_first;
    if (initial) return client_first(*initial);
    return Challenge{};  // RFC 4422 §5: the client-first comes in the next response
  }

  Step step(std::string_view data) override {
    if (state_ == State::need_first) return client_first(data);
    if (state_ == State::need_final) return client_final(data);
    return finish(Failure{"unexpected client data"});
  }

  Step provide_keys(const ScramCredentials& keys) override {
    if (state_ != State::need_keys) return finish(Failure{"provide_keys out of order"});
    // Accounts without SCRAM keys must get fake_scram_credentials from the session.
    if (keys.salt.empty() || keys.iterations == 0 || keys.stored_key.size() != detail::kKeySize ||
        keys.server_key.size() != detail::kKeySize)
      return finish(Failure{"SCRAM: unusable credentials"});
    keys_ = keys;
    // RFC 5802 §5.1 server-first-message: r=nonce,s=salt,i=count
    server_first_ = "r=" + client_nonce_ + server_nonce_ + ",s=" + base64_encode(keys.salt) +
                    ",i=" + std::to_string(keys.iterations);
    state_ = State::need_final;
    return Challenge{server_first_};
  }

 private:
  enum class State { initial, need_first, need_keys, need_final, done };

  Step finish(Step s) {
    state_ = State::done;
    return s;
  }

  // RFC 5802 §7: client-first-message = gs2-header client-first-message-bare
  Step client_first(std::string_view msg) {
    // gs2-header = gs2-cbind-flag "," [authzid] ","
    size_t c1 = msg.find(',');
    if (c1 == std::string_view::npos) return finish(malformed("SCRAM: no gs2 header"));
    size_t c2 = msg.find(',', c1 + 1);
    if (c2 == std::string_view::npos) return finish(malformed("SCRAM: no gs2 header"));
    std::string_view flag = msg.substr(0, c1);
    std::string_view authzid_attr = msg.substr(c1 + 1, c2 - c1 - 1);
    if (flag.size() >= 2 && flag.substr(0, 2) == "p=")
      return finish(Failure{"SCRAM: channel binding requested but not offered"});  // no -PLUS
    if (flag != "n" && flag != "y") return finish(malformed("SCRAM: bad gs2 flag"));
    std::string authzid;
    if (!authzid_attr.empty()) {
      if (authzid_attr.substr(0, 2) != "a=") return finish(malformed("SCRAM: bad authzid"));
      auto a = detail::decode_saslname(authzid_attr.substr(2));
      if (!a) return finish(malformed("SCRAM: bad authzid"));
      authzid = std::move(*a);
    }
    gs2_header_ = std::string(msg.substr(0, c2 + 1));
    std::string_view bare = msg.substr(c2 + 1);

    // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
    auto attrs = detail::split_attributes(bare);
    if (!attrs || attrs->size() < 2) return finish(malformed("SCRAM: bad client-first"));
    // RFC 5802 §5.1 "m": we support no mandatory extensions, so we must fail.
    if ((*attrs)[0].name == 'm') return finish(Failure{"SCRAM: unsupported mandatory extension"});
    if ((*attrs)[0].name != 'n' || (*attrs)[1].name != 'r') return finish(malformed("SCRAM: bad client-first"));
    auto user = detail::decode_saslname((*attrs)[0].value);
    if (!user || !valid_user(*user)) return finish(malformed("SCRAM: bad username"));
    std::string_view nonce = (*attrs)[1].value;
    if (nonce.empty() || !detail::is_printable(nonce)) return finish(malformed("SCRAM: bad nonce"));
    if (!authzid.empty() && authzid != *user) return finish(Failure{"SCRAM: authzid not permitted"});

    authcid_ = std::move(*user);
    client_nonce_ = std::string(nonce);
    client_first_bare_ = std::string(bare);
    state_ = State::need_keys;
    return NeedScramKeys{authcid_};
  }

  // client-final-message = channel-binding "," nonce ["," extensions] "," proof
  Step client_final(std::string_view msg) {
    auto attrs = detail::split_attributes(msg);
    if (!attrs || attrs->size() < 3) return finish(malformed("SCRAM: bad client-final"));
    const Attribute& cb = attrs->front();
    const Attribute& nonce = (*attrs)[1];
    const Attribute& proof = attrs->back();
    if (cb.name != 'c' || nonce.name != 'r' || proof.name != 'p')
      return finish(malformed("SCRAM: bad client-final"));
    // Without channel binding, c= carries exactly the gs2 header of the first message.
    auto cb_data = base64_decode(cb.value);
    if (!cb_data || *cb_data != gs2_header_) return finish(malformed("SCRAM: channel binding mismatch"));
    if (nonce.value != client_nonce_ + server_nonce_) return finish(malformed("SCRAM: nonce mismatch"));
    auto client_proof = base64_decode(proof.value);
    if (!client_proof || client_proof->size() != detail::kKeySize) return finish(malformed("SCRAM: bad proof"));

    // RFC 5802 §3: AuthMessage and the proof check.
    std::string_view without_proof = msg.substr(0, msg.size() - proof.value.size() - 3);
    std::string auth_message = client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
    std::string client_signature = detail::hmac_sha256(keys_.stored_key, auth_message);
    std::string client_key = detail::xor_bytes(*client_proof, client_signature);
    if (!detail::ct_equal(detail::sha256(client_key), keys_.stored_key))
      return finish(Failure{"SCRAM: invalid proof"});
    std::string server_signature = detail::hmac_sha256(keys_.server_key, auth_message);
    return finish(Success{authcid_, authcid_, "v=" + base64_encode(server_signature)});
  }

  static bool valid_user(std::string_view s) {
    if (s.size() > 1024) return false;
    for (char c : s) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) return false;
    }
    return true;
  }

  State state_ = State::initial;
  std::string server_nonce_;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string client_nonce_;
  std::string server_first_;
  std::string authcid_;
  ScramCredentials keys_;
};

}  // namespace

std::unique_ptr<Mechanism> make_scram_sha256(std::string server_nonce) {
  return std::make_unique<ScramSha256>(std::move(server_nonce));
}

}  // namespace postamt::proto::sasl
