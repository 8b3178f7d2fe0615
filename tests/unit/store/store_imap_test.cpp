// Conformance tests, part 5: message operations for IMAP — APPEND/MULTIAPPEND
// atomicity, flags (STORE, UNCHANGEDSINCE), COPY/MOVE with COPYUID data,
// changes and tombstones since a modseq, UIDs and modseqs across restarts —
// against every backend.
#include <algorithm>

#include "store/blob_store.h"
#include "store_test_support.h"

namespace postamt::store::test {

namespace {

AppendMessage appended(std::string_view bytes, std::vector<std::string> flags = {}, int64_t internal_date = 0) {
  AppendMessage m;
  m.bytes = bytes;
  m.flags = std::move(flags);
  m.internal_date = internal_date;
  return m;
}

FlagUpdate flag_update(FlagUpdate::Mode mode, std::vector<std::string> flags,
                       std::optional<uint64_t> unchanged_since = std::nullopt) {
  return FlagUpdate{mode, std::move(flags), unchanged_since};
}

std::vector<std::string> flags_of(Store& s, int64_t mailbox_id, uint32_t uid) {
  auto m = s.get_message(mailbox_id, uid);
  EXPECT_TRUE(m.ok()) << uid;
  return m ? m->flags : std::vector<std::string>{};
}

uint64_t modseq_of(Store& s, int64_t mailbox_id, uint32_t uid) {
  auto m = s.get_message(mailbox_id, uid);
  EXPECT_TRUE(m.ok()) << uid;
  return m ? m->modseq : 0;
}

std::vector<uint32_t> changed_uids(Store& s, int64_t mailbox_id, uint64_t since) {
  std::vector<uint32_t> out;
  auto list = s.list_changed(mailbox_id, since);
  EXPECT_TRUE(list.ok());
  if (list)
    for (const auto& m : *list) out.push_back(m.uid);
  return out;
}

}  // namespace

TEST_P(StoreTest, AppendSeveralMessagesInOneCommit) {
  auto bob = make_account("bob@example.com");
  auto drafts = mailbox(bob.id, "Drafts");
  ASSERT_TRUE(store_->deliver(message("delivered", {target(bob.id, "Drafts")})).ok());
  std::vector<Change> seen;
  store_->subscribe([&](const Change& c) { seen.push_back(c); });
  const std::string streamed_body = "Subject: streamed\r\n\r\nfrom a spooled literal\r\n";
  std::string blob_id = stream_blob(streamed_body, 7);
  ASSERT_FALSE(blob_id.empty());

  AppendMessage first = appended("Subject: one\r\n\r\n1\r\n", {"\\Seen", "$Label1", "\\recent", "\\SEEN"}, 1600000000);
  first.summary.subject = "one";
  AppendMessage second;
  second.blob_id = blob_id;
  second.blob_size = streamed_body.size();
  AppendMessage third = appended("Subject: three\r\n\r\n3\r\n");
  auto r = store_->append(bob.id, drafts.id, {first, second, third});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->uidvalidity, drafts.uidvalidity);
  EXPECT_EQ(r->uids, (std::vector<uint32_t>{2, 3, 4}));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Change::Kind::appended);
  EXPECT_EQ(seen[0].mailbox_id, drafts.id);

  auto m1 = store_->get_message(drafts.id, 2);
  ASSERT_TRUE(m1.ok());
  EXPECT_EQ(m1->flags, (std::vector<std::string>{"\\Seen", "$Label1"}));  // \Recent dropped, duplicate folded
  EXPECT_EQ(m1->internal_date, 1600000000);
  EXPECT_GT(m1->save_date, 0);
  EXPECT_EQ(m1->prefix_size, 0u);
  EXPECT_EQ(m1->size, first.bytes.size());
  EXPECT_EQ(m1->summary.subject, "one");
  EXPECT_EQ(m1->modseq, seen[0].modseq);
  auto m3 = store_->get_message(drafts.id, 4);
  ASSERT_TRUE(m3.ok());
  EXPECT_GT(m3->internal_date, 1600000000);  // 0 = now
  EXPECT_EQ(m3->modseq, m1->modseq);         // one modseq for the call
  EXPECT_EQ(read_all(drafts.id, 2), first.bytes);
  EXPECT_EQ(read_all(drafts.id, 3), streamed_body);
  EXPECT_EQ(read_all(drafts.id, 4), third.bytes);

  auto after = mailbox(bob.id, "Drafts");
  EXPECT_EQ(after.messages, 4u);
  EXPECT_EQ(after.uidnext, 5u);
  EXPECT_EQ(after.highest_modseq, seen[0].modseq);
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes,
            9 + first.bytes.size() + streamed_body.size() + third.bytes.size());
  auto list = store_->list_messages(drafts.id);
  ASSERT_TRUE(list.ok());
  for (const auto& m : *list) EXPECT_EQ(m.prefix_size, 0u);
}

TEST_P(StoreTest, AppendIsAllOrNothing) {
  auto bob = make_account("bob@example.com", 100);
  auto inbox = mailbox(bob.id, "INBOX");
  std::vector<Change> seen;
  store_->subscribe([&](const Change& c) { seen.push_back(c); });
  std::string a(50, 'a'), b(60, 'b');
  // RFC 3502: the second message is over quota, so neither is stored.
  auto r = store_->append(bob.id, inbox.id, {appended(a), appended(b)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::no_quota);
  auto after = mailbox(bob.id, "INBOX");
  EXPECT_EQ(after.messages, 0u);
  EXPECT_EQ(after.uidnext, 1u);
  EXPECT_EQ(after.highest_modseq, inbox.highest_modseq);
  EXPECT_TRUE(uids(inbox.id).empty());
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, 0u);
  EXPECT_TRUE(seen.empty());
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 0);  // the blobs written for it are collected
  }

  // A streamed blob handed to a failed append is collected like after a
  // delivery that placed nothing.
  std::string streamed(150, 's');
  std::string blob_id = stream_blob(streamed, 64);
  AppendMessage big;
  big.blob_id = blob_id;
  big.blob_size = streamed.size();
  EXPECT_EQ(store_->append(bob.id, inbox.id, {big}).error().code, ErrorCode::no_quota);
  EXPECT_EQ(store_->open_blob(blob_id).error().code, ErrorCode::not_found);

  auto ok = store_->append(bob.id, inbox.id, {appended(a)});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->uids, std::vector<uint32_t>{1});
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, 50u);

  // Errors.
  auto carol = make_account("carol@example.com");
  EXPECT_EQ(store_->append(carol.id, inbox.id, {appended("x")}).error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->append(bob.id, 999999, {appended("x")}).error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->append(bob.id, inbox.id, {}).error().code, ErrorCode::params);
  AppendMessage bad_id;
  bad_id.blob_id = "../etc/passwd";
  EXPECT_EQ(store_->append(bob.id, inbox.id, {bad_id}).error().code, ErrorCode::params);
  EXPECT_EQ(store_->append(bob.id, inbox.id, {appended("x", {"bad flag"})}).error().code, ErrorCode::params);
  AppendMessage vanished;
  vanished.blob_id = BlobStore::compute_id("never written");
  vanished.blob_size = 13;
  EXPECT_EQ(store_->append(bob.id, inbox.id, {appended("y"), vanished}).error().code, ErrorCode::temp);
  EXPECT_EQ(uids(inbox.id), std::vector<uint32_t>{1});

  // A deleted mailbox is not_found.
  auto tmp = store_->create_mailbox(bob.id, "Tmp", "");
  ASSERT_TRUE(tmp.ok());
  ASSERT_TRUE(store_->delete_mailbox(bob.id, "Tmp").ok());
  EXPECT_EQ(store_->append(bob.id, tmp->id, {appended("z")}).error().code, ErrorCode::not_found);
}

TEST_P(StoreTest, StoreFlagsAddRemoveReplace) {
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  auto r = store_->append(bob.id, inbox.id, {appended("1", {"$Junk"}), appended("2"), appended("3")});
  ASSERT_TRUE(r.ok());
  std::vector<Change> seen;
  store_->subscribe([&](const Change& c) { seen.push_back(c); });
  uint64_t base = mailbox(bob.id, "INBOX").highest_modseq;

  auto add = store_->store_flags(inbox.id, {1, 2, 99}, flag_update(FlagUpdate::Mode::add, {"\\Seen", "\\Recent"}));
  ASSERT_TRUE(add.ok()) << add.error().describe();
  ASSERT_EQ(add->changed.size(), 2u);
  EXPECT_TRUE(add->modified.empty());
  EXPECT_EQ(add->changed[0].uid, 1u);
  EXPECT_EQ(add->changed[0].flags, (std::vector<std::string>{"$Junk", "\\Seen"}));
  EXPECT_EQ(add->changed[1].uid, 2u);
  EXPECT_EQ(add->changed[1].flags, std::vector<std::string>{"\\Seen"});
  uint64_t m1 = add->changed[0].modseq;
  EXPECT_GT(m1, base);
  EXPECT_EQ(add->changed[1].modseq, m1);  // one modseq per call
  EXPECT_EQ(modseq_of(*store_, inbox.id, 1), m1);
  EXPECT_EQ(modseq_of(*store_, inbox.id, 3), base);  // untouched
  EXPECT_EQ(mailbox(bob.id, "INBOX").highest_modseq, m1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Change::Kind::flags);
  EXPECT_EQ(seen[0].modseq, m1);

  // Case-insensitive: adding what is there in another spelling changes nothing,
  // and so gets no new modseq (RFC 7162 §3.1: only real changes).
  auto same = store_->store_flags(inbox.id, {1, 2}, flag_update(FlagUpdate::Mode::add, {"\\SEEN", "$junk"}));
  ASSERT_TRUE(same.ok());
  ASSERT_EQ(same->changed.size(), 1u);  // 2 gets $junk
  EXPECT_EQ(same->changed[0].uid, 2u);
  EXPECT_EQ(same->changed[0].flags, (std::vector<std::string>{"\\Seen", "$junk"}));
  EXPECT_EQ(modseq_of(*store_, inbox.id, 1), m1);
  EXPECT_EQ(flags_of(*store_, inbox.id, 1), (std::vector<std::string>{"$Junk", "\\Seen"}));  // spelling kept
  auto nothing = store_->store_flags(inbox.id, {1, 2}, flag_update(FlagUpdate::Mode::add, {"\\seen"}));
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->changed.empty());
  EXPECT_EQ(seen.size(), 2u);  // nothing changed: nothing published

  auto remove = store_->store_flags(inbox.id, {1, 2, 3}, flag_update(FlagUpdate::Mode::remove, {"$JUNK"}));
  ASSERT_TRUE(remove.ok());
  ASSERT_EQ(remove->changed.size(), 2u);
  EXPECT_EQ(flags_of(*store_, inbox.id, 1), std::vector<std::string>{"\\Seen"});
  EXPECT_EQ(flags_of(*store_, inbox.id, 2), std::vector<std::string>{"\\Seen"});

  auto replace = store_->store_flags(
      inbox.id, {1, 3}, flag_update(FlagUpdate::Mode::replace, {"\\seen", "\\Flagged", "\\Recent", "\\FLAGGED"}));
  ASSERT_TRUE(replace.ok());
  ASSERT_EQ(replace->changed.size(), 2u);
  EXPECT_EQ(replace->changed[0].flags, (std::vector<std::string>{"\\Seen", "\\Flagged"}));  // stored spelling
  EXPECT_EQ(replace->changed[1].flags, (std::vector<std::string>{"\\seen", "\\Flagged"}));
  auto same_set = store_->store_flags(inbox.id, {1}, flag_update(FlagUpdate::Mode::replace, {"\\FLAGGED", "\\SEEN"}));
  ASSERT_TRUE(same_set.ok());
  EXPECT_TRUE(same_set->changed.empty());
  auto clear = store_->store_flags(inbox.id, {1}, flag_update(FlagUpdate::Mode::replace, {}));
  ASSERT_TRUE(clear.ok());
  ASSERT_EQ(clear->changed.size(), 1u);
  EXPECT_TRUE(flags_of(*store_, inbox.id, 1).empty());

  EXPECT_EQ(store_->store_flags(999999, {1}, flag_update(FlagUpdate::Mode::add, {"\\Seen"})).error().code,
            ErrorCode::not_found);
  EXPECT_EQ(store_->store_flags(inbox.id, {1}, flag_update(FlagUpdate::Mode::add, {"a b"})).error().code,
            ErrorCode::params);
  auto none = store_->store_flags(inbox.id, {}, flag_update(FlagUpdate::Mode::add, {"\\Seen"}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->changed.empty());
}

TEST_P(StoreTest, StoreFlagsUnchangedSince) {
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  ASSERT_TRUE(store_->append(bob.id, inbox.id, {appended("1"), appended("2"), appended("3")}).ok());
  uint64_t base = modseq_of(*store_, inbox.id, 1);
  auto touch = store_->store_flags(inbox.id, {2}, flag_update(FlagUpdate::Mode::add, {"$Touched"}));
  ASSERT_TRUE(touch.ok());
  uint64_t touched = touch->changed[0].modseq;

  // RFC 7162 §3.1.3: 2 changed after `base`, so it is left alone and reported.
  auto r = store_->store_flags(inbox.id, {1, 2, 3, 42},
                               flag_update(FlagUpdate::Mode::add, {"\\Deleted"}, base));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->modified, std::vector<uint32_t>{2});
  ASSERT_EQ(r->changed.size(), 2u);
  EXPECT_EQ(r->changed[0].uid, 1u);
  EXPECT_EQ(r->changed[1].uid, 3u);
  EXPECT_EQ(flags_of(*store_, inbox.id, 2), std::vector<std::string>{"$Touched"});
  EXPECT_EQ(modseq_of(*store_, inbox.id, 2), touched);

  // Not changed since: fine. A message whose flags would not change counts as success.
  auto r2 = store_->store_flags(inbox.id, {1, 2}, flag_update(FlagUpdate::Mode::add, {"\\Deleted"}, r->changed[0].modseq));
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->modified.empty());
  ASSERT_EQ(r2->changed.size(), 1u);
  EXPECT_EQ(r2->changed[0].uid, 2u);
  auto zero = store_->store_flags(inbox.id, {1, 3}, flag_update(FlagUpdate::Mode::remove, {"\\Deleted"}, 0));
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->modified, (std::vector<uint32_t>{1, 3}));
  EXPECT_TRUE(zero->changed.empty());
}

TEST_P(StoreTest, CopyMessagesSharesBlobsAndMapsUids) {
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  auto archive = mailbox(bob.id, "Archive");
  for (const char* body : {"one", "two", "three", "four"})
    ASSERT_TRUE(store_->deliver(message(body, {target(bob.id, "INBOX", "Delivered-To: bob\r\n")})).ok());
  ASSERT_TRUE(store_->store_flags(inbox.id, {3}, flag_update(FlagUpdate::Mode::add, {"\\Flagged"})).ok());
  ASSERT_TRUE(store_->deliver(message("x", {target(bob.id, "Archive")})).ok());  // archive uidnext 2
  uint64_t used = store_->get_account(bob.id)->used_bytes;
  uint64_t archive_modseq = mailbox(bob.id, "Archive").highest_modseq;
  std::vector<Change> seen;
  store_->subscribe([&](const Change& c) { seen.push_back(c); });

  auto r = store_->copy_messages(inbox.id, {4, 3, 1, 77, 3}, archive.id);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->uidvalidity, archive.uidvalidity);
  EXPECT_EQ(r->uids, (std::vector<std::pair<uint32_t, uint32_t>>{{1, 2}, {3, 3}, {4, 4}}));
  auto src = store_->get_message(inbox.id, 3);
  auto dst = store_->get_message(archive.id, 3);
  ASSERT_TRUE(src.ok() && dst.ok());
  EXPECT_EQ(dst->flags, std::vector<std::string>{"\\Flagged"});
  EXPECT_EQ(dst->internal_date, src->internal_date);
  EXPECT_EQ(dst->size, src->size);
  EXPECT_EQ(dst->prefix_size, src->prefix_size);
  EXPECT_EQ(dst->blob_id, src->blob_id);
  EXPECT_NE(dst->email_id, src->email_id);
  EXPECT_GT(dst->modseq, archive_modseq);
  EXPECT_EQ(read_all(archive.id, 3), "Delivered-To: bob\r\nthree");
  EXPECT_EQ(uids(inbox.id), (std::vector<uint32_t>{1, 2, 3, 4}));  // the source is untouched
  auto after = mailbox(bob.id, "Archive");
  EXPECT_EQ(after.messages, 4u);
  EXPECT_EQ(after.uidnext, 5u);
  EXPECT_EQ(after.highest_modseq, dst->modseq);
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, used + 3 * 19 + 3 + 5 + 4);  // prefix 19 bytes
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 5);  // shared, not copied
  }
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Change::Kind::appended);
  EXPECT_EQ(seen[0].mailbox_id, archive.id);

  // Into the same mailbox: duplicates with new UIDs.
  auto dup = store_->copy_messages(inbox.id, {2}, inbox.id);
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->uids, (std::vector<std::pair<uint32_t, uint32_t>>{{2, 5}}));
  EXPECT_EQ(read_all(inbox.id, 5), "Delivered-To: bob\r\ntwo");

  // Nothing to copy: no change.
  auto none = store_->copy_messages(inbox.id, {99}, archive.id);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->uids.empty());
  EXPECT_EQ(none->uidvalidity, archive.uidvalidity);
  EXPECT_EQ(mailbox(bob.id, "Archive").uidnext, 5u);

  // Expunging the originals keeps the copies' blobs.
  ASSERT_TRUE(store_->expunge(inbox.id, {1, 2, 3, 4, 5}).ok());
  EXPECT_EQ(read_all(archive.id, 4), "Delivered-To: bob\r\nfour");

  EXPECT_EQ(store_->copy_messages(999999, {1}, archive.id).error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->copy_messages(archive.id, {1}, 999999).error().code, ErrorCode::not_found);
}

TEST_P(StoreTest, CopyChecksDestinationQuota) {
  auto bob = make_account("bob@example.com", 100);
  auto carol = make_account("carol@example.com", 20);
  auto inbox = mailbox(bob.id, "INBOX");
  ASSERT_TRUE(store_->append(bob.id, inbox.id, {appended(std::string(30, 'a')), appended(std::string(30, 'b'))}).ok());
  auto r = store_->copy_messages(inbox.id, {1, 2}, mailbox(bob.id, "Archive").id);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::no_quota);
  EXPECT_EQ(mailbox(bob.id, "Archive").messages, 0u);
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, 60u);
  ASSERT_TRUE(store_->copy_messages(inbox.id, {1}, mailbox(bob.id, "Archive").id).ok());
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, 90u);
  // A move within the account does not need room; into another account it does.
  auto moved = store_->move_messages(inbox.id, {2}, mailbox(bob.id, "Trash").id);
  ASSERT_TRUE(moved.ok()) << moved.error().describe();
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, 90u);
  auto cross = store_->move_messages(mailbox(bob.id, "Trash").id, {1}, mailbox(carol.id, "INBOX").id);
  ASSERT_FALSE(cross.ok());
  EXPECT_EQ(cross.error().code, ErrorCode::no_quota);
  ASSERT_TRUE(store_->set_quota("carol@example.com", 0).ok());
  ASSERT_TRUE(store_->move_messages(mailbox(bob.id, "Trash").id, {1}, mailbox(carol.id, "INBOX").id).ok());
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, 60u);
  EXPECT_EQ(store_->get_account(carol.id)->used_bytes, 30u);
}

TEST_P(StoreTest, MoveMessagesExpungesSourceWithTombstones) {
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  auto trash = mailbox(bob.id, "Trash");
  ASSERT_TRUE(store_->append(bob.id, inbox.id, {appended("a", {"\\Seen"}), appended("b"), appended("c")}).ok());
  auto b_before = store_->get_message(inbox.id, 2);
  ASSERT_TRUE(b_before.ok());
  uint64_t used = store_->get_account(bob.id)->used_bytes;
  uint64_t checkpoint = mailbox(bob.id, "INBOX").highest_modseq;
  std::vector<Change> seen;
  store_->subscribe([&](const Change& c) { seen.push_back(c); });

  auto r = store_->move_messages(inbox.id, {2, 1}, trash.id);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->uidvalidity, trash.uidvalidity);
  EXPECT_EQ(r->uids, (std::vector<std::pair<uint32_t, uint32_t>>{{1, 1}, {2, 2}}));
  EXPECT_EQ(uids(inbox.id), std::vector<uint32_t>{3});
  EXPECT_EQ(uids(trash.id), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(read_all(trash.id, 2), "b");
  auto b_after = store_->get_message(trash.id, 2);
  ASSERT_TRUE(b_after.ok());
  EXPECT_EQ(b_after->email_id, b_before->email_id);  // RFC 8474 §5.1
  EXPECT_EQ(flags_of(*store_, trash.id, 1), std::vector<std::string>{"\\Seen"});
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, used);
  auto in_after = mailbox(bob.id, "INBOX");
  EXPECT_EQ(in_after.messages, 1u);
  EXPECT_EQ(in_after.total_bytes, 1u);
  EXPECT_EQ(in_after.uidnext, 4u);
  EXPECT_GT(in_after.highest_modseq, checkpoint);
  EXPECT_EQ(mailbox(bob.id, "Trash").messages, 2u);
  EXPECT_EQ(*store_->list_vanished(inbox.id, checkpoint), (std::vector<uint32_t>{1, 2}));
  EXPECT_TRUE(store_->list_vanished(inbox.id, in_after.highest_modseq)->empty());
  EXPECT_EQ(changed_uids(*store_, trash.id, checkpoint), (std::vector<uint32_t>{1, 2}));
  ASSERT_EQ(seen.size(), 2u);
  bool appended_seen = false, expunged_seen = false;
  for (const auto& c : seen) {
    if (c.kind == Change::Kind::appended && c.mailbox_id == trash.id) appended_seen = true;
    if (c.kind == Change::Kind::expunged && c.mailbox_id == inbox.id) expunged_seen = true;
  }
  EXPECT_TRUE(appended_seen && expunged_seen);

  // To the same mailbox: new UID, the old one tombstoned.
  uint64_t before_self = mailbox(bob.id, "INBOX").highest_modseq;
  auto self = store_->move_messages(inbox.id, {3}, inbox.id);
  ASSERT_TRUE(self.ok());
  EXPECT_EQ(self->uids, (std::vector<std::pair<uint32_t, uint32_t>>{{3, 4}}));
  EXPECT_EQ(uids(inbox.id), std::vector<uint32_t>{4});
  EXPECT_EQ(read_all(inbox.id, 4), "c");
  EXPECT_EQ(*store_->list_vanished(inbox.id, before_self), std::vector<uint32_t>{3});
  EXPECT_EQ(mailbox(bob.id, "INBOX").messages, 1u);
  EXPECT_EQ(mailbox(bob.id, "INBOX").total_bytes, 1u);

  auto none = store_->move_messages(inbox.id, {1, 2, 3}, trash.id);  // all gone already
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->uids.empty());
  EXPECT_EQ(store_->move_messages(inbox.id, {4}, 999999).error().code, ErrorCode::not_found);
}

TEST_P(StoreTest, ListChangedAndVanishedFollowModseqs) {
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  uint64_t m0 = inbox.highest_modseq;
  EXPECT_GT(m0, 0u);
  EXPECT_TRUE(changed_uids(*store_, inbox.id, 0).empty());
  ASSERT_TRUE(store_->append(bob.id, inbox.id, {appended("1"), appended("2"), appended("3"), appended("4")}).ok());
  uint64_t m1 = mailbox(bob.id, "INBOX").highest_modseq;
  EXPECT_GT(m1, m0);
  EXPECT_EQ(changed_uids(*store_, inbox.id, m0), (std::vector<uint32_t>{1, 2, 3, 4}));
  EXPECT_TRUE(changed_uids(*store_, inbox.id, m1).empty());

  ASSERT_TRUE(store_->store_flags(inbox.id, {3, 1}, flag_update(FlagUpdate::Mode::add, {"\\Seen"})).ok());
  uint64_t m2 = mailbox(bob.id, "INBOX").highest_modseq;
  EXPECT_GT(m2, m1);
  auto changed = store_->list_changed(inbox.id, m1);
  ASSERT_TRUE(changed.ok());
  ASSERT_EQ(changed->size(), 2u);
  EXPECT_EQ((*changed)[0].uid, 1u);
  EXPECT_EQ((*changed)[0].modseq, m2);
  EXPECT_EQ((*changed)[0].flags, std::vector<std::string>{"\\Seen"});
  EXPECT_EQ((*changed)[1].uid, 3u);
  EXPECT_TRUE((*changed)[0].summary.summary_json.empty());

  ASSERT_TRUE(store_->expunge(inbox.id, {2, 3}).ok());
  uint64_t m3 = mailbox(bob.id, "INBOX").highest_modseq;
  EXPECT_GT(m3, m2);
  EXPECT_EQ(changed_uids(*store_, inbox.id, m1), std::vector<uint32_t>{1});
  EXPECT_EQ(*store_->list_vanished(inbox.id, m2), (std::vector<uint32_t>{2, 3}));
  EXPECT_TRUE(store_->list_vanished(inbox.id, m3)->empty());
  EXPECT_EQ(*store_->list_vanished(inbox.id, 0), (std::vector<uint32_t>{2, 3}));

  // Moving out and copying in are changes too.
  ASSERT_TRUE(store_->move_messages(inbox.id, {4}, mailbox(bob.id, "Archive").id).ok());
  uint64_t m4 = mailbox(bob.id, "INBOX").highest_modseq;
  EXPECT_GT(m4, m3);
  EXPECT_EQ(*store_->list_vanished(inbox.id, m3), std::vector<uint32_t>{4});
  ASSERT_TRUE(store_->copy_messages(mailbox(bob.id, "Archive").id, {1}, inbox.id).ok());
  uint64_t m5 = mailbox(bob.id, "INBOX").highest_modseq;
  EXPECT_GT(m5, m4);
  EXPECT_EQ(changed_uids(*store_, inbox.id, m4), std::vector<uint32_t>{5});
  EXPECT_EQ(changed_uids(*store_, inbox.id, ~uint64_t{0}), std::vector<uint32_t>{});
  EXPECT_TRUE(store_->list_vanished(inbox.id, ~uint64_t{0})->empty());

  EXPECT_EQ(store_->list_changed(999999, 0).error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->list_vanished(999999, 0).error().code, ErrorCode::not_found);
}

TEST_P(StoreTest, UidsAndModseqsSurviveRestart) {
  if (!persistent()) GTEST_SKIP() << "memory backend keeps nothing";
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  auto trash = mailbox(bob.id, "Trash");
  ASSERT_TRUE(store_->append(bob.id, inbox.id, {appended("1"), appended("2"), appended("3")}).ok());
  ASSERT_TRUE(store_->expunge(inbox.id, {3}).ok());
  ASSERT_TRUE(store_->move_messages(inbox.id, {2}, trash.id).ok());
  ASSERT_TRUE(store_->expunge(trash.id, {1}).ok());
  ASSERT_TRUE(store_->store_flags(inbox.id, {1}, flag_update(FlagUpdate::Mode::add, {"\\Seen"})).ok());
  uint64_t inbox_modseq = mailbox(bob.id, "INBOX").highest_modseq;
  uint64_t trash_modseq = mailbox(bob.id, "Trash").highest_modseq;
  uint64_t vanished_at = inbox_modseq - 1;

  reopen();
  // UIDs are never reused, even when the highest ones were expunged (RFC 9051 §2.3.1.1).
  auto r = store_->append(bob.id, inbox.id, {appended("4")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->uids, std::vector<uint32_t>{4});
  auto c = store_->copy_messages(inbox.id, {4}, trash.id);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->uids, (std::vector<std::pair<uint32_t, uint32_t>>{{4, 2}}));
  // Modseqs go on strictly increasing in every mailbox.
  EXPECT_GT(mailbox(bob.id, "INBOX").highest_modseq, inbox_modseq);
  EXPECT_GT(mailbox(bob.id, "Trash").highest_modseq, trash_modseq);
  EXPECT_GT(store_->get_message(inbox.id, 4)->modseq, inbox_modseq);
  EXPECT_EQ(*store_->list_vanished(inbox.id, 0), (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(*store_->list_vanished(trash.id, 0), std::vector<uint32_t>{1});
  EXPECT_EQ(changed_uids(*store_, inbox.id, vanished_at), (std::vector<uint32_t>{1, 4}));

  reopen();
  auto created = store_->create_mailbox(bob.id, "After restart", "");
  ASSERT_TRUE(created.ok());
  EXPECT_GT(created->highest_modseq, mailbox(bob.id, "Trash").highest_modseq);
  auto other = open_another();
  ASSERT_NE(other, nullptr);
  auto r2 = other->append(bob.id, created->id, {appended("from another instance")});
  ASSERT_TRUE(r2.ok());
  EXPECT_GT(store_->get_message(created->id, 1)->modseq, created->highest_modseq);
}

}  // namespace postamt::store::test
