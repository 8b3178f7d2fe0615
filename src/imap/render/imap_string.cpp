// IMAP quoted/literal string output; see imap_string.h.
// Handles untrusted input (header bytes of received messages).
// RFCs: 9051 §4.3, §9; 6855 §3.
#include "imap/render/imap_string.h"

#include "base/strings.h"

namespace postamt::imap::render {

namespace {

// Dovecot switches to a literal after this many quoted-specials (imap-quote.c).
constexpr int kMaxQuotedEscapes = 4;
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD for NUL

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

std::string replace_nul(std::string_view s) {
  std::string r;
  r.reserve(s.size() + 8);
  for (char c : s) {
    if (c == '\0')
      r += kReplacement;
    else
      r.push_back(c);
  }
  return r;
}

// RFC 9051 §4.3: a literal is "{n}" CRLF followed by n octets (CHAR8: no NUL).
void append_literal(std::string& out, std::string_view s) {
  out += '{';
  out += std::to_string(s.size());
  out += "}\r\n";
  out += s;
}

void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

// RFC 9051 §9 QUOTED-CHAR: TEXT-CHAR except quoted-specials, escaped specials, and
// (UTF-8 mode) UTF8-2/3/4. Decides like Dovecot's imap_append_nstring().
bool can_quote(std::string_view s, bool utf8_ok) {
  int escapes = 0;
  bool eight_bit = false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\r' || c == '\n' || c == 0) return false;
    if (c == '"' || c == '\\') {
      if (++escapes > kMaxQuotedEscapes) return false;
    } else if (c >= 0x80) {
      eight_bit = true;
    }
  }
  if (!eight_bit) return true;
  return utf8_ok && is_valid_utf8(s);
}

}  // namespace

void append_string(std::string& out, std::string_view s, bool utf8_ok) {
  if (has_nul(s)) {
    std::string clean = replace_nul(s);
    append_string(out, clean, utf8_ok);
    return;
  }
  if (can_quote(s, utf8_ok))
    append_quoted(out, s);
  else
    append_literal(out, s);
}

void append_nstring(std::string& out, const std::optional<std::string>& s, bool utf8_ok) {
  if (!s) {
    out += "NIL";
    return;
  }
  append_string(out, *s, utf8_ok);
}

void append_string_for_humans(std::string& out, std::string_view s, bool utf8_ok) {
  std::string norm;
  norm.reserve(s.size());
  bool pending_space = false;
  for (char c : s) {
    if (c == '\r' || c == '\n') continue;
    if (c == ' ' || c == '\t') {
      pending_space = !norm.empty();
      continue;
    }
    if (pending_space) norm += ' ';
    pending_space = false;
    if (c == '\0')
      norm += kReplacement;
    else
      norm += c;
  }
  bool plain = norm == s;
  for (char c : norm) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) >= 0x80) plain = false;
  }
  if (plain) {
    append_quoted(out, norm);
  } else if (utf8_ok || norm.empty()) {
    append_string(out, norm, utf8_ok);
  } else {
    append_literal(out, norm);  // Dovecot writes every changed value as a literal
  }
}

void replace_nul_for_literal(std::string& bytes) {
  for (char& c : bytes)
    if (c == '\0') c = '\x80';
}

void append_nstring_for_humans(std::string& out, const std::optional<std::string>& s, bool utf8_ok) {
  if (s)
    append_string_for_humans(out, *s, utf8_ok);
  else
    out += "NIL";
}

}  // namespace postamt::imap::render
