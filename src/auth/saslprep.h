// SASLprep (RFC 4013, a StringPrep profile of RFC 3454) through ICU: maps
// non-ASCII spaces to SP, removes "commonly mapped to nothing" characters, applies
// NFKC and refuses prohibited output. Used where SCRAM requires Normalize(str)
// (RFC 5802 §2.2), so a client that prepares "I<U+00AD>X" and one that sends "IX"
// derive the same keys.
// Handles untrusted input (passwords, user names).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace postamt::auth {

// nullopt if the string is not valid UTF-8 or contains prohibited or (for stored
// strings, RFC 3454 §7) unassigned code points. ASCII without controls is returned as is.
std::optional<std::string> saslprep(std::string_view utf8);

}  // namespace postamt::auth
