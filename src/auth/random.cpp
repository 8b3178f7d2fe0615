// Random bytes and tokens through OpenSSL RAND_bytes; see random.h.
// No untrusted input.
#include "auth/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace postamt::auth {

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  size_t done = 0;
  while (done < n) {
    int chunk = static_cast<int>(std::min<size_t>(n - done, INT_MAX));
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data() + done), chunk) != 1) {
      std::fputs("postamt: RAND_bytes failed, aborting\n", stderr);
      std::abort();
    }
    done += static_cast<size_t>(chunk);
  }
  return out;
}

std::string random_token(size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out = random_bytes(n);
  // 256 is a multiple of 64, so masking keeps the distribution uniform.
  for (auto& c : out) c = kAlphabet[static_cast<unsigned char>(c) & 63];
  return out;
}

}  // namespace postamt::auth
