// Unit tests for base/: Result, string helpers, base64.
#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/result.h"
#include "base/strings.h"

#include <vector>

using namespace postamt;

TEST(Result, ValueAndError) {
  Result<int> a = 5;
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 5);
  Result<int> b = Error::make(ErrorCode::not_found, "nope", "row 3");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, ErrorCode::not_found);
  EXPECT_EQ(b.error().describe(), "not-found: nope (row 3)");
  Result<void> c;
  EXPECT_TRUE(c.ok());
  Result<void> d = Error::make(ErrorCode::temp, "later");
  EXPECT_FALSE(d.ok());
}

TEST(Strings, Basics) {
  EXPECT_TRUE(iequals("MaIl", "mail"));
  EXPECT_FALSE(iequals("mail", "mai"));
  EXPECT_TRUE(istarts_with("FROM:<a>", "from:"));
  EXPECT_EQ(trim("  a b \t"), "a b");
  auto v = split_ws("  a  bb\tc ");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[1], "bb");
  EXPECT_EQ(parse_u64("18446744073709551615").value(), UINT64_MAX);
  EXPECT_FALSE(parse_u64("18446744073709551616"));
  EXPECT_FALSE(parse_u64("-1"));
  EXPECT_FALSE(parse_u64(""));
  EXPECT_TRUE(is_valid_domain("example.test"));
  EXPECT_FALSE(is_valid_domain("example..test"));
  EXPECT_FALSE(is_valid_domain("exa mple.test"));
  EXPECT_FALSE(is_valid_domain("-bad.test"));
  EXPECT_FALSE(is_valid_domain("bad-.test"));
  EXPECT_FALSE(is_valid_domain("bad.test-"));
  EXPECT_TRUE(is_valid_domain("a-b.test"));
}

TEST(Base64, RoundTripAndStrictness) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)}) {
    auto enc = base64_encode(s);
    auto dec = base64_decode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, s);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_FALSE(base64_decode("Zm9v YmFy"));
  EXPECT_FALSE(base64_decode("Zm9=YmFy"));
  EXPECT_FALSE(base64_decode("Zm9"));
  EXPECT_EQ(base64_decode("Zm8=").value(), "fo");
}

TEST(Strings, HexEncode) {
  EXPECT_EQ(hex_encode(std::string("\x00\x0f\xab\xff", 4)), "000fabff");
  EXPECT_EQ(hex_encode(std::string("\x00\x0f\xab\xff", 4), true), "000FABFF");
  EXPECT_EQ(hex_encode(""), "");
}
