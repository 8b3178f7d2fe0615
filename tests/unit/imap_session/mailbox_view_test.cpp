// MailboxView on its own: sequence numbers, set resolution, and the untagged
// responses it produces from store changes (EXISTS, FETCH, EXPUNGE, VANISHED),
// including expunges held back while FETCH/STORE/SEARCH run (RFC 9051 §7.5.1).
#include <gtest/gtest.h>

#include "imap/mailbox_view.h"

using namespace postamt;
using imap::MailboxView;
using imap::SyncOptions;

namespace {

store::Message m(uint32_t uid, uint64_t modseq, std::vector<std::string> flags = {}) {
  store::Message x;
  x.uid = uid;
  x.modseq = modseq;
  x.flags = std::move(flags);
  return x;
}

// A view of uids 1..3 (modseq 10, 11, 12), highest 12, uidnext 4.
MailboxView three() {
  store::Mailbox mb;
  mb.id = 7;
  mb.uidvalidity = 99;
  mb.uidnext = 4;
  mb.highest_modseq = 12;
  MailboxView v;
  v.load(mb, {m(1, 10), m(2, 11, {"\\Seen"}), m(3, 12)});
  return v;
}

SyncOptions opts(bool allow_expunge, bool condstore = false, bool qresync = false) {
  SyncOptions o;
  o.allow_expunge = allow_expunge;
  o.condstore = condstore || qresync;
  o.qresync = qresync;
  o.send_uid = qresync;
  return o;
}

std::vector<uint32_t> seqs(const MailboxView& v, const char* set, bool uid) {
  auto s = proto::imap::SequenceSet::parse(set);
  EXPECT_TRUE(s.ok()) << set;
  return v.seqs_of(*s, uid);
}

}  // namespace

TEST(MailboxView, LoadAndLookups) {
  MailboxView v = three();
  EXPECT_TRUE(v.selected());
  EXPECT_EQ(v.exists(), 3u);
  EXPECT_EQ(v.uidvalidity(), 99u);
  EXPECT_EQ(v.known_modseq(), 12u);
  EXPECT_EQ(v.max_uid(), 3u);
  EXPECT_EQ(v.seq_of(2), 2u);
  EXPECT_EQ(v.seq_of(4), 0u);
  EXPECT_EQ(v.at(0), nullptr);
  EXPECT_EQ(v.at(4), nullptr);
  ASSERT_NE(v.at(2), nullptr);
  EXPECT_EQ(v.at(2)->flags, std::vector<std::string>{"\\Seen"});
}

TEST(MailboxView, SequenceAndUidSets) {
  MailboxView v = three();
  EXPECT_EQ(seqs(v, "1:*", false), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(seqs(v, "*", false), (std::vector<uint32_t>{3}));
  EXPECT_EQ(seqs(v, "2:9", false), (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(seqs(v, "3,1", false), (std::vector<uint32_t>{1, 3}));
  // RFC 9051 §6.4.8: UID ranges name the UIDs that exist in them; "*" is the highest UID.
  EXPECT_EQ(seqs(v, "2:100", true), (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(seqs(v, "100:*", true), (std::vector<uint32_t>{3}));
  EXPECT_EQ(seqs(v, "4:5", true), (std::vector<uint32_t>{}));
  MailboxView empty;
  EXPECT_TRUE(seqs(empty, "1:*", false).empty());
  EXPECT_TRUE(seqs(empty, "1:*", true).empty());
}

TEST(MailboxView, FlagChangeBecomesFetch) {
  MailboxView v = three();
  std::string out = v.apply({m(1, 13, {"\\Flagged"})}, {}, 13, 4, opts(true));
  EXPECT_EQ(out, "* 1 FETCH (FLAGS (\\Flagged))\r\n");
  EXPECT_EQ(v.known_modseq(), 13u);
  // the same change again (list_changed overlaps): quiet
  EXPECT_EQ(v.apply({m(1, 13, {"\\Flagged"})}, {}, 13, 4, opts(true)), "");
  // a modseq-only change is news only with CONDSTORE
  EXPECT_EQ(v.apply({m(1, 14, {"\\Flagged"})}, {}, 14, 4, opts(true)), "");
  EXPECT_EQ(v.apply({m(2, 15, {"\\Seen"})}, {}, 15, 4, opts(true, true)), "* 2 FETCH (FLAGS (\\Seen) MODSEQ (15))\r\n");
  // QRESYNC: UID in unsolicited FETCH (RFC 7162 §3.2.4)
  EXPECT_EQ(v.apply({m(3, 16, {"a"})}, {}, 16, 4, opts(true, true, true)),
            "* 3 FETCH (UID 3 FLAGS (a) MODSEQ (16))\r\n");
}

TEST(MailboxView, NewMessagesBecomeExists) {
  MailboxView v = three();
  std::string out = v.apply({m(4, 13), m(5, 13, {"\\Seen"})}, {}, 13, 6, opts(false));
  EXPECT_EQ(out, "* 5 EXISTS\r\n");
  EXPECT_EQ(v.exists(), 5u);
  EXPECT_EQ(v.uidnext(), 6u);
  EXPECT_EQ(v.seq_of(5), 5u);
}

TEST(MailboxView, ExpungeHeldBackUntilAllowed) {
  MailboxView v = three();
  std::string out = v.apply({}, {2}, 13, 4, opts(false));
  EXPECT_EQ(out, "");
  EXPECT_EQ(v.exists(), 3u) << "sequence numbers stay until the EXPUNGE is sent";
  EXPECT_TRUE(v.pending_expunge(2));
  EXPECT_EQ(v.seq_of(3), 3u);
  // a flag change of the expunged message is dropped; others still reported
  out = v.apply({m(2, 14, {"x"}), m(3, 14, {"y"})}, {}, 14, 4, opts(false));
  EXPECT_EQ(out, "* 3 FETCH (FLAGS (y))\r\n");
  // new mail while the expunge is held: EXISTS counts the held message too
  out = v.apply({m(4, 15)}, {}, 15, 5, opts(false));
  EXPECT_EQ(out, "* 4 EXISTS\r\n");
  out = v.flush_expunges(opts(true));
  EXPECT_EQ(out, "* 2 EXPUNGE\r\n");
  EXPECT_EQ(v.exists(), 3u);
  EXPECT_FALSE(v.pending_expunge(2));
  EXPECT_EQ(v.seq_of(3), 2u);
  EXPECT_EQ(v.seq_of(4), 3u);
  EXPECT_EQ(v.flush_expunges(opts(true)), "");
}

TEST(MailboxView, ExpungeAndNewMailInOneSync) {
  // Both at once: the EXPUNGE lowers the client's count, so EXISTS must follow.
  MailboxView v = three();
  std::string out = v.apply({m(4, 13)}, {1}, 13, 5, opts(true));
  EXPECT_EQ(out, "* 1 EXPUNGE\r\n* 3 EXISTS\r\n");
  EXPECT_EQ(v.exists(), 3u);
  // the same with QRESYNC
  MailboxView q = three();
  out = q.apply({m(4, 13), m(5, 13)}, {1, 3}, 13, 6, opts(true, true, true));
  EXPECT_EQ(out, "* VANISHED 1,3\r\n* 3 EXISTS\r\n");
  // expunging as many as arrive: the count is unchanged but EXISTS is still due
  MailboxView w = three();
  out = w.apply({m(4, 13)}, {3}, 13, 5, opts(true));
  EXPECT_EQ(out, "* 3 EXPUNGE\r\n* 3 EXISTS\r\n");
}

TEST(MailboxView, VanishedForQresyncAndHighestFirstExpunge) {
  MailboxView v = three();
  EXPECT_EQ(v.apply({}, {2, 3, 77}, 13, 4, opts(true, true, true)), "* VANISHED 2:3\r\n");
  EXPECT_EQ(v.exists(), 1u);
  MailboxView w = three();
  // highest first, so every number is valid when the client reads it
  EXPECT_EQ(w.expunge_now({1, 3}, opts(true)), "* 3 EXPUNGE\r\n* 1 EXPUNGE\r\n");
  EXPECT_EQ(w.exists(), 1u);
  EXPECT_EQ(w.at(1)->uid, 2u);
}

TEST(MailboxView, OwnStoreKeepsLaterSyncQuiet) {
  MailboxView v = three();
  v.set_flags(1, {"\\Answered"}, 13);
  EXPECT_EQ(v.apply({m(1, 13, {"\\Answered"})}, {}, 13, 4, opts(true, true)), "");
  EXPECT_EQ(v.at(1)->flags, std::vector<std::string>{"\\Answered"});
}

TEST(MailboxView, NumberSetAndFlagList) {
  EXPECT_EQ(imap::number_set({}), "");
  EXPECT_EQ(imap::number_set({5, 1, 2, 3, 9, 8}), "1:3,5,8:9");
  EXPECT_EQ(imap::number_set({4, 4}), "4");
  EXPECT_EQ(imap::flag_list({}), "()");
  EXPECT_EQ(imap::flag_list({"\\Seen", "kw"}), "(\\Seen kw)");
}
