// STATUS, SELECT/EXAMINE (CONDSTORE, QRESYNC), CREATE (USE), COPY/MOVE, UID EXPUNGE,
// APPEND (flags, date-time, MULTIAPPEND, literal8, UTF8), ENABLE and ID through the real
// parser; APPEND split at every byte through the Tokenizer.
#include <gtest/gtest.h>

#include <string>

#include "grammar_test_util.h"
#include "proto/imap/append_args.h"
#include "proto/imap/client_args.h"
#include "proto/imap/mailbox_args.h"

namespace postamt::proto::imap {
namespace {

using namespace std::string_literals;
using testing::command;

std::string items(const std::vector<StatusItem>& v) {
  std::string out;
  for (StatusItem s : v) out += (out.empty() ? ""s : " "s) + status_item_name(s);
  return out;
}

TEST(MailboxArgs, Status) {
  auto r = parse_status(command("a STATUS inbox (messages UIDNEXT uidvalidity UNSEEN DELETED SIZE HIGHESTMODSEQ "
                                "APPENDLIMIT RECENT MAILBOXID MESSAGES)").args,
                        0, false);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->mailbox, "INBOX");
  EXPECT_EQ(items(r->items),
            "MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ APPENDLIMIT RECENT MAILBOXID");
  r = parse_status(command("a STATUS \"Entw&APw-rfe\" (UNSEEN)").args, 0, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mailbox, "Entw\xC3\xBCrfe");
  for (const char* bad : {"a STATUS INBOX", "a STATUS INBOX ()", "a STATUS INBOX (FOO)", "a STATUS INBOX MESSAGES",
                          "a STATUS (MESSAGES)", "a STATUS INBOX (MESSAGES) x", "a STATUS INBOX ((MESSAGES))",
                          "a STATUS A&B (MESSAGES)", "a STATUS"}) {
    EXPECT_FALSE(parse_status(command(bad).args, 0, false).ok()) << bad;
  }
}

TEST(MailboxArgs, Select) {
  auto r = parse_select(command("a SELECT INBOX").args, 0, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mailbox, "INBOX");
  EXPECT_FALSE(r->condstore);
  EXPECT_FALSE(r->qresync);
  r = parse_select(command("a EXAMINE Archive (CONDSTORE)").args, 0, false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->condstore);
  // RFC 7162 §3.2.5 example.
  r = parse_select(command("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))").args, 0,
                   false);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->qresync);
  EXPECT_TRUE(r->condstore);
  EXPECT_EQ(r->qresync->uidvalidity, 67890007u);
  EXPECT_EQ(r->qresync->modseq, 20050715194045000u);
  EXPECT_EQ(r->qresync->known_uids->to_string(), "41,43:211,214:541");
  EXPECT_FALSE(r->qresync->known_seqs);
  r = parse_select(command("B02 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541 "
                           "(1:10 1,5,7,12,18,20,23,25,41,43)))").args,
                   0, false);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->qresync->known_seqs->to_string(), "1:10");
  EXPECT_EQ(r->qresync->known_seq_uids->to_string(), "1,5,7,12,18,20,23,25,41,43");
  r = parse_select(command("a SELECT INBOX (QRESYNC (1 2 (1 5)))").args, 0, false);  // seq-match-data alone
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->qresync->known_uids);
  EXPECT_TRUE(r->qresync->known_seqs);
  r = parse_select(command("a SELECT INBOX (CONDSTORE QRESYNC (1 2))").args, 0, false);
  ASSERT_TRUE(r.ok());
  for (const char* bad : {"a SELECT", "a SELECT INBOX ()", "a SELECT INBOX (FOO)", "a SELECT INBOX CONDSTORE",
                          "a SELECT INBOX (CONDSTORE CONDSTORE)", "a SELECT INBOX (QRESYNC)",
                          "a SELECT INBOX (QRESYNC (1))", "a SELECT INBOX (QRESYNC (0 5))",
                          "a SELECT INBOX (QRESYNC (1 x))", "a SELECT INBOX (QRESYNC (1 2 1:*))",
                          "a SELECT INBOX (QRESYNC (1 2 $))", "a SELECT INBOX (QRESYNC (1 2 1:5 (1:2)))",
                          "a SELECT INBOX (QRESYNC (1 2 1:5 (1:* 1:2)))", "a SELECT INBOX (QRESYNC (1 2 1 (1 2) x))",
                          "a SELECT INBOX (QRESYNC (1 2) QRESYNC (1 2))", "a SELECT INBOX (CONDSTORE) x",
                          "a SELECT INBOX (QRESYNC (4294967296 2))"}) {
    EXPECT_FALSE(parse_select(command(bad).args, 0, false).ok()) << bad;
  }
}

TEST(MailboxArgs, Create) {
  auto r = parse_create(command("a CREATE Work/Projects").args, 0, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mailbox, "Work/Projects");
  EXPECT_FALSE(r->has_use);
  r = parse_create(command("a CREATE MySent (USE (\\sent \\Archive \\X-Custom \\SENT))").args, 0, false);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->has_use);
  EXPECT_EQ(r->special_use, (std::vector<std::string>{"\\Sent", "\\Archive", "\\X-Custom"}));
  r = parse_create(command("a CREATE X (USE ())").args, 0, false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->has_use);
  EXPECT_TRUE(r->special_use.empty());
  EXPECT_EQ(canonical_special_use("\\junk"), "\\Junk");
  EXPECT_EQ(canonical_special_use("\\Important"), "");
  for (const char* bad : {"a CREATE", "a CREATE X ()", "a CREATE X (USE)", "a CREATE X (USE \\Sent)",
                          "a CREATE X (USE (Sent))", "a CREATE X (FOO (\\Sent))", "a CREATE X (USE (\\Sent)) y",
                          "a CREATE X (USE (\\Sent) USE (\\Trash))", "a CREATE X (USE (\\))"}) {
    EXPECT_FALSE(parse_create(command(bad).args, 0, false).ok()) << bad;
  }
}

TEST(MailboxArgs, CopyMoveExpunge) {
  auto r = parse_copy(command("a COPY 1:3,7 \"Entw&APw-rfe\"").args, 0, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->set.to_string(), "1:3,7");
  EXPECT_EQ(r->mailbox, "Entw\xC3\xBCrfe");
  r = parse_copy(command("a UID MOVE $ Trash").args, 1, true);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->set.is_saved_result());
  for (const char* bad : {"a COPY 1:3", "a COPY x Trash", "a COPY 1 Trash x", "a COPY (1) Trash", "a COPY 0 Trash"}) {
    EXPECT_FALSE(parse_copy(command(bad).args, 0, false).ok()) << bad;
  }
  EXPECT_EQ(parse_copy(command("a COPY 1,2,3 T").args, 0, false, 2).error().code, ErrorCode::too_big);
  auto e = parse_uid_expunge(command("a UID EXPUNGE 3:5,9").args, 1);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->to_string(), "3:5,9");
  EXPECT_FALSE(parse_uid_expunge(command("a UID EXPUNGE").args, 1).ok());
  EXPECT_FALSE(parse_uid_expunge(command("a UID EXPUNGE 1 2").args, 1).ok());
}

TEST(AppendArgs, Single) {
  Command c = command("a APPEND Drafts (\\Seen \\Draft) \"17-Jul-1996 02:44:25 -0700\" {5}\r\nhello");
  auto r = parse_append(c.args, 0, false);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->mailbox, "Drafts");
  ASSERT_EQ(r->messages.size(), 1u);
  const AppendMessage& m = r->messages[0];
  EXPECT_EQ(m.flags, (std::vector<std::string>{"\\Seen", "\\Draft"}));
  ASSERT_TRUE(m.internal_date);
  EXPECT_EQ(m.internal_date->unix_seconds, 837596665);
  EXPECT_EQ(m.internal_date->zone_minutes, -420);
  EXPECT_EQ(m.data, "hello");
  EXPECT_EQ(m.data.data(), c.args.back().text.data());  // not copied
  EXPECT_FALSE(m.binary);
  EXPECT_FALSE(m.utf8);
  // The views point into the Command: keep it alive while they are used.
  Command c2 = command("a APPEND INBOX {3}\r\nabc");
  r = parse_append(c2.args, 0, false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->messages[0].flags.empty());
  EXPECT_FALSE(r->messages[0].internal_date);
  Command c3 = command("a APPEND INBOX \" 7-Jul-1996 02:44:25 +0000\" ~{3}\r\na\0c"s);
  r = parse_append(c3.args, 0, false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->messages[0].binary);
  EXPECT_EQ(r->messages[0].data, "a\0c"s);
  Command c4 = command("a APPEND INBOX () {0}\r\n");
  r = parse_append(c4.args, 0, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->messages[0].data, "");
}

TEST(AppendArgs, MultiAndUtf8) {
  Command c = command(
      "a APPEND Sent {2}\r\nm1 (\\Seen) {2}\r\nm2 \"01-Jan-2000 00:00:00 +0000\" {2}\r\nm3 (\\Flagged) "
      "\"01-Jan-2000 00:00:00 +0000\" UTF8 (~{2}\r\nm4)");
  auto r = parse_append(c.args, 0, true);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->messages.size(), 4u);
  EXPECT_EQ(r->messages[0].data, "m1");
  EXPECT_EQ(r->messages[1].data, "m2");
  EXPECT_EQ(r->messages[1].flags, (std::vector<std::string>{"\\Seen"}));
  EXPECT_EQ(r->messages[2].data, "m3");
  EXPECT_EQ(r->messages[2].internal_date->unix_seconds, 946684800);
  EXPECT_EQ(r->messages[3].data, "m4");
  EXPECT_TRUE(r->messages[3].utf8);
  EXPECT_TRUE(r->messages[3].binary);
  EXPECT_EQ(r->messages[3].flags, (std::vector<std::string>{"\\Flagged"}));
  // UTF8 needs UTF8=ACCEPT.
  EXPECT_FALSE(parse_append(command("a APPEND Sent UTF8 (~{2}\r\nm4)").args, 0, false).ok());
  EXPECT_TRUE(parse_append(command("a APPEND Sent UTF8 ({2}\r\nm4)").args, 0, true).ok());
  EXPECT_EQ(parse_append(c.args, 0, true, 3).error().code, ErrorCode::params);
}

TEST(AppendArgs, Errors) {
  for (const char* bad : {"a APPEND", "a APPEND INBOX", "a APPEND INBOX (\\Seen)", "a APPEND INBOX \"x\" {1}\r\nx",
                          "a APPEND INBOX (\\Recent) {1}\r\nx", "a APPEND INBOX (\\Seen) (\\Seen) {1}\r\nx",
                          "a APPEND INBOX \"17-Jul-1996 02:44:25 -0700\" \"17-Jul-1996 02:44:25 -0700\" {1}\r\nx",
                          "a APPEND INBOX \"hello\"", "a APPEND INBOX {1}\r\nx y", "a APPEND INBOX {1}\r\nx (\\Seen)",
                          "a APPEND INBOX UTF8 {1}\r\nx", "a APPEND INBOX UTF8 ()", "a APPEND INBOX UTF8 (\"x\")",
                          "a APPEND INBOX UTF8 ({1}\r\nx {1}\r\ny)",
                          "a APPEND INBOX \"17-Jul-1996 02:44:25 -0700\" {1}\r\nx \"17-Jul-1996 02:44:25 -0700\""}) {
    EXPECT_FALSE(parse_append(command(bad).args, 0, true).ok()) << bad;
  }
  // Mailbox names are modified UTF-7 unless UTF8=ACCEPT is on.
  EXPECT_FALSE(parse_append(command("a APPEND A&B {1}\r\nx").args, 0, false).ok());
  EXPECT_EQ(parse_append(command("a APPEND A&B {1}\r\nx").args, 0, true)->mailbox, "A&B");
}

TEST(AppendArgs, SplitAtEveryByte) {
  const std::string wire =
      "A003 APPEND saved-messages (\\Seen $Junk) \"05-Jan-2024 12:00:00 +0530\" {11}\r\nHello\r\nBye! "
      "{3+}\r\nabc UTF8 (~{4}\r\nx\0yz)\r\n"s;
  testing::for_each_split(wire, [](const Command& c) {
    auto r = parse_append(c.args, 0, true);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->messages.size(), 3u);
    EXPECT_EQ(r->messages[0].data, "Hello\r\nBye!");
    EXPECT_EQ(r->messages[0].flags, (std::vector<std::string>{"\\Seen", "$Junk"}));
    EXPECT_EQ(r->messages[0].internal_date->zone_minutes, 330);
    EXPECT_EQ(r->messages[1].data, "abc");
    EXPECT_EQ(r->messages[2].data, "x\0yz"s);
    EXPECT_TRUE(r->messages[2].utf8);
  });
}

TEST(ClientArgs, Enable) {
  auto r = parse_enable(command("a ENABLE condstore UTF8=ACCEPT QRESYNC CONDSTORE X-UNKNOWN").args, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<std::string>{"CONDSTORE", "UTF8=ACCEPT", "QRESYNC", "X-UNKNOWN"}));
  EXPECT_FALSE(parse_enable(command("a ENABLE").args, 0).ok());
  EXPECT_FALSE(parse_enable(command("a ENABLE \"CONDSTORE\"").args, 0).ok());
  EXPECT_FALSE(parse_enable(command("a ENABLE (CONDSTORE)").args, 0).ok());
  EXPECT_FALSE(parse_enable(command("a ENABLE " + std::string(kMaxCapabilityName + 1, 'X')).args, 0).ok());
  std::string many = "a ENABLE";
  for (size_t i = 0; i <= kMaxEnableCapabilities; ++i) many += " C" + std::to_string(i);
  EXPECT_FALSE(parse_enable(command(many).args, 0).ok());
}

TEST(ClientArgs, Id) {
  auto r = parse_id(command("a ID (\"name\" \"Thunderbird\" \"version\" \"115.0\" \"os\" NIL)").args, 0);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0], (IdField{"name", "Thunderbird"}));
  EXPECT_EQ((*r)[2], (IdField{"os", std::nullopt}));
  EXPECT_TRUE(parse_id(command("a ID NIL").args, 0)->empty());
  EXPECT_TRUE(parse_id(command("a ID ()").args, 0)->empty());
  EXPECT_TRUE(parse_id(command("a ID (name {3}\r\nabc)").args, 0).ok());  // atom field name, literal value
  for (const char* bad : {"a ID", "a ID (\"name\")", "a ID (\"name\" x)", "a ID (NIL \"x\")", "a ID ((a) \"x\")",
                          "a ID (\"a\" (b))", "a ID \"x\"", "a ID NIL NIL"}) {
    EXPECT_FALSE(parse_id(command(bad).args, 0).ok()) << bad;
  }
  // RFC 2971 §3.3 limits.
  std::string pairs = "a ID (";
  for (size_t i = 0; i < kMaxIdPairs; ++i) pairs += "\"f" + std::to_string(i) + "\" NIL ";
  EXPECT_TRUE(parse_id(command(pairs.substr(0, pairs.size() - 1) + ")").args, 0).ok());
  EXPECT_FALSE(parse_id(command(pairs + "\"x\" NIL)").args, 0).ok());
  EXPECT_TRUE(parse_id(command("a ID (\"" + std::string(kMaxIdField, 'f') + "\" NIL)").args, 0).ok());
  EXPECT_FALSE(parse_id(command("a ID (\"" + std::string(kMaxIdField + 1, 'f') + "\" NIL)").args, 0).ok());
  EXPECT_TRUE(parse_id(command("a ID (\"f\" \"" + std::string(kMaxIdValue, 'v') + "\")").args, 0).ok());
  EXPECT_FALSE(parse_id(command("a ID (\"f\" \"" + std::string(kMaxIdValue + 1, 'v') + "\")").args, 0).ok());
}

}  // namespace
}  // namespace postamt::proto::imap
