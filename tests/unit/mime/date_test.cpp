// Unit tests: RFC 5322 date-time parsing including the obsolete forms of §4.3.
// Inputs are hand-written, partly malformed on purpose.
// RFCs: 5322 §3.3, §4.3 (examples partly from RFC 5322 Appendix A).
#include <gtest/gtest.h>

#include "mime/mime.h"

using namespace postamt::mime;

TEST(Date, Rfc5322Forms) {
  EXPECT_EQ(parse_date("Fri, 21 Nov 1997 09:55:06 -0600"), 880127706);
  EXPECT_EQ(parse_date("Tue, 1 Jul 2003 10:52:37 +0200"), 1057049557);
  EXPECT_EQ(parse_date("Thu, 13 Feb 1969 23:32:54 -0330"), -27723426);
  EXPECT_EQ(parse_date("1 Jan 1970 00:00:00 +0000"), 0);          // no day-of-week
  EXPECT_EQ(parse_date("Thu, 1 Jan 1970 00:00 +0000"), 0);        // no seconds
  EXPECT_EQ(parse_date(" Thu,\r\n 01 Jan 1970\t00:00:01 +0000 "), 1);
  EXPECT_EQ(parse_date("Sat, 29 Feb 2020 12:00:00 +0000"), 1582977600);
  EXPECT_EQ(parse_date("Mon, 1 Jan 2024 00:00:60 +0000"), 1704067259);  // leap second clamped
}

TEST(Date, ObsoleteForms) {
  EXPECT_EQ(parse_date("21 Nov 97 09:55:06 GMT"), 880106106);       // 2-digit year, alpha zone
  EXPECT_EQ(parse_date("1 Jan 05 00:00:00 UT"), 1104537600);        // < 50 -> 20xx
  EXPECT_EQ(parse_date("1 Jan 105 00:00:00 +0000"), 1104537600);    // 3-digit year + 1900
  EXPECT_EQ(parse_date("Fri, 21 Nov 1997 09:55:06 EST"), 880124106);
  EXPECT_EQ(parse_date("Fri, 21 Nov 1997 09:55:06 PDT"), 880131306);
  EXPECT_EQ(parse_date("Fri, 21 Nov 1997 09:55:06 Z"), 880106106);  // military: -0000
  EXPECT_EQ(parse_date("Fri, 21 Nov 1997 09:55:06 Q"), 880106106);
  EXPECT_EQ(parse_date("Fri, 21 Nov 1997 09:55:06"), 880106106);    // missing zone
  EXPECT_EQ(parse_date("Fri (comment), 21 (x) Nov 1997 09:55:06 -0600 (CST)"), 880127706);
  EXPECT_EQ(parse_date("Friday, 21 November 1997 09:55:06 -0600"), 880127706);
  EXPECT_EQ(parse_date("Fri Nov 21 09:55:06 1997"), 880106106);     // asctime
  EXPECT_EQ(parse_date("Fri Nov 21 09:55:06 PST 1997"), 880134906);
}

TEST(Date, Invalid) {
  for (std::string_view s : {"", "garbage", "32 Jan 2000 00:00:00 +0000", "29 Feb 2001 00:00:00 +0000",
                             "1 Foo 2000 00:00:00 +0000", "1 Jan 2000", "1 Jan 2000 24:00:00 +0000",
                             "1 Jan 2000 12:60:00 +0000", "1 Jan 2000 12:00:00 +0099", "1 Jan 1800 00:00:00 +0000",
                             "Mon,", "(((((", "1 Jan 99999 00:00:00 +0000"}) {
    EXPECT_FALSE(parse_date(s).has_value()) << s;
  }
}
