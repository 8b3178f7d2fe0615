// Unit tests: RFC 2047 encoded-words, charset conversion, transfer decoding.
// Inputs are hand-written, partly malformed on purpose.
// RFCs: 2047 §8 (examples), 2045 §6.7 (quoted-printable), §6.8 (base64).
#include <gtest/gtest.h>

#include "mime/mime.h"

using namespace postamt::mime;

TEST(Rfc2047, Section8Examples) {
  EXPECT_EQ(decode_encoded_words("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>"), "Keith Moore <moore@cs.utk.edu>");
  EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>"),
            "Keld J\xC3\xB8rn Simonsen <keld@dkuug.dk>");
  EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>"),
            "Andr\xC3\xA9 Pirard <PIRARD@vm1.ulg.ac.be>");
  EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
                                 "    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?="),
            "If you can read this you understand the example.");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?=)"), "(a)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?= b)"), "(a b)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a_b?=)"), "(a b)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)"), "(a b)");
}

TEST(Rfc2047, SplitMultibyteAcrossWordsAndLanguage) {
  // "ä" (C3 A4) split over two words of the same charset.
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?=C3?= =?utf-8?Q?=A4x?="), "\xC3\xA4x");
  EXPECT_EQ(decode_encoded_words("=?UTF-8*en?Q?hi?="), "hi");  // RFC 2231 §5
  EXPECT_EQ(decode_encoded_words("=?koi8-r?B?8NLJ18XU?="), "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
}

TEST(Rfc2047, InvalidLeftAsIs) {
  for (std::string_view s : {"=?", "=?utf-8?", "=?utf-8?X?abc?=", "=?utf-8?Q?a b?=", "=??Q?a?=", "a=?b",
                             "=?utf-8?Q?unterminated", "no words here", ""}) {
    EXPECT_EQ(decode_encoded_words(s), s);
  }
  // Unknown charset: that word stays, the neighbours are decoded, spacing kept.
  EXPECT_EQ(decode_encoded_words("=?x-nope?Q?a?= =?utf-8?Q?b?= c"), "=?x-nope?Q?a?= b c");
  EXPECT_EQ(decode_encoded_words("x =?utf-8?Q?=E2=82=AC?=!"), "x \xE2\x82\xAC!");
  // Invalid UTF-8 inside a word becomes U+FFFD.
  EXPECT_EQ(decode_encoded_words("=?utf-8?Q?=FF?="), "\xEF\xBF\xBD");
}

TEST(Charset, ToUtf8) {
  EXPECT_EQ(*to_utf8("caf\xE9", "ISO-8859-1"), "caf\xC3\xA9");
  EXPECT_EQ(*to_utf8("\x80", "windows-1252"), "\xE2\x82\xAC");
  EXPECT_EQ(*to_utf8("\x1B$B$3$s$K$A$O\x1B(B", "ISO-2022-JP"), "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF");
  EXPECT_EQ(*to_utf8("ok", " utf-8 "), "ok");
  EXPECT_EQ(*to_utf8("a\xFF" "b", "utf-8"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(*to_utf8("\xD8\x00", "UTF-16BE"), "\xEF\xBF\xBD");  // lone surrogate
  EXPECT_FALSE(to_utf8("x", "no-such-charset"));
  EXPECT_FALSE(to_utf8("x", ""));
  EXPECT_FALSE(to_utf8("x", std::string_view("utf\0-8", 6)));
  std::string big(100000, '\xE9');
  auto r = to_utf8(big, "latin1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 200000u);
}

TEST(TransferEncoding, QuotedPrintable) {
  EXPECT_EQ(decode_transfer_encoding("a=3Db=\r\nc\r\nd  \r\n", "quoted-printable"), "a=bc\r\nd\r\n");
  EXPECT_EQ(decode_transfer_encoding("soft= \t\nx", "Quoted-Printable"), "softx");
  EXPECT_EQ(decode_transfer_encoding("=e9=E9", "quoted-printable"), "\xE9\xE9");  // lower-case hex: lenient
  EXPECT_EQ(decode_transfer_encoding("bad=ZZ=4", "quoted-printable"), "bad=ZZ=4");
  EXPECT_EQ(decode_transfer_encoding("end=", "quoted-printable"), "end");
  EXPECT_EQ(decode_transfer_encoding("", "quoted-printable"), "");
}

TEST(TransferEncoding, Base64Lenient) {
  EXPECT_EQ(decode_transfer_encoding("SGVsbG8s\r\nIHdvcmxk\r\n", "base64"), "Hello, world");
  EXPECT_EQ(decode_transfer_encoding("SGVsbG8", "BASE64"), "Hello");          // missing padding
  EXPECT_EQ(decode_transfer_encoding("SG Vsb*G8=\r\n", "base64"), "Hello");  // junk ignored
  EXPECT_EQ(decode_transfer_encoding("QQ==QkM=", "base64"), "ABC");          // '=' ends a quantum
  EXPECT_EQ(decode_transfer_encoding("QUJD\nR", "base64"), "ABC");           // lone 6 bits dropped
  EXPECT_EQ(decode_transfer_encoding("====", "base64"), "");
  std::string big;
  for (int i = 0; i < 50000; ++i) big += "QUJD\r\n";
  EXPECT_EQ(decode_transfer_encoding(big, "base64").size(), 150000u);
}

TEST(TransferEncoding, OthersUnchanged) {
  EXPECT_EQ(decode_transfer_encoding("=41", "7bit"), "=41");
  EXPECT_EQ(decode_transfer_encoding("=41", "x-uuencode"), "=41");
  EXPECT_EQ(decode_transfer_encoding("=41", ""), "=41");
}

// RFC 5051 §2.1: titlecase, then NFKD; bytewise comparison of the results is the
// i;unicode-casemap collation RFC 5256 SORT uses.
TEST(Charset, UnicodeCasemap) {
  using postamt::mime::unicode_casemap;
  EXPECT_EQ(unicode_casemap("apple Pie"), "APPLE PIE");
  EXPECT_EQ(unicode_casemap("\xC3\x84rger"), "A\xCC\x88RGER");          // Ä -> A + U+0308
  // Simple titlecase mappings only (UnicodeData.txt): the ﬁ ligature has none, NFKD splits it.
  EXPECT_EQ(unicode_casemap("\xEF\xAC\x81"), "fi");
  EXPECT_EQ(unicode_casemap("\xC7\x86"), "Dz\xCC\x8C");  // ǆ -> titlecase ǅ -> NFKD D z U+030C
  EXPECT_LT(unicode_casemap("\xC3\x84rger"), unicode_casemap("Gr\xC3\xBC\xC3\x9F" "e"));
  EXPECT_EQ(unicode_casemap("\xFF"), "\xEF\xBF\xBD");                    // invalid byte -> U+FFFD
}
