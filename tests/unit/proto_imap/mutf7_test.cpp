// Modified UTF-7 mailbox names: RFC 3501 §5.1.3 examples, round trips and every class of
// invalid input mutf7_to_utf8 must reject.
#include <gtest/gtest.h>

#include "proto/imap/mutf7.h"

namespace postamt::proto::imap {
namespace {

TEST(Mutf7, Rfc3501Example) {
  // RFC 3501 §5.1.3.
  EXPECT_EQ(utf8_to_mutf7("~peter/mail/台北/日本語"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
  EXPECT_EQ(mutf7_to_utf8("~peter/mail/&U,BTFw-/&ZeVnLIqe-"), "~peter/mail/台北/日本語");
}

TEST(Mutf7, Ampersand) {
  EXPECT_EQ(utf8_to_mutf7("&"), "&-");
  EXPECT_EQ(utf8_to_mutf7("Tom & Jerry"), "Tom &- Jerry");
  EXPECT_EQ(mutf7_to_utf8("Tom &- Jerry"), "Tom & Jerry");
  EXPECT_EQ(mutf7_to_utf8("&-&-"), "&&");
  // "&-" between runs keeps them separate runs, which is canonical.
  EXPECT_EQ(utf8_to_mutf7("ä&ö"), "&AOQ-&-&APY-");
  EXPECT_EQ(mutf7_to_utf8("&AOQ-&-&APY-"), "ä&ö");
}

TEST(Mutf7, KnownEncodings) {
  EXPECT_EQ(utf8_to_mutf7(""), "");
  EXPECT_EQ(utf8_to_mutf7("INBOX"), "INBOX");
  EXPECT_EQ(utf8_to_mutf7("ä"), "&AOQ-");
  EXPECT_EQ(utf8_to_mutf7("Entwürfe"), "Entw&APw-rfe");
  EXPECT_EQ(utf8_to_mutf7("Отправленные"), "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-");
  // U+1F600 as a surrogate pair D83D DE00.
  EXPECT_EQ(utf8_to_mutf7("\xF0\x9F\x98\x80"), "&2D3eAA-");
  EXPECT_EQ(mutf7_to_utf8("&2D3eAA-"), "\xF0\x9F\x98\x80");
  // Controls are not printable: encoded.
  EXPECT_EQ(utf8_to_mutf7("a\tb"), "a&AAk-b");
  EXPECT_EQ(mutf7_to_utf8("a&AAk-b"), "a\tb");
  EXPECT_EQ(utf8_to_mutf7(std::string_view("\x7f", 1)), "&AH8-");
}

TEST(Mutf7, InvalidUtf8BecomesReplacement) {
  EXPECT_EQ(utf8_to_mutf7("a\xFFz"), "a&,,0-z");
  EXPECT_EQ(mutf7_to_utf8("a&,,0-z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(utf8_to_mutf7("\xED\xA0\x80"), "&,,3,,f,9-");  // encoded surrogate: 3 x U+FFFD
  EXPECT_EQ(utf8_to_mutf7("\xC0\xAF"), "&,,3,,Q-");        // overlong '/'
}

TEST(Mutf7, RoundTrips) {
  const char* names[] = {
      "INBOX", "Sent Items", "Entwürfe", "台北/日本語", "a&b&&c", "ä&ö", "Ünïcödé/Ordner",
      "\xF0\x9F\x98\x80 smile \xF0\x9F\x98\x80\xF0\x9F\x98\x81", "ab\x01" "cd", "日本語&", "&日本語",
      "x\xE2\x82\xAC", "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC",
  };
  for (const char* n : names) {
    std::string enc = utf8_to_mutf7(n);
    for (char c : enc) {
      EXPECT_TRUE(c >= 0x20 && c <= 0x7E) << n;
    }
    auto dec = mutf7_to_utf8(enc);
    ASSERT_TRUE(dec.has_value()) << n << " -> " << enc;
    EXPECT_EQ(*dec, n);
  }
  // Every BMP code point except surrogates, in runs of varying length (all padding cases).
  for (uint32_t cp = 0x80; cp < 0x10000; cp += 97) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string s;
    for (uint32_t k = 0; k < (cp % 5) + 1; ++k) {
      uint32_t c = cp + k;
      if (c >= 0xD800 && c <= 0xDFFF) c = 0x4E2D;
      if (c < 0x800) {
        s += static_cast<char>(0xC0 | (c >> 6));
        s += static_cast<char>(0x80 | (c & 0x3F));
      } else {
        s += static_cast<char>(0xE0 | (c >> 12));
        s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (c & 0x3F));
      }
    }
    auto dec = mutf7_to_utf8(utf8_to_mutf7(s));
    ASSERT_TRUE(dec.has_value()) << cp;
    EXPECT_EQ(*dec, s) << cp;
  }
}

TEST(Mutf7, RejectsInvalid) {
  const char* bad[] = {
      "&",             // lone '&'
      "a&",            //
      "&AOQ",          // run without '-'
      "&AOQ-&APY-",    // adjacent runs: non-canonical (one run "&AOQA9g-")
      "&AGE-",         // encoded 'a': printable ASCII must represent itself
      "&ACY-",         // encoded '&'
      "&ACA-",         // encoded space
      "&AOQ=-",        // '=' padding is not used
      "&AO/-",         // '/' is ',' in modified base64
      "&AOR-",         // non-zero padding bits
      "&AO-",          // 12 bits: not a whole UTF-16 unit
      "&A-",           // 6 bits
      "&AOQA-",        // 24 bits: 8 leftover bits (>= 6)
      "&AOQA9g-x&-&",  // trailing lone '&'
      "&2D0-",         // high surrogate alone
      "&2D0AQQ-",      // high surrogate followed by non-surrogate
      "&3gA-",         // low surrogate alone
      "&3gDYPQ-",      // reversed pair
      "&2D3YPQ-",      // two high surrogates
      "&&-",           // '&' in the alphabet position
  };
  for (const char* b : bad) {
    EXPECT_FALSE(mutf7_to_utf8(b).has_value()) << b;
  }
  // Raw bytes outside printable ASCII.
  EXPECT_FALSE(mutf7_to_utf8("caf\xC3\xA9").has_value());
  EXPECT_FALSE(mutf7_to_utf8("a\tb").has_value());
  EXPECT_FALSE(mutf7_to_utf8(std::string_view("a\0b", 3)).has_value());
  EXPECT_FALSE(mutf7_to_utf8("a\x7f").has_value());
}

TEST(Mutf7, AcceptsCanonicalEdgeCases) {
  EXPECT_EQ(mutf7_to_utf8(""), "");
  EXPECT_EQ(mutf7_to_utf8("&AOQA9g-"), "äö");
  EXPECT_EQ(mutf7_to_utf8("-&-"), "-&");
  EXPECT_EQ(mutf7_to_utf8("&AOQ--"), "ä-");  // '-' after the terminator is literal
  EXPECT_EQ(mutf7_to_utf8("&AOQ-a&APY-"), "äaö");
}

}  // namespace
}  // namespace postamt::proto::imap
