// LIST / LSUB arguments (LIST-EXTENDED selection and return options, LIST-STATUS,
// SPECIAL-USE), the reference join and the wildcard matcher, including its bounded work on
// hostile patterns.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "grammar_test_util.h"
#include "proto/imap/list_args.h"

namespace postamt::proto::imap {
namespace {

using testing::command;

Result<ListArgs> list(std::string_view rest, bool utf8 = false) {
  return parse_list(command("a LIST " + std::string(rest)).args, 0, utf8);
}

TEST(ListArgs, Basic) {
  auto r = list("\"\" %");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->extended);
  EXPECT_EQ(r->reference, "");
  EXPECT_EQ(r->patterns, (std::vector<std::string>{"%"}));
  r = list("~/Mail/ \"foo*\"");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reference, "~/Mail/");
  EXPECT_EQ(r->patterns, (std::vector<std::string>{"foo*"}));
  r = list("\"\" \"\"");  // the delimiter query
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->patterns, (std::vector<std::string>{""}));
  // Modified UTF-7 is decoded for IMAP4rev1 clients; undecodable text is kept.
  r = list("\"\" Entw&APw-*");
  EXPECT_EQ(r->patterns[0], "Entw\xC3\xBC*");
  r = list("\"\" Entw&APw-*", true);
  EXPECT_EQ(r->patterns[0], "Entw&APw-*");
  r = list("\"\" A&B");
  EXPECT_EQ(r->patterns[0], "A&B");
  r = list("\"\" \"\xC3\xA4*\"");
  EXPECT_EQ(r->patterns[0], "\xC3\xA4*");
  r = list("NIL NIL");
  EXPECT_EQ(r->reference, "NIL");
}

TEST(ListArgs, Extended) {
  // RFC 5258 §5 examples.
  auto r = list("(SUBSCRIBED) \"\" \"*\" RETURN (CHILDREN)");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->extended);
  EXPECT_TRUE(r->select_subscribed);
  EXPECT_TRUE(r->return_children);
  r = list("(SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (CHILDREN)");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->select_recursive_match);
  r = list("() \"\" %");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->extended);
  r = list("\"\" (\"INBOX\" \"Drafts\" \"Sent/%\")");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->extended);
  EXPECT_EQ(r->patterns, (std::vector<std::string>{"INBOX", "Drafts", "Sent/%"}));
  r = list("(REMOTE SPECIAL-USE RECURSIVEMATCH) \"\" * RETURN (SUBSCRIBED SPECIAL-USE STATUS (MESSAGES UNSEEN))");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->select_remote);
  EXPECT_TRUE(r->select_special_use);
  EXPECT_TRUE(r->return_subscribed);
  EXPECT_TRUE(r->return_special_use);
  EXPECT_TRUE(r->return_status);
  EXPECT_EQ(r->status_items, (std::vector<StatusItem>{StatusItem::messages, StatusItem::unseen}));
  r = list("\"\" % RETURN ()");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->extended);
  for (const char* bad : {"", "\"\"", "(RECURSIVEMATCH) \"\" %", "(RECURSIVEMATCH REMOTE) \"\" %", "(FOO) \"\" %",
                          "\"\" % RETURN (FOO)", "\"\" % RETURN", "\"\" % RETURN CHILDREN", "\"\" % (CHILDREN)",
                          "\"\" % RETURN (STATUS)", "\"\" % RETURN (STATUS ())", "\"\" % RETURN (STATUS (FOO))",
                          "\"\" ()", "\"\" (a (b))", "(\"SUBSCRIBED\") \"\" %", "(SUBSCRIBED) \"\"",
                          "\"\" % RETURN () x", "(\"\") % %", "((SUBSCRIBED)) \"\" %"}) {
    if (std::string_view(bad).empty()) {
      EXPECT_FALSE(parse_list(command("a LIST").args, 0, false).ok());
      continue;
    }
    EXPECT_FALSE(list(bad).ok()) << bad;
  }
  std::string many = "\"\" (";
  for (size_t i = 0; i <= kMaxListPatterns; ++i) many += (i ? " p" : "p") + std::to_string(i);
  EXPECT_FALSE(list(many + ")").ok());
}

TEST(ListArgs, Lsub) {
  auto r = parse_lsub(command("a LSUB \"#news.\" \"comp.mail.*\"").args, 0, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reference, "#news.");
  EXPECT_EQ(r->patterns, (std::vector<std::string>{"comp.mail.*"}));
  EXPECT_FALSE(r->extended);
  EXPECT_FALSE(parse_lsub(command("a LSUB \"\"").args, 0, false).ok());
  EXPECT_FALSE(parse_lsub(command("a LSUB \"\" % x").args, 0, false).ok());
  EXPECT_FALSE(parse_lsub(command("a LSUB \"\" (%)").args, 0, false).ok());
}

TEST(ListArgs, Join) {
  // RFC 3501 §6.3.8 table, with "/" as our delimiter where it matters.
  EXPECT_EQ(list_join("~smith/Mail/", "foo.*", '/'), "~smith/Mail/foo.*");
  EXPECT_EQ(list_join("archive/", "%", '/'), "archive/%");
  EXPECT_EQ(list_join("#news.", "comp.mail.*", '.'), "#news.comp.mail.*");
  EXPECT_EQ(list_join("~smith/Mail/", "/usr/doc/foo", '/'), "/usr/doc/foo");
  EXPECT_EQ(list_join("", "INBOX", '/'), "INBOX");
  EXPECT_EQ(list_join("Work", "", '/'), "Work");
}

TEST(ListMatch, Wildcards) {
  EXPECT_TRUE(list_match("*", "a/b/c", '/'));
  EXPECT_TRUE(list_match("*", "", '/'));
  EXPECT_TRUE(list_match("%", "abc", '/'));
  EXPECT_FALSE(list_match("%", "a/b", '/'));
  EXPECT_TRUE(list_match("a/%", "a/b", '/'));
  EXPECT_FALSE(list_match("a/%", "a/b/c", '/'));
  EXPECT_TRUE(list_match("a/*", "a/b/c", '/'));
  EXPECT_TRUE(list_match("a/%/c", "a/bbb/c", '/'));
  EXPECT_FALSE(list_match("a/%/c", "a/b/b/c", '/'));
  EXPECT_TRUE(list_match("a*c", "abbbc", '/'));
  EXPECT_TRUE(list_match("a*c", "ab/bc", '/'));
  EXPECT_FALSE(list_match("a%c", "ab/bc", '/'));
  EXPECT_TRUE(list_match("a%%c", "abc", '/'));
  EXPECT_TRUE(list_match("%*", "a/b", '/'));
  EXPECT_TRUE(list_match("*%", "a/b", '/'));
  EXPECT_TRUE(list_match("%/%", "a/b", '/'));
  EXPECT_TRUE(list_match("abc", "abc", '/'));
  EXPECT_FALSE(list_match("abc", "abcd", '/'));
  EXPECT_FALSE(list_match("abcd", "abc", '/'));
  EXPECT_FALSE(list_match("Abc", "abc", '/'));  // case-sensitive except INBOX
  EXPECT_TRUE(list_match("", "", '/'));
  EXPECT_FALSE(list_match("", "a", '/'));
  EXPECT_TRUE(list_match("*a*b*", "xxaxxbxx", '/'));
  EXPECT_FALSE(list_match("*a*b*", "xxbxxaxx", '/'));
  EXPECT_TRUE(list_match("\xC3\xA4%", "\xC3\xA4rger", '/'));
  EXPECT_TRUE(list_match("comp.mail.*", "comp.mail.misc", '.'));
  EXPECT_FALSE(list_match("comp.%", "comp.mail.misc", '.'));
}

TEST(ListMatch, InboxCaseInsensitive) {
  EXPECT_TRUE(list_match("inbox", "INBOX", '/'));
  EXPECT_TRUE(list_match("InBox/%", "INBOX/Sub", '/'));
  EXPECT_TRUE(list_match("i*", "INBOX", '/'));
  EXPECT_TRUE(list_match("inb%", "INBOX", '/'));
  EXPECT_FALSE(list_match("inbox/sub", "INBOX/Sub", '/'));  // only the INBOX part
  EXPECT_FALSE(list_match("inboxes", "INBOXES", '/'));      // not INBOX
  EXPECT_FALSE(list_match("i*", "Inbox2", '/'));
}

TEST(ListMatch, BoundedWork) {
  // Exponential for a backtracking matcher; linear-ish here.
  std::string name(1000, 'a');
  std::string pattern;
  for (int i = 0; i < 400; ++i) pattern += "*a%";
  pattern += "b";
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(list_match(pattern, name, '/'));
  std::string stars(5000, '*');
  EXPECT_TRUE(list_match(stars, name, '/'));
  EXPECT_FALSE(list_match(std::string(2000, 'a'), name, '/'));  // more literals than the name
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(ms, 2000);  // generous: sanitizer builds are slow; a backtracking matcher never finishes
}

}  // namespace
}  // namespace postamt::proto::imap
