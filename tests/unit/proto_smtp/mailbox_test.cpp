// parse_mailbox, domain and address-literal syntax, UTF-8 validation.
#include <gtest/gtest.h>

#include "proto/smtp/smtp_codec.h"

namespace postamt::proto::smtp {
namespace {

TEST(SmtpMailbox, Splits) {
  auto m = parse_mailbox("user.name+tag@sub.example.org");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->local, "user.name+tag");
  EXPECT_EQ(m->domain, "sub.example.org");
  m = parse_mailbox("\"a@b\"@example.org");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->local, "\"a@b\"");
  EXPECT_EQ(m->domain, "example.org");
  m = parse_mailbox("x@[IPv6:2001:db8::1]");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->domain, "[IPv6:2001:db8::1]");
  m = parse_mailbox("\xC3\xA4@\xC3\xB6.example");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->local, "\xC3\xA4");
  EXPECT_TRUE(parse_mailbox("!#$%&'*+-/=?^_`{|}~@x"));
  EXPECT_TRUE(parse_mailbox("a@localhost"));
  EXPECT_TRUE(parse_mailbox("a@1.2.3.4"));  // a (numeric) domain name, not a literal
}

TEST(SmtpMailbox, Rejects) {
  for (std::string_view bad : {"", "@", "a", "a@", "@b", "a@b@c", ".a@b", "a.@b", "a..b@c", "a b@c", "a@b..c",
                               "a@.b", "a@b.", "a@-b", "a@b-", "a@b_c", "a@[1.2.3.4", "a@[]", "a@[1.2.3.4]x",
                               "\"a@b", "\"a\\\x01\"@b", "a(comment)@b", "<a@b>", "a@b c", "a\xFF@b"}) {
    EXPECT_FALSE(parse_mailbox(bad)) << bad;
  }
  EXPECT_FALSE(parse_mailbox("a@" + std::string(64, 'x') + ".example"));  // label > 63
  EXPECT_TRUE(parse_mailbox("a@" + std::string(63, 'x') + ".example"));
  std::string long_domain;
  for (int i = 0; i < 64; ++i) long_domain += "abc.";
  long_domain += "de";  // 258 octets
  EXPECT_FALSE(parse_mailbox("a@" + long_domain));
}

TEST(SmtpMailbox, UnquoteLocalPart) {
  EXPECT_EQ(unquote_local_part("\"john doe\""), "john doe");
  EXPECT_EQ(unquote_local_part("\"a\\\"b\\\\c\""), "a\"b\\c");
  EXPECT_EQ(unquote_local_part("plain.dot"), "plain.dot");
  EXPECT_EQ(unquote_local_part("\"\""), "");
}

TEST(SmtpMailbox, AddressLiterals) {
  for (std::string_view good : {"[0.0.0.0]", "[255.255.255.255]", "[IPv6:::]", "[IPv6:::1]", "[IPv6:1::]",
                                "[IPv6:1:2:3:4:5:6:7:8]", "[IPv6:1:2:3:4:5:6::]", "[IPv6:1:2:3:4:5:6:1.2.3.4]",
                                "[IPv6:::ffff:1.2.3.4]", "[IPv6:FFFF:abcd::1]", "[ipv6:1::2]"}) {
    EXPECT_TRUE(is_valid_address_literal(good)) << good;
  }
  for (std::string_view bad : {"[]", "[1.2.3]", "[1.2.3.4.5]", "[256.1.1.1]", "[1.2.3.]", "[01234.1.1.1]",
                               "[IPv6:]", "[IPv6::::]", "[IPv6:1:2:3:4:5:6:7]", "[IPv6:1:2:3:4:5:6:7:8:9]",
                               "[IPv6:12345::]", "[IPv6:1::2::3]", "[IPv6::1]", "[IPv6:1:]", "[IPv6:g::]",
                               "[IPv6:1:2:3:4:5:6:7:1.2.3.4]", "[IPv6:1.2.3.4]", "[IPv6::1.2.3.4]",
                               "[IPv6:1.2.3.4::]", "[tag:x]", "1.2.3.4", "[1.2.3.4"}) {
    EXPECT_FALSE(is_valid_address_literal(bad)) << bad;
  }
}

TEST(SmtpMailbox, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xC3\xA4\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));              // overlong
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\x80"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));          // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));      // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));              // truncated
}

TEST(SmtpMailbox, Domains) {
  EXPECT_TRUE(is_valid_smtp_domain("example.org"));
  EXPECT_TRUE(is_valid_smtp_domain("xn--bcher-kva.example"));
  EXPECT_TRUE(is_valid_smtp_domain("b\xC3\xBC" "cher.example"));
  EXPECT_FALSE(is_valid_smtp_domain(""));
  EXPECT_FALSE(is_valid_smtp_domain("a..b"));
  EXPECT_FALSE(is_valid_smtp_domain("-a.b"));
  EXPECT_FALSE(is_valid_smtp_domain("a.b-"));
  EXPECT_FALSE(is_valid_smtp_domain("a_b.c"));
}

}  // namespace
}  // namespace postamt::proto::smtp
