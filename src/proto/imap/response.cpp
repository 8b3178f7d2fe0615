// IMAP response string encoders. Output is always well-formed whatever the input bytes.
// RFC 9051 §4.3, §9; RFC 3516 §4.2; RFC 6855 §3.
#include "proto/imap/response.h"

#include "base/strings.h"

namespace postamt::proto::imap {
namespace {

void append_literal(std::string& out, std::string_view s) {
  out += '{';
  out += std::to_string(s.size());
  out += "}\r\n";
  out.append(s);
}

// RFC 9051 §9 quoted: no CR, LF, NUL; 8-bit only as UTF-8 (UTF8-2..4), which a client may
// only receive after ENABLE UTF8=ACCEPT or IMAP4rev2 (RFC 6855 §3, RFC 9051 §5.1).
bool quotable(std::string_view s, bool utf8_ok) {
  if (s.size() > kMaxQuotedResponse) return false;
  bool eight_bit = false;
  for (unsigned char c : s) {
    if (c == '\r' || c == '\n' || c == 0) return false;
    if (c >= 0x80) eight_bit = true;
  }
  return !eight_bit || (utf8_ok && is_valid_utf8(s));
}

}  // namespace

// RFC 9051 §9: ATOM-CHAR = any CHAR except atom-specials; atom-specials = "(" / ")" / "{" /
// SP / CTL / list-wildcards / quoted-specials / resp-specials; ASTRING-CHAR adds "]".
bool is_astring_char(unsigned char c) {
  if (c <= 0x20 || c >= 0x7F) return false;
  switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\':
      return false;
    default:
      return true;
  }
}

void append_string(std::string& out, std::string_view s, bool utf8_ok) {
  if (!quotable(s, utf8_ok)) {
    append_literal(out, s);
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';  // RFC 9051 §9 quoted-specials
    out += c;
  }
  out += '"';
}

void append_astring(std::string& out, std::string_view s, bool utf8_ok) {
  bool atom = !s.empty() && !iequals(s, "NIL");
  for (size_t i = 0; atom && i < s.size(); ++i) atom = is_astring_char(static_cast<unsigned char>(s[i]));
  if (atom) {
    out.append(s);
  } else {
    append_string(out, s, utf8_ok);
  }
}

void append_nstring(std::string& out, std::optional<std::string_view> s, bool utf8_ok) {
  if (!s) {
    out += "NIL";
  } else {
    append_string(out, *s, utf8_ok);
  }
}

void append_literal8(std::string& out, std::string_view bytes) {
  out += "~{";
  out += std::to_string(bytes.size());
  out += "}\r\n";
  out.append(bytes);
}

void append_flag_list(std::string& out, const std::vector<std::string>& flags) {
  out += '(';
  for (size_t i = 0; i < flags.size(); ++i) {
    if (i > 0) out += ' ';
    out += flags[i];
  }
  out += ')';
}

}  // namespace postamt::proto::imap
