// BINARY section lookup and strict transfer-encoding removal; see binary.h.
// Handles untrusted input (message bodies, client part numbers).
// RFCs: 3516 §4.2-§4.4, 2045 §6.7, §6.8.
#include "imap/render/binary.h"

#include "base/strings.h"
#include "mime/mime.h"

namespace postamt::imap::render {

namespace {

bool is_b64(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); }

// RFC 2045 §6.8, applied strictly (see binary.h).
bool valid_base64(std::string_view s) {
  size_t data = 0, pad = 0;
  for (char c : s) {
    if (is_space(c)) continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad > 0 || !is_b64(c)) return false;  // data after padding / outside the alphabet
    ++data;
  }
  size_t rem = data % 4;
  if (pad == 0) return rem == 0;
  return (rem == 2 && pad == 2) || (rem == 3 && pad == 1);
}

// RFC 2045 §6.7 rules 1 and 5, applied strictly (see binary.h).
bool valid_qp(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') continue;
    if (i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
      i += 2;
      continue;
    }
    // Soft line break: "=" [SP/HTAB...] (CRLF / LF / end of data)
    size_t j = i + 1;
    while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
    if (j < s.size() && (s[j] == '\n' || (s[j] == '\r' && j + 1 < s.size() && s[j + 1] == '\n'))) continue;
    if (j == s.size() && j > i + 1) continue;  // "=  " at the end: transport padding
    return false;
  }
  return true;
}

Error unknown_cte() {
  return Error::make(ErrorCode::params, "Unknown Content-Transfer-Encoding", std::string(kUnknownCte));
}

}  // namespace

Cte classify_cte(std::string_view encoding) {
  std::string_view e = trim(encoding);
  if (e.empty() || iequals(e, "7bit") || iequals(e, "8bit") || iequals(e, "binary")) return Cte::identity;
  if (iequals(e, "base64")) return Cte::base64;
  if (iequals(e, "quoted-printable")) return Cte::quoted_printable;
  return Cte::unknown;
}

Result<BinarySection> resolve_binary(const Summary& summary, const std::vector<uint32_t>& part,
                                     uint64_t prefix_size) {
  auto r = resolve_section(summary, SectionSpec{part, SectionKind::none}, prefix_size);
  if (!r) return r.error();
  BinarySection out;
  if (!r->exists) return out;
  out.exists = true;
  out.range = r->range;
  const BodyPart* p = r->part;
  // The whole message, multiparts and encapsulated messages: identity (RFC 2045 §6.4).
  if (part.empty() || p->is_multipart() || (p->is_message() && !p->children.empty())) return out;
  out.cte = classify_cte(p->encoding);
  if (out.cte == Cte::unknown) return unknown_cte();  // RFC 3516 §4.4: NO [UNKNOWN-CTE]
  return out;
}

Result<std::string> decode_binary(std::string_view raw, Cte cte) {
  switch (cte) {
    case Cte::identity:
      return std::string(raw);
    case Cte::unknown:
      return unknown_cte();
    case Cte::base64:
      if (!valid_base64(raw)) break;
      return mime::decode_transfer_encoding(raw, "base64");
    case Cte::quoted_printable:
      if (!valid_qp(raw)) break;
      return mime::decode_transfer_encoding(raw, "quoted-printable");
  }
  return Error::make(ErrorCode::params, "Invalid data in MIME part", std::string(kInvalidData));
}

std::string_view binary_response_code(const Error& e) {
  if (e.detail == kUnknownCte) return "UNKNOWN-CTE";
  if (e.detail == kInvalidData) return "PARSE";
  return "";
}

}  // namespace postamt::imap::render
