// Unit tests: message structure with exact offsets, sizes and line counts for hand-built
// messages (simple, multipart/mixed, nested alternative, message/rfc822, LF-only,
// missing close delimiter, digest default) and for malformed shapes.
// RFCs: 5322 §2.1, 2045 §5.2, 2046 §5.1.1 (delimiters), §5.1.5 (digest), §5.2.1.
#include <gtest/gtest.h>

#include "mime/mime.h"
#include "mime_test_util.h"

using namespace postamt::mime;

namespace {

struct Shape {
  size_t offset, header_size, body_size, header_lines, body_lines;
};

void expect_shape(const Part& p, Shape s, const char* what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(p.offset, s.offset);
  EXPECT_EQ(p.header_size, s.header_size);
  EXPECT_EQ(p.body_offset, s.offset + s.header_size);
  EXPECT_EQ(p.body_size, s.body_size);
  EXPECT_EQ(p.header_lines, s.header_lines);
  EXPECT_EQ(p.body_lines, s.body_lines);
}

const std::string kMixed =
    "From: a@b\r\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--XX\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "part one\r\n"
    "--XX \t\r\n"  // RFC 2046 §5.1.1: trailing whitespace allowed
    "\r\n"
    "part two\r\nline2\r\n"
    "--XX--\r\n"
    "epilogue\r\n";

std::string to_lf(std::string s) {
  std::string out;
  for (char c : s)
    if (c != '\r') out.push_back(c);
  return out;
}

}  // namespace

TEST(Structure, Simple) {
  std::string m = "From: a@b\r\nSubject: hi\r\n\r\nHello\r\nWorld\r\n";
  auto pm = parse(m);
  expect_shape(pm.root, {0, 26, 14, 3, 2}, "root");
  EXPECT_EQ(pm.root.type, "text");
  EXPECT_EQ(pm.root.subtype, "plain");
  EXPECT_TRUE(pm.root.params.empty());  // IMAP adds charset us-ascii itself
  EXPECT_EQ(pm.root.encoding, "7bit");
  EXPECT_TRUE(pm.root.children.empty());
  EXPECT_FALSE(pm.limit_hit);
  ASSERT_EQ(pm.envelope.from.size(), 1u);
  EXPECT_EQ(pm.envelope.subject, "hi");
  EXPECT_EQ(pm.envelope.sender, pm.envelope.from);
  EXPECT_EQ(pm.envelope.reply_to, pm.envelope.from);
  EXPECT_FALSE(pm.envelope.date);
  test::check_tree(pm.root, m, "simple");
}

TEST(Structure, MultipartMixed) {
  auto pm = parse(kMixed);
  ASSERT_EQ(kMixed.size(), 176u);
  expect_shape(pm.root, {0, 59, 117, 3, 11}, "root");
  EXPECT_EQ(pm.root.type, "multipart");
  EXPECT_EQ(pm.root.subtype, "mixed");
  ASSERT_EQ(pm.root.children.size(), 2u);
  expect_shape(pm.root.children[0], {75, 46, 8, 2, 0}, "c0");  // "part one": no LF
  EXPECT_EQ(*find_param(pm.root.children[0].params, "charset"), "us-ascii");
  expect_shape(pm.root.children[1], {139, 2, 15, 1, 1}, "c1");
  EXPECT_EQ(pm.root.children[1].type, "text");
  test::check_tree(pm.root, kMixed, "mixed");
}

TEST(Structure, LfOnly) {
  std::string m = to_lf(kMixed);
  auto pm = parse(m);
  expect_shape(pm.root, {0, 56, 106, 3, 11}, "root");
  ASSERT_EQ(pm.root.children.size(), 2u);
  expect_shape(pm.root.children[0], {70, 44, 8, 2, 0}, "c0");
  expect_shape(pm.root.children[1], {130, 1, 14, 1, 1}, "c1");
  test::check_tree(pm.root, m, "lf");
}

TEST(Structure, NestedAlternativeInMixed) {
  std::string m =
      "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
      "--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
      "--inner\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
      "--inner\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n"
      "--inner--\r\n"
      "--outer\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename=a.bin\r\n\r\nAAAA\r\n"
      "--outer--\r\n";
  auto pm = parse(m);
  expect_shape(pm.root, {0, 49, 320, 2, 19}, "root");
  ASSERT_EQ(pm.root.children.size(), 2u);
  const Part& alt = pm.root.children[0];
  expect_shape(alt, {58, 55, 102, 2, 8}, "alt");  // ends with "--inner--"
  EXPECT_EQ(alt.subtype, "alternative");
  ASSERT_EQ(alt.children.size(), 2u);
  expect_shape(alt.children[0], {122, 28, 5, 2, 0}, "plain");
  expect_shape(alt.children[1], {166, 27, 11, 2, 0}, "html");
  EXPECT_EQ(alt.children[1].subtype, "html");
  const Part& bin = pm.root.children[1];
  expect_shape(bin, {226, 126, 4, 4, 0}, "bin");
  EXPECT_EQ(bin.encoding, "base64");
  EXPECT_EQ(bin.disposition, "attachment");
  EXPECT_EQ(*find_param(bin.disposition_params, "filename"), "a.bin");
  test::check_tree(pm.root, m, "nested");
}

TEST(Structure, MessageRfc822Attachment) {
  std::string m =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
      "--b\r\nContent-Type: message/rfc822\r\n\r\n"
      "From: x@y\r\nSubject: inner\r\n\r\ninner body\r\n"
      "--b--\r\n";
  auto pm = parse(m);
  expect_shape(pm.root, {0, 45, 132, 2, 12}, "root");
  ASSERT_EQ(pm.root.children.size(), 2u);
  expect_shape(pm.root.children[0], {50, 28, 12, 2, 0}, "text");
  const Part& msg = pm.root.children[1];
  expect_shape(msg, {97, 32, 39, 2, 3}, "message");
  ASSERT_EQ(msg.children.size(), 1u);
  expect_shape(msg.children[0], {129, 29, 10, 3, 0}, "inner");
  ASSERT_TRUE(msg.envelope);
  EXPECT_EQ(msg.envelope->subject, "inner");
  ASSERT_EQ(msg.envelope->from.size(), 1u);
  EXPECT_EQ(msg.envelope->from[0].host, "y");
  test::check_tree(pm.root, m, "rfc822");
}

TEST(Structure, MissingCloseDelimiter) {
  std::string m =
      "Content-Type: multipart/mixed; boundary=b\n\n"
      "--b\n\none\n"
      "--b\nContent-Type: text/plain\n\ntwo\nlast line no newline";
  auto pm = parse(m);
  expect_shape(pm.root, {0, 43, 63, 2, 7}, "root");  // last line has no LF
  ASSERT_EQ(pm.root.children.size(), 2u);
  expect_shape(pm.root.children[0], {47, 1, 3, 1, 0}, "c0");
  expect_shape(pm.root.children[1], {56, 26, 24, 2, 1}, "c1");
  test::check_tree(pm.root, m, "unclosed");
}

TEST(Structure, DigestDefault) {
  std::string m =
      "Content-Type: multipart/digest; boundary=d\r\n\r\n"
      "--d\r\n\r\nFrom: a@b\r\nSubject: one\r\n\r\nbody1\r\n"
      "--d\r\nContent-Type: text/plain\r\n\r\nnot a message\r\n"
      "--d--\r\n";
  auto pm = parse(m);
  expect_shape(pm.root, {0, 46, 96, 2, 11}, "root");
  ASSERT_EQ(pm.root.children.size(), 2u);
  const Part& c0 = pm.root.children[0];
  expect_shape(c0, {51, 2, 32, 1, 3}, "c0");
  EXPECT_EQ(c0.type, "message");  // RFC 2046 §5.1.5
  EXPECT_EQ(c0.subtype, "rfc822");
  ASSERT_EQ(c0.children.size(), 1u);
  expect_shape(c0.children[0], {53, 27, 5, 3, 0}, "c0 message");
  EXPECT_EQ(c0.envelope->subject, "one");
  expect_shape(pm.root.children[1], {92, 28, 13, 2, 0}, "c1");
  EXPECT_EQ(pm.root.children[1].type, "text");
  test::check_tree(pm.root, m, "digest");
}

TEST(Structure, PartWithoutHeaderAndEmptyParts) {
  std::string m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nbody text\r\n--b\r\n--b\r\nX: y\r\n\r\n--b--";
  auto pm = parse(m);
  ASSERT_EQ(pm.root.children.size(), 3u);
  const Part& c0 = pm.root.children[0];
  expect_shape(c0, {50, 0, 9, 0, 0}, "no header");
  const Part& c1 = pm.root.children[1];  // "--b\r\n--b": empty part
  EXPECT_EQ(c1.header_size + c1.body_size, 0u);
  // The blank line before the delimiter is the delimiter's CRLF (RFC 2046 §5.1.1).
  const Part& c2 = pm.root.children[2];
  expect_shape(c2, {71, 6, 0, 1, 0}, "header only");
  test::check_tree(pm.root, m, "headerless");
}

TEST(Structure, InnerStopsAtOuterBoundaryAndPrefixBoundaries) {
  std::string m =
      "Content-Type: multipart/mixed; boundary=out\r\n\r\n"
      "--out\r\nContent-Type: multipart/alternative; boundary=out-in\r\n\r\n"
      "--out-in\r\n\r\nA\r\n"  // inner never closed
      "--out\r\n\r\nB\r\n--out--\r\n";
  auto pm = parse(m);
  ASSERT_EQ(pm.root.children.size(), 2u);
  const Part& alt = pm.root.children[0];
  ASSERT_EQ(alt.children.size(), 1u);
  EXPECT_EQ(m.substr(alt.children[0].body_offset, alt.children[0].body_size), "A");
  EXPECT_EQ(m.substr(pm.root.children[1].body_offset, pm.root.children[1].body_size), "B");
  test::check_tree(pm.root, m, "outer stop");
}

TEST(Structure, MultipartWithoutBoundaryIsLeaf) {
  std::string m = "Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\nbody\r\n--x--\r\n";
  auto pm = parse(m);
  EXPECT_EQ(pm.root.type, "multipart");
  EXPECT_TRUE(pm.root.children.empty());
  EXPECT_EQ(pm.root.body_size, m.size() - 33);
  std::string e = "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n\r\nx\r\n";
  EXPECT_TRUE(parse(e).root.children.empty());
}

TEST(Structure, HeaderEdgeCases) {
  // No blank line: everything is header.
  auto a = parse("Subject: x\r\nFrom: y");
  expect_shape(a.root, {0, 19, 0, 1, 0}, "header only");  // "From: y" has no LF
  // No header at all.
  auto b = parse("just text\r\n");
  expect_shape(b.root, {0, 0, 11, 0, 1}, "no header");
  auto c = parse("");
  expect_shape(c.root, {0, 0, 0, 0, 0}, "empty");
  auto d = parse("\r\n\r\n");
  expect_shape(d.root, {0, 2, 2, 1, 1}, "blank");
  // Invalid Content-Type falls back to text/plain; base64 message/rfc822 stays opaque.
  auto e = parse("Content-Type: garbage\r\n\r\nx");
  EXPECT_EQ(e.root.type, "text");
  auto f = parse("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nRnJvbTogYUBiCgp4");
  EXPECT_TRUE(f.root.children.empty());
  EXPECT_FALSE(f.root.envelope);
  auto g = parse("Content-Type: message/rfc822\r\n\r\n");
  ASSERT_EQ(g.root.children.size(), 0u);  // empty body: ended by EOF right after the header
}

TEST(Structure, PartFieldsParsed) {
  std::string m =
      "Content-Type: text/plain; charset=\"ISO-8859-1\"\r\n"
      "Content-ID: <id@x>\r\nContent-Description: =?utf-8?Q?a?=\r\nContent-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n"
      "Content-Location: http://x/y\r\nContent-Language: en, de (German)\r\n"
      "Content-Transfer-Encoding: Quoted-Printable (qp)\r\n\r\nx";
  auto pm = parse(m);
  EXPECT_EQ(pm.root.id, "<id@x>");
  EXPECT_EQ(pm.root.description, "=?utf-8?Q?a?=");
  EXPECT_EQ(pm.root.md5, "Q2hlY2sgSW50ZWdyaXR5IQ==");
  EXPECT_EQ(pm.root.location, "http://x/y");
  EXPECT_EQ(pm.root.language, (std::vector<std::string>{"en", "de"}));
  EXPECT_EQ(pm.root.encoding, "quoted-printable");
}

TEST(Structure, SameBoundaryNested) {
  // The innermost multipart wins a tie (RFC 2046 §5.1.1 forbids it, mailers do it anyway).
  std::string m =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n"
      "--b\r\n\r\ny\r\n--b--\r\n";
  auto pm = parse(m);
  test::check_tree(pm.root, m, "same boundary");
  ASSERT_EQ(pm.root.children.size(), 2u);
  EXPECT_EQ(pm.root.children[0].children.size(), 1u);
}

TEST(Structure, LineCountsAreLfCounts) {
  // Like Dovecot: a last line without LF is not counted (RFC 9051 §7.5.2 "text lines").
  auto a = parse("Subject: x\r\n\r\nline1\r\nline2\r\n");
  expect_shape(a.root, {0, 14, 14, 2, 2}, "final CRLF");
  auto b = parse("Subject: x\r\n\r\nline1\r\nline2");
  expect_shape(b.root, {0, 14, 12, 2, 1}, "no final CRLF");
  auto c = parse("Subject: x\n\nline1\nline2");
  expect_shape(c.root, {0, 12, 11, 2, 1}, "LF only, no final LF");
  auto d = parse("Subject: x\r\n\r\nx");
  expect_shape(d.root, {0, 14, 1, 2, 0}, "one line without CRLF");
  auto e = parse("Subject: x\r\nFrom: y");
  expect_shape(e.root, {0, 19, 0, 1, 0}, "header without final CRLF");
  // Parts before a delimiter never end in a line end (RFC 2046 §5.1.1).
  std::string m =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\n\r\none\r\n"
      "--b\r\n\r\none\r\ntwo\r\n"
      "--b\r\n\r\none\r\ntwo\r\n\r\n"
      "--b--";
  auto pm = parse(m);
  ASSERT_EQ(pm.root.children.size(), 3u);
  EXPECT_EQ(pm.root.children[0].body_lines, 0u);  // "one"
  EXPECT_EQ(pm.root.children[1].body_lines, 1u);  // "one\r\ntwo"
  EXPECT_EQ(pm.root.children[2].body_lines, 2u);  // "one\r\ntwo\r\n"
  EXPECT_EQ(pm.root.body_lines, 12u);             // ends in "--b--": no LF
  test::check_tree(pm.root, m, "part lines");
}

TEST(Structure, JunkLinesBeforeTheHeader) {
  // mbox "From " line: skipped, the fields after it are the header (like Dovecot).
  std::string mbox =
      "From someone@example.com Wed Jun  8 19:27:14 2022\r\n"
      "From: a@b.test\r\nSubject: s\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n";
  auto a = parse(mbox);
  expect_shape(a.root, {0, 106, 10, 5, 1}, "mbox From line");
  EXPECT_EQ(a.envelope.subject, "s");
  ASSERT_EQ(a.envelope.from.size(), 1u);
  EXPECT_EQ(a.envelope.from[0].host, "b.test");
  EXPECT_EQ(a.root.subtype, "html");
  test::check_tree(a.root, mbox, "mbox");

  // A caption line (with a colon, but no field name), LF only.
  auto b = parse("Mail content:\nTo: x@y\nSubject: s\n\nbody\n");
  expect_shape(b.root, {0, 34, 5, 4, 1}, "caption");
  EXPECT_EQ(b.envelope.subject, "s");
  ASSERT_EQ(b.envelope.to.size(), 1u);

  // A UTF-8 BOM glued to the first field: that line is junk (Dovecot: no From either),
  // the rest of the header is read.
  auto c = parse("\xEF\xBB\xBF" "From: a@b\r\nSubject: s\r\n\r\nx");
  EXPECT_EQ(c.root.header_size, 28u);
  EXPECT_TRUE(c.envelope.from.empty());
  EXPECT_EQ(c.envelope.subject, "s");

  // Junk with a continuation line, and three junk lines (the limit).
  auto d = parse("junk\r\n continued\r\nSubject: s\r\n\r\nx");
  EXPECT_EQ(d.envelope.subject, "s");
  EXPECT_EQ(d.root.header_size, 32u);
  auto e = parse("j1\r\nj2\r\nj3\r\nSubject: s\r\n\r\nx");
  EXPECT_EQ(e.envelope.subject, "s");
  EXPECT_EQ(e.root.body_size, 1u);

  // Otherwise the part has no header: four junk lines, junk then a blank line, junk
  // only, junk up to the end.
  auto f = parse("j1\r\nj2\r\nj3\r\nj4\r\nSubject: s\r\n\r\nx");
  EXPECT_EQ(f.root.header_size, 0u);
  EXPECT_FALSE(f.envelope.subject);
  auto g = parse("Hello Bob,\r\n\r\nNote: this is body text\r\n");
  expect_shape(g.root, {0, 0, 39, 0, 3}, "junk then blank line");
  auto h = parse("This is a message without header fields.\r\nSecond line.\r\n");
  EXPECT_EQ(h.root.header_size, 0u);
  auto i = parse("junk");
  expect_shape(i.root, {0, 0, 4, 0, 0}, "junk at the end");
}

TEST(Structure, JunkLinesBeforeAPartHeader) {
  std::string m =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nFrom x Wed Jun  8 19:27:14 2022\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n"
      "--b\r\nbody text\r\n"         // junk, then the delimiter: no header
      "--b\r\njunk\r\nX-A: y\r\n"    // junk, a field, the delimiter: a header without body
      "--b\r\nContent-Type: message/rfc822\r\n\r\nFrom a@b Thu Jan  1 00:00:00 1970\r\nSubject: in\r\n\r\nbody\r\n"
      "--b--\r\n";
  auto pm = parse(m);
  test::check_tree(pm.root, m, "junk in parts");
  ASSERT_EQ(pm.root.children.size(), 4u);
  const Part& c0 = pm.root.children[0];
  expect_shape(c0, {50, 60, 8, 3, 0}, "c0");
  EXPECT_EQ(c0.subtype, "html");
  expect_shape(pm.root.children[1], {125, 0, 9, 0, 0}, "c1");
  expect_shape(pm.root.children[2], {141, 12, 0, 1, 0}, "c2");
  const Part& c3 = pm.root.children[3];
  ASSERT_EQ(c3.children.size(), 1u);
  ASSERT_TRUE(c3.envelope);
  EXPECT_EQ(c3.envelope->subject, "in");
  EXPECT_EQ(c3.children[0].header_size, 50u);
  EXPECT_EQ(m.substr(c3.children[0].body_offset, c3.children[0].body_size), "body");
}
