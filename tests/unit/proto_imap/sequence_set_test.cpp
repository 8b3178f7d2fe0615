// Sequence sets (RFC 9051 §9): valid and invalid syntax, 32-bit bounds, range limits,
// "*" resolution, contains(), canonical formatting.
#include <gtest/gtest.h>

#include "proto/imap/sequence_set.h"

namespace postamt::proto::imap {
namespace {

SequenceSet ok(std::string_view s, size_t max_ranges = SequenceSet::kDefaultMaxRanges) {
  auto r = SequenceSet::parse(s, max_ranges);
  if (!r) {
    ADD_FAILURE() << "unexpected error for '" << s << "': " << r.error().describe();
    return {};
  }
  return *r;
}

TEST(SequenceSet, Parses) {
  EXPECT_EQ(ok("1").ranges(), (std::vector<SeqRange>{{1, 1}}));
  EXPECT_EQ(ok("2:4").ranges(), (std::vector<SeqRange>{{2, 4}}));
  EXPECT_EQ(ok("*").ranges(), (std::vector<SeqRange>{{0, 0}}));
  EXPECT_EQ(ok("5:*").ranges(), (std::vector<SeqRange>{{5, 0}}));
  EXPECT_EQ(ok("*:3").ranges(), (std::vector<SeqRange>{{0, 3}}));
  EXPECT_EQ(ok("4:2").ranges(), (std::vector<SeqRange>{{4, 2}}));
  EXPECT_EQ(ok("2,4:7,9,12:*").ranges(), (std::vector<SeqRange>{{2, 2}, {4, 7}, {9, 9}, {12, 0}}));
  EXPECT_EQ(ok("4294967295").ranges(), (std::vector<SeqRange>{{4294967295u, 4294967295u}}));
  EXPECT_EQ(ok("1:4294967295").ranges(), (std::vector<SeqRange>{{1, 4294967295u}}));
  EXPECT_FALSE(ok("1").is_saved_result());
}

TEST(SequenceSet, SavedResult) {
  SequenceSet s = ok("$");
  EXPECT_TRUE(s.is_saved_result());
  EXPECT_TRUE(s.ranges().empty());
  EXPECT_FALSE(s.contains(1, 10));
  EXPECT_TRUE(s.resolve(10).empty());
  EXPECT_EQ(s.to_string(), "$");
}

TEST(SequenceSet, Rejects) {
  const char* bad[] = {
      "", "0", "0:5", "5:0", "01", "1:02", "4294967296", "1:4294967296", "99999999999", "18446744073709551617",
      ",", "1,", ",1", "1,,2", "1:", ":1", "1:2:3", "*:*:*", "**", "1*", "a", "1 ", " 1", "1, 2", "-1",
      "+1", "$,1", "1,$", "$$", "1.5", "１",
  };
  for (const char* b : bad) {
    auto r = SequenceSet::parse(b);
    EXPECT_FALSE(r.ok()) << "'" << b << "'";
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::params) << b;
    }
  }
}

TEST(SequenceSet, RangeLimit) {
  EXPECT_TRUE(SequenceSet::parse("1,2,3", 3).ok());
  auto r = SequenceSet::parse("1,2,3,4", 3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::too_big);
  // Default limit: 1000 items pass, 1001 do not.
  std::string s = "1";
  for (int i = 2; i <= 1000; ++i) s += "," + std::to_string(i);
  EXPECT_TRUE(SequenceSet::parse(s).ok());
  s += ",1001";
  EXPECT_EQ(SequenceSet::parse(s).error().code, ErrorCode::too_big);
}

TEST(SequenceSet, Contains) {
  SequenceSet s = ok("2,4:7,9,12:*");
  std::vector<uint32_t> in;
  for (uint32_t n = 0; n <= 16; ++n) {
    if (s.contains(n, 15)) in.push_back(n);
  }
  EXPECT_EQ(in, (std::vector<uint32_t>{2, 4, 5, 6, 7, 9, 12, 13, 14, 15}));
  // RFC 9051 §9 example: *:4,5:7 with 10 messages is 4..10.
  SequenceSet t = ok("*:4,5:7");
  for (uint32_t n = 1; n <= 10; ++n) EXPECT_EQ(t.contains(n, 10), n >= 4) << n;
  // RFC 9051 §6.4.8: 559:* includes the last UID even if it is below 559.
  EXPECT_TRUE(ok("559:*").contains(100, 100));
  EXPECT_TRUE(ok("559:*").contains(559, 100));
  EXPECT_FALSE(ok("559:*").contains(99, 100));
  EXPECT_TRUE(ok("*").contains(7, 7));
  EXPECT_FALSE(ok("*").contains(6, 7));
  // Empty mailbox: "*" names nothing.
  EXPECT_FALSE(ok("*").contains(1, 0));
  EXPECT_FALSE(ok("1:*").contains(1, 0));
  EXPECT_TRUE(ok("1:*,3").contains(3, 0));
  EXPECT_TRUE(ok("4294967295").contains(4294967295u, 5));
  EXPECT_FALSE(ok("1:*").contains(0, 5));
}

TEST(SequenceSet, Resolve) {
  EXPECT_EQ(ok("12:*,2,4:7,9,8,3").resolve(15), (std::vector<NumberRange>{{2, 9}, {12, 15}}));
  EXPECT_EQ(ok("*:4,5:7").resolve(10), (std::vector<NumberRange>{{4, 10}}));
  EXPECT_EQ(ok("1:*").resolve(0), (std::vector<NumberRange>{}));
  EXPECT_EQ(ok("4294967295,1:4294967294").resolve(3), (std::vector<NumberRange>{{1, 4294967295u}}));
  EXPECT_EQ(ok("5,5,5").resolve(3), (std::vector<NumberRange>{{5, 5}}));
}

TEST(SequenceSet, Formatting) {
  EXPECT_EQ(ok("1").to_string(), "1");
  EXPECT_EQ(ok("5:5").to_string(), "5");
  EXPECT_EQ(ok("4:2").to_string(), "2:4");
  EXPECT_EQ(ok("*").to_string(), "*");
  EXPECT_EQ(ok("*:3").to_string(), "3:*");
  EXPECT_EQ(ok("5:*").to_string(), "5:*");
  EXPECT_EQ(ok("*:*").to_string(), "*");
  EXPECT_EQ(ok("2,4:7,9,12:*").to_string(), "2,4:7,9,12:*");
  EXPECT_EQ(format_ranges({}), "");
  EXPECT_EQ(format_ranges({{1, 3}, {7, 7}, {9, 4294967295u}}), "1:3,7,9:4294967295");
  EXPECT_EQ(format_ranges(ok("3,1,2,9:7").resolve(9)), "1:3,7:9");
  // Formatting is canonical: it parses back to itself.
  for (const char* s : {"1:3,7,9:12", "2:4,5:*", "*"}) {
    EXPECT_EQ(ok(ok(s).to_string()).to_string(), s);
  }
}

}  // namespace
}  // namespace postamt::proto::imap
