// Mailbox name decoding, validation and encoding. Handles untrusted input.
// RFC 9051 §5.1; RFC 3501 §5.1.3; RFC 6855 §3; RFC 5198.
#include "proto/imap/mailbox_name.h"

#include "base/strings.h"
#include "proto/imap/mutf7.h"
#include "proto/imap/response.h"

namespace postamt::proto::imap {
namespace {

Error bad(const char* msg) { return Error::make(ErrorCode::params, msg); }

// RFC 5198 §2: no C0 controls, DEL, or C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F).
bool has_controls(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size()) {
      unsigned char d = static_cast<unsigned char>(s[i + 1]);
      if (d >= 0x80 && d <= 0x9F) return true;
    }
  }
  return false;
}

}  // namespace

Result<std::string> normalize_mailbox_name(std::string_view name, char delimiter, size_t max_bytes) {
  if (name.empty()) return bad("Empty mailbox name");
  if (name.size() > max_bytes) return bad("Mailbox name too long");
  if (!is_valid_utf8(name)) return bad("Mailbox name is not valid UTF-8");
  if (has_controls(name)) return bad("Control characters in mailbox name");
  std::string out(name);
  // RFC 9051 §5.1: INBOX is case-insensitive; its children follow it.
  if (istarts_with(out, "INBOX") && (out.size() == 5 || out[5] == delimiter)) {
    out.replace(0, 5, "INBOX");
  }
  return out;
}

Result<std::string> decode_mailbox_name(const Token& token, bool utf8_enabled, char delimiter, size_t max_bytes) {
  if (!token.is_astring()) return bad("Mailbox name expected");
  if (utf8_enabled) return normalize_mailbox_name(token.text, delimiter, max_bytes);
  // RFC 3501 §5.1.3: IMAP4rev1 clients send non-ASCII names in modified UTF-7.
  auto decoded = mutf7_to_utf8(token.text);
  if (!decoded) return bad("Mailbox name is not valid modified UTF-7");
  return normalize_mailbox_name(*decoded, delimiter, max_bytes);
}

std::string mailbox_wire_name(std::string_view utf8_name, bool utf8_enabled) {
  return utf8_enabled ? std::string(utf8_name) : utf8_to_mutf7(utf8_name);
}

void format_mailbox_name(std::string& out, std::string_view utf8_name, bool utf8_enabled) {
  append_string(out, mailbox_wire_name(utf8_name, utf8_enabled), utf8_enabled);
}

}  // namespace postamt::proto::imap
