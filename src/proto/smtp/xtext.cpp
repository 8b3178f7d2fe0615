// xtext, the encoding of DSN parameters ORCPT and ENVID. Decodes unauthenticated input.
// RFC 3461 §4.
#include "proto/smtp/xtext.h"

namespace postamt::proto::smtp {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;  // not RFC 3461, but harmless to accept
  return -1;
}

// xchar = any ASCII CHAR between "!" (33) and "~" (126) inclusive, except "+" and "=".
bool is_xchar(unsigned char c) { return c >= 33 && c <= 126 && c != '+' && c != '='; }

}  // namespace

std::optional<std::string> xtext_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '+') {
      // hexchar = ASCII "+" immediately followed by two upper case hexadecimal digits
      if (s.size() - i < 3) return std::nullopt;
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
      continue;
    }
    if (!is_xchar(c)) return std::nullopt;
    out.push_back(static_cast<char>(c));
  }
  return out;
}

std::string xtext_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (is_xchar(c)) {
      out.push_back(ch);
    } else {
      out.push_back('+');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace postamt::proto::smtp
