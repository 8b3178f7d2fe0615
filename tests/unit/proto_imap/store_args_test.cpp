// STORE arguments and flag validation through the real parser: every form of the data
// item, single flags vs. a flag list, UNCHANGEDSINCE, system flag canonicalization, the
// \Recent and unknown-"\" refusals, limits.
#include <gtest/gtest.h>

#include <string>

#include "grammar_test_util.h"
#include "proto/imap/store_args.h"

namespace postamt::proto::imap {
namespace {

using testing::command;

Result<StoreArgs> store(std::string_view rest) {
  Command c = command("a STORE 1:3 " + std::string(rest));
  return parse_store(c.args, 1);
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

TEST(StoreArgs, Forms) {
  auto r = store("FLAGS (\\Seen)");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mode, StoreMode::replace);
  EXPECT_FALSE(r->silent);
  EXPECT_EQ(joined(r->flags), "\\Seen");
  EXPECT_FALSE(r->unchanged_since);
  r = store("+FLAGS.SILENT (\\deleted $Junk)");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mode, StoreMode::add);
  EXPECT_TRUE(r->silent);
  EXPECT_EQ(joined(r->flags), "\\Deleted $Junk");
  r = store("-flags.silent \\SEEN");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mode, StoreMode::remove);
  EXPECT_TRUE(r->silent);
  EXPECT_EQ(joined(r->flags), "\\Seen");
  // RFC 9051 §6.4.6: several bare flags.
  r = store("+FLAGS \\Answered \\Flagged \\Draft NonJunk");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(joined(r->flags), "\\Answered \\Flagged \\Draft NonJunk");
  // Empty list clears all flags.
  r = store("FLAGS ()");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->flags.empty());
  // Duplicates dropped (case-insensitive), first spelling kept.
  r = store("FLAGS (\\Seen \\SEEN $Junk $junk)");
  EXPECT_EQ(joined(r->flags), "\\Seen $Junk");
  // NIL is a valid keyword atom.
  EXPECT_EQ(joined(store("+FLAGS (NIL)")->flags), "NIL");
}

TEST(StoreArgs, UnchangedSince) {
  auto r = store("(UNCHANGEDSINCE 12345) +FLAGS.SILENT (\\Seen)");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->unchanged_since, 12345u);
  EXPECT_EQ(store("(unchangedsince 0) FLAGS ()")->unchanged_since, 0u);
  for (const char* bad : {"(UNCHANGEDSINCE) FLAGS ()", "(UNCHANGEDSINCE x) FLAGS ()", "() FLAGS ()",
                          "(FOO 1) FLAGS ()", "(UNCHANGEDSINCE 1 UNCHANGEDSINCE 2) FLAGS ()",
                          "(UNCHANGEDSINCE 9223372036854775808) FLAGS ()", "(UNCHANGEDSINCE 1)",
                          "FLAGS () (UNCHANGEDSINCE 1)"}) {
    EXPECT_FALSE(store(bad).ok()) << bad;
  }
}

TEST(StoreArgs, Errors) {
  for (const char* bad : {"FLAGS", "+FLAGS", "FLAG (\\Seen)", "*FLAGS (\\Seen)", "+-FLAGS (\\Seen)", "FLAGS.LOUD ()",
                          "\"FLAGS\" ()", "FLAGS (\\Recent)", "FLAGS \\Recent", "FLAGS (\\Foo)", "FLAGS (\\)",
                          "FLAGS (\"x\")", "FLAGS ((x))", "FLAGS (a]b)", "FLAGS (\\Seen) (\\Draft)",
                          "FLAGS \\Seen (\\Draft)", "FLAGS {1}\r\nx", "FLAGS (\\Seen*)", "FLAGS (a%)"}) {
    auto r = store(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::params);
    }
  }
  EXPECT_FALSE(parse_store(command("a STORE 1").args, 1).ok());
}

TEST(StoreArgs, ParseFlag) {
  EXPECT_EQ(*parse_flag("\\seen"), "\\Seen");
  EXPECT_EQ(*parse_flag("\\ANSWERED"), "\\Answered");
  EXPECT_EQ(*parse_flag("$Forwarded"), "$Forwarded");
  EXPECT_FALSE(parse_flag("\\Recent").ok());
  EXPECT_FALSE(parse_flag("\\*").ok());
  EXPECT_FALSE(parse_flag("").ok());
  EXPECT_FALSE(parse_flag("a b").ok());
  EXPECT_FALSE(parse_flag("\xC3\xA4").ok());
  EXPECT_TRUE(parse_flag(std::string(kMaxKeywordBytes, 'k')).ok());
  EXPECT_FALSE(parse_flag(std::string(kMaxKeywordBytes + 1, 'k')).ok());
  EXPECT_TRUE(is_valid_keyword("$MDNSent"));
  EXPECT_FALSE(is_valid_keyword("a]"));
}

TEST(StoreArgs, FlagLimit) {
  std::string list = "(";
  for (size_t i = 0; i < 5; ++i) list += (i ? " k" : "k") + std::to_string(i);
  list += ")";
  Command c = command("a STORE 1 FLAGS " + list);
  EXPECT_TRUE(parse_store(c.args, 1, 5).ok());
  EXPECT_FALSE(parse_store(c.args, 1, 4).ok());
  EXPECT_TRUE(parse_flag_list(c.args[2], 5).ok());
  EXPECT_FALSE(parse_flag_list(c.args[2], 4).ok());
  // Duplicates do not count against the limit.
  c = command("a STORE 1 FLAGS a A a b");
  auto r = parse_store(c.args, 1, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->flags.size(), 2u);
  EXPECT_FALSE(parse_flag_list(c.args[2]).ok());  // not a list
}

}  // namespace
}  // namespace postamt::proto::imap
