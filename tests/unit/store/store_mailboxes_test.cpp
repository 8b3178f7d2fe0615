// Conformance tests, part 4: mailbox management for IMAP — create, delete,
// rename (with children, and the INBOX rule of RFC 9051 §6.3.6), UIDVALIDITY
// never reused, subscriptions (names that need not exist) — against every
// backend.
#include <algorithm>
#include <set>

#include "store_test_support.h"

namespace postamt::store::test {

namespace {

std::vector<std::string> names(Store& s, int64_t account_id) {
  std::vector<std::string> out;
  auto boxes = s.list_mailboxes(account_id);
  EXPECT_TRUE(boxes.ok());
  if (boxes)
    for (const auto& mb : *boxes) out.push_back(mb.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> subscriptions(Store& s, int64_t account_id) {
  auto subs = s.list_subscriptions(account_id);
  EXPECT_TRUE(subs.ok()) << subs.error().describe();
  return subs ? *subs : std::vector<std::string>{};
}

}  // namespace

TEST_P(StoreTest, CreateMailbox) {
  auto bob = make_account("bob@example.com");
  std::vector<Change> seen;
  store_->subscribe([&](const Change& c) { seen.push_back(c); });
  uint32_t max_validity = 0;
  for (const auto& mb : *store_->list_mailboxes(bob.id)) max_validity = std::max(max_validity, mb.uidvalidity);

  auto created = store_->create_mailbox(bob.id, "Projects/2024", "");
  ASSERT_TRUE(created.ok()) << created.error().describe();
  EXPECT_EQ(created->name, "Projects/2024");
  EXPECT_EQ(created->account_id, bob.id);
  EXPECT_EQ(created->uidnext, 1u);
  EXPECT_EQ(created->messages, 0u);
  EXPECT_GT(created->uidvalidity, max_validity);
  EXPECT_GT(created->highest_modseq, 0u);  // RFC 7162: mod-sequences are positive
  EXPECT_FALSE(created->subscribed);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Change::Kind::mailbox);
  EXPECT_EQ(seen[0].mailbox_id, created->id);
  EXPECT_EQ(seen[0].account_id, bob.id);

  // Parents are the session's business.
  EXPECT_EQ(store_->get_mailbox(bob.id, "Projects").error().code, ErrorCode::not_found);
  auto again = mailbox(bob.id, "Projects/2024");
  EXPECT_EQ(again.id, created->id);
  EXPECT_EQ(again.uidvalidity, created->uidvalidity);

  auto special = store_->create_mailbox(bob.id, "Flagged mail", "\\Flagged");
  ASSERT_TRUE(special.ok());
  EXPECT_EQ(mailbox(bob.id, "Flagged mail").special_use, "\\Flagged");
  auto utf8 = store_->create_mailbox(bob.id, "Entwürfe/Привет", "");
  ASSERT_TRUE(utf8.ok());
  EXPECT_EQ(mailbox(bob.id, "Entwürfe/Привет").id, utf8->id);

  EXPECT_EQ(store_->create_mailbox(bob.id, "Projects/2024", "").error().code, ErrorCode::exists);
  EXPECT_EQ(store_->create_mailbox(bob.id, "inbox", "").error().code, ErrorCode::exists);
  EXPECT_EQ(store_->create_mailbox(bob.id, "Sent", "").error().code, ErrorCode::exists);
  EXPECT_TRUE(store_->create_mailbox(bob.id, "sent", "").ok());  // only INBOX is case-insensitive
  for (const std::string& bad : std::vector<std::string>{"", "/a", "a/", "a//b", "a\r\nb", std::string("a\0b", 3), "\xff\xfe"})
    EXPECT_EQ(store_->create_mailbox(bob.id, bad, "").error().code, ErrorCode::params) << bad;
  EXPECT_EQ(store_->create_mailbox(bob.id + 100, "X", "").error().code, ErrorCode::not_found);

  // Another account may use the same name.
  auto carol = make_account("carol@example.com");
  EXPECT_TRUE(store_->create_mailbox(carol.id, "Projects/2024", "").ok());
}

TEST_P(StoreTest, DeleteMailboxRemovesMessagesKeepsChildrenAndSubscriptions) {
  auto bob = make_account("bob@example.com");
  ASSERT_TRUE(store_->create_mailbox(bob.id, "Work", "").ok());
  ASSERT_TRUE(store_->create_mailbox(bob.id, "Work/Old", "").ok());
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Work", true).ok());
  ASSERT_TRUE(store_->deliver(message("unique body one", {target(bob.id, "Work")})).ok());
  ASSERT_TRUE(store_->deliver(message("shared body", {target(bob.id, "Work"), target(bob.id, "INBOX")})).ok());
  auto work = mailbox(bob.id, "Work");
  EXPECT_EQ(work.messages, 2u);
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, 15u + 11u + 11u);
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 2);
  }
  std::vector<Change> seen;
  store_->subscribe([&](const Change& c) { seen.push_back(c); });

  ASSERT_TRUE(store_->delete_mailbox(bob.id, "Work").ok());
  EXPECT_EQ(store_->get_mailbox(bob.id, "Work").error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->list_messages(work.id).error().code, ErrorCode::not_found);
  EXPECT_TRUE(store_->get_mailbox(bob.id, "Work/Old").ok());
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, 11u);
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 1);  // the INBOX copy keeps the shared blob
  }
  EXPECT_EQ(read_all(mailbox(bob.id, "INBOX").id, 1), "shared body");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Change::Kind::mailbox);
  EXPECT_EQ(seen[0].mailbox_id, work.id);
  // RFC 9051 §6.3.9: the subscription outlives the mailbox.
  auto subs = subscriptions(*store_, bob.id);
  EXPECT_NE(std::find(subs.begin(), subs.end(), "Work"), subs.end());

  // Re-created: a new mailbox with a new UIDVALIDITY and fresh UIDs.
  auto recreated = store_->create_mailbox(bob.id, "Work", "");
  ASSERT_TRUE(recreated.ok());
  EXPECT_NE(recreated->id, work.id);
  EXPECT_GT(recreated->uidvalidity, work.uidvalidity);
  EXPECT_TRUE(recreated->subscribed);
  EXPECT_EQ(recreated->uidnext, 1u);

  EXPECT_EQ(store_->delete_mailbox(bob.id, "INBOX").error().code, ErrorCode::permission);
  EXPECT_EQ(store_->delete_mailbox(bob.id, "inbox").error().code, ErrorCode::permission);
  EXPECT_EQ(store_->delete_mailbox(bob.id, "Nope").error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->delete_mailbox(bob.id + 100, "Work").error().code, ErrorCode::not_found);
}

TEST_P(StoreTest, UidvalidityIsNeverReused) {
  auto bob = make_account("bob@example.com");
  std::set<uint32_t> seen;
  for (const auto& mb : *store_->list_mailboxes(bob.id)) seen.insert(mb.uidvalidity);
  uint32_t last = *seen.rbegin();
  for (int round = 0; round < 4; ++round) {
    auto mb = store_->create_mailbox(bob.id, "Again", "");
    ASSERT_TRUE(mb.ok());
    EXPECT_TRUE(seen.insert(mb->uidvalidity).second) << "reused " << mb->uidvalidity;
    EXPECT_GT(mb->uidvalidity, last);
    last = mb->uidvalidity;
    ASSERT_TRUE(store_->delete_mailbox(bob.id, "Again").ok());
    if (persistent() && round == 1) reopen();
  }
  ASSERT_TRUE(store_->create_mailbox(bob.id, "From", "").ok());
  ASSERT_TRUE(store_->rename_mailbox(bob.id, "INBOX", "Inbox-old").ok());
  EXPECT_GT(mailbox(bob.id, "Inbox-old").uidvalidity, last);
}

TEST_P(StoreTest, RenameMailboxWithChildren) {
  auto bob = make_account("bob@example.com");
  for (const char* name : {"Work", "Work/2023", "Work/2023/Q1", "Workshop", "Other"})
    ASSERT_TRUE(store_->create_mailbox(bob.id, name, "").ok()) << name;
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Work", true).ok());
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Work/2023/Q1", true).ok());
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Workshop", true).ok());
  ASSERT_TRUE(store_->deliver(message("m1", {target(bob.id, "Work/2023")})).ok());
  ASSERT_TRUE(store_->deliver(message("m2", {target(bob.id, "Work/2023")})).ok());
  ASSERT_TRUE(store_->expunge(mailbox(bob.id, "Work/2023").id, {1}).ok());
  auto before = mailbox(bob.id, "Work/2023");
  auto work = mailbox(bob.id, "Work");
  std::vector<Change> seen;
  store_->subscribe([&](const Change& c) { seen.push_back(c); });

  ASSERT_TRUE(store_->rename_mailbox(bob.id, "Work", "Jobs").ok());
  EXPECT_EQ(names(*store_, bob.id), (std::vector<std::string>{"Archive", "Drafts", "INBOX", "Jobs", "Jobs/2023",
                                                               "Jobs/2023/Q1", "Junk", "Other", "Sent", "Trash",
                                                               "Workshop"}));
  auto after = mailbox(bob.id, "Jobs/2023");
  EXPECT_EQ(after.id, before.id);
  EXPECT_EQ(after.uidvalidity, before.uidvalidity);
  EXPECT_EQ(after.uidnext, 3u);
  EXPECT_EQ(after.messages, 1u);
  EXPECT_EQ(read_all(after.id, 2), "m2");
  EXPECT_EQ(mailbox(bob.id, "Jobs").uidvalidity, work.uidvalidity);
  EXPECT_EQ(seen.size(), 3u);
  for (const auto& c : seen) EXPECT_EQ(c.kind, Change::Kind::mailbox);
  // Subscriptions of the renamed names follow; others stay.
  EXPECT_EQ(subscriptions(*store_, bob.id),
            (std::vector<std::string>{"Archive", "Drafts", "INBOX", "Jobs", "Jobs/2023/Q1", "Junk", "Sent", "Trash",
                                      "Workshop"}));
  EXPECT_TRUE(mailbox(bob.id, "Jobs").subscribed);
  EXPECT_FALSE(mailbox(bob.id, "Jobs/2023").subscribed);
  // UIDs go on where they were: never reused (RFC 9051 §6.3.6).
  auto r = store_->deliver(message("m3", {target(bob.id, "Jobs/2023")}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->placed[0].uid, 3u);

  EXPECT_EQ(store_->rename_mailbox(bob.id, "Nope", "X").error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->rename_mailbox(bob.id, "Jobs", "Other").error().code, ErrorCode::exists);
  EXPECT_EQ(store_->rename_mailbox(bob.id, "Jobs", "Jobs").error().code, ErrorCode::exists);
  EXPECT_EQ(store_->rename_mailbox(bob.id, "Jobs", "inbox").error().code, ErrorCode::exists);
  EXPECT_EQ(store_->rename_mailbox(bob.id, "Jobs", "a//b").error().code, ErrorCode::params);
  // A child's new name is taken: nothing is renamed.
  ASSERT_TRUE(store_->create_mailbox(bob.id, "New/2023", "").ok());
  EXPECT_EQ(store_->rename_mailbox(bob.id, "Jobs", "New").error().code, ErrorCode::exists);
  EXPECT_TRUE(store_->get_mailbox(bob.id, "Jobs/2023/Q1").ok());
  EXPECT_EQ(store_->get_mailbox(bob.id, "New").error().code, ErrorCode::not_found);

  // Renaming to the name of a missing parent: a child takes the old name's place.
  ASSERT_TRUE(store_->create_mailbox(bob.id, "x/y", "").ok());
  ASSERT_TRUE(store_->create_mailbox(bob.id, "x/y/y", "").ok());
  auto xy = mailbox(bob.id, "x/y");
  auto xyy = mailbox(bob.id, "x/y/y");
  ASSERT_TRUE(store_->rename_mailbox(bob.id, "x/y", "x").ok());
  EXPECT_EQ(mailbox(bob.id, "x").id, xy.id);
  EXPECT_EQ(mailbox(bob.id, "x/y").id, xyy.id);
  EXPECT_EQ(store_->get_mailbox(bob.id, "x/y/y").error().code, ErrorCode::not_found);
}

TEST_P(StoreTest, RenameInboxMovesMessagesAndKeepsInbox) {
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  ASSERT_TRUE(store_->create_mailbox(bob.id, "INBOX/Sub", "").ok());
  for (const char* body : {"first", "second", "third"})
    ASSERT_TRUE(store_->deliver(message(body, {target(bob.id, "INBOX", "P: 1\r\n")})).ok());
  ASSERT_TRUE(store_->expunge(inbox.id, {2}).ok());
  FlagUpdate seen_flag{FlagUpdate::Mode::add, {"\\Seen"}, std::nullopt};
  ASSERT_TRUE(store_->store_flags(inbox.id, {3}, seen_flag).ok());
  auto old3 = store_->get_message(inbox.id, 3);
  ASSERT_TRUE(old3.ok());
  uint64_t used = store_->get_account(bob.id)->used_bytes;
  uint64_t modseq_before = mailbox(bob.id, "INBOX").highest_modseq;
  uint32_t max_validity = 0;
  for (const auto& mb : *store_->list_mailboxes(bob.id)) max_validity = std::max(max_validity, mb.uidvalidity);
  std::vector<Change> changes;
  store_->subscribe([&](const Change& c) { changes.push_back(c); });

  ASSERT_TRUE(store_->rename_mailbox(bob.id, "inbox", "Old Inbox").ok());
  auto old = mailbox(bob.id, "Old Inbox");
  EXPECT_GT(old.uidvalidity, max_validity);
  EXPECT_EQ(old.messages, 2u);
  EXPECT_EQ(old.uidnext, 3u);
  EXPECT_EQ(uids(old.id), (std::vector<uint32_t>{1, 2}));  // 1..n in ascending old-UID order
  EXPECT_EQ(read_all(old.id, 1), "P: 1\r\nfirst");
  EXPECT_EQ(read_all(old.id, 2), "P: 1\r\nthird");
  auto moved = store_->get_message(old.id, 2);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->flags, std::vector<std::string>{"\\Seen"});
  EXPECT_EQ(moved->email_id, old3->email_id);
  EXPECT_EQ(moved->internal_date, old3->internal_date);
  EXPECT_EQ(moved->prefix_size, 6u);
  EXPECT_LE(moved->modseq, old.highest_modseq);

  auto after = mailbox(bob.id, "INBOX");
  EXPECT_EQ(after.id, inbox.id);
  EXPECT_EQ(after.uidvalidity, inbox.uidvalidity);
  EXPECT_EQ(after.messages, 0u);
  EXPECT_EQ(after.total_bytes, 0u);
  EXPECT_EQ(after.uidnext, 4u);  // unchanged
  EXPECT_GT(after.highest_modseq, modseq_before);
  EXPECT_TRUE(uids(inbox.id).empty());
  EXPECT_EQ(*store_->list_vanished(inbox.id, modseq_before), (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(*store_->list_vanished(inbox.id, 0), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, used);
  EXPECT_TRUE(store_->get_mailbox(bob.id, "INBOX/Sub").ok());  // children are not renamed
  EXPECT_EQ(store_->get_mailbox(bob.id, "Old Inbox/Sub").error().code, ErrorCode::not_found);
  bool saw_expunge = false, saw_append = false;
  for (const auto& c : changes) {
    if (c.kind == Change::Kind::expunged && c.mailbox_id == inbox.id) saw_expunge = true;
    if (c.kind == Change::Kind::appended && c.mailbox_id == old.id) saw_append = true;
  }
  EXPECT_TRUE(saw_expunge);
  EXPECT_TRUE(saw_append);

  auto r = store_->deliver(message("fourth", {target(bob.id)}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->placed[0].mailbox_id, inbox.id);
  EXPECT_EQ(r->placed[0].uid, 4u);

  // An empty INBOX renames too (the new mailbox is empty).
  ASSERT_TRUE(store_->expunge(inbox.id, {4}).ok());
  ASSERT_TRUE(store_->rename_mailbox(bob.id, "INBOX", "Empty").ok());
  EXPECT_EQ(mailbox(bob.id, "Empty").messages, 0u);
  EXPECT_EQ(store_->rename_mailbox(bob.id, "INBOX", "Old Inbox").error().code, ErrorCode::exists);
}

TEST_P(StoreTest, SubscriptionsNeedNotExist) {
  auto bob = make_account("bob@example.com");
  auto carol = make_account("carol@example.com");
  EXPECT_EQ(subscriptions(*store_, bob.id),
            (std::vector<std::string>{"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"}));
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Lists/Not yet", true).ok());
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Lists/Not yet", true).ok());  // idempotent
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Junk", false).ok());
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Junk", false).ok());
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Never there", false).ok());
  ASSERT_TRUE(store_->set_subscribed(bob.id, "inbox", false).ok());  // INBOX in any case
  EXPECT_EQ(subscriptions(*store_, bob.id),
            (std::vector<std::string>{"Archive", "Drafts", "Lists/Not yet", "Sent", "Trash"}));
  EXPECT_FALSE(mailbox(bob.id, "Junk").subscribed);
  EXPECT_FALSE(mailbox(bob.id, "INBOX").subscribed);
  ASSERT_TRUE(store_->set_subscribed(bob.id, "Inbox", true).ok());
  EXPECT_TRUE(mailbox(bob.id, "INBOX").subscribed);

  // Creating the subscribed name shows it subscribed.
  auto created = store_->create_mailbox(bob.id, "Lists/Not yet", "");
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(created->subscribed);
  bool found = false;
  for (const auto& mb : *store_->list_mailboxes(bob.id))
    if (mb.name == "Lists/Not yet") found = mb.subscribed;
  EXPECT_TRUE(found);

  // Per account.
  EXPECT_EQ(subscriptions(*store_, carol.id).size(), 6u);
  EXPECT_EQ(store_->set_subscribed(bob.id + carol.id + 100, "X", true).error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->list_subscriptions(bob.id + carol.id + 100).error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->set_subscribed(bob.id, "", true).error().code, ErrorCode::params);

  if (persistent()) {
    reopen();
    EXPECT_EQ(subscriptions(*store_, bob.id),
              (std::vector<std::string>{"Archive", "Drafts", "INBOX", "Lists/Not yet", "Sent", "Trash"}));
  }
  ASSERT_TRUE(store_->remove_account("bob@example.com").ok());
  auto bob2 = make_account("bob@example.com");
  EXPECT_EQ(subscriptions(*store_, bob2.id).size(), 6u);
}

}  // namespace postamt::store::test
