// Encoders for the string-like parts of IMAP server responses: atoms vs. quoted strings vs.
// literals, NIL, literal8 and flag lists. Pure; the bytes encoded may come from messages
// and clients (untrusted), so every choice of form is made so the output always parses.
// RFC 9051 §4.3 (string), §4.5 (NIL), §9 (astring, nstring, quoted, literal, flag-list);
// RFC 3516 §4.2 (literal8); RFC 6855 §3 (UTF-8 in quoted strings once UTF8=ACCEPT is on).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::proto::imap {

// Strings longer than this go out as literals: a quoted string is scanned byte by byte by
// clients, and some old ones limit quoted lengths.
inline constexpr size_t kMaxQuotedResponse = 1024;

// RFC 9051 §9 string: a quoted string when the bytes allow it (no CR, LF or NUL; at most
// kMaxQuotedResponse bytes; 7-bit, or valid UTF-8 when utf8_ok), else a literal "{n}\r\n"
// followed by the bytes. A literal cannot carry NUL either (CHAR8); callers with binary
// data use append_literal8.
void append_string(std::string& out, std::string_view s, bool utf8_ok = false);

// RFC 9051 §9 astring: a bare atom when non-empty, all ASTRING-CHAR and not "NIL" (any
// case), otherwise as append_string.
void append_astring(std::string& out, std::string_view s, bool utf8_ok = false);

// RFC 9051 §9 nstring: NIL for nullopt, else as append_string.
void append_nstring(std::string& out, std::optional<std::string_view> s, bool utf8_ok = false);

// RFC 3516 §4.2 literal8: "~{n}\r\n" followed by the bytes (may hold NUL).
void append_literal8(std::string& out, std::string_view bytes);

// RFC 9051 §9 flag-list: "(" flags separated by SP ")". Flags are emitted as given: they
// are validated atoms (store_args.h) or system flags.
void append_flag_list(std::string& out, const std::vector<std::string>& flags);

// True for RFC 9051 §9 ASTRING-CHAR (ATOM-CHAR / "]").
bool is_astring_char(unsigned char c);

}  // namespace postamt::proto::imap
