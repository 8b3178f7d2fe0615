// Internal helpers for SCRAM (server and client): SHA-256/HMAC/PBKDF2 through
// OpenSSL, saslname coding, attribute parsing. Not part of the public API.
// Handles untrusted input: the parsers are total on any bytes.
// RFCs: 5802 §2.2 (Hi), §5.1 (saslname, nonce, attributes), 7677.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::proto::sasl::detail {

constexpr size_t kKeySize = 32;  // SHA-256 output, RFC 7677

std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string pbkdf2_sha256(std::string_view password, std::string_view salt, uint32_t iterations);
// Constant-time for equal lengths; lengths themselves are not secret.
bool ct_equal(std::string_view a, std::string_view b);
std::string xor_bytes(std::string_view a, std::string_view b);  // equal lengths

// RFC 5802 §5.1 saslname: "," and "=" appear only as "=2C" / "=3D"; no NUL.
std::optional<std::string> decode_saslname(std::string_view s);
std::string encode_saslname(std::string_view s);
// RFC 5802 §5.1 printable = %x21-2B / %x2D-7E (visible ASCII except ',').
bool is_printable(std::string_view s);

// Splits "a=x,b=y" on ','. An attribute is one ALPHA, '=', then the value.
struct Attribute {
  char name;
  std::string_view value;
};
std::optional<std::vector<Attribute>> split_attributes(std::string_view msg);

}  // namespace postamt::proto::sasl::detail
