// Unit tests: address-list parsing into ENVELOPE address structures.
// Inputs are hand-written, partly garbage on purpose.
// RFCs: 5322 §3.4 and Appendix A.1 examples, §4.4 obsolete syntax, 3501 §7.4.2 groups.
#include <gtest/gtest.h>

#include "mime/mime.h"

using namespace postamt::mime;

namespace {

Address addr(std::optional<std::string> name, std::string mailbox, std::string host) {
  return Address{std::move(name), std::nullopt, std::move(mailbox), std::move(host)};
}
Address group_start(std::string name) { return Address{std::nullopt, std::nullopt, std::move(name), std::nullopt}; }
Address group_end() { return Address{}; }

}  // namespace

TEST(AddressList, Simple) {
  auto a = parse_address_list("John Doe <jdoe@machine.example>");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], addr("John Doe", "jdoe", "machine.example"));
  a = parse_address_list("mary@example.net");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], addr(std::nullopt, "mary", "example.net"));
}

TEST(AddressList, QuotedNamesAndComments) {
  auto a = parse_address_list(
      "\"Joe Q. Public\" <john.q.public@example.com>, Mary Smith <mary@x.test>, jdoe@example.org, "
      "Who? <one@y.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0], addr("Joe Q. Public", "john.q.public", "example.com"));
  EXPECT_EQ(a[1], addr("Mary Smith", "mary", "x.test"));
  EXPECT_EQ(a[2], addr(std::nullopt, "jdoe", "example.org"));
  EXPECT_EQ(a[3].mailbox, "one");
  EXPECT_EQ(a[4], addr("Giant; \"Big\" Box", "sysservices", "example.net"));
  a = parse_address_list("jdoe@example.org (John Doe)");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], addr("John Doe", "jdoe", "example.org"));
  // RFC 2047 words stay encoded: IMAP returns them raw.
  a = parse_address_list("=?utf-8?Q?J=C3=B6rg?= <j@x.de>");
  EXPECT_EQ(a[0].name, "=?utf-8?Q?J=C3=B6rg?=");
  a = parse_address_list("\"quoted local\"@example.com");
  EXPECT_EQ(a[0], addr(std::nullopt, "quoted local", "example.com"));
}

TEST(AddressList, Groups) {
  auto a = parse_address_list("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, x@y.z");
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a[0], group_start("A Group"));
  EXPECT_EQ(a[1], addr("Ed Jones", "c", "a.test"));
  EXPECT_EQ(a[2], addr(std::nullopt, "joe", "where.test"));
  EXPECT_EQ(a[3], addr("John", "jdoe", "one.test"));
  EXPECT_EQ(a[4], group_end());
  EXPECT_EQ(a[5], addr(std::nullopt, "x", "y.z"));
  a = parse_address_list("Undisclosed recipients:;");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0], group_start("Undisclosed recipients"));
  EXPECT_EQ(a[1], group_end());
  a = parse_address_list("open group: a@b");  // never closed: closed for the caller
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[2], group_end());
}

TEST(AddressList, ObsoleteSyntax) {
  // RFC 5322 Appendix A.6.1-style: route, CFWS inside the local part, empty elements.
  auto a = parse_address_list("Joe Q. Public <@machine.tld,@other.tld:john.q.public@example.com>");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].adl, "@machine.tld,@other.tld");
  EXPECT_EQ(a[0].mailbox, "john.q.public");
  EXPECT_EQ(a[0].host, "example.com");
  EXPECT_EQ(a[0].name, "Joe Q. Public");
  a = parse_address_list(",, john (comment) . doe @ example . com ,,");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].mailbox, "john.doe");
  EXPECT_EQ(a[0].host, "example.com");
  a = parse_address_list("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], addr("Pete", "pete", "silly.test"));
  a = parse_address_list("user@[192.0.2.1]");
  EXPECT_EQ(a[0].host, "[192.0.2.1]");
}

TEST(AddressList, Garbage) {
  auto a = parse_address_list("undisclosed-recipients");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], addr(std::nullopt, "undisclosed-recipients", ""));
  EXPECT_TRUE(parse_address_list("").empty());
  EXPECT_TRUE(parse_address_list(" , ; > ").empty());
  a = parse_address_list("<>");
  EXPECT_TRUE(a.empty());
  a = parse_address_list("Name <unterminated@host");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], addr("Name", "unterminated", "host"));
  a = parse_address_list("a@b c@d");  // missing comma
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1], addr(std::nullopt, "c", "d"));
  a = parse_address_list("\"unterminated <x@y>");
  EXPECT_LE(a.size(), 1u);
  a = parse_address_list("((((((((((((((((((((((((((((((((((((((((");
  EXPECT_TRUE(a.empty());
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "u" + std::to_string(i) + "@h, ";
  EXPECT_EQ(parse_address_list(many, 1000).size(), 1000u);
  EXPECT_EQ(parse_address_list("g: a@b, c@d;", 2).size(), 3u);  // limit inside a group: closed
}

TEST(AddressList, CommentAsDisplayName) {
  // No phrase: the last comment after the address's first word is the name (Dovecot,
  // UW-IMAP and Cyrus do the same; RFC 5322 §3.4 alone would give NIL).
  auto a = parse_address_list("nsb@x (Nathaniel Borenstein)");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], addr("Nathaniel Borenstein", "nsb", "x"));
  a = parse_address_list("nsb(Nathaniel Borenstein)@x");
  EXPECT_EQ(a[0], addr("Nathaniel Borenstein", "nsb", "x"));
  a = parse_address_list("nsb (first) @ x (second)");
  EXPECT_EQ(a[0], addr("second", "nsb", "x"));
  a = parse_address_list("nsb@x (Nathaniel Borenstein), other@y, third@z ()");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].name, "Nathaniel Borenstein");
  EXPECT_EQ(a[1].name, std::nullopt);
  EXPECT_EQ(a[2].name, std::nullopt);  // empty comment: no name
  a = parse_address_list("nsb (Nathaniel Borenstein)");  // no domain at all
  EXPECT_EQ(a[0], addr("Nathaniel Borenstein", "nsb", ""));
  // Not a name: a comment before the address, or around a name-addr.
  a = parse_address_list("(leading) nsb@x");
  EXPECT_EQ(a[0], addr(std::nullopt, "nsb", "x"));
  a = parse_address_list("<nsb@x> (Nathaniel Borenstein)");
  EXPECT_EQ(a[0], addr(std::nullopt, "nsb", "x"));
  a = parse_address_list("Nathaniel <nsb(c1)@x(c2)> (c3)");
  EXPECT_EQ(a[0], addr("Nathaniel", "nsb", "x"));
  a = parse_address_list("g: a@b (in group);");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[1], addr("in group", "a", "b"));
}
