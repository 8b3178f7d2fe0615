// Conformance tests, part 2: delivery, reading, UIDs and modseqs, expunge,
// quota, the outbound queue, change notifications, concurrency and persistence
// across reopen — against every backend.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "store/sqlite/sqlite_store.h"
#include "store_test_support.h"

namespace postamt::store::test {

namespace {

constexpr const char* kBody = "Subject: hi\r\n\r\nhello\r\n";

std::vector<uint32_t> uids_of(Store& s, int64_t mailbox_id) {
  std::vector<uint32_t> out;
  auto list = s.list_messages(mailbox_id);
  EXPECT_TRUE(list.ok());
  if (list)
    for (const auto& m : *list) out.push_back(m.uid);
  return out;
}

}  // namespace

TEST_P(StoreTest, DeliverToSeveralTargetsStoresBlobOnce) {
  auto bob = make_account("bob@example.com");
  auto carol = make_account("carol@example.com");
  auto msg = message(kBody, {target(bob.id, "INBOX", "Delivered-To: bob@example.com\r\n"),
                             target(carol.id, "INBOX", "Delivered-To: carol@example.com\r\n"),
                             target(bob.id, "Archive", "X-Copy: 1\r\n")});
  msg.summary.subject = "hi";
  msg.summary.preview = "hello";
  msg.summary.summary_json = "{\"x\":1}";
  msg.summary.from = "alice@remote.net";
  msg.summary.message_id = "abc@remote.net";
  msg.summary.sent_date = 1690000000;
  auto r = store_->deliver(msg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->placed.size(), 3u);
  EXPECT_TRUE(r->over_quota.empty());
  EXPECT_TRUE(r->queue_id.empty());
  EXPECT_EQ(r->placed[0].account_id, bob.id);
  EXPECT_EQ(r->placed[0].mailbox_id, mailbox(bob.id, "INBOX").id);
  EXPECT_EQ(r->placed[1].mailbox_id, mailbox(carol.id, "INBOX").id);
  EXPECT_EQ(r->placed[2].mailbox_id, mailbox(bob.id, "Archive").id);
  for (const auto& p : r->placed) EXPECT_EQ(p.uid, 1u);

  EXPECT_EQ(read_all(r->placed[0].mailbox_id, 1), std::string("Delivered-To: bob@example.com\r\n") + kBody);
  EXPECT_EQ(read_all(r->placed[1].mailbox_id, 1), std::string("Delivered-To: carol@example.com\r\n") + kBody);
  EXPECT_EQ(read_all(r->placed[2].mailbox_id, 1, 3), std::string("X-Copy: 1\r\n") + kBody);
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 1);
  }

  auto m = store_->get_message(r->placed[1].mailbox_id, 1);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->size, std::string("Delivered-To: carol@example.com\r\n").size() + std::string(kBody).size());
  EXPECT_EQ(m->internal_date, 1700000000);
  EXPECT_GT(m->save_date, 0);
  EXPECT_EQ(m->summary.subject, "hi");
  EXPECT_EQ(m->summary.preview, "hello");
  EXPECT_EQ(m->summary.summary_json, "{\"x\":1}");
  EXPECT_EQ(m->summary.from, "alice@remote.net");
  EXPECT_EQ(m->summary.message_id, "abc@remote.net");
  EXPECT_EQ(m->summary.sent_date, 1690000000);
  EXPECT_EQ(m->blob_id.size(), 64u);
  EXPECT_EQ(m->email_id.size(), 25u);
  EXPECT_EQ(m->email_id[0], 'M');
  auto other = store_->get_message(r->placed[0].mailbox_id, 1);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->blob_id, m->blob_id);
  EXPECT_NE(other->email_id, m->email_id);

  auto list = store_->list_messages(r->placed[1].mailbox_id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_TRUE((*list)[0].summary.subject.empty());  // summaries only from get_message()
  EXPECT_EQ((*list)[0].size, m->size);

  auto inbox = mailbox(bob.id, "INBOX");
  EXPECT_EQ(inbox.messages, 1u);
  EXPECT_EQ(inbox.uidnext, 2u);
  EXPECT_EQ(inbox.total_bytes, std::string("Delivered-To: bob@example.com\r\n").size() + std::string(kBody).size());
  auto acct = store_->get_account(bob.id);
  EXPECT_EQ(acct->used_bytes, inbox.total_bytes + mailbox(bob.id, "Archive").total_bytes);

  // The same content again is still stored once.
  ASSERT_TRUE(store_->deliver(message(kBody, {target(carol.id)})).ok());
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 1);
  }
}

TEST_P(StoreTest, DeliverFallsBackToInboxAndKeepsFlags) {
  auto bob = make_account("bob@example.com");
  auto t = target(bob.id, "No/Such/Folder");
  t.flags = {"\\Seen", "$Junk"};
  auto r = store_->deliver(message(kBody, {t}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->placed[0].mailbox_id, mailbox(bob.id, "INBOX").id);
  auto m = store_->get_message(r->placed[0].mailbox_id, r->placed[0].uid);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->flags, (std::vector<std::string>{"\\Seen", "$Junk"}));
  EXPECT_EQ(store_->get_message(r->placed[0].mailbox_id, 99).error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->open_message(r->placed[0].mailbox_id, 99).error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->list_messages(999999).error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->deliver(message(kBody, {})).error().code, ErrorCode::params);
}

TEST_P(StoreTest, OpenMessageIsBinarySafe) {
  auto bob = make_account("bob@example.com");
  std::string bytes;
  for (int i = 0; i < 3000; ++i) bytes += static_cast<char>(i % 256);  // NUL and 8-bit bytes
  std::string prefix("X-Bin: \x00\xff\r\n", 11);
  auto r = store_->deliver(message(bytes, {target(bob.id, "INBOX", prefix)}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(read_all(r->placed[0].mailbox_id, 1, 7), prefix + bytes);
  EXPECT_EQ(read_all(r->placed[0].mailbox_id, 1, 1 << 20), prefix + bytes);
}

TEST_P(StoreTest, LargeMessageStreamsExactly) {
  auto bob = make_account("bob@example.com");
  std::string bytes(5 * 1024 * 1024, '\0');
  uint32_t x = 12345;
  for (auto& c : bytes) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  auto r = store_->deliver(message(bytes, {target(bob.id, "INBOX", "Return-Path: <a@b>\r\n")}));
  ASSERT_TRUE(r.ok());
  auto reader = store_->open_message(r->placed[0].mailbox_id, 1);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), bytes.size() + 20);
  std::string got = read_all(r->placed[0].mailbox_id, 1, 65536);
  EXPECT_TRUE(got == "Return-Path: <a@b>\r\n" + bytes);
}

TEST_P(StoreTest, UidsAscendAndAreNeverReused) {
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(store_->deliver(message("m" + std::to_string(i), {target(bob.id)})).ok());
  EXPECT_EQ(uids_of(*store_, inbox.id), (std::vector<uint32_t>{1, 2, 3}));
  ASSERT_TRUE(store_->expunge(inbox.id, {2, 3, 77}).ok());  // unknown UIDs are ignored
  EXPECT_EQ(uids_of(*store_, inbox.id), (std::vector<uint32_t>{1}));
  auto r = store_->deliver(message("again", {target(bob.id)}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->placed[0].uid, 4u);
  EXPECT_EQ(uids_of(*store_, inbox.id), (std::vector<uint32_t>{1, 4}));
  auto after = mailbox(bob.id, "INBOX");
  EXPECT_EQ(after.uidnext, 5u);
  EXPECT_EQ(after.uidvalidity, inbox.uidvalidity);
  EXPECT_EQ(after.messages, 2u);
  EXPECT_EQ(store_->expunge(999999, {1}).error().code, ErrorCode::not_found);
}

TEST_P(StoreTest, ModseqIncreases) {
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  uint64_t last = inbox.highest_modseq;
  for (int i = 0; i < 3; ++i) {
    auto r = store_->deliver(message("m" + std::to_string(i), {target(bob.id)}));
    ASSERT_TRUE(r.ok());
    auto m = store_->get_message(inbox.id, r->placed[0].uid);
    ASSERT_TRUE(m.ok());
    EXPECT_GT(m->modseq, last);
    last = m->modseq;
    EXPECT_EQ(mailbox(bob.id, "INBOX").highest_modseq, last);
  }
  // Another mailbox of the same account draws from the same counter.
  auto r = store_->deliver(message("x", {target(bob.id, "Sent")}));
  ASSERT_TRUE(r.ok());
  EXPECT_GT(mailbox(bob.id, "Sent").highest_modseq, last);
  ASSERT_TRUE(store_->expunge(inbox.id, {1}).ok());
  EXPECT_GT(mailbox(bob.id, "INBOX").highest_modseq, mailbox(bob.id, "Sent").highest_modseq);
}

TEST_P(StoreTest, ExpungeUpdatesCountersAndFreesBlobWhenUnreferenced) {
  auto bob = make_account("bob@example.com");
  auto carol = make_account("carol@example.com");
  auto r = store_->deliver(message(kBody, {target(bob.id, "INBOX", "A: 1\r\n"), target(carol.id)}));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(store_->deliver(message("other", {target(bob.id)})).ok());
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 2);
  }
  auto bob_inbox = mailbox(bob.id, "INBOX");
  EXPECT_EQ(bob_inbox.messages, 2u);

  ASSERT_TRUE(store_->expunge(bob_inbox.id, {1}).ok());
  auto after = mailbox(bob.id, "INBOX");
  EXPECT_EQ(after.messages, 1u);
  EXPECT_EQ(after.total_bytes, 5u);
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, 5u);
  EXPECT_EQ(store_->get_message(bob_inbox.id, 1).error().code, ErrorCode::not_found);
  // Carol's copy still references the shared blob.
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 2);
  }
  EXPECT_EQ(read_all(mailbox(carol.id, "INBOX").id, 1), kBody);

  ASSERT_TRUE(store_->expunge(mailbox(carol.id, "INBOX").id, {1}).ok());
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 1);
  }
  EXPECT_EQ(store_->get_account(carol.id)->used_bytes, 0u);

  // Delivering the freed content again works (the blob is rewritten).
  auto again = store_->deliver(message(kBody, {target(carol.id)}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(read_all(again->placed[0].mailbox_id, again->placed[0].uid), kBody);

  // Removing an account frees its blobs too.
  ASSERT_TRUE(store_->remove_account("bob@example.com").ok());
  ASSERT_TRUE(store_->remove_account("carol@example.com").ok());
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 0);
  }
}

TEST_P(StoreTest, QuotaSkipsOnlyTheFullAccount) {
  auto small = make_account("small@example.com", 30);
  auto big = make_account("big@example.com");
  std::string body(20, 'x');
  auto r1 = store_->deliver(message(body, {target(small.id), target(big.id)}));
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->placed.size(), 2u);
  EXPECT_TRUE(r1->over_quota.empty());
  auto r2 = store_->deliver(message(body + "y", {target(small.id, "INBOX", "P: 1\r\n"), target(big.id)}));
  ASSERT_TRUE(r2.ok());
  ASSERT_EQ(r2->placed.size(), 1u);
  EXPECT_EQ(r2->placed[0].account_id, big.id);
  EXPECT_EQ(r2->over_quota, std::vector<int64_t>{small.id});
  EXPECT_EQ(store_->get_account(small.id)->used_bytes, 20u);
  EXPECT_EQ(mailbox(small.id, "INBOX").messages, 1u);

  // Everybody over quota: nothing placed, and no blob left behind.
  ASSERT_TRUE(store_->set_quota("big@example.com", 10).ok());
  auto r3 = store_->deliver(message("a fresh body, long enough", {target(small.id), target(big.id)}));
  ASSERT_TRUE(r3.ok());
  EXPECT_TRUE(r3->placed.empty());
  EXPECT_EQ(r3->over_quota.size(), 2u);
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 2);
  }
}

TEST_P(StoreTest, OutboundIsQueuedWithTheDelivery) {
  auto bob = make_account("bob@example.com");
  auto msg = message(kBody, {target(bob.id)});
  OutboundMessage out;
  out.mail_from = "bob@example.com";
  out.recipients = {{"x@remote.net", "rfc822;x@remote.net", "SUCCESS,FAILURE"}, {"y@remote.org", "", ""}};
  out.auth_user = "bob@example.com";
  out.smtputf8 = true;
  out.body_8bit = true;
  out.ret = "HDRS";
  out.envid = "env1";
  msg.outbound = out;
  auto r = store_->deliver(msg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->queue_id.size(), 12u);
  for (char c : r->queue_id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')) << r->queue_id;
  ASSERT_EQ(r->placed.size(), 1u);

  // Outbound only (no local recipient), null sender.
  NewMessage only = message("bounce", {});
  only.outbound = OutboundMessage{};
  only.outbound->recipients = {{"z@remote.net", "", ""}};
  auto r2 = store_->deliver(only);
  ASSERT_TRUE(r2.ok()) << r2.error().describe();
  EXPECT_NE(r2->queue_id, r->queue_id);
  EXPECT_TRUE(r2->placed.empty());

  auto queue = store_->list_queue();
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ(queue->size(), 2u);
  const QueueEntry* e = nullptr;
  for (const auto& q : *queue)
    if (q.queue_id == r->queue_id) e = &q;
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->message.mail_from, "bob@example.com");
  ASSERT_EQ(e->message.recipients.size(), 2u);
  EXPECT_EQ(e->message.recipients[0].address, "x@remote.net");
  EXPECT_EQ(e->message.recipients[0].orcpt, "rfc822;x@remote.net");
  EXPECT_EQ(e->message.recipients[0].notify, "SUCCESS,FAILURE");
  EXPECT_EQ(e->message.recipients[1].address, "y@remote.org");
  EXPECT_EQ(e->message.auth_user, "bob@example.com");
  EXPECT_TRUE(e->message.smtputf8);
  EXPECT_TRUE(e->message.body_8bit);
  EXPECT_EQ(e->message.ret, "HDRS");
  EXPECT_EQ(e->message.envid, "env1");
  EXPECT_EQ(e->size, std::string(kBody).size());
  EXPECT_EQ(e->state, "queued");
  EXPECT_EQ(e->attempts, 0u);
  EXPECT_GT(e->created, 0);
  EXPECT_EQ(e->blob_id, store_->get_message(r->placed[0].mailbox_id, 1)->blob_id);

  // The queue keeps the blob alive after the local copy is expunged.
  ASSERT_TRUE(store_->expunge(r->placed[0].mailbox_id, {1}).ok());
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 2);
  }
}

TEST_P(StoreTest, ChangesArePublishedAfterCommit) {
  auto bob = make_account("bob@example.com");
  std::mutex mu;
  std::vector<Change> seen;
  bool visible_in_callback = true;
  store_->subscribe([&](const Change& c) {
    // A listener may call back into the store and must see the change.
    if (c.kind == Change::Kind::appended) {
      auto m = store_->get_message(c.mailbox_id, 1);
      if (!m.ok() || m->modseq != c.modseq) visible_in_callback = false;
    }
    std::lock_guard lock(mu);
    seen.push_back(c);
  });
  auto r = store_->deliver(message(kBody, {target(bob.id)}));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Change::Kind::appended);
  EXPECT_EQ(seen[0].account_id, bob.id);
  EXPECT_EQ(seen[0].mailbox_id, r->placed[0].mailbox_id);
  EXPECT_EQ(seen[0].modseq, mailbox(bob.id, "INBOX").highest_modseq);
  EXPECT_TRUE(visible_in_callback);

  ASSERT_TRUE(store_->expunge(r->placed[0].mailbox_id, {1}).ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].kind, Change::Kind::expunged);
  EXPECT_GT(seen[1].modseq, seen[0].modseq);
  // Nothing expunged: nothing published.
  ASSERT_TRUE(store_->expunge(r->placed[0].mailbox_id, {1}).ok());
  EXPECT_EQ(seen.size(), 2u);
}

TEST_P(StoreTest, ConcurrentDeliveriesGetUniqueAscendingUids) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  std::atomic<int> failures{0};
  std::vector<std::vector<uint32_t>> per_thread(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string body = "From: t" + std::to_string(t) + "\r\n\r\n" + std::to_string(i) + "\r\n";
        auto r = store_->deliver(message(body, {target(bob.id)}));
        if (!r.ok() || r->placed.size() != 1) {
          ++failures;
          continue;
        }
        per_thread[t].push_back(r->placed[0].uid);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  std::set<uint32_t> all;
  for (const auto& uids : per_thread) {
    EXPECT_TRUE(std::is_sorted(uids.begin(), uids.end()));
    all.insert(uids.begin(), uids.end());
  }
  ASSERT_EQ(all.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), uint32_t{kThreads * kPerThread});
  auto after = mailbox(bob.id, "INBOX");
  EXPECT_EQ(after.messages, uint32_t{kThreads * kPerThread});
  EXPECT_EQ(after.uidnext, uint32_t{kThreads * kPerThread + 1});
  EXPECT_EQ(uids_of(*store_, inbox.id).size(), size_t{kThreads * kPerThread});

  if (auto* sqlite = dynamic_cast<SqliteStore*>(store_.get())) {
    // Group commit: concurrent deliveries shared transactions (and fsyncs).
    EXPECT_LT(sqlite->commit_count(), sqlite->write_count());
    EXPECT_GE(sqlite->write_count(), uint64_t{kThreads * kPerThread});
    std::cout << "[ info ] " << sqlite->write_count() << " writes in " << sqlite->commit_count() << " commits\n";
  }
}

TEST_P(StoreTest, StatePersistsAcrossReopen) {
  if (!persistent()) GTEST_SKIP() << "memory backend keeps nothing";
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(store_->deliver(message("m" + std::to_string(i), {target(bob.id, "INBOX", "P\r\n")})).ok());
  ASSERT_TRUE(store_->expunge(inbox.id, {3}).ok());
  uint64_t modseq = mailbox(bob.id, "INBOX").highest_modseq;

  reopen();
  auto again = mailbox(bob.id, "INBOX");
  EXPECT_EQ(again.id, inbox.id);
  EXPECT_EQ(again.uidvalidity, inbox.uidvalidity);
  EXPECT_EQ(again.uidnext, 4u);
  EXPECT_EQ(again.highest_modseq, modseq);
  EXPECT_EQ(read_all(inbox.id, 2), "P\r\nm1");
  auto r = store_->deliver(message("after reopen", {target(bob.id)}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->placed[0].uid, 4u);  // 3 was expunged before the restart: never reused
  EXPECT_GT(mailbox(bob.id, "INBOX").highest_modseq, modseq);
  EXPECT_EQ(uids_of(*store_, inbox.id), (std::vector<uint32_t>{1, 2, 4}));

  // Reopening with the schema present (and nothing new) works repeatedly.
  reopen();
  reopen();
  EXPECT_TRUE(store_->find_account("bob@example.com").ok());
}

TEST_P(StoreTest, SecondInstanceSeesAndModifiesAccounts) {
  if (!persistent()) GTEST_SKIP() << "needs a shared data directory";
  // Like the CLI opening the database while the server runs.
  auto cli = open_another();
  ASSERT_NE(cli, nullptr);
  ASSERT_TRUE(cli->add_domain("example.com").ok());
  EXPECT_TRUE(*store_->is_local_domain("example.com"));
  auto bob = cli->add_account("bob@example.com", "h", ScramKeys{}, 0);
  ASSERT_TRUE(bob.ok());
  auto found = store_->find_account("bob@example.com");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, bob->id);

  auto r = store_->deliver(message(kBody, {target(bob->id)}));
  ASSERT_TRUE(r.ok());
  auto seen = cli->list_messages(r->placed[0].mailbox_id);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->size(), 1u);
  ASSERT_TRUE(cli->set_quota("bob@example.com", 123).ok());
  EXPECT_EQ(store_->find_account("bob@example.com")->quota_bytes, 123u);

  // Both write at the same time: the database lock serialises them.
  std::thread server([&] {
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(store_->deliver(message("s" + std::to_string(i), {target(bob->id)})).ok());
  });
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(cli->add_alias("a" + std::to_string(i) + "@example.com", {"bob@example.com"}).ok());
  server.join();
  EXPECT_EQ(store_->list_aliases("example.com")->size(), 20u);
  EXPECT_EQ(cli->list_messages(r->placed[0].mailbox_id)->size(), 21u);

  ASSERT_TRUE(cli->remove_account("bob@example.com").ok());
  EXPECT_EQ(store_->find_account("bob@example.com").error().code, ErrorCode::not_found);
}

}  // namespace postamt::store::test
