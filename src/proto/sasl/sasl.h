// SASL server mechanisms as pure state machines (PLAIN, LOGIN, SCRAM-SHA-256), shared
// by SMTP AUTH, POP3 AUTH and IMAP AUTHENTICATE, plus a SCRAM-SHA-256 client.
// The session does base64 on the wire and password/key lookup; nothing here does I/O,
// reads a clock or draws random numbers (the SCRAM nonce comes from the caller).
// Handles untrusted input: every client message is hostile until the proof checks out.
// RFCs: 4422 (SASL), 4616 (PLAIN), draft-murchison-sasl-login (LOGIN),
// 5802 + 7677 (SCRAM-SHA-256), 4954 §4 (cancel, "=" initial response).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/result.h"

namespace postamt::proto::sasl {

// Same layout as postamt::store::ScramKeys (salt and keys are raw bytes).
struct ScramCredentials {
  std::string salt;
  uint32_t iterations = 0;
  std::string stored_key;  // H(ClientKey), 32 bytes
  std::string server_key;  // HMAC(SaltedPassword, "Server Key"), 32 bytes
};

// What the session must do next.
struct Challenge {
  std::string data;  // raw bytes for the client; the session base64-encodes them
};
// PLAIN/LOGIN: verify the password, then call finish_password(ok).
struct NeedPassword {
  std::string authzid, authcid, password;
};
// SCRAM: look up the keys (or fake_scram_credentials for unknown users), then call
// provide_keys(...).
struct NeedScramKeys {
  std::string authcid;
};
struct Success {
  std::string authzid;     // the identity to act as; equals authcid (we allow no proxying)
  std::string authcid;
  std::string final_data;  // SCRAM server-final ("v=..."), empty otherwise
};
struct Failure {
  std::string reason;      // for logs only; clients get a generic reply
  bool malformed = false;  // the client sent something syntactically invalid
};
using Step = std::variant<Challenge, NeedPassword, NeedScramKeys, Success, Failure>;

// One authentication exchange. After Success or Failure every further call fails.
class Mechanism {
 public:
  virtual ~Mechanism() = default;
  // initial_response: RFC 4422 §5 initial response (already base64-decoded), if sent.
  virtual Step start(std::optional<std::string_view> initial_response) = 0;
  virtual Step step(std::string_view client_data) = 0;
  // PLAIN/LOGIN: the result of the session's password check.
  virtual Step finish_password(bool ok);
  // SCRAM: the account's keys, or fake ones for an unknown account.
  virtual Step provide_keys(const ScramCredentials& keys_or_fake);
};

// RFC 4616. authzid must be empty or equal to authcid.
std::unique_ptr<Mechanism> make_plain();
// draft-murchison-sasl-login: challenges "Username:" and "Password:"; an initial
// response is taken as the user name.
std::unique_ptr<Mechanism> make_login();
// RFC 5802 + RFC 7677 without channel binding ("n" or "y" gs2 flag; "p=" is rejected
// since we never advertise -PLUS). server_nonce: printable ASCII except ',' (the
// caller draws it, e.g. auth::random_token(24)).
std::unique_ptr<Mechanism> make_scram_sha256(std::string server_nonce);

// Deterministic per (authcid, secret), so repeated probes of an unknown user see a
// stable salt, and the exchange fails only at the proof, exactly like a wrong
// password (DESIGN §7). iterations should equal the default used for real accounts.
ScramCredentials fake_scram_credentials(std::string_view authcid, std::string_view server_secret,
                                        uint32_t iterations = 4096);

// RFC 5802 §3: SaltedPassword = PBKDF2-HMAC-SHA256(password, salt, i) and the keys
// derived from it. Used by auth:: when passwords are set, and by the client below.
ScramCredentials scram_sha256_keys(std::string_view password, std::string_view salt, uint32_t iterations);

// Wire line of a SASL exchange: "*" cancels (RFC 4954 §4, RFC 5034 §4), "=" is an
// empty initial response, an empty line an empty response, else strict base64.
struct Cancel {};
struct Decoded {
  std::string data;
};
struct BadBase64 {};
std::variant<Cancel, Decoded, BadBase64> decode_client_line(std::string_view line);

// SCRAM-SHA-256 client (tests, later outbound AUTH). Messages are raw (not base64).
class ScramSha256Client {
 public:
  // Caps the server-chosen iteration count so a hostile server cannot burn our CPU.
  static constexpr uint32_t kMaxIterations = 1'000'000;

  // nonce: printable ASCII except ','; user is encoded as saslname (=2C, =3D).
  std::string client_first(std::string_view user, std::string_view nonce);
  // Error(params) when server_first is malformed or its nonce does not extend ours.
  Result<std::string> client_final(std::string_view server_first, std::string_view password);
  // True only for "v=" with the expected server signature (constant-time compare).
  bool verify_server_final(std::string_view server_final) const;

 private:
  std::string client_first_bare_;
  std::string client_nonce_;
  std::string expected_server_signature_;
};

}  // namespace postamt::proto::sasl
