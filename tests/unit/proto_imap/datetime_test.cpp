// IMAP date / date-time parsing and INTERNALDATE formatting: valid forms, day padding,
// month case, range checks and the round trip.
#include <gtest/gtest.h>

#include <climits>

#include "proto/imap/datetime.h"

namespace postamt::proto::imap {
namespace {

TEST(Datetime, Date) {
  EXPECT_EQ(*parse_date("1-Feb-1994"), 760060800);
  EXPECT_EQ(*parse_date("01-Feb-1994"), 760060800);
  EXPECT_EQ(*parse_date("1-feb-1994"), 760060800);
  EXPECT_EQ(*parse_date("1-FEB-1994"), 760060800);
  EXPECT_EQ(*parse_date("29-Feb-2000"), 951782400);
  EXPECT_EQ(*parse_date("31-Dec-1969"), -86400);
  EXPECT_EQ(*parse_date("1-Jan-1970"), 0);
  EXPECT_EQ(*parse_date("1-Jan-1970") % 86400, 0);
}

TEST(Datetime, DateErrors) {
  for (const char* bad : {"", "1", "1-Feb", "1-Feb-94", "1-Feb-19944", "001-Feb-1994", "32-Jan-2000", "0-Jan-2000",
                          "29-Feb-2001", "29-Feb-1900", "31-Apr-2020", "1-Fbr-1994", "a-Feb-1994", "1 Feb 1994",
                          "1-Feb-1994 ", " 1-Feb-1994", "1--Feb-1994", "1-Feb-199x", "1-February-1994"}) {
    auto r = parse_date(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::params);
    }
  }
}

TEST(Datetime, DateTime) {
  auto dt = parse_date_time("17-Jul-1996 02:44:25 -0700");
  ASSERT_TRUE(dt.ok());
  EXPECT_EQ(dt->unix_seconds, 837596665);
  EXPECT_EQ(dt->zone_minutes, -420);
  for (const char* s : {" 7-Jul-1996 02:44:25 +0000", "07-Jul-1996 02:44:25 +0000", "7-Jul-1996 02:44:25 +0000",
                        "07-jul-1996 02:44:25 +0000"}) {
    auto r = parse_date_time(s);
    ASSERT_TRUE(r.ok()) << s;
    EXPECT_EQ(r->unix_seconds, 836707465) << s;
  }
  EXPECT_EQ(parse_date_time("05-Jan-2024 12:00:00 +0530")->unix_seconds, 1704456000 - 330 * 60);
  EXPECT_EQ(parse_date_time("05-Jan-2024 12:00:00 +0530")->zone_minutes, 330);
  // A leap second is one second after :59.
  EXPECT_EQ(parse_date_time("31-Dec-2016 23:59:60 +0000")->unix_seconds,
            parse_date_time("01-Jan-2017 00:00:00 +0000")->unix_seconds);
}

TEST(Datetime, DateTimeErrors) {
  for (const char* bad : {"", "17-Jul-1996", "17-Jul-1996 02:44:25", "17-Jul-1996 02:44:25 0700",
                          "17-Jul-1996 02:44 -0700", "17-Jul-1996 24:00:00 +0000", "17-Jul-1996 23:60:00 +0000",
                          "17-Jul-1996 23:59:61 +0000", "17-Jul-1996 02:44:25 +2400", "17-Jul-1996 02:44:25 +0060",
                          "17-Jul-1996 02:44:25 -07000", "17-Jul-1996  02:44:25 -0700", "  7-Jul-1996 02:44:25 +0000",
                          "31-Jun-1996 02:44:25 +0000", "17-Jul-96 02:44:25 +0000", "17-Jul-1996 2:44:25 +0000",
                          "17-Jul-1996T02:44:25 +0000", "17-Jul-1996 02:44:25 +07:00", "x7-Jul-1996 02:44:25 +0000"}) {
    EXPECT_FALSE(parse_date_time(bad).ok()) << bad;
  }
}

TEST(Datetime, Format) {
  EXPECT_EQ(format_date_time(837596665, -420), "17-Jul-1996 02:44:25 -0700");
  EXPECT_EQ(format_date_time(836707465, 0), " 7-Jul-1996 02:44:25 +0000");
  EXPECT_EQ(format_date_time(0), " 1-Jan-1970 00:00:00 +0000");
  EXPECT_EQ(format_date_time(-1), "31-Dec-1969 23:59:59 +0000");
  EXPECT_EQ(format_date_time(0, 330), " 1-Jan-1970 05:30:00 +0530");
  EXPECT_EQ(format_date_time(0, -1), "31-Dec-1969 23:59:00 -0001");
  // Clamping: zone to +-23:59, instants to years 0000..9999.
  EXPECT_EQ(format_date_time(0, 100000), " 1-Jan-1970 23:59:00 +2359");
  EXPECT_EQ(format_date_time(0, -100000), "31-Dec-1969 00:01:00 -2359");
  EXPECT_EQ(format_date_time(INT64_MAX, 0), "31-Dec-9999 23:59:59 +0000");
  EXPECT_EQ(format_date_time(INT64_MIN, 0), " 1-Jan-0000 00:00:00 +0000");
  EXPECT_EQ(format_date_time(INT64_MAX, 600), "31-Dec-9999 23:59:59 +1000");
  EXPECT_EQ(format_date_time(INT64_MIN, -600), " 1-Jan-0000 00:00:00 -1000");
}

TEST(Datetime, RoundTrip) {
  for (int64_t t = -5000000000; t < 250000000000; t += 987654321) {
    for (int zone : {0, 60, -60, 330, -570, 1439, -1439}) {
      std::string s = format_date_time(t, zone);
      ASSERT_EQ(s.size(), 26u) << s;
      auto back = parse_date_time(s);
      ASSERT_TRUE(back.ok()) << s;
      EXPECT_EQ(back->unix_seconds, t) << s;
      EXPECT_EQ(back->zone_minutes, zone) << s;
    }
  }
}

}  // namespace
}  // namespace postamt::proto::imap
