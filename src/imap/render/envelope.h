// ENVELOPE (RFC 9051 §7.5.2 / RFC 3501 §7.4.2) from the stored summary.
// Input: header-derived strings of untrusted messages (any bytes); output is always
// syntactically valid IMAP.
// RFCs: 9051 §7.5.2 (envelope structure, group syntax, sender/reply-to defaults),
// 9051 §4.3 (strings), 6855 §3 (UTF-8 strings once UTF8=ACCEPT is enabled).
#pragma once

#include <string>

#include "imap/render/summary.h"

namespace postamt::imap::render {

// Appends "(date subject from sender reply-to to cc bcc in-reply-to message-id)".
// Field rules (checked against Dovecot 2.3, the differential-test oracle):
// - absent field -> NIL; present but empty unstructured field -> "".
// - strings are the raw header text (RFC 2047 encoded-words are NOT decoded); 8-bit
//   header bytes go out as literals (or as UTF-8 quoted strings when utf8_ok).
// - subject and display names are normalized "for humans" like Dovecot (CR/LF removed,
//   whitespace runs collapsed, see imap_string.h); date, in-reply-to and message-id are
//   written as stored (unfolded, trimmed by delivery).
// - an empty address list is NIL; sender and reply-to default to from when absent or
//   empty (RFC 9051 §7.5.2; delivery applies the same rule already).
// - groups: (NIL NIL "name" NIL) ... (NIL NIL NIL NIL) (RFC 9051 §7.5.2).
void append_envelope(std::string& out, const Envelope& env, bool utf8_ok);

}  // namespace postamt::imap::render
