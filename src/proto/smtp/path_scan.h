// Internal: cursor-based scanners for RFC 5321 path syntax, shared by parse_mailbox and the
// MAIL/RCPT parser (which must find where an address ends inside a longer argument).
// Handles unauthenticated input: every scanner is total and never reads past the view.
// RFC 5321 §4.1.2, RFC 6531 §3.3.
#pragma once

#include <cstddef>
#include <string_view>

#include "proto/smtp/mailbox.h"

namespace postamt::proto::smtp::detail {

// Each scanner starts at s[pos]; on success it advances pos past what it consumed and
// returns true; on failure pos is unspecified.

// Mailbox = Local-part "@" ( Domain / address-literal ). `out` may be null.
bool scan_mailbox(std::string_view s, size_t& pos, Mailbox* out);
// A-d-l ":" (source route, RFC 5321 §4.1.2; obsolete, parsed and dropped per Appendix C).
bool scan_source_route(std::string_view s, size_t& pos);

}  // namespace postamt::proto::smtp::detail
