// Every tests/data/mime-corpus message (plus synthetic hostile structures) through every
// renderer: no crash, syntactically valid IMAP (balanced lists, well-formed quoted strings
// and literals), ranges inside the stored message, header filters well-formed, BINARY
// consistent with the ranges. RFC 9051 §4 (data formats), §6.4.5, §7.5.2; RFC 3516.
#include <functional>

#include "base/strings.h"

#include "imap/render/binary.h"
#include "imap/render/bodystructure.h"
#include "imap/render/envelope.h"
#include "imap/render/section.h"
#include "render_test_util.h"

namespace postamt::imap::render {
namespace {

// Checks one IMAP value (RFC 9051 §9: nil / number / quoted / literal / list) starting at
// pos; returns false on any syntax error. Quoted strings: no CR/LF/NUL, specials escaped,
// 8-bit only in UTF-8 mode. Literals: "{n}" CRLF n octets, no NUL.
bool value(std::string_view s, size_t& pos, bool utf8, int depth = 0) {
  if (pos >= s.size() || depth > 2000) return false;
  char c = s[pos];
  if (c == '(') {
    ++pos;
    bool first = true;
    while (pos < s.size() && s[pos] != ')') {
      if (!first && s[pos] == ' ') ++pos;
      if (!value(s, pos, utf8, depth + 1)) return false;
      first = false;
    }
    if (pos >= s.size()) return false;
    ++pos;
    return true;
  }
  if (c == '"') {
    for (++pos; pos < s.size(); ++pos) {
      unsigned char q = static_cast<unsigned char>(s[pos]);
      if (q == '"') {
        ++pos;
        return true;
      }
      if (q == '\\') {
        if (++pos >= s.size() || (s[pos] != '"' && s[pos] != '\\')) return false;
        continue;
      }
      if (q == '\r' || q == '\n' || q == 0 || (q >= 0x80 && !utf8)) return false;
    }
    return false;
  }
  if (c == '{') {
    size_t close = s.find('}', pos);
    if (close == std::string_view::npos || s.substr(close + 1, 2) != "\r\n") return false;
    auto n = parse_u64(s.substr(pos + 1, close - pos - 1));
    if (!n || close + 3 + *n > s.size()) return false;
    if (s.substr(close + 3, *n).find('\0') != std::string_view::npos) return false;
    pos = close + 3 + *n;
    return true;
  }
  if (s.substr(pos, 3) == "NIL") {
    pos += 3;
    return true;
  }
  size_t start = pos;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
  return pos > start;
}

bool valid_imap(std::string_view s, bool utf8) {
  size_t pos = 0;
  return value(s, pos, utf8) && pos == s.size();
}

// Every part path of the tree (RFC 9051 §6.4.5 numbering), as resolve_section() sees it.
void paths(const BodyPart& p, std::vector<uint32_t> pre, bool top, std::vector<std::vector<uint32_t>>& out) {
  if (out.size() > 2000) return;
  if (p.is_multipart()) {
    for (size_t i = 0; i < p.children.size(); ++i) {
      auto q = pre;
      q.push_back(static_cast<uint32_t>(i + 1));
      out.push_back(q);
      const BodyPart& c = p.children[i];
      if (c.is_multipart())
        paths(c, q, false, out);
      else if (c.is_message() && !c.children.empty())
        paths(c.children.front(), q, true, out);
    }
    return;
  }
  if (top) {
    auto q = pre;
    q.push_back(1);
    out.push_back(q);
    if (p.is_message() && !p.children.empty()) paths(p.children.front(), q, true, out);
  }
}

void check_message(const std::string& name, const std::string& blob) {
  SCOPED_TRACE(name);
  auto parsed = Summary::parse(delivery::summarize(blob).summary_json);
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  const Summary& s = *parsed;
  ASSERT_EQ(s.blob_size(), blob.size());
  for (bool utf8 : {false, true}) {
    std::string env, bs, body;
    append_envelope(env, s.envelope(), utf8);
    append_bodystructure(bs, s.root(), true, utf8);
    append_bodystructure(body, s.root(), false, utf8);
    EXPECT_TRUE(valid_imap(env, utf8)) << env.substr(0, 500);
    EXPECT_TRUE(valid_imap(bs, utf8)) << bs.substr(0, 500);
    EXPECT_TRUE(valid_imap(body, utf8)) << body.substr(0, 500);
    EXPECT_LE(body.size(), bs.size());
  }
  std::vector<std::vector<uint32_t>> all{{}};
  paths(s.root(), {}, true, all);
  for (uint64_t prefix : {uint64_t{0}, uint64_t{23}}) {
    const uint64_t size = prefix + blob.size();
    const std::string stored = std::string(prefix, 'P') + blob;
    for (const auto& path : all) {
      for (auto kind : {SectionKind::none, SectionKind::header, SectionKind::header_fields,
                        SectionKind::header_fields_not, SectionKind::text, SectionKind::mime}) {
        auto r = resolve_section(s, SectionSpec{path, kind}, prefix);
        if (kind == SectionKind::mime && path.empty()) {
          EXPECT_FALSE(r.ok());
          continue;
        }
        ASSERT_TRUE(r.ok());
        if (!r->exists) continue;
        ASSERT_LE(r->range.offset + r->range.length, size);
        if (kind == SectionKind::header_fields || kind == SectionKind::header_fields_not) {
          std::string f = filter_header(std::string_view(stored).substr(r->range.offset, r->range.length),
                                        {"From", "To", "Subject", "Content-Type"}, kind == SectionKind::header_fields_not);
          EXPECT_TRUE(f.empty() || f.substr(f.size() - 2) == "\r\n") << f;
          EXPECT_EQ(f.find("\r\n\r\n") == std::string::npos || f.find("\r\n\r\n") == f.size() - 4, true) << f;
        }
      }
      auto b = resolve_binary(s, path, prefix);
      if (!b) {
        EXPECT_EQ(binary_response_code(b.error()), "UNKNOWN-CTE");
        continue;
      }
      if (!b->exists) continue;
      ASSERT_LE(b->range.offset + b->range.length, size);
      auto d = decode_binary(std::string_view(stored).substr(b->range.offset, b->range.length), b->cte);
      if (!d) {
        EXPECT_EQ(binary_response_code(d.error()), "PARSE");
      } else if (b->cte == Cte::identity) {
        EXPECT_EQ(d->size(), b->range.length);
      } else if (b->cte == Cte::base64) {
        EXPECT_LE(d->size(), b->range.length);
      }
    }
  }
}

TEST(Corpus, EveryMessageThroughEveryRenderer) {
  auto files = testing::corpus_paths();
  ASSERT_GE(files.size(), 300u);
  for (const auto& f : files) check_message(f, testing::read_file(f));
}

TEST(Corpus, CrlfNormalizedMessages) {
  // What IMAP APPEND of the corpus stores (tests/e2e/imap_corpus.py normalizes to CRLF).
  for (const auto& f : testing::corpus_paths()) {
    std::string raw = testing::read_file(f), out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
      if (raw[i] == '\n' || raw[i] == '\r') {
        out += "\r\n";
        continue;
      }
      out += raw[i];
    }
    check_message(f + " (CRLF)", out);
  }
}

TEST(Corpus, HostileStructures) {
  std::string deep = "Content-Type: text/plain\r\n\r\nx\r\n";
  for (int d = 0; d < 300; ++d)
    deep = "Content-Type: multipart/mixed; boundary=b" + std::to_string(d) + "\r\n\r\n--b" + std::to_string(d) +
           "\r\n" + deep + "\r\n--b" + std::to_string(d) + "--\r\n";
  check_message("deep multipart", deep);
  std::string msgs = "Subject: x\r\n\r\nbody\r\n";
  for (int d = 0; d < 300; ++d) msgs = "Content-Type: message/rfc822\r\n\r\n" + msgs;
  check_message("deep message/rfc822", msgs);
  std::string many = "Content-Type: multipart/mixed; boundary=m\r\n\r\n";
  for (int i = 0; i < 3000; ++i) many += "--m\r\n\r\n" + std::to_string(i) + "\r\n";
  check_message("many parts", many + "--m--\r\n");
  check_message("empty", "");
  check_message("nul bytes", std::string("Subject: a\0b\r\nFrom: \"\0\" <a@b>\r\n\r\n\0\r\n", 38));
  check_message("only CR", "Subject: x\r\rbody\r");
  check_message("unterminated group", "To: g: a@b, c@d\r\n\r\n");
  check_message("quotes everywhere", "Subject: \"\"\"\"\"\"\\\\\\\r\nFrom: \"\\\"\" <\"\\\"\"@x>\r\n\r\n");
}

}  // namespace
}  // namespace postamt::imap::render
