// Mailbox, local part, domain and source route syntax for SMTP paths.
// Handles unauthenticated input (MAIL FROM / RCPT TO addresses).
// RFC 5321 §4.1.2 (Mailbox, Dot-string, Quoted-string, Domain, A-d-l), RFC 6531 §3.3 (UTF-8).
#include <cstdint>

#include "base/strings.h"
#include "proto/smtp/mailbox.h"
#include "proto/smtp/path_scan.h"

namespace postamt::proto::smtp {
namespace {

constexpr size_t kMaxDomain = 255;  // RFC 5321 §4.5.3.1.2
constexpr size_t kMaxLabel = 63;    // RFC 1035 §2.3.4

bool is_alnum(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// RFC 5321 §4.1.2 atext (RFC 5322 §3.2.3), extended with UTF8-non-ascii by RFC 6531 §3.3.
bool is_atext(unsigned char c) {
  if (is_alnum(c) || c >= 0x80) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

// RFC 5321 §4.1.2 qtextSMTP, plus UTF8-non-ascii (RFC 6531 §3.3).
bool is_qtext(unsigned char c) { return (c >= 32 && c <= 126 && c != '"' && c != '\\') || c >= 0x80; }

// Dot-string = Atom *("." Atom)
bool scan_dot_string(std::string_view s, size_t& pos) {
  for (;;) {
    size_t start = pos;
    while (pos < s.size() && is_atext(static_cast<unsigned char>(s[pos]))) ++pos;
    if (pos == start) return false;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      continue;
    }
    return true;
  }
}

// Quoted-string = DQUOTE *QcontentSMTP DQUOTE
bool scan_quoted_string(std::string_view s, size_t& pos) {
  if (pos >= s.size() || s[pos] != '"') return false;
  ++pos;
  while (pos < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[pos]);
    if (c == '"') {
      ++pos;
      return true;
    }
    if (c == '\\') {
      // quoted-pairSMTP = %d92 %d32-126
      if (pos + 1 >= s.size()) return false;
      unsigned char q = static_cast<unsigned char>(s[pos + 1]);
      if (q < 32 || q > 126) return false;
      pos += 2;
      continue;
    }
    if (!is_qtext(c)) return false;
    ++pos;
  }
  return false;
}

bool is_domain_char(unsigned char c) { return is_alnum(c) || c == '-' || c == '.' || c >= 0x80; }

// Domain / address-literal
bool scan_domain_or_literal(std::string_view s, size_t& pos, bool allow_literal) {
  size_t start = pos;
  if (pos < s.size() && s[pos] == '[') {
    if (!allow_literal) return false;
    while (pos < s.size() && s[pos] != ']') {
      unsigned char c = static_cast<unsigned char>(s[pos]);
      if (c < 33 || c > 126) return false;
      ++pos;
    }
    if (pos >= s.size()) return false;
    ++pos;
    return is_valid_address_literal(s.substr(start, pos - start));
  }
  while (pos < s.size() && is_domain_char(static_cast<unsigned char>(s[pos]))) ++pos;
  return is_valid_smtp_domain(s.substr(start, pos - start));
}

}  // namespace

bool is_valid_smtp_domain(std::string_view d) {
  // RFC 5321 §4.1.2: sub-domain = Let-dig [Ldh-str]; RFC 6531 §3.3 adds U-labels.
  if (d.empty() || d.size() > kMaxDomain || !is_valid_utf8(d)) return false;
  size_t label_start = 0;
  for (size_t i = 0; i <= d.size(); ++i) {
    if (i < d.size() && d[i] != '.') {
      if (!is_domain_char(static_cast<unsigned char>(d[i]))) return false;
      continue;
    }
    size_t len = i - label_start;
    if (len == 0 || len > kMaxLabel) return false;
    if (d[label_start] == '-' || d[i - 1] == '-') return false;
    label_start = i + 1;
  }
  return true;
}

std::optional<Mailbox> parse_mailbox(std::string_view address) {
  size_t pos = 0;
  Mailbox m;
  if (!detail::scan_mailbox(address, pos, &m) || pos != address.size()) return std::nullopt;
  return m;
}

std::string unquote_local_part(std::string_view local) {
  if (local.size() < 2 || local.front() != '"' || local.back() != '"') return std::string(local);
  std::string out;
  for (size_t i = 1; i + 1 < local.size(); ++i) {
    if (local[i] == '\\' && i + 2 < local.size()) ++i;
    out.push_back(local[i]);
  }
  return out;
}

namespace detail {

bool scan_mailbox(std::string_view s, size_t& pos, Mailbox* out) {
  size_t start = pos;
  bool ok = (pos < s.size() && s[pos] == '"') ? scan_quoted_string(s, pos) : scan_dot_string(s, pos);
  if (!ok) return false;
  size_t at = pos;
  if (pos >= s.size() || s[pos] != '@') return false;
  ++pos;
  if (!scan_domain_or_literal(s, pos, true)) return false;
  // RFC 6531 §3.3: non-ASCII must be well-formed UTF-8 (domains were checked already).
  if (!is_valid_utf8(s.substr(start, at - start))) return false;
  if (out != nullptr) {
    out->local = std::string(s.substr(start, at - start));
    out->domain = std::string(s.substr(at + 1, pos - at - 1));
  }
  return true;
}

bool scan_source_route(std::string_view s, size_t& pos) {
  // A-d-l = At-domain *( "," At-domain ); At-domain = "@" Domain
  for (;;) {
    if (pos >= s.size() || s[pos] != '@') return false;
    ++pos;
    if (!scan_domain_or_literal(s, pos, false)) return false;
    if (pos < s.size() && s[pos] == ',') {
      ++pos;
      continue;
    }
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      return true;
    }
    return false;
  }
}

}  // namespace detail
}  // namespace postamt::proto::smtp
