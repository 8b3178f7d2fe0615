// FETCH item parsing and response item names. Handles untrusted input.
// RFC 9051 §6.4.5, §7.5.2, §9; RFC 3501 §6.4.5; RFC 3516; RFC 7162; RFC 8970; RFC 8474;
// RFC 8514.
#include "proto/imap/fetch_items.h"

#include <string_view>

#include "base/strings.h"
#include "proto/imap/args_common.h"
#include "proto/imap/response.h"

namespace postamt::proto::imap {
namespace {

struct SimpleAttr {
  const char* name;
  FetchAttr attr;
};

// RFC 9051 §9 fetch-att without section; RFC 3501 §9 adds RFC822 [.HEADER / .TEXT].
constexpr SimpleAttr kSimple[] = {
    {"ENVELOPE", FetchAttr::envelope},       {"FLAGS", FetchAttr::flags},
    {"INTERNALDATE", FetchAttr::internaldate}, {"RFC822", FetchAttr::rfc822},
    {"RFC822.HEADER", FetchAttr::rfc822_header}, {"RFC822.SIZE", FetchAttr::rfc822_size},
    {"RFC822.TEXT", FetchAttr::rfc822_text}, {"BODY", FetchAttr::body},
    {"BODYSTRUCTURE", FetchAttr::bodystructure}, {"UID", FetchAttr::uid},
    {"PREVIEW", FetchAttr::preview},         {"MODSEQ", FetchAttr::modseq},
    {"EMAILID", FetchAttr::emailid},         {"THREADID", FetchAttr::threadid},
    {"SAVEDATE", FetchAttr::savedate},
};

const char* simple_name(FetchAttr a) {
  for (const auto& s : kSimple) {
    if (s.attr == a) return s.name;
  }
  return "";
}

class FetchParser {
 public:
  FetchParser(const FetchLimits& limits, FetchRequest& req) : limits_(limits), req_(req) {}

  // One fetch-att starting at toks[i] (one token, or three for a section with a
  // HEADER.FIELDS list); advances i.
  Result<void> item(const std::vector<Token>& toks, size_t& i) {
    const Token& t = toks[i];
    if (!is_plain_atom(t) || t.glued) return syntax_error("Invalid FETCH item");
    std::string_view text = t.text;
    size_t lb = text.find('[');
    FetchItem it;
    if (lb == std::string_view::npos) {
      std::string name = ascii_upper(text);
      bool found = false;
      for (const auto& s : kSimple) {
        if (name == s.name) {
          it.attr = s.attr;
          found = true;
          break;
        }
      }
      if (!found) return syntax_error("Unknown FETCH item");
      ++i;
      // RFC 8970 §3: "PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"]; preview-mod =
      // "LAZY". A list after PREVIEW is its modifiers when it starts with one.
      if (it.attr == FetchAttr::preview && i < toks.size() && toks[i].kind == TokenKind::list &&
          !toks[i].children.empty() && toks[i].children[0].is_atom("LAZY")) {
        for (const Token& m : toks[i].children) {
          if (!m.is_atom("LAZY") || m.kind != TokenKind::atom) return syntax_error("Unknown PREVIEW modifier");
        }
        it.lazy = true;
        ++i;
      }
      return push(std::move(it));
    }
    // RFC 9051 §9: "BODY" section [partial] / "BODY.PEEK" section [partial] / "BINARY"
    // [".PEEK"] section-binary [partial] / "BINARY.SIZE" section-binary.
    std::string name = ascii_upper(text.substr(0, lb));
    if (name == "BODY" || name == "BODY.PEEK") {
      it.attr = FetchAttr::body_section;
      it.peek = name.size() > 4;
    } else if (name == "BINARY" || name == "BINARY.PEEK") {
      it.attr = FetchAttr::binary;
      it.peek = name.size() > 6;
    } else if (name == "BINARY.SIZE") {
      it.attr = FetchAttr::binary_size;
    } else {
      return syntax_error("Unknown FETCH item");
    }
    std::string_view rest = text.substr(lb + 1);
    std::string_view spec;
    std::string_view tail;
    const Token* fields = nullptr;
    size_t rb = rest.find(']');
    if (rb != std::string_view::npos) {
      spec = rest.substr(0, rb);
      tail = rest.substr(rb + 1);
      ++i;
    } else {
      // "BODY[HEADER.FIELDS" (A B) "]<0.9>": the generic parser split the section at the
      // list; the closing atom follows the list without a space (Token::glued).
      if (i + 2 >= toks.size() || toks[i + 1].kind != TokenKind::list || !is_plain_atom(toks[i + 2]) ||
          !toks[i + 2].glued || toks[i + 2].text.empty() || toks[i + 2].text[0] != ']') {
        return syntax_error("Invalid FETCH section");
      }
      spec = rest;
      fields = &toks[i + 1];
      tail = std::string_view(toks[i + 2].text).substr(1);
      i += 3;
    }
    if (it.attr == FetchAttr::body_section) {
      if (auto r = body_section(spec, fields, it.section); !r) return r.error();
    } else {
      if (fields) return syntax_error("Invalid BINARY section");
      if (auto r = part_path(spec, it.section.part, /*allow_text=*/false); !r) return r.error();
    }
    if (!tail.empty()) {
      if (it.attr == FetchAttr::binary_size) return syntax_error("BINARY.SIZE takes no partial");
      auto p = partial(tail);
      if (!p) return p.error();
      it.partial = *p;
    }
    return push(std::move(it));
  }

  Result<void> push(FetchItem it) {
    if (req_.items.size() >= limits_.max_items) return syntax_error("Too many FETCH items");
    req_.items.push_back(std::move(it));
    return {};
  }

 private:
  // RFC 9051 §9: section-part = nz-number *("." nz-number). Reads the leading numbers of
  // spec; the remainder (after the "." that follows the last number) goes to text_out.
  Result<void> part_path(std::string_view spec, std::vector<uint32_t>& part, bool allow_text,
                         std::string_view* text_out = nullptr) {
    size_t pos = 0;
    while (pos < spec.size() && spec[pos] >= '0' && spec[pos] <= '9') {
      size_t end = pos;
      while (end < spec.size() && spec[end] >= '0' && spec[end] <= '9') ++end;
      std::string_view num = spec.substr(pos, end - pos);
      auto v = parse_u64(num);
      if (num[0] == '0' || !v || *v > 0xFFFFFFFFull) return syntax_error("Invalid section part number");
      if (part.size() >= limits_.max_part_depth) return syntax_error("Section part path too deep");
      part.push_back(static_cast<uint32_t>(*v));
      pos = end;
      if (pos == spec.size()) return {};
      if (spec[pos] != '.') return syntax_error("Invalid FETCH section");
      ++pos;
      if (pos == spec.size()) return syntax_error("Invalid FETCH section");
    }
    if (pos < spec.size()) {
      if (!allow_text) return syntax_error("Invalid BINARY section");
      *text_out = spec.substr(pos);
    }
    return {};
  }

  // RFC 9051 §9: section-spec = section-msgtext / (section-part ["." section-text]);
  // section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT";
  // section-text = section-msgtext / "MIME".
  Result<void> body_section(std::string_view spec, const Token* fields, Section& sec) {
    std::string_view text;
    if (auto r = part_path(spec, sec.part, true, &text); !r) return r.error();
    std::string upper = ascii_upper(text);
    if (upper.empty()) {
      sec.text = SectionText::none;
    } else if (upper == "HEADER") {
      sec.text = SectionText::header;
    } else if (upper == "HEADER.FIELDS") {
      sec.text = SectionText::header_fields;
    } else if (upper == "HEADER.FIELDS.NOT") {
      sec.text = SectionText::header_fields_not;
    } else if (upper == "TEXT") {
      sec.text = SectionText::text;
    } else if (upper == "MIME" && !sec.part.empty()) {
      sec.text = SectionText::mime;
    } else {
      return syntax_error("Invalid FETCH section");
    }
    bool wants_list = sec.text == SectionText::header_fields || sec.text == SectionText::header_fields_not;
    if (wants_list != (fields != nullptr)) return syntax_error("Invalid FETCH section");
    if (!fields) return {};
    // RFC 9051 §9: header-list = "(" header-fld-name *(SP header-fld-name) ")";
    // header-fld-name = astring.
    if (fields->children.empty()) return syntax_error("Empty header field list");
    if (fields->children.size() > limits_.max_header_fields) return syntax_error("Too many header fields");
    for (const Token& f : fields->children) {
      if (!f.is_astring() || f.text.empty() || f.text.size() > limits_.max_field_name) {
        return syntax_error("Invalid header field name");
      }
      sec.fields.push_back(f.text);
    }
    return {};
  }

  // RFC 9051 §9: partial = "<" number64 "." nz-number64 ">".
  static Result<Partial> partial(std::string_view s) {
    if (s.size() < 5 || s.front() != '<' || s.back() != '>') return syntax_error("Invalid partial");
    s = s.substr(1, s.size() - 2);
    size_t dot = s.find('.');
    if (dot == std::string_view::npos) return syntax_error("Invalid partial");
    auto off = parse_number64(s.substr(0, dot));
    auto len = parse_number64(s.substr(dot + 1));
    if (!off || !len || *len == 0) return syntax_error("Invalid partial");
    return Partial{*off, *len};
  }

  const FetchLimits& limits_;
  FetchRequest& req_;
};

// RFC 9051 §6.4.5 macros.
bool expand_macro(std::string_view name, std::vector<FetchItem>& out) {
  std::vector<FetchAttr> attrs;
  if (iequals(name, "ALL")) {
    attrs = {FetchAttr::flags, FetchAttr::internaldate, FetchAttr::rfc822_size, FetchAttr::envelope};
  } else if (iequals(name, "FAST")) {
    attrs = {FetchAttr::flags, FetchAttr::internaldate, FetchAttr::rfc822_size};
  } else if (iequals(name, "FULL")) {
    attrs = {FetchAttr::flags, FetchAttr::internaldate, FetchAttr::rfc822_size, FetchAttr::envelope, FetchAttr::body};
  } else {
    return false;
  }
  for (FetchAttr a : attrs) {
    FetchItem it;
    it.attr = a;
    out.push_back(it);
  }
  return true;
}

// RFC 7162 §7: fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")";
// chgsince-fetch-mod = "CHANGEDSINCE" SP mod-sequence-value; rexpunges-fetch-mod =
// "VANISHED". CHANGEDSINCE 0 is accepted (it names every change), as common servers do.
Result<void> modifiers(const Token& list, const FetchOptions& opts, FetchRequest& req) {
  const auto& m = list.children;
  if (m.empty()) return syntax_error("Empty FETCH modifier list");
  for (size_t k = 0; k < m.size(); ++k) {
    if (m[k].is_atom("CHANGEDSINCE") && m[k].kind == TokenKind::atom && !req.changed_since && k + 1 < m.size()) {
      auto v = parse_mod_sequence(m[k + 1], true);
      if (!v) return v.error();
      req.changed_since = *v;
      ++k;
    } else if (m[k].is_atom("VANISHED") && m[k].kind == TokenKind::atom && !req.vanished) {
      req.vanished = true;
    } else {
      return syntax_error("Invalid FETCH modifier");
    }
  }
  // RFC 7162 §3.2.6: VANISHED only with CHANGEDSINCE, and only in UID FETCH.
  if (req.vanished && (!req.changed_since || !opts.uid)) {
    return syntax_error("VANISHED requires UID FETCH with CHANGEDSINCE");
  }
  return {};
}

void append_section(std::string& out, const Section& sec) {
  for (size_t k = 0; k < sec.part.size(); ++k) {
    if (k > 0) out += '.';
    out += std::to_string(sec.part[k]);
  }
  const char* text = nullptr;
  switch (sec.text) {
    case SectionText::none: break;
    case SectionText::header: text = "HEADER"; break;
    case SectionText::header_fields: text = "HEADER.FIELDS"; break;
    case SectionText::header_fields_not: text = "HEADER.FIELDS.NOT"; break;
    case SectionText::text: text = "TEXT"; break;
    case SectionText::mime: text = "MIME"; break;
  }
  if (!text) return;
  if (!sec.part.empty()) out += '.';
  out += text;
  if (sec.text == SectionText::header_fields || sec.text == SectionText::header_fields_not) {
    out += " (";
    for (size_t k = 0; k < sec.fields.size(); ++k) {
      if (k > 0) out += ' ';
      append_astring(out, sec.fields[k]);
    }
    out += ')';
  }
}

}  // namespace

bool sets_seen(const FetchItem& item) {
  switch (item.attr) {
    case FetchAttr::rfc822:
    case FetchAttr::rfc822_text:
      return true;
    case FetchAttr::body_section:
    case FetchAttr::binary:
      return !item.peek;
    default:
      return false;
  }
}

Result<FetchRequest> parse_fetch(const std::vector<Token>& args, size_t i, const FetchOptions& opts) {
  FetchRequest req;
  if (auto r = expect_arg(args, i, "FETCH items"); !r) return r.error();
  FetchParser p(opts.limits, req);
  const Token& first = args[i];
  if (first.kind == TokenKind::list) {
    if (first.children.empty()) return syntax_error("Empty FETCH item list");
    for (size_t k = 0; k < first.children.size();) {
      if (auto r = p.item(first.children, k); !r) return r.error();
    }
    ++i;
  } else if (is_plain_atom(first) && expand_macro(first.text, req.items)) {
    ++i;
  } else {
    if (auto r = p.item(args, i); !r) return r.error();
  }
  if (i < args.size()) {
    if (args[i].kind != TokenKind::list || args[i].glued) return syntax_error("Invalid FETCH arguments");
    if (auto r = modifiers(args[i], opts, req); !r) return r.error();
    if (auto r = expect_end(args, i + 1); !r) return r.error();
  }
  for (const FetchItem& it : req.items) {
    req.sets_seen = req.sets_seen || sets_seen(it);
    req.wants_modseq = req.wants_modseq || it.attr == FetchAttr::modseq;
  }
  if (req.changed_since) req.wants_modseq = true;
  return req;
}

std::string section_response_name(const FetchItem& item) {
  std::string out;
  switch (item.attr) {
    case FetchAttr::body_section: out = "BODY["; break;
    case FetchAttr::binary: out = "BINARY["; break;
    case FetchAttr::binary_size: out = "BINARY.SIZE["; break;
    default: return simple_name(item.attr);
  }
  append_section(out, item.section);
  out += ']';
  // RFC 9051 §7.5.2: "BODY[<section>]<<origin octet>>".
  if (item.partial && item.attr != FetchAttr::binary_size) {
    out += '<';
    out += std::to_string(item.partial->offset);
    out += '>';
  }
  return out;
}

}  // namespace postamt::proto::imap
