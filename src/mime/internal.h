// Helpers shared by the MIME sources; not part of the public API.
// Handles untrusted input: every helper is total on any byte sequence.
// RFCs: 5322 §3.2.2 (CFWS), 2045 §5.1 (token / tspecials).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace postamt::mime::detail {

inline bool is_wsp(char c) { return c == ' ' || c == '\t'; }
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 2045 §5.1: token chars are printable US-ASCII except SPACE and tspecials.
inline bool is_token_char(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u <= 32 || u >= 127) return false;
  switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
      return false;
    default:
      return true;
  }
}

// Skips whitespace (incl. folding) and RFC 5322 §3.2.2 comments, which nest; an
// unterminated comment runs to the end. Iterative, so hostile nesting cannot recurse.
inline size_t skip_cfws(std::string_view s, size_t i) {
  while (i < s.size()) {
    if (is_space(s[i])) {
      ++i;
    } else if (s[i] == '(') {
      size_t depth = 0;
      for (; i < s.size(); ++i) {
        if (s[i] == '\\') {
          ++i;
        } else if (s[i] == '(') {
          ++depth;
        } else if (s[i] == ')') {
          if (--depth == 0) { ++i; break; }
        }
      }
    } else {
      break;
    }
  }
  return i;
}

// Length of "name" if the line starts a header field "name:" (RFC 5322 §2.2: printable
// US-ASCII except colon; §4.5 allows WSP before the colon), else 0. `colon` gets the
// colon's index.
inline size_t field_name_length(std::string_view line, size_t& colon) {
  size_t i = 0;
  while (i < line.size()) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c <= 32 || c >= 127 || c == ':') break;
    ++i;
  }
  size_t name_len = i;
  if (name_len == 0) return 0;
  while (i < line.size() && is_wsp(line[i])) ++i;
  if (i >= line.size() || line[i] != ':') return 0;
  colon = i;
  return name_len;
}

// Removes comments and trims whitespace; quoted strings are kept verbatim.
std::string strip_comments(std::string_view s);

// Trims SP, HTAB, CR and LF on both ends.
inline std::string_view trim_all(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Lenient base64 decode (shared by transfer decoding and RFC 2047 B words).
std::string decode_base64_lenient(std::string_view in);

}  // namespace postamt::mime::detail
