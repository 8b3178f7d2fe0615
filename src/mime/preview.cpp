// RFC 8970 message preview text (IMAP FETCH PREVIEW, JMAP Email/preview).
// Handles untrusted input (bodies of received messages, including hostile HTML).
// RFCs: 8970 §3 (preview), 2045 §6 (transfer decoding), 2046 §4.1.2 (charset),
// HTML entity subset of the WHATWG HTML standard.
#include <array>

#include "base/strings.h"
#include "mime/internal.h"
#include "mime/mime.h"

namespace postamt::mime {

namespace {

// Only the start of a part is needed for 200 characters; this bounds the work on huge
// bodies (HTML with big <style> blocks still fits easily).
constexpr size_t kMaxPreviewInput = 256 * 1024;

bool is_attachment(const Part& p) { return p.disposition && *p.disposition == "attachment"; }

// Depth-first search for the first non-attachment text/<subtype> leaf; encapsulated
// messages are someone else's text and are not entered. Explicit stack: no recursion.
const Part* find_text(const Part& root, std::string_view subtype) {
  std::vector<const Part*> stack{&root};
  while (!stack.empty()) {
    const Part* p = stack.back();
    stack.pop_back();
    if (p->is_multipart()) {
      for (size_t i = p->children.size(); i-- > 0;) stack.push_back(&p->children[i]);
      continue;
    }
    if (p->type == "text" && p->subtype == subtype && !is_attachment(*p)) return p;
  }
  return nullptr;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes the entity starting at s[i] == '&'; returns the bytes consumed (0: not one).
size_t decode_entity(std::string_view s, size_t i, std::string& out) {
  // Bounded look-ahead keeps "&&&&..." linear.
  size_t semi = s.substr(i, 14).find(';');
  if (semi == std::string_view::npos) return 0;
  semi += i;
  std::string_view name = s.substr(i + 1, semi - i - 1);
  if (name.size() >= 2 && name[0] == '#') {
    uint32_t cp = 0;
    bool hex = name[1] == 'x' || name[1] == 'X';
    std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    for (char c : digits) {
      int v = hex ? detail::hex_value(c) : (detail::is_digit(c) ? c - '0' : -1);
      if (v < 0) return 0;
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
      if (cp > 0x10FFFF) cp = 0x110000;  // stays invalid, no overflow
    }
    append_utf8(out, cp);
    return semi - i + 1;
  }
  struct E {
    std::string_view name;
    uint32_t cp;
  };
  static constexpr std::array<E, 14> kEntities = {{{"amp", '&'},
                                                   {"lt", '<'},
                                                   {"gt", '>'},
                                                   {"quot", '"'},
                                                   {"apos", '\''},
                                                   {"nbsp", ' '},
                                                   {"copy", 0xA9},
                                                   {"reg", 0xAE},
                                                   {"euro", 0x20AC},
                                                   {"hellip", 0x2026},
                                                   {"mdash", 0x2014},
                                                   {"ndash", 0x2013},
                                                   {"rsquo", 0x2019},
                                                   {"lsquo", 0x2018}}};
  for (const auto& e : kEntities)
    if (name == e.name) {
      append_utf8(out, e.cp);
      return semi - i + 1;
    }
  return 0;
}

// Tag name right after '<' (lower-cased, without '/').
std::string tag_name(std::string_view s, size_t i) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '/') ++j;
  std::string name;
  while (j < s.size() && (detail::is_alpha(s[j]) || detail::is_digit(s[j])) && name.size() < 16)
    name.push_back(ascii_lower(s[j++]));
  return name;
}

// Case-insensitive search for `needle` (lower-case ASCII) from `from`.
size_t ifind(std::string_view s, std::string_view needle, size_t from) {
  for (size_t i = s.find('<', from); i != std::string_view::npos; i = s.find('<', i + 1))
    if (istarts_with(s.substr(i), needle)) return i;
  return std::string_view::npos;
}

// Text content of HTML: tags dropped (block-ish tags become spaces), <script>, <style>,
// <head> and comments dropped entirely, entities decoded. Linear in the input.
std::string html_to_text(std::string_view s) {
  std::string out;
  out.reserve(s.size() / 2);
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '<') {
      if (s.substr(i, 4) == "<!--") {
        size_t e = s.find("-->", i + 4);
        i = e == std::string_view::npos ? s.size() : e + 3;
        continue;
      }
      std::string name = tag_name(s, i);
      bool closing = i + 1 < s.size() && s[i + 1] == '/';
      if (!closing && (name == "script" || name == "style" || name == "head" || name == "title")) {
        size_t e = ifind(s, "</" + name, i + 1);
        if (e == std::string_view::npos) break;
        i = e;
        continue;
      }
      size_t e = s.find('>', i + 1);
      if (e == std::string_view::npos) break;
      out.push_back(' ');  // tags separate words (<br>, <p>, <td>, ...)
      i = e + 1;
    } else if (c == '&') {
      size_t n = decode_entity(s, i, out);
      if (n == 0) out.push_back(c);
      i += n == 0 ? 1 : n;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

// Whitespace runs (ASCII whitespace, controls, NBSP) -> one space; trimmed; cut after
// max_chars code points, never inside a UTF-8 sequence (input is valid UTF-8).
std::string collapse(std::string_view s, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  bool pending_space = false;
  size_t i = 0;
  while (i < s.size() && chars < max_chars) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    len = std::min(len, s.size() - i);
    bool space = c < 0x80 ? (c <= 32 || c == 127) : (len == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) == 0xA0);
    if (space) {
      pending_space = !out.empty();
    } else {
      if (pending_space) {
        out.push_back(' ');
        ++chars;
        pending_space = false;
        if (chars >= max_chars) break;
      }
      out.append(s.substr(i, len));
      ++chars;
    }
    i += len;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();  // a cut right after a space
  return out;
}

}  // namespace

std::string make_preview(const ParsedMessage& msg, std::string_view message, size_t max_chars) {
  bool html = false;
  const Part* p = find_text(msg.root, "plain");
  if (!p) {
    p = find_text(msg.root, "html");
    html = true;
  }
  if (!p || max_chars == 0 || p->body_offset > message.size()) return {};
  std::string_view body = message.substr(p->body_offset, std::min(p->body_size, message.size() - p->body_offset));
  if (body.size() > kMaxPreviewInput) {
    body = body.substr(0, kMaxPreviewInput);
    size_t nl = body.rfind('\n');  // cut at a line end so QP/base64 quanta stay whole
    if (nl != std::string_view::npos) body = body.substr(0, nl + 1);
  }
  std::string decoded = decode_transfer_encoding(body, p->encoding);
  const std::string* cs = find_param(p->params, "charset");
  std::optional<std::string> text = to_utf8(decoded, cs ? *cs : "utf-8");
  if (!text) text = to_utf8(decoded, "utf-8");  // unknown charset: best effort
  if (!text) return {};
  if (html) *text = html_to_text(*text);
  return collapse(*text, max_chars);
}

}  // namespace postamt::mime
