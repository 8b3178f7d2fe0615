// Password hashing and verification, and SCRAM-SHA-256 key derivation for accounts.
// Handles untrusted input: passwords come from clients; hashes come from our store
// (or imports) and are trusted to be well-meant but checked for format.
// Standards: argon2id (RFC 9106) via libsodium; crypt(3) formats via libxcrypt;
// RFC 5802 §3 and RFC 7677 for SCRAM keys.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace postamt::auth {

// Longer passwords are refused by hash_password and never verify (bounds CPU/memory).
constexpr size_t kMaxPasswordLength = 4096;

// argon2id, encoded "$argon2id$v=19$m=65536,t=2,p=1$...". Parameters are libsodium's
// OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE (t=2, 64 MiB): about 0.1 s per login on
// one core, so a worker pool absorbs login bursts, while still being the memory-hard
// choice RFC 9106 recommends. Error(params) for over-long input, Error(temp) when
// memory runs out.
Result<std::string> hash_password(std::string_view password);

// Accepts $argon2id$ / $argon2i$ (libsodium) and the imported crypt(3) formats
// $y$ (yescrypt), $2b$ $2y$ $2a$ (bcrypt), $6$ (sha512crypt), $5$ (sha256crypt).
// Unknown formats, NUL in the password or a malformed hash give false.
bool verify_password(std::string_view password, std::string_view hash);

// Same layout as postamt::store::ScramKeys and proto::sasl::ScramCredentials.
struct ScramKeys {
  std::string salt;  // raw bytes
  uint32_t iterations = 0;
  std::string stored_key;
  std::string server_key;
};

// RFC 7677 §4 recommends at least 4096 iterations; salt is 16 random bytes.
ScramKeys derive_scram_sha256(std::string_view password, uint32_t iterations = 4096);
ScramKeys derive_scram_sha256(std::string_view password, std::string_view salt, uint32_t iterations);

}  // namespace postamt::auth
