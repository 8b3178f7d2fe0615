// SCRAM helpers; see scram_util.h.
// Handles untrusted input (client messages, server messages for the client).
// RFCs: 5802 §2.2, §5.1; 7677.
#include "proto/sasl/scram_util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace postamt::proto::sasl::detail {

std::string sha256(std::string_view data) {
  std::string out(kKeySize, '\0');
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len, EVP_sha256(),
             nullptr);
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(kKeySize, '\0');
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), reinterpret_cast<unsigned char*>(out.data()), &len);
  return out;
}

std::string pbkdf2_sha256(std::string_view password, std::string_view salt, uint32_t iterations) {
  // RFC 5802 §2.2: Hi() is PBKDF2 with HMAC as PRF and dkLen = hash length.
  std::string out(kKeySize, '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                    static_cast<int>(iterations), EVP_sha256(), static_cast<int>(out.size()),
                    reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

bool ct_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string xor_bytes(std::string_view a, std::string_view b) {
  std::string out(a.size() < b.size() ? a.size() : b.size(), '\0');
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(a[i] ^ b[i]);
  return out;
}

std::optional<std::string> decode_saslname(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\0' || c == ',') return std::nullopt;
    if (c != '=') {
      out.push_back(c);
      continue;
    }
    std::string_view esc = s.substr(i + 1, 2);
    if (esc == "2C") out.push_back(',');
    else if (esc == "3D") out.push_back('=');
    else return std::nullopt;  // RFC 5802 §5.1: any other '=' is an error
    i += 2;
  }
  return out;
}

std::string encode_saslname(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ',') out += "=2C";
    else if (c == '=') out += "=3D";
    else out.push_back(c);
  }
  return out;
}

bool is_printable(std::string_view s) {
  for (char c : s)
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  return true;
}

std::optional<std::vector<Attribute>> split_attributes(std::string_view msg) {
  std::vector<Attribute> out;
  size_t i = 0;
  while (true) {
    size_t j = msg.find(',', i);
    std::string_view part = msg.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    if (part.size() < 2 || part[1] != '=') return std::nullopt;
    char n = part[0];
    if (!((n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z'))) return std::nullopt;
    out.push_back(Attribute{n, part.substr(2)});
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return out;
}

}  // namespace postamt::proto::sasl::detail
