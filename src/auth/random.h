// Cryptographically secure random bytes and tokens (nonces, generated passwords).
// No untrusted input. Uses OpenSSL's CSPRNG (RAND_bytes).
#pragma once

#include <cstddef>
#include <string>

namespace postamt::auth {

// n raw bytes. Aborts the process if the CSPRNG fails: predictable nonces or salts
// would be worse than stopping.
std::string random_bytes(size_t n);
// n characters from the URL-safe alphabet [A-Za-z0-9-_] (6 bits each); also valid as
// a SCRAM nonce (RFC 5802 §5.1 printable).
std::string random_token(size_t n);

}  // namespace postamt::auth
