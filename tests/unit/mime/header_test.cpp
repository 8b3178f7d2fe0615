// Unit tests: header splitting, unfolding, Content-Type/Disposition and RFC 2231
// parameters. Inputs are hand-written, partly hostile.
// RFCs: 5322 §2.2, 2045 §5.1, 2183, 2231 (examples from §3, §4, §4.1), 2047 in params.
#include <gtest/gtest.h>

#include "mime/mime.h"

using namespace postamt::mime;

TEST(Header, SplitsFieldsAndStopsAtBlankLine) {
  std::string_view h = "From: a@b\r\nSubject: hello\r\n world\r\nX-Empty:\r\n\r\nbody: no\r\n";
  auto f = parse_header(h);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].name, "From");
  EXPECT_EQ(f[0].value, "a@b");
  EXPECT_EQ(f[1].name, "Subject");
  EXPECT_EQ(f[1].value, "hello\r\n world");
  EXPECT_EQ(unfold(f[1].value), "hello world");
  EXPECT_EQ(f[2].name, "X-Empty");
  EXPECT_EQ(f[2].value, "");
}

TEST(Header, LfOnlyJunkAndMissingBlankLine) {
  std::string_view h = "A: 1\njunk line\n continuation of junk\nB : 2\n\tmore\n:nameless\nC:3";
  auto f = parse_header(h);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].value, "1");
  EXPECT_EQ(f[1].name, "B");  // RFC 5322 §4.5: WSP before the colon
  EXPECT_EQ(f[1].value, "2\n\tmore");
  EXPECT_EQ(unfold(f[1].value), "2\tmore");
  EXPECT_EQ(f[2].name, "C");
  EXPECT_EQ(f[2].value, "3");
  EXPECT_NE(find_field(f, "b"), nullptr);
  EXPECT_EQ(find_field(f, "D"), nullptr);
}

TEST(Header, MaxFieldsBounds) {
  std::string h;
  for (int i = 0; i < 100; ++i) h += "X: " + std::to_string(i) + "\r\n";
  EXPECT_EQ(parse_header(h, 10).size(), 10u);
  EXPECT_EQ(parse_header(h).size(), 100u);
  EXPECT_TRUE(parse_header("").empty());
  EXPECT_TRUE(parse_header("\r\n").empty());
}

TEST(Header, UnfoldKeepsOtherBytes) {
  EXPECT_EQ(unfold("a\r\n b\n\tc"), "a b\tc");
  EXPECT_EQ(unfold("a\r\nb"), "a\r\nb");  // not a fold
  EXPECT_EQ(unfold(""), "");
}

TEST(ContentType, Basic) {
  auto ct = parse_content_type("Text/HTML; Charset=\"UTF-8\"; format=flowed (comment)");
  EXPECT_TRUE(ct.valid);
  EXPECT_EQ(ct.type, "text");
  EXPECT_EQ(ct.subtype, "html");
  ASSERT_EQ(ct.params.size(), 2u);
  EXPECT_EQ(ct.params[0].name, "charset");
  EXPECT_EQ(ct.params[0].value, "UTF-8");
  EXPECT_EQ(ct.params[1].value, "flowed");
}

TEST(ContentType, InvalidGivesDefault) {
  for (std::string_view v : {"", "text", "text/", "/plain", "text plain", "tex t/plain", "(c)"}) {
    auto ct = parse_content_type(v);
    EXPECT_FALSE(ct.valid) << v;
    EXPECT_EQ(ct.type, "text");
    EXPECT_EQ(ct.subtype, "plain");
  }
  auto ct = parse_content_type(" (c) multipart / mixed ;boundary=abc");
  EXPECT_TRUE(ct.valid);
  EXPECT_EQ(ct.subtype, "mixed");
  EXPECT_EQ(*find_param(ct.params, "boundary"), "abc");
}

TEST(Params, QuotedEscapesAndLenientValues) {
  auto p = parse_params(R"( name="a \"q\" b;c"; filename=my file.pdf ; broken; x = y ;;)");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].value, "a \"q\" b;c");
  EXPECT_EQ(p[1].name, "filename");
  EXPECT_EQ(p[1].value, "my file.pdf");
  EXPECT_EQ(p[2].name, "x");
  EXPECT_EQ(p[2].value, "y");
}

TEST(Params, Rfc2231Section3Continuations) {
  auto ct = parse_content_type(
      "message/external-body; access-type=URL;\r\n URL*0=\"ftp://\";\r\n "
      "URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"");
  EXPECT_EQ(*find_param(ct.params, "url"), "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
  EXPECT_EQ(*find_param(ct.params, "access-type"), "URL");
}

TEST(Params, Rfc2231Section4CharsetAndLanguage) {
  auto ct = parse_content_type("application/x-stuff;\r\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");
  EXPECT_EQ(*find_param(ct.params, "title"), "This is ***fun***");
}

TEST(Params, Rfc2231Section41Mixed) {
  auto ct = parse_content_type(
      "application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n "
      "title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"");
  EXPECT_EQ(*find_param(ct.params, "title"), "This is even more ***fun*** isn't it!");
}

TEST(Params, Rfc2231CharsetDecodingOrderAndGaps) {
  auto p = parse_params("filename*1*=%E9.txt; filename*0*=iso-8859-1''caf; other=1; filename*3=lost");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].name, "filename");
  EXPECT_EQ(p[0].value, "caf\xC3\xA9.txt");
  auto q = parse_params("name=\"plain.txt\"; name*=utf-8''%E2%82%AC.txt");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].value, "\xE2\x82\xAC.txt");  // the RFC 2231 form wins
  auto r = parse_params("a*=unknown-charset-xyz''%41%zz");
  EXPECT_EQ(r[0].value, "A%zz");  // unknown charset: bytes kept
}

TEST(Params, Rfc2047InValues) {
  auto p = parse_params("filename=\"=?UTF-8?B?w6RiYy5wZGY=?=\"");
  EXPECT_EQ(p[0].value, "\xC3\xA4" "bc.pdf");
}

TEST(Disposition, Parse) {
  auto d = parse_content_disposition("Attachment; filename=\"x.txt\"; size=3");
  EXPECT_EQ(d.type, "attachment");
  ASSERT_EQ(d.params.size(), 2u);
  EXPECT_EQ(d.params[0].value, "x.txt");
  EXPECT_EQ(parse_content_disposition(";x=y").type, "");
}
