// Conformance tests, part 3: blobs streamed ahead of delivery (the SMTP spool:
// Store::begin_blob, BlobWriter, deliver by blob id, open_blob), including a
// blob vanishing between finish() and deliver() — against every backend.
#include <atomic>
#include <mutex>
#include <thread>

#include "store/blob_store.h"
#include "store_test_support.h"

namespace postamt::store::test {

namespace {

constexpr const char* kBody = "Subject: spooled\r\n\r\nline one\r\nline two\r\n";

std::string pseudo_random_bytes(size_t n, uint32_t seed) {
  std::string bytes(n, '\0');
  for (auto& c : bytes) {
    seed = seed * 1103515245u + 12345u;
    c = static_cast<char>(seed >> 24);
  }
  return bytes;
}

}  // namespace

TEST_P(StoreTest, StreamedBlobDeliversLikeBytes) {
  auto bob = make_account("bob@example.com");
  auto carol = make_account("carol@example.com");
  std::vector<Change> seen;
  store_->subscribe([&](const Change& c) { seen.push_back(c); });
  const std::string body = std::string(kBody) + std::string(1000, 'x') + "\r\n";
  const std::string bob_prefix = "Delivered-To: bob@example.com\r\n";

  // Many small writes, of varying size, including empty ones.
  auto writer = store_->begin_blob();
  ASSERT_TRUE(writer.ok()) << writer.error().describe();
  for (size_t pos = 0, i = 0; pos < body.size(); ++i) {
    size_t n = std::min(i % 7, body.size() - pos);
    ASSERT_TRUE((*writer)->write(std::string_view(body).substr(pos, n)).ok());
    pos += n;
    EXPECT_EQ((*writer)->size(), pos);
  }
  auto id = (*writer)->finish();
  ASSERT_TRUE(id.ok()) << id.error().describe();
  EXPECT_EQ(*id, BlobStore::compute_id(body));
  EXPECT_EQ((*writer)->size(), body.size());
  auto again = (*writer)->finish();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *id);
  EXPECT_FALSE((*writer)->write("more").ok());
  writer->reset();  // destroying a finished writer keeps the blob
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 1);
    EXPECT_EQ(tmp_file_count(), 0);
  }
  EXPECT_EQ(read_blob(*id), body);  // readable before any delivery

  auto msg = blob_message(*id, body.size(), {target(bob.id, "INBOX", bob_prefix), target(carol.id)});
  msg.bytes = "ignored when blob_id is set";
  msg.summary.subject = "spooled";
  msg.outbound = OutboundMessage{};
  msg.outbound->mail_from = "bob@example.com";
  msg.outbound->recipients = {{"x@remote.net", "", ""}};
  auto streamed = store_->deliver(msg);
  ASSERT_TRUE(streamed.ok()) << streamed.error().describe();
  ASSERT_EQ(streamed->placed.size(), 2u);
  EXPECT_FALSE(streamed->queue_id.empty());
  EXPECT_EQ(seen.size(), 2u);  // one notification per placed copy

  // The same bytes delivered directly: same stored message, same blob.
  auto direct = store_->deliver(message(body, {target(bob.id, "Archive", bob_prefix)}));
  ASSERT_TRUE(direct.ok());
  ASSERT_EQ(direct->placed.size(), 1u);
  const auto& s = streamed->placed[0];
  const auto& d = direct->placed[0];
  EXPECT_EQ(read_all(s.mailbox_id, s.uid, 5), bob_prefix + body);
  EXPECT_EQ(read_all(s.mailbox_id, s.uid), read_all(d.mailbox_id, d.uid));
  EXPECT_EQ(read_all(streamed->placed[1].mailbox_id, streamed->placed[1].uid), body);
  auto sm = store_->get_message(s.mailbox_id, s.uid);
  auto dm = store_->get_message(d.mailbox_id, d.uid);
  ASSERT_TRUE(sm.ok());
  ASSERT_TRUE(dm.ok());
  EXPECT_EQ(sm->blob_id, *id);
  EXPECT_EQ(dm->blob_id, *id);
  EXPECT_EQ(sm->size, bob_prefix.size() + body.size());
  EXPECT_EQ(sm->size, dm->size);
  EXPECT_EQ(sm->summary.subject, "spooled");
  EXPECT_EQ(mailbox(bob.id, "INBOX").total_bytes, sm->size);
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, 2 * sm->size);
  EXPECT_EQ(store_->get_account(carol.id)->used_bytes, body.size());
  auto queue = store_->list_queue();
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ(queue->size(), 1u);
  EXPECT_EQ((*queue)[0].blob_id, *id);
  EXPECT_EQ((*queue)[0].size, body.size());

  // Streaming identical content again: the new copy is dropped, the blob kept.
  EXPECT_EQ(stream_blob(body, 100), *id);
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 1);
    EXPECT_EQ(tmp_file_count(), 0);
  }
  auto third = store_->deliver(blob_message(*id, body.size(), {target(carol.id)}));
  ASSERT_TRUE(third.ok()) << third.error().describe();
  EXPECT_EQ(read_all(third->placed[0].mailbox_id, third->placed[0].uid), body);
}

TEST_P(StoreTest, LargeBlobStreamsIn64KiBPieces) {
  auto bob = make_account("bob@example.com");
  const std::string bytes = pseudo_random_bytes(5 * 1024 * 1024, 777);
  const std::string prefix = "Return-Path: <a@b>\r\n";
  std::string id = stream_blob(bytes, 64 * 1024);
  ASSERT_EQ(id, BlobStore::compute_id(bytes));
  auto r = store_->deliver(blob_message(id, bytes.size(), {target(bob.id, "INBOX", prefix)}));
  ASSERT_TRUE(r.ok()) << r.error().describe();
  auto reader = store_->open_message(r->placed[0].mailbox_id, r->placed[0].uid);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), prefix.size() + bytes.size());
  EXPECT_TRUE(read_all(r->placed[0].mailbox_id, r->placed[0].uid, 65536) == prefix + bytes);
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, prefix.size() + bytes.size());
  EXPECT_TRUE(read_blob(id) == bytes);

  // Odd piece sizes around the writer's buffer size give the same blob.
  EXPECT_EQ(stream_blob(bytes, 64 * 1024 - 1), id);
  EXPECT_EQ(stream_blob(bytes, 64 * 1024 + 1), id);
  EXPECT_EQ(stream_blob(bytes, 1024 * 1024), id);
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 1);
    EXPECT_EQ(tmp_file_count(), 0);
  }
}

TEST_P(StoreTest, UnfinishedWriterLeavesNothing) {
  const std::string bytes = pseudo_random_bytes(200 * 1024, 3);  // more than the writer buffers
  {
    auto writer = store_->begin_blob();
    ASSERT_TRUE(writer.ok()) << writer.error().describe();
    ASSERT_TRUE((*writer)->write(std::string_view(bytes).substr(0, 1000)).ok());
    ASSERT_TRUE((*writer)->write(std::string_view(bytes).substr(1000)).ok());
    EXPECT_EQ((*writer)->size(), bytes.size());
    if (persistent()) {
      EXPECT_EQ(tmp_file_count(), 1);
    }
  }
  if (persistent()) {
    EXPECT_EQ(tmp_file_count(), 0);
    EXPECT_EQ(blob_file_count(), 0);
  }
  EXPECT_EQ(store_->open_blob(BlobStore::compute_id(bytes)).error().code, ErrorCode::not_found);
  {
    auto writer = store_->begin_blob();  // never written to at all
    ASSERT_TRUE(writer.ok());
  }
  if (persistent()) {
    EXPECT_EQ(tmp_file_count(), 0);
  }
}

TEST_P(StoreTest, OpenBlobReturnsBytes) {
  std::string binary;
  for (int i = 0; i < 3000; ++i) binary += static_cast<char>(i % 256);  // NUL and 8-bit bytes
  std::string id = stream_blob(binary, 333);
  ASSERT_FALSE(id.empty());
  auto reader = store_->open_blob(id);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), binary.size());  // no trace prefix
  EXPECT_EQ(read_blob(id), binary);

  std::string empty = stream_blob("", 1);
  EXPECT_EQ(empty, BlobStore::compute_id(""));
  EXPECT_EQ(read_blob(empty), "");

  EXPECT_EQ(store_->open_blob(BlobStore::compute_id("never written")).error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->open_blob("../../db/postamt.sqlite").error().code, ErrorCode::params);
  EXPECT_EQ(store_->open_blob("").error().code, ErrorCode::params);
}

TEST_P(StoreTest, DeliverUnknownBlobFailsAndShowsNothing) {
  auto bob = make_account("bob@example.com");
  int published = 0;
  store_->subscribe([&](const Change&) { ++published; });
  auto msg = blob_message(BlobStore::compute_id("never written"), 13, {target(bob.id)});
  msg.outbound = OutboundMessage{};
  msg.outbound->recipients = {{"x@remote.net", "", ""}};
  auto r = store_->deliver(msg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::temp);

  auto bad = store_->deliver(blob_message("not-a-blob-id", 13, {target(bob.id)}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::params);

  auto inbox = mailbox(bob.id, "INBOX");
  EXPECT_EQ(inbox.messages, 0u);
  EXPECT_EQ(inbox.uidnext, 1u);
  EXPECT_EQ(inbox.total_bytes, 0u);
  EXPECT_EQ(store_->get_account(bob.id)->used_bytes, 0u);
  EXPECT_TRUE(store_->list_messages(inbox.id)->empty());
  EXPECT_TRUE(store_->list_queue()->empty());
  EXPECT_EQ(published, 0);
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 0);
  }

  // The failed delivery consumed nothing: the next one gets UID 1.
  auto ok = store_->deliver(blob_message(stream_blob(kBody, 4), std::string(kBody).size(), {target(bob.id)}));
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  EXPECT_EQ(ok->placed[0].uid, 1u);
}

// The race the blob path must survive: identical content is stored once, so a
// finished blob may be the file of an existing message, collected when that
// message is expunged before our delivery commits.
TEST_P(StoreTest, BlobVanishedBeforeDeliveryIsTemp) {
  auto bob = make_account("bob@example.com");
  auto carol = make_account("carol@example.com");
  auto first = store_->deliver(message(kBody, {target(bob.id)}));
  ASSERT_TRUE(first.ok());
  std::string id = stream_blob(kBody, 3);  // dropped: the blob exists already
  ASSERT_EQ(id, BlobStore::compute_id(kBody));
  ASSERT_TRUE(store_->expunge(first->placed[0].mailbox_id, {first->placed[0].uid}).ok());
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 0);
  }

  auto r = store_->deliver(blob_message(id, std::string(kBody).size(), {target(carol.id)}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::temp);
  EXPECT_EQ(mailbox(carol.id, "INBOX").messages, 0u);
  EXPECT_EQ(mailbox(carol.id, "INBOX").uidnext, 1u);
  EXPECT_EQ(store_->get_account(carol.id)->used_bytes, 0u);

  // The retry the sender makes (streaming again) succeeds.
  std::string again = stream_blob(kBody, 5);
  ASSERT_EQ(again, id);
  auto retry = store_->deliver(blob_message(again, std::string(kBody).size(), {target(carol.id)}));
  ASSERT_TRUE(retry.ok()) << retry.error().describe();
  EXPECT_EQ(read_all(retry->placed[0].mailbox_id, retry->placed[0].uid), kBody);
}

TEST_P(StoreTest, StreamedBlobPlacedNowhereIsCollected) {
  auto small = make_account("small@example.com", 10);
  std::string body(100, 'q');
  std::string id = stream_blob(body, 10);
  auto r = store_->deliver(blob_message(id, body.size(), {target(small.id)}));
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->placed.empty());
  EXPECT_EQ(r->over_quota, std::vector<int64_t>{small.id});
  EXPECT_EQ(store_->open_blob(id).error().code, ErrorCode::not_found);
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 0);
  }
}

// Streamed deliveries of identical content racing expunges of it: each delivery
// either succeeds with a readable message or fails with temp; no row ever
// points at a missing blob.
TEST_P(StoreTest, ConcurrentStreamedDeliveriesAndExpunges) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 25;
  std::vector<Account> accounts;
  for (int t = 0; t < kThreads; ++t) accounts.push_back(make_account("u" + std::to_string(t) + "@example.com"));
  std::atomic<int> delivered{0};
  std::atomic<int> vanished{0};
  std::mutex failures_mu;
  std::vector<std::string> failures;
  auto fail = [&](std::string what) {
    std::lock_guard lock(failures_mu);
    failures.push_back(std::move(what));
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        auto writer = store_->begin_blob();
        if (!writer || !(*writer)->write("Subject: same\r\n\r\n").ok() || !(*writer)->write("same body\r\n").ok())
          return fail("write");
        auto id = (*writer)->finish();
        if (!id) return fail("finish: " + id.error().describe());
        auto r = store_->deliver(blob_message(*id, (*writer)->size(), {target(accounts[t].id)}));
        if (!r) {
          if (r.error().code != ErrorCode::temp) return fail("deliver: " + r.error().describe());
          ++vanished;
          continue;
        }
        ++delivered;
        const Placed& p = r->placed.at(0);
        auto reader = store_->open_message(p.mailbox_id, p.uid);
        if (!reader) return fail("open_message: " + reader.error().describe());
        std::string got(64, '\0');
        auto n = (*reader)->read(got.data(), got.size());
        if (!n || got.substr(0, *n) != "Subject: same\r\n\r\nsame body\r\n") return fail("content");
        reader->reset();
        if (!store_->expunge(p.mailbox_id, {p.uid})) return fail("expunge");
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(delivered + vanished, kThreads * kRounds);
  EXPECT_GT(delivered.load(), 0);
  std::cout << "[ info ] " << delivered << " delivered, " << vanished << " vanished (retry)\n";
  if (persistent()) {
    EXPECT_EQ(blob_file_count(), 0);
    EXPECT_EQ(tmp_file_count(), 0);
  }
}

}  // namespace postamt::store::test
