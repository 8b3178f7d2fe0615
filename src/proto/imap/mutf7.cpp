// Modified UTF-7 (RFC 3501 §5.1.3). Handles untrusted input (mailbox names from clients).
#include "proto/imap/mutf7.h"

#include <cstdint>
#include <vector>

namespace postamt::proto::imap {
namespace {

// RFC 3501 §5.1.3: RFC 2045 base64 with ',' instead of '/'.
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

bool is_printable_ascii(uint32_t c) { return c >= 0x20 && c <= 0x7E; }

// Decodes one code point; on an invalid sequence consumes one byte and yields U+FFFD.
uint32_t next_code_point(std::string_view s, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t len = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  }
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (size_t k = 1; k < len; ++k) {
    unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  // RFC 3629 §3: no overlongs, no surrogates, nothing above U+10FFFF.
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += len;
  return cp;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

void flush_run(std::string& out, std::vector<uint16_t>& units) {
  if (units.empty()) return;
  out += '&';
  uint32_t bits = 0;
  int nbits = 0;
  for (uint16_t u : units) {
    bits = (bits << 16) | u;
    nbits += 16;
    while (nbits >= 6) {
      nbits -= 6;
      out += kAlphabet[(bits >> nbits) & 0x3F];
    }
    bits &= (1u << nbits) - 1;
  }
  // RFC 3501 §5.1.3 / RFC 2152: pad the last character with zero bits, no '='.
  if (nbits > 0) out += kAlphabet[(bits << (6 - nbits)) & 0x3F];
  out += '-';
  units.clear();
}

}  // namespace

std::string utf8_to_mutf7(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + utf8.size() / 2);
  std::vector<uint16_t> units;
  size_t i = 0;
  while (i < utf8.size()) {
    uint32_t cp = next_code_point(utf8, i);
    if (is_printable_ascii(cp)) {
      flush_run(out, units);
      // RFC 3501 §5.1.3: "&" is represented by "&-".
      out += static_cast<char>(cp);
      if (cp == '&') out += '-';
    } else if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push_back(static_cast<uint16_t>(0xD800 | (cp >> 10)));
      units.push_back(static_cast<uint16_t>(0xDC00 | (cp & 0x3FF)));
    } else {
      units.push_back(static_cast<uint16_t>(cp));
    }
  }
  flush_run(out, units);
  return out;
}

std::optional<std::string> mutf7_to_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  bool prev_was_run = false;  // the previous item was a base64 run (not "&-", not ASCII)
  while (i < in.size()) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c != '&') {
      // RFC 3501 §5.1.3: only printable US-ASCII represents itself.
      if (!is_printable_ascii(c)) return std::nullopt;
      out += static_cast<char>(c);
      ++i;
      prev_was_run = false;
      continue;
    }
    ++i;
    if (i < in.size() && in[i] == '-') {
      out += '&';
      ++i;
      prev_was_run = false;
      continue;
    }
    // A second run right after one is non-canonical: an encoder emits one run.
    if (prev_was_run) return std::nullopt;
    uint32_t bits = 0;
    int nbits = 0;
    uint32_t high = 0;  // pending high surrogate
    bool any = false;
    for (;;) {
      if (i >= in.size()) return std::nullopt;  // run not terminated by '-'
      char d = in[i++];
      if (d == '-') break;
      int v = b64_value(d);
      if (v < 0) return std::nullopt;
      bits = (bits << 6) | static_cast<uint32_t>(v);
      nbits += 6;
      if (nbits < 16) continue;
      nbits -= 16;
      uint32_t unit = (bits >> nbits) & 0xFFFF;
      bits &= (1u << nbits) - 1;
      any = true;
      if (high != 0) {
        if (unit < 0xDC00 || unit > 0xDFFF) return std::nullopt;
        append_utf8(out, 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00));
        high = 0;
      } else if (unit >= 0xD800 && unit <= 0xDBFF) {
        high = unit;
      } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
        return std::nullopt;  // low surrogate without a high one
      } else if (is_printable_ascii(unit)) {
        return std::nullopt;  // RFC 3501 §5.1.3: MUST NOT encode printable US-ASCII
      } else {
        append_utf8(out, unit);
      }
    }
    // Leftover must be padding only: fewer than 6 bits, all zero (canonical base64).
    if (!any || high != 0 || nbits >= 6 || bits != 0) return std::nullopt;
    prev_was_run = true;
  }
  return out;
}

}  // namespace postamt::proto::imap
