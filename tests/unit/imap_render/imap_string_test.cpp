// IMAP string output: quoted vs literal choices (RFC 9051 §4.3, §9), Dovecot's "for
// humans" normalization, NUL handling.
#include "imap/render/imap_string.h"

#include <gtest/gtest.h>

namespace postamt::imap::render {
namespace {

std::string str(std::string_view s, bool utf8 = false) {
  std::string out;
  append_string(out, s, utf8);
  return out;
}

std::string human(std::string_view s, bool utf8 = false) {
  std::string out;
  append_string_for_humans(out, s, utf8);
  return out;
}

TEST(ImapString, QuotedWhenPossible) {
  EXPECT_EQ(str("hello world"), "\"hello world\"");
  EXPECT_EQ(str(""), "\"\"");
  EXPECT_EQ(str("NIL"), "\"NIL\"");  // a string, never the atom NIL
  EXPECT_EQ(str("a\"b\\c"), "\"a\\\"b\\\\c\"");
}

TEST(ImapString, LiteralForCrLfAndManySpecials) {
  EXPECT_EQ(str("a\r\nb"), "{4}\r\na\r\nb");
  EXPECT_EQ(str("a\nb"), "{3}\r\na\nb");
  EXPECT_EQ(str("\"\"\"\""), "\"\\\"\\\"\\\"\\\"\"");  // 4 escapes: still quoted
  EXPECT_EQ(str("\"\"\"\"\""), "{5}\r\n\"\"\"\"\"");    // 5: literal, like Dovecot
}

TEST(ImapString, EightBit) {
  EXPECT_EQ(str("Gr\xC3\xBC\xC3\x9F" "e"), "{7}\r\nGr\xC3\xBC\xC3\x9F" "e");
  // RFC 9051 §9 / RFC 6855: UTF-8 may be quoted once UTF8=ACCEPT (or IMAP4rev2) is on.
  EXPECT_EQ(str("Gr\xC3\xBC\xC3\x9F" "e", true), "\"Gr\xC3\xBC\xC3\x9F" "e\"");
  // Invalid UTF-8 (Latin-1 bytes) stays a literal even then.
  EXPECT_EQ(str("caf\xE9", true), "{4}\r\ncaf\xE9");
}

TEST(ImapString, NulBecomesReplacementCharacter) {
  EXPECT_EQ(str(std::string_view("a\0b", 3)), "{5}\r\na\xEF\xBF\xBD" "b");
  EXPECT_EQ(str(std::string_view("a\0b", 3), true), "\"a\xEF\xBF\xBD" "b\"");
}

TEST(ImapString, NString) {
  std::string out;
  append_nstring(out, std::nullopt, false);
  out += ' ';
  append_nstring(out, std::string("x"), false);
  EXPECT_EQ(out, "NIL \"x\"");
}

TEST(ImapString, ForHumansUnchangedIsQuoted) {
  EXPECT_EQ(human("Hello world"), "\"Hello world\"");
  EXPECT_EQ(human(""), "\"\"");
}

TEST(ImapString, ForHumansNormalizesLikeDovecot) {
  EXPECT_EQ(human("  Hello  \r\n\tworld "), "{11}\r\nHello world");
  EXPECT_EQ(human("tab\there"), "{8}\r\ntab here");
  EXPECT_EQ(human(" \t "), "\"\"");
  EXPECT_EQ(human("a\"b"), "{3}\r\na\"b");
  EXPECT_EQ(human("has \\ backslash"), "{15}\r\nhas \\ backslash");
  EXPECT_EQ(human(std::string_view("null\0byte", 9)), "{11}\r\nnull\xEF\xBF\xBD" "byte");
  EXPECT_EQ(human("J\xC3\xB6rg"), "{5}\r\nJ\xC3\xB6rg");
  EXPECT_EQ(human("J\xC3\xB6rg", true), "\"J\xC3\xB6rg\"");
  EXPECT_EQ(human("a  \"b\"", true), "\"a \\\"b\\\"\"");
}

TEST(ImapString, ReplaceNulForLiteral) {
  std::string b("a\0b\0", 4);
  replace_nul_for_literal(b);
  EXPECT_EQ(b, "a\x80" "b\x80");
}

}  // namespace
}  // namespace postamt::imap::render
