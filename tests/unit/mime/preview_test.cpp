// Unit tests: RFC 8970 preview text.
// Inputs are hand-written, including hostile HTML.
// RFCs: 8970 §3, 2045 §6 (decoding), 2046 §4.1.2 (charsets).
#include <gtest/gtest.h>

#include "mime/mime.h"

using namespace postamt::mime;

namespace {
std::string preview(std::string_view m, size_t max = 200) { return make_preview(parse(m), m, max); }
}  // namespace

TEST(Preview, PlainCollapsedAndTrimmed) {
  EXPECT_EQ(preview("Subject: x\r\n\r\n  Hello,\r\n\r\n   world!\t \r\n"), "Hello, world!");
  EXPECT_EQ(preview("Subject: x\r\n\r\n"), "");
  EXPECT_EQ(preview(""), "");
}

TEST(Preview, DecodesTransferEncodingAndCharset) {
  EXPECT_EQ(preview("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                    "Caf=E9 cr=\r\nème"),
            "Caf\xC3\xA9 cr\xC3\x83\xC2\xA8me");  // the raw 8-bit bytes are latin-1 too
  EXPECT_EQ(preview("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                    "w6TDtsO8\r\n"),
            "\xC3\xA4\xC3\xB6\xC3\xBC");
  EXPECT_EQ(preview("Content-Type: text/plain; charset=x-unknown\r\n\r\nabc \xFF"), "abc \xEF\xBF\xBD");
}

TEST(Preview, PrefersPlainOverHtmlSkipsAttachments) {
  std::string m =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nattached\r\n"
      "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner text\r\n"
      "--b\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n"
      "--a\r\nContent-Type: text/html\r\n\r\n<b>html</b>\r\n"
      "--a\r\nContent-Type: text/plain\r\n\r\nthe plain one\r\n"
      "--a--\r\n--b--\r\n";
  EXPECT_EQ(preview(m), "the plain one");
}

TEST(Preview, HtmlStripped) {
  std::string m =
      "Content-Type: text/html; charset=utf-8\r\n\r\n"
      "<html><head><title>T</title><style>p{color:red}</style></head><body>"
      "<script>alert('x<y')</script><!-- hidden --><p>Hello&nbsp;&amp; <i>good</i>bye</p>"
      "<p>&#x20AC;&#8364;&euro; &lt;tag&gt; &bogus; &#xFFFFFFFF;</p></body></html>";
  EXPECT_EQ(preview(m), "Hello & good bye \xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC <tag> &bogus; \xEF\xBF\xBD");
  EXPECT_EQ(preview("Content-Type: text/html\r\n\r\n<p>unterminated <script>x"), "unterminated");
  EXPECT_EQ(preview("Content-Type: text/html\r\n\r\n<a href='x'"), "");
}

TEST(Preview, TruncatesOnCharacterBoundary) {
  std::string body;
  for (int i = 0; i < 300; ++i) body += "\xC3\xA4";  // 300 x "ä"
  std::string p = preview("Content-Type: text/plain; charset=utf-8\r\n\r\n" + body);
  EXPECT_EQ(p.size(), 400u);  // 200 characters, 2 bytes each
  EXPECT_EQ(preview("\r\na b c d", 3), "a b");
  EXPECT_EQ(preview("\r\na     b", 2), "a");  // no trailing space after the cut
  EXPECT_EQ(preview("\r\nabc", 0), "");
}

TEST(Preview, NoTextPart) {
  EXPECT_EQ(preview("Content-Type: image/png\r\n\r\nxxxx"), "");
}
