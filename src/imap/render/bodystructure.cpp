// BODY / BODYSTRUCTURE rendering; see bodystructure.h.
// Handles untrusted input (structure of received messages, via the summary).
// RFCs: 9051 §7.5.2, §9; 3501 §7.4.2; 2045 §5.2; 2231 §4.
#include "imap/render/bodystructure.h"

#include "base/strings.h"
#include "imap/render/envelope.h"
#include "imap/render/imap_string.h"

namespace postamt::imap::render {

namespace {

constexpr std::string_view kEmptyEnvelope = "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";

bool has_8bit(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

// RFC 2231 §7: attribute-char = any CHAR except SPACE, CTLs, "*", "'", "%", tspecials.
bool is_attribute_char(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return false;
  return std::string_view("*'%()<>@,;:\\\"/[]?=").find(static_cast<char>(c)) == std::string_view::npos;
}

// RFC 2231 §4: extended-value = charset "'" [language] "'" extended-other-values.
std::string rfc2231_utf8(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "utf-8''";
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (is_attribute_char(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

void append_param(std::string& out, const Param& p, bool utf8_ok) {
  if (!utf8_ok && has_8bit(p.value)) {
    append_string(out, p.name + "*", utf8_ok);
    out += ' ';
    append_string(out, rfc2231_utf8(p.value), utf8_ok);
    return;
  }
  append_string(out, p.name, utf8_ok);
  out += ' ';
  append_string(out, p.value, utf8_ok);
}

// body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
void append_params(std::string& out, const std::vector<Param>& params, bool default_charset, bool utf8_ok) {
  bool has_charset = false;
  for (const auto& p : params)
    if (iequals(p.name, "charset")) has_charset = true;
  bool add_charset = default_charset && !has_charset;  // RFC 2045 §5.2
  if (params.empty() && !add_charset) {
    out += "NIL";
    return;
  }
  out += '(';
  bool first = true;
  for (const auto& p : params) {
    if (!first) out += ' ';
    first = false;
    append_param(out, p, utf8_ok);
  }
  if (add_charset) out += first ? "\"charset\" \"us-ascii\"" : " \"charset\" \"us-ascii\"";
  out += ')';
}

// body-fld-dsp = "(" string SP body-fld-param ")" / nil
void append_disposition(std::string& out, const BodyPart& p, bool utf8_ok) {
  if (!p.disposition) {
    out += "NIL";
    return;
  }
  out += '(';
  append_string(out, *p.disposition, utf8_ok);
  out += ' ';
  append_params(out, p.disposition_params, false, utf8_ok);
  out += ')';
}

// body-fld-lang = nstring / "(" string *(SP string) ")"
void append_language(std::string& out, const std::vector<std::string>& lang, bool utf8_ok) {
  if (lang.empty()) {
    out += "NIL";
    return;
  }
  out += '(';
  for (size_t i = 0; i < lang.size(); ++i) {
    if (i) out += ' ';
    append_string(out, lang[i], utf8_ok);
  }
  out += ')';
}

// RFC 9051 §9: body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
// (Dovecot always writes all four; so do we.)
void append_ext_1part(std::string& out, const BodyPart& p, bool utf8_ok) {
  out += ' ';
  append_nstring(out, p.md5, utf8_ok);
  out += ' ';
  append_disposition(out, p, utf8_ok);
  out += ' ';
  append_language(out, p.language, utf8_ok);
  out += ' ';
  append_nstring(out, p.location, utf8_ok);
}

void append_empty_text_body(std::string& out, bool extended) {
  out += "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0";
  if (extended) out += " NIL NIL NIL NIL";
  out += ')';
}

void append_part(std::string& out, const BodyPart& p, bool extended, bool utf8_ok);

// RFC 9051 §9: body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
void append_multipart(std::string& out, const BodyPart& p, bool extended, bool utf8_ok) {
  out += '(';
  if (p.children.empty()) {
    append_empty_text_body(out, extended);  // 1*body: at least one
  } else {
    for (const auto& c : p.children) append_part(out, c, extended, utf8_ok);
  }
  out += ' ';
  append_string(out, p.subtype, utf8_ok);
  if (extended) {
    // body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
    out += ' ';
    append_params(out, p.params, false, utf8_ok);
    out += ' ';
    append_disposition(out, p, utf8_ok);
    out += ' ';
    append_language(out, p.language, utf8_ok);
    out += ' ';
    append_nstring(out, p.location, utf8_ok);
  }
  out += ')';
}

// RFC 9051 §9: body-type-basic / body-type-msg / body-type-text
void append_single(std::string& out, const BodyPart& p, bool extended, bool utf8_ok) {
  out += '(';
  append_string(out, p.type, utf8_ok);
  out += ' ';
  append_string(out, p.subtype, utf8_ok);
  out += ' ';
  append_params(out, p.params, p.is_text(), utf8_ok);
  // body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
  out += ' ';
  append_nstring(out, p.id, utf8_ok);
  out += ' ';
  append_nstring(out, p.description, utf8_ok);
  out += ' ';
  append_string(out, p.encoding, utf8_ok);
  out += ' ';
  out += std::to_string(p.body_size);
  if (p.is_message()) {
    // body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines
    out += ' ';
    if (p.children.empty()) {
      out += kEmptyEnvelope;
      out += ' ';
      append_empty_text_body(out, extended);
    } else {
      if (p.envelope)
        append_envelope(out, *p.envelope, utf8_ok);
      else
        out += kEmptyEnvelope;
      out += ' ';
      append_part(out, p.children.front(), extended, utf8_ok);
    }
    out += ' ';
    out += std::to_string(p.body_lines);
  } else if (p.is_text()) {
    // body-type-text = media-text SP body-fields SP body-fld-lines
    out += ' ';
    out += std::to_string(p.body_lines);
  }
  if (extended) append_ext_1part(out, p, utf8_ok);
  out += ')';
}

// The summary's depth is bounded (summary.h), which bounds this recursion.
void append_part(std::string& out, const BodyPart& p, bool extended, bool utf8_ok) {
  if (p.is_multipart())
    append_multipart(out, p, extended, utf8_ok);
  else
    append_single(out, p, extended, utf8_ok);
}

}  // namespace

void append_bodystructure(std::string& out, const BodyPart& root, bool extended, bool utf8_ok) {
  append_part(out, root, extended, utf8_ok);
}

}  // namespace postamt::imap::render
