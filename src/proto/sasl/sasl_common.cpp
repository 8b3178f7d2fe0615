// Shared SASL pieces: default Mechanism callbacks, wire-line decoding, SCRAM key
// derivation and the fake credentials that hide unknown users.
// Handles untrusted input (decode_client_line gets raw client lines).
// RFCs: 4954 §4 and 5034 §4 (cancel "*", "=" empty initial response), 5802 §3, 7677.
#include <algorithm>
#include <climits>

#include "base/base64.h"
#include "proto/sasl/sasl.h"
#include "proto/sasl/scram_util.h"

namespace postamt::proto::sasl {

Step Mechanism::finish_password(bool) { return Failure{"finish_password not expected by this mechanism"}; }

Step Mechanism::provide_keys(const ScramCredentials&) {
  return Failure{"provide_keys not expected by this mechanism"};
}

std::variant<Cancel, Decoded, BadBase64> decode_client_line(std::string_view line) {
  if (line == "*") return Cancel{};
  if (line == "=" || line.empty()) return Decoded{};
  auto bytes = base64_decode(line);
  if (!bytes) return BadBase64{};
  return Decoded{std::move(*bytes)};
}

ScramCredentials scram_sha256_keys(std::string_view password, std::string_view salt, uint32_t iterations) {
  // OpenSSL takes an int count of at least 1.
  uint32_t iter = std::clamp<uint32_t>(iterations, 1, INT_MAX);
  std::string salted = detail::pbkdf2_sha256(password, salt, iter);
  std::string client_key = detail::hmac_sha256(salted, "Client Key");  // RFC 5802 §3
  ScramCredentials out;
  out.salt = std::string(salt);
  out.iterations = iter;
  out.stored_key = detail::sha256(client_key);
  out.server_key = detail::hmac_sha256(salted, "Server Key");
  return out;
}

ScramCredentials fake_scram_credentials(std::string_view authcid, std::string_view server_secret,
                                        uint32_t iterations) {
  // Domain-separated HMACs of the name under a server secret: stable per user, not
  // guessable, and no PBKDF2 work (the server side never runs Hi() during login).
  auto derive = [&](std::string_view label) {
    std::string msg(label);
    msg.push_back('\0');
    msg.append(authcid);
    return detail::hmac_sha256(server_secret, msg);
  };
  ScramCredentials out;
  out.salt = derive("postamt-fake-scram-salt").substr(0, 16);
  out.iterations = iterations;
  out.stored_key = derive("postamt-fake-scram-stored");
  out.server_key = derive("postamt-fake-scram-server");
  return out;
}

}  // namespace postamt::proto::sasl
