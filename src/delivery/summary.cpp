// Message summary computation; see summary.h for the JSON layout.
// Also the full-text search input (DESIGN §5): decoded header fields and the
// text of the text/* parts, casefolded, bounded (RFC 9051 §6.4.4 SEARCH
// BODY/TEXT is a case-insensitive substring match).
// Handles untrusted input (the message).
#include "delivery/summary.h"

#include <boost/json.hpp>

#include <algorithm>
#include <limits>

#include "base/strings.h"
#include "mime/mime.h"

namespace postamt::delivery {
namespace json = boost::json;

namespace {

json::value opt(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return json::string(*s);
}

json::value addresses(const std::vector<mime::Address>& list) {
  if (list.empty()) return nullptr;
  json::array a;
  for (const auto& ad : list) a.push_back(json::array{opt(ad.name), opt(ad.adl), opt(ad.mailbox), opt(ad.host)});
  return a;
}

json::object envelope(const mime::Envelope& e) {
  json::object o;
  o["date"] = opt(e.date);
  o["subject"] = opt(e.subject);
  o["in_reply_to"] = opt(e.in_reply_to);
  o["message_id"] = opt(e.message_id);
  o["from"] = addresses(e.from);
  o["sender"] = addresses(e.sender);
  o["reply_to"] = addresses(e.reply_to);
  o["to"] = addresses(e.to);
  o["cc"] = addresses(e.cc);
  o["bcc"] = addresses(e.bcc);
  return o;
}

json::array params(const std::vector<mime::Param>& ps) {
  json::array a;
  for (const auto& p : ps) a.push_back(json::array{json::string(p.name), json::string(p.value)});
  return a;
}

// The parser bounds depth (Limits::max_depth), so this recursion is bounded too.
json::object part(const mime::Part& p) {
  json::object o;
  o["t"] = p.type;
  o["s"] = p.subtype;
  o["p"] = params(p.params);
  o["id"] = opt(p.id);
  o["desc"] = opt(p.description);
  o["md5"] = opt(p.md5);
  o["loc"] = opt(p.location);
  o["enc"] = p.encoding;
  o["disp"] = opt(p.disposition);
  o["dp"] = params(p.disposition_params);
  json::array lang;
  for (const auto& l : p.language) lang.push_back(json::string(l));
  o["lang"] = std::move(lang);
  o["o"] = p.offset;
  o["hs"] = p.header_size;
  o["bs"] = p.body_size;
  o["hl"] = p.header_lines;
  o["bl"] = p.body_lines;
  json::array children;
  for (const auto& c : p.children) children.push_back(part(c));
  o["c"] = std::move(children);
  if (p.envelope) o["env"] = envelope(*p.envelope);
  return o;
}

std::string strip_angles(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

// ---- search text ------------------------------------------------------------

// Input gathered per message before folding: headers and text parts beyond
// this are not searchable (store::MessageSummary documents the 2 MiB).
constexpr size_t kMaxSearchHeaders = 256 * 1024;
constexpr size_t kMaxSearchBody = 2 * 1024 * 1024;
// Transfer-encoded input decoded per part: enough for kMaxSearchBody of text
// even from base64 (4/3) with line breaks.
constexpr size_t kMaxPartInput = kMaxSearchBody / 3 * 4 + kMaxSearchBody / 16;
// make_preview() (our tag stripper) reads at most 256 KiB per call.
constexpr size_t kHtmlChunk = 200 * 1024;

// Cuts s to at most max bytes without splitting a UTF-8 sequence.
void cut_utf8(std::string& s, size_t max) {
  if (s.size() <= max) return;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
}

// "name: value\n" for every field of a header block, encoded-words decoded,
// unfolded. Raw 8-bit values are left for fold_case() to repair.
void append_header_text(std::string_view header_block, std::string& out, size_t max) {
  for (const auto& f : mime::parse_header(header_block)) {
    if (out.size() >= max) return;
    std::string value = mime::decode_encoded_words(mime::unfold(f.value));
    std::replace(value.begin(), value.end(), '\r', ' ');
    std::replace(value.begin(), value.end(), '\n', ' ');
    out.append(f.name);
    out += ": ";
    out += value;
    out += '\n';
  }
}

// Text of an HTML part (UTF-8) without tags, scripts and styles: the preview
// code does exactly that, on a part spanning the whole (already decoded)
// input. It reads 256 KiB at a time, so longer HTML goes in pieces cut at line
// ends (a tag cut in two leaks some markup into the search text, harmlessly).
std::string html_text(std::string_view html) {
  std::string out;
  while (!html.empty() && out.size() < kMaxSearchBody) {
    size_t n = html.size();
    if (n > kHtmlChunk) {
      size_t nl = html.substr(0, kHtmlChunk).rfind('\n');
      n = nl != std::string_view::npos && nl > 0 ? nl + 1 : kHtmlChunk;
      while (n > 0 && (static_cast<unsigned char>(html[n]) & 0xC0) == 0x80) --n;
      if (n == 0) n = kHtmlChunk;
    }
    mime::ParsedMessage doc;
    doc.root.type = "text";
    doc.root.subtype = "html";
    doc.root.body_size = n;
    out += mime::make_preview(doc, html.substr(0, n), std::numeric_limits<size_t>::max());
    out += '\n';
    html.remove_prefix(n);
  }
  return out;
}

// Decoded UTF-8 text of one text/* leaf.
std::string part_text(const mime::Part& p, std::string_view message) {
  if (p.body_offset >= message.size()) return {};
  std::string_view body = message.substr(p.body_offset, std::min(p.body_size, message.size() - p.body_offset));
  if (body.size() > kMaxPartInput) {
    body = body.substr(0, kMaxPartInput);
    size_t nl = body.rfind('\n');  // keep QP/base64 quanta whole
    if (nl != std::string_view::npos) body = body.substr(0, nl + 1);
  }
  std::string decoded = mime::decode_transfer_encoding(body, p.encoding);
  const std::string* cs = mime::find_param(p.params, "charset");
  std::optional<std::string> text = mime::to_utf8(decoded, cs ? *cs : "utf-8");
  if (!text) text = mime::to_utf8(decoded, "utf-8");  // unknown charset: best effort
  if (!text) return {};
  if (p.subtype == "html") return html_text(*text);
  return std::move(*text);
}

// Every text/* part, in order, including those of encapsulated messages (whose
// headers are body text of this message too). Explicit stack: the parser bounds
// the tree, this bounds the stack.
std::string body_text(const mime::Part& root, std::string_view message) {
  std::string out;
  std::vector<const mime::Part*> stack{&root};
  while (!stack.empty() && out.size() < kMaxSearchBody) {
    const mime::Part* p = stack.back();
    stack.pop_back();
    if (!p->children.empty()) {
      if (p->is_message() && p->children.front().offset < message.size())
        append_header_text(message.substr(p->children.front().offset, p->children.front().header_size), out,
                           kMaxSearchBody);
      for (size_t i = p->children.size(); i-- > 0;) {
        // An encapsulated message: its header is done above, continue with its body.
        const mime::Part& c = p->children[i];
        stack.push_back(&c);
      }
      continue;
    }
    if (p->type != "text") continue;
    out += part_text(*p, message);
    out += '\n';
  }
  return out;
}

// Casefolded, without NUL (SQL text functions stop there), bounded.
std::string search_form(std::string text, size_t max) {
  cut_utf8(text, max);
  std::string folded = mime::fold_case(text);
  std::replace(folded.begin(), folded.end(), '\0', ' ');
  cut_utf8(folded, max);  // folding can grow text (ß -> ss)
  return folded;
}

}  // namespace

store::MessageSummary summarize(std::string_view message) {
  mime::ParsedMessage parsed = mime::parse(message);
  store::MessageSummary s;
  json::object root;
  root["v"] = 1;
  root["env"] = envelope(parsed.envelope);
  root["body"] = part(parsed.root);
  s.summary_json = json::serialize(root);
  s.preview = mime::make_preview(parsed, message, 200);
  const auto& env = parsed.envelope;
  if (env.subject) s.subject = mime::decode_encoded_words(*env.subject);
  if (!env.from.empty() && env.from.front().mailbox && env.from.front().host)
    s.from = ascii_lowercase(*env.from.front().mailbox + "@" + *env.from.front().host);
  if (env.message_id) s.message_id = strip_angles(*env.message_id);
  if (env.date) s.sent_date = mime::parse_date(*env.date).value_or(0);

  std::string headers;
  if (parsed.root.header_size > 0)
    append_header_text(message.substr(parsed.root.offset, parsed.root.header_size), headers, kMaxSearchHeaders);
  // RFC 9051 §6.4.4: TEXT covers "the header (including MIME header fields)", so the
  // MIME headers of the parts (a filename in Content-Disposition) count as header text.
  // Encapsulated messages' headers are body text already (body_text()). A blank line
  // keeps them apart from the message header, which SEARCH HEADER reads (store.h).
  headers += '\n';
  std::vector<const mime::Part*> stack{&parsed.root};
  while (!stack.empty() && headers.size() < kMaxSearchHeaders) {
    const mime::Part* p = stack.back();
    stack.pop_back();
    for (size_t i = p->children.size(); i-- > 0;) {
      const mime::Part& c = p->children[i];
      stack.push_back(&c);
      if (!p->is_message() && c.header_size > 0 && c.offset < message.size())
        append_header_text(message.substr(c.offset, c.header_size), headers, kMaxSearchHeaders);
    }
  }
  s.search_headers = search_form(std::move(headers), kMaxSearchHeaders);
  // The root's children are its body (multipart) or an encapsulated message;
  // a leaf root is itself the body.
  s.search_body = search_form(body_text(parsed.root, message), kMaxSearchBody);
  return s;
}

}  // namespace postamt::delivery
