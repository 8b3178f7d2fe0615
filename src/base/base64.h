// Base64 (RFC 4648) through OpenSSL EVP (DESIGN §4: do not hand-write base64).
// Handles untrusted input: decode rejects anything not canonical base64.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace postamt {

std::string base64_encode(std::string_view in);
// Strict decode: ignores no characters; nullopt on any invalid input.
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace postamt
