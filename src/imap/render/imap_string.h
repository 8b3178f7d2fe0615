// IMAP string output (quoted or literal) for data items rendered from stored summaries.
// Input: header-derived bytes of untrusted messages (any byte, NUL included); every
// function is total and writes a syntactically valid string.
// RFCs: 9051 §4.3 (string = quoted / literal), §9 (QUOTED-CHAR, CHAR8 excludes NUL),
// 6855 §3 / 9051 §4.3 (UTF-8 in quoted strings once UTF8=ACCEPT or IMAP4rev2 is enabled).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace postamt::imap::render {

// A string as Dovecot writes one: quoted ("\"" and "\\" escaped), or a literal when the
// value has CR, LF, more than 4 quoted-specials, or 8-bit bytes (8-bit stays quoted when
// utf8_ok and the value is valid UTF-8). NUL bytes become U+FFFD (RFC 9051 §9: no NUL
// in a literal; Dovecot also shows NUL in headers as U+FFFD).
void append_string(std::string& out, std::string_view s, bool utf8_ok);

// NIL or append_string().
void append_nstring(std::string& out, const std::optional<std::string>& s, bool utf8_ok);

// Header text meant for people (ENVELOPE subject and display names), as Dovecot writes it:
// CR and LF dropped, runs of SP/HTAB collapsed to one SP, leading and trailing
// whitespace removed, NUL -> U+FFFD; written quoted when nothing had to change and no
// escaping is needed, else as a literal (like imap_append_string_for_humans()).
void append_string_for_humans(std::string& out, std::string_view s, bool utf8_ok);
// NIL or append_string_for_humans().
void append_nstring_for_humans(std::string& out, const std::optional<std::string>& s, bool utf8_ok);

// Message bytes for a BODY[...] literal: NUL bytes become 0x80, as Dovecot sends them (RFC 9051
// §4.3: a literal is CHAR8, which excludes NUL; only BINARY may use literal8, RFC 3516 §4.3).
void replace_nul_for_literal(std::string& bytes);

}  // namespace postamt::imap::render
