// SCRAM-SHA-256 client side, for tests and outbound AUTH.
// Handles untrusted input: the server's messages (a hostile server may lie).
// RFCs: 5802 §3, §5, §7; 7677.
#include "base/base64.h"
#include "base/strings.h"
#include "proto/sasl/sasl.h"
#include "proto/sasl/scram_util.h"

namespace postamt::proto::sasl {

std::string ScramSha256Client::client_first(std::string_view user, std::string_view nonce) {
  client_nonce_ = std::string(nonce);
  client_first_bare_ = "n=" + detail::encode_saslname(user) + ",r=" + client_nonce_;
  expected_server_signature_.clear();
  return "n,," + client_first_bare_;
}

Result<std::string> ScramSha256Client::client_final(std::string_view server_first, std::string_view password) {
  auto bad = [](std::string detail) { return Error::make(ErrorCode::params, "bad SCRAM server-first", detail); };
  if (client_first_bare_.empty()) return bad("client_first not called");
  // server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
  auto attrs = detail::split_attributes(server_first);
  if (!attrs || attrs->size() < 3) return bad("syntax");
  if ((*attrs)[0].name == 'm') return bad("mandatory extension");
  if ((*attrs)[0].name != 'r' || (*attrs)[1].name != 's' || (*attrs)[2].name != 'i') return bad("syntax");
  std::string_view nonce = (*attrs)[0].value;
  // The combined nonce must extend ours, else this is a replay or a confused server.
  if (nonce.size() <= client_nonce_.size() || nonce.substr(0, client_nonce_.size()) != client_nonce_ ||
      !detail::is_printable(nonce))
    return bad("nonce");
  auto salt = base64_decode((*attrs)[1].value);
  if (!salt || salt->empty()) return bad("salt");
  auto iterations = parse_u64((*attrs)[2].value);
  if (!iterations || *iterations == 0 || *iterations > kMaxIterations) return bad("iteration count");

  // RFC 5802 §3: SaltedPassword, ClientKey, StoredKey, ServerKey.
  std::string salted = detail::pbkdf2_sha256(password, *salt, static_cast<uint32_t>(*iterations));
  std::string client_key = detail::hmac_sha256(salted, "Client Key");
  std::string stored_key = detail::sha256(client_key);
  std::string server_key = detail::hmac_sha256(salted, "Server Key");
  std::string without_proof = "c=biws,r=" + std::string(nonce);  // biws = base64("n,,")
  std::string auth_message = client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
  std::string client_signature = detail::hmac_sha256(stored_key, auth_message);
  std::string proof = detail::xor_bytes(client_key, client_signature);
  expected_server_signature_ = detail::hmac_sha256(server_key, auth_message);
  return without_proof + ",p=" + base64_encode(proof);
}

bool ScramSha256Client::verify_server_final(std::string_view server_final) const {
  if (expected_server_signature_.empty() || server_final.substr(0, 2) != "v=") return false;
  auto sig = base64_decode(server_final.substr(2));
  return sig && detail::ct_equal(*sig, expected_server_signature_);
}

}  // namespace postamt::proto::sasl
