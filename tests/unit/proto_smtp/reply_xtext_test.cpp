// format_reply (single/multi-line, enhanced codes, sanitizing) and xtext round trips.
#include <gtest/gtest.h>

#include "proto/smtp/smtp_codec.h"

namespace postamt::proto::smtp {
namespace {

TEST(SmtpReply, SingleLine) {
  EXPECT_EQ(format_reply(250, "2.0.0", "Ok"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(format_reply(354, "", "End data with <CR><LF>.<CR><LF>"), "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(format_reply(221, "2.0.0", ""), "221 2.0.0\r\n");
  EXPECT_EQ(format_reply(250, "", ""), "250\r\n");
}

TEST(SmtpReply, MultiLine) {
  EXPECT_EQ(format_reply(250, "", "mx.example\nPIPELINING\nSIZE 1000\n8BITMIME"),
            "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n");
  EXPECT_EQ(format_reply(550, "5.7.1", "a\nb"), "550-5.7.1 a\r\n550 5.7.1 b\r\n");
  EXPECT_EQ(format_reply(250, "", "a\n"), "250 a\r\n");  // a trailing newline adds no line
  EXPECT_EQ(format_reply(214, "2.0.0", "a\n\nb"), "214-2.0.0 a\r\n214-2.0.0\r\n214 2.0.0 b\r\n");
}

TEST(SmtpReply, SanitizesAndBounds) {
  // Echoed client data cannot forge a reply line.
  EXPECT_EQ(format_reply(250, "2.1.0", "<a@b>\r250 fake"), "250 2.1.0 <a@b>?250 fake\r\n");
  EXPECT_EQ(format_reply(501, "5.5.4", std::string("x\0y", 3)), "501 5.5.4 x?y\r\n");
  EXPECT_EQ(format_reply(250, "", "tab\there"), "250 tab\there\r\n");
  std::string long_text(1000, 'x');
  std::string r = format_reply(250, "2.0.0", long_text);
  EXPECT_EQ(r.size(), 512u);
  EXPECT_EQ(r.substr(r.size() - 2), "\r\n");
  // Cut on a UTF-8 boundary.
  std::string utf8;
  for (int i = 0; i < 300; ++i) utf8 += "\xC3\xA4";
  r = format_reply(250, "", utf8);
  EXPECT_LE(r.size(), 512u);
  EXPECT_TRUE(is_valid_utf8(r));
  EXPECT_EQ(format_reply(42, "", "bad"), "451 4.3.0 bad\r\n");
}

TEST(SmtpXtext, Decode) {
  EXPECT_EQ(xtext_decode("rfc822;a+2Bb@example.org"), "rfc822;a+b@example.org");
  EXPECT_EQ(xtext_decode("a+3Db+20c"), "a=b c");
  EXPECT_EQ(xtext_decode("+2b"), "+");  // lower-case hex tolerated
  EXPECT_EQ(xtext_decode(""), "");
  EXPECT_FALSE(xtext_decode("a+2"));
  EXPECT_FALSE(xtext_decode("a+"));
  EXPECT_FALSE(xtext_decode("+G0"));
  EXPECT_FALSE(xtext_decode("a=b"));
  EXPECT_FALSE(xtext_decode("a b"));
  EXPECT_FALSE(xtext_decode("\xC3\xA4"));
}

TEST(SmtpXtext, Encode) {
  EXPECT_EQ(xtext_encode("a+b=c d"), "a+2Bb+3Dc+20d");
  EXPECT_EQ(xtext_encode("\xC3\xA4"), "+C3+A4");
  EXPECT_EQ(xtext_encode(std::string("\0", 1)), "+00");
}

TEST(SmtpXtext, RoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  auto decoded = xtext_decode(xtext_encode(all));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, all);
  for (std::string_view s : {"", "simple", "rfc822;user@example.org", "+=+=", "Envid 42 \x7f"}) {
    EXPECT_EQ(xtext_decode(xtext_encode(s)), std::string(s));
  }
}

}  // namespace
}  // namespace postamt::proto::smtp

TEST(SmtpReply, EmptyAuthChallengeKeepsTheSpace) {
  using postamt::proto::smtp::format_reply;
  // RFC 4954 §8: continue-req = "334" SP [base64] CRLF.
  EXPECT_EQ(format_reply(334, "", ""), "334 \r\n");
  EXPECT_EQ(format_reply(250, "", ""), "250\r\n");
}
