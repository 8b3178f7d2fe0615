// Modified UTF-7 mailbox-name encoding, the IMAP4rev1 wire form of non-ASCII mailbox names
// (clients without UTF8=ACCEPT). Handles untrusted input: mutf7_to_utf8 rejects every
// non-canonical or malformed form so that one mailbox has exactly one wire name.
// RFC 3501 §5.1.3; RFC 2152 (UTF-7); RFC 9051 §5.1 (names are UTF-8 in IMAP4rev2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace postamt::proto::imap {

// Total: invalid UTF-8 sequences are encoded as U+FFFD, so the result is always valid
// modified UTF-7 (mailbox names are validated as UTF-8 before they get here).
std::string utf8_to_mutf7(std::string_view utf8);

// nullopt for: raw bytes outside 0x20..0x7E, '&' not starting "&-" or a base64 run, a run
// without its terminating '-', characters outside the modified base64 alphabet, leftover
// bits that are 6 or more or not zero, an encoded printable ASCII character, two adjacent
// base64 runs ("&AOQ-&AOQ-", must be one run), unpaired or reversed UTF-16 surrogates.
std::optional<std::string> mutf7_to_utf8(std::string_view mutf7);

}  // namespace postamt::proto::imap
