// Password hashing (argon2id), verification of argon2 and imported crypt(3) hashes,
// SCRAM key derivation. See password.h.
// Handles untrusted input: passwords sent by clients.
// Standards: RFC 9106 (argon2), RFC 5802 §3 / RFC 7677 (SCRAM keys).
#include "auth/password.h"

#include "auth/saslprep.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <sodium.h>

#include <array>
#include <memory>

#include "auth/random.h"
#include "proto/sasl/sasl.h"

namespace postamt::auth {
namespace {

bool sodium_ready() {
  // sodium_init is thread-safe and idempotent; a static keeps it to one call.
  static const bool ready = sodium_init() >= 0;
  return ready;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool verify_argon2(std::string_view password, std::string_view hash) {
  if (!sodium_ready() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::string h(hash);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

bool verify_crypt(std::string_view password, std::string_view hash) {
  // crypt(3) takes C strings: a NUL would silently truncate the password.
  if (password.find('\0') != std::string_view::npos || hash.size() > CRYPT_OUTPUT_SIZE) return false;
  std::string pw(password);
  std::string setting(hash);
  // Value-initialised (zeroed) as libxcrypt requires; 32 KiB, so not on the stack.
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(pw.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  bool ok = false;
  // libxcrypt returns NULL or a "*..." failure token on a bad setting.
  if (out != nullptr && out[0] != '*') {
    std::string_view computed(out);
    ok = computed.size() == hash.size() && CRYPTO_memcmp(computed.data(), hash.data(), hash.size()) == 0;
  }
  OPENSSL_cleanse(pw.data(), pw.size());
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return ok;
}

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  if (password.size() > kMaxPasswordLength)
    return Error::make(ErrorCode::params, "password too long");
  if (!sodium_ready()) return Error::make(ErrorCode::internal, "internal error", "sodium_init failed");
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return Error::make(ErrorCode::temp, "temporary failure", "crypto_pwhash_str: out of memory");
  return std::string(out.data());
}

bool verify_password(std::string_view password, std::string_view hash) {
  // A NUL inside the stored hash would let a C-string API verify against a prefix.
  if (password.size() > kMaxPasswordLength || hash.find('\0') != std::string_view::npos) return false;
  if (starts_with(hash, "$argon2id$") || starts_with(hash, "$argon2i$")) return verify_argon2(password, hash);
  for (std::string_view prefix : {"$y$", "$2b$", "$2y$", "$2a$", "$6$", "$5$"})
    if (starts_with(hash, prefix)) return verify_crypt(password, hash);
  return false;
}

ScramKeys derive_scram_sha256(std::string_view password, uint32_t iterations) {
  return derive_scram_sha256(password, random_bytes(16), iterations);
}

ScramKeys derive_scram_sha256(std::string_view password, std::string_view salt, uint32_t iterations) {
  // RFC 5802 §2.2 Normalize(): clients SASLprep the password before hashing. A
  // password SASLprep refuses is used as given (the client cannot prepare it either).
  std::optional<std::string> prepared = saslprep(password);
  std::string_view input = prepared ? std::string_view(*prepared) : password;
  auto c = proto::sasl::scram_sha256_keys(input, salt, iterations);
  return ScramKeys{std::move(c.salt), c.iterations, std::move(c.stored_key), std::move(c.server_key)};
}

}  // namespace postamt::auth
