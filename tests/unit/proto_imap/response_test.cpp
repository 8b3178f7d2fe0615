// Response string encoders and mailbox-name decoding/encoding: every form the encoder picks
// must come back unchanged through the real command parser.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "grammar_test_util.h"
#include "proto/imap/mailbox_name.h"
#include "proto/imap/response.h"

namespace postamt::proto::imap {
namespace {

using namespace std::string_literals;
using testing::command;

std::string str(std::string_view s, bool utf8 = false) {
  std::string out;
  append_string(out, s, utf8);
  return out;
}

std::string astr(std::string_view s, bool utf8 = false) {
  std::string out;
  append_astring(out, s, utf8);
  return out;
}

// The encoded form, parsed back as an argument of a command, gives the original bytes.
void expect_round_trip(std::string_view s, bool utf8) {
  for (bool as_astring : {false, true}) {
    std::string enc = as_astring ? astr(s, utf8) : str(s, utf8);
    Command c = command("t X " + enc);
    ASSERT_EQ(c.args.size(), 1u) << enc;
    EXPECT_TRUE(c.args[0].is_astring());
    EXPECT_EQ(c.args[0].text, s) << enc;
  }
}

TEST(Response, String) {
  EXPECT_EQ(str("abc"), "\"abc\"");
  EXPECT_EQ(str(""), "\"\"");
  EXPECT_EQ(str("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(str("a\r\nb"), "{4}\r\na\r\nb");
  EXPECT_EQ(str("a\nb"), "{3}\r\na\nb");
  EXPECT_EQ(str("\xC3\xA4"), "{2}\r\n\xC3\xA4");             // 8-bit without UTF8=ACCEPT
  EXPECT_EQ(str("\xC3\xA4", true), "\"\xC3\xA4\"");           // UTF-8 allowed
  EXPECT_EQ(str("\xC3", true), "{1}\r\n\xC3");                // invalid UTF-8: literal
  EXPECT_EQ(str(std::string(kMaxQuotedResponse, 'x')).size(), kMaxQuotedResponse + 2);
  EXPECT_EQ(str(std::string(kMaxQuotedResponse + 1, 'x')).substr(0, 7), "{1025}\r");
}

TEST(Response, Astring) {
  EXPECT_EQ(astr("INBOX"), "INBOX");
  EXPECT_EQ(astr("[Gmail]/Sent"), "[Gmail]/Sent");  // "]" is an ASTRING-CHAR
  EXPECT_EQ(astr("a b"), "\"a b\"");
  EXPECT_EQ(astr(""), "\"\"");
  EXPECT_EQ(astr("NIL"), "\"NIL\"");
  EXPECT_EQ(astr("nil"), "\"nil\"");
  EXPECT_EQ(astr("a*"), "\"a*\"");
  EXPECT_EQ(astr("a%"), "\"a%\"");
  EXPECT_EQ(astr("(a)"), "\"(a)\"");
  EXPECT_EQ(astr("{1}"), "\"{1}\"");
  EXPECT_EQ(astr("\\Seen"), "\"\\\\Seen\"");
}

TEST(Response, NstringLiteral8FlagList) {
  std::string out;
  append_nstring(out, std::nullopt);
  out += ' ';
  append_nstring(out, std::string_view("x"));
  EXPECT_EQ(out, "NIL \"x\"");
  out.clear();
  append_literal8(out, "a\0b"s);
  EXPECT_EQ(out, "~{3}\r\na\0b"s);
  out.clear();
  append_flag_list(out, {"\\Seen", "$Junk"});
  EXPECT_EQ(out, "(\\Seen $Junk)");
  out.clear();
  append_flag_list(out, {});
  EXPECT_EQ(out, "()");
}

TEST(Response, RoundTripThroughParser) {
  for (std::string s : {"abc"s, ""s, "a b"s, "NIL"s, "a\"b\\"s, "x\r\ny"s, "\xC3\xA4rger"s, "\xFF\xFE"s,
                        std::string(2000, 'q'), "]"s, "a)"s, "{5}"s, "~{3}"s}) {
    expect_round_trip(s, false);
    expect_round_trip(s, true);
  }
}

Token atom(std::string text) {
  Token t;
  t.kind = TokenKind::atom;
  t.text = std::move(text);
  return t;
}

Token quoted(std::string text) {
  Token t;
  t.kind = TokenKind::quoted;
  t.text = std::move(text);
  return t;
}

TEST(MailboxName, DecodeModifiedUtf7) {
  EXPECT_EQ(*decode_mailbox_name(atom("Sent"), false), "Sent");
  EXPECT_EQ(*decode_mailbox_name(atom("inbox"), false), "INBOX");
  EXPECT_EQ(*decode_mailbox_name(quoted("InBoX"), false), "INBOX");
  EXPECT_EQ(*decode_mailbox_name(atom("inbox/Sub"), false), "INBOX/Sub");
  EXPECT_EQ(*decode_mailbox_name(atom("inboxes"), false), "inboxes");
  EXPECT_EQ(*decode_mailbox_name(atom("Entw&APw-rfe"), false), "Entw\xC3\xBC" "rfe");
  EXPECT_EQ(*decode_mailbox_name(atom("A&-B"), false), "A&B");
  Token nil;
  nil.kind = TokenKind::nil;
  nil.text = "NIL";
  EXPECT_EQ(*decode_mailbox_name(nil, false), "NIL");  // NIL is a valid astring name
  // Invalid modified UTF-7, raw 8-bit, empty, lists.
  EXPECT_FALSE(decode_mailbox_name(atom("A&B"), false).ok());
  EXPECT_FALSE(decode_mailbox_name(quoted("Entw\xC3\xBCrfe"), false).ok());
  EXPECT_FALSE(decode_mailbox_name(quoted(""), false).ok());
  Token list;
  list.kind = TokenKind::list;
  EXPECT_FALSE(decode_mailbox_name(list, false).ok());
  EXPECT_EQ(decode_mailbox_name(atom("A&B"), false).error().code, ErrorCode::params);
}

TEST(MailboxName, DecodeUtf8) {
  EXPECT_EQ(*decode_mailbox_name(quoted("Entw\xC3\xBCrfe"), true), "Entw\xC3\xBCrfe");
  EXPECT_EQ(*decode_mailbox_name(atom("Entw&APw-rfe"), true), "Entw&APw-rfe");  // no mUTF-7 then
  EXPECT_EQ(*decode_mailbox_name(atom("INBOX"), true), "INBOX");
  Token lit;
  lit.kind = TokenKind::literal;
  lit.text = "bad\xFF";
  EXPECT_FALSE(decode_mailbox_name(lit, true).ok());
  lit.text = "tab\there";
  EXPECT_FALSE(decode_mailbox_name(lit, true).ok());
  lit.text = "c1\xC2\x85";
  EXPECT_FALSE(decode_mailbox_name(lit, true).ok());
  lit.text = std::string(kMaxMailboxNameBytes, 'a');
  EXPECT_TRUE(decode_mailbox_name(lit, true).ok());
  lit.text += 'a';
  EXPECT_FALSE(decode_mailbox_name(lit, true).ok());
}

TEST(MailboxName, Format) {
  std::string out;
  format_mailbox_name(out, "Entw\xC3\xBCrfe", false);
  EXPECT_EQ(out, "\"Entw&APw-rfe\"");
  out.clear();
  format_mailbox_name(out, "Entw\xC3\xBCrfe", true);
  EXPECT_EQ(out, "\"Entw\xC3\xBCrfe\"");
  out.clear();
  format_mailbox_name(out, "NIL", false);
  EXPECT_EQ(out, "\"NIL\"");
  out.clear();
  format_mailbox_name(out, "a\"b", false);
  EXPECT_EQ(out, "\"a\\\"b\"");
  // Format -> parse -> decode gives the name back, in both modes.
  for (std::string name : {"INBOX"s, "Entw\xC3\xBCrfe"s, "A&B"s, "[Gmail]/Sent Mail"s, "\xF0\x9F\x93\xA7"s}) {
    for (bool utf8 : {false, true}) {
      std::string enc;
      format_mailbox_name(enc, name, utf8);
      Command c = command("t SELECT " + enc);
      ASSERT_EQ(c.args.size(), 1u);
      auto back = decode_mailbox_name(c.args[0], utf8);
      ASSERT_TRUE(back.ok()) << enc;
      EXPECT_EQ(*back, name);
    }
  }
}

}  // namespace
}  // namespace postamt::proto::imap
