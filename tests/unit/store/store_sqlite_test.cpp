// SQLite-backend specifics not covered by the conformance suite: the on-disk
// layout, stale temp files, and opening errors.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/blob_store.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"
#include "store_test_support.h"

namespace postamt::store::test {

namespace {

namespace fs = std::filesystem;

class SqliteLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { remove_dir(dir_); }
  std::string dir_;
};

TEST_F(SqliteLayoutTest, CreatesLayoutAndBlobPaths) {
  {
    auto s = open_sqlite_store(SqliteOptions{dir_});
    ASSERT_TRUE(s.ok()) << s.error().describe();
    ASSERT_TRUE((*s)->add_domain("example.com").ok());
    auto bob = (*s)->add_account("bob@example.com", "", ScramKeys{}, 0);
    ASSERT_TRUE(bob.ok());
    DeliveryTarget t;
    t.account_id = bob->id;
    ASSERT_TRUE((*s)->deliver(message("hello", {t})).ok());
  }
  EXPECT_TRUE(fs::exists(fs::path(dir_) / "db" / "postamt.sqlite"));
  EXPECT_TRUE(fs::is_directory(fs::path(dir_) / "blobs" / "tmp"));
  std::string id = BlobStore::compute_id("hello");
  EXPECT_EQ(id, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_TRUE(fs::exists(fs::path(dir_) / "blobs" / "2c" / "f2" / id));
}

TEST_F(SqliteLayoutTest, RemovesOnlyStaleTempFiles) {
  fs::create_directories(fs::path(dir_) / "blobs" / "tmp");
  auto stale = fs::path(dir_) / "blobs" / "tmp" / "stale";
  auto fresh = fs::path(dir_) / "blobs" / "tmp" / "fresh";
  std::ofstream(stale) << "half a blob";
  std::ofstream(fresh) << "being written by another process";
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::hours(2));
  auto s = open_sqlite_store(SqliteOptions{dir_});
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(fresh));
}

TEST_F(SqliteLayoutTest, OpenErrors) {
  EXPECT_EQ(open_sqlite_store(SqliteOptions{""}).error().code, ErrorCode::params);
  std::ofstream(fs::path(dir_) / "file") << "x";
  EXPECT_FALSE(open_sqlite_store(SqliteOptions{dir_ + "/file"}).ok());
}

TEST_F(SqliteLayoutTest, BlobStorePutIsIdempotent) {
  auto blobs = BlobStore::open(dir_ + "/blobs");
  ASSERT_TRUE(blobs.ok());
  std::string bytes("a\0b", 3);
  std::string id = BlobStore::compute_id(bytes);
  ASSERT_TRUE(blobs->put(id, bytes).ok());
  ASSERT_TRUE(blobs->put(id, bytes).ok());
  EXPECT_TRUE(blobs->exists(id));
  EXPECT_EQ(*blobs->file_size(id), 3u);
  EXPECT_TRUE(fs::is_empty(fs::path(dir_) / "blobs" / "tmp"));
  blobs->remove(id);
  EXPECT_FALSE(blobs->exists(id));
  EXPECT_FALSE(blobs->put("../../etc/passwd", bytes).ok());
}

// A real second process (the CLI while the server runs) writes while this one
// delivers: SQLite's file locks plus the busy timeout serialise the writers.
TEST_F(SqliteLayoutTest, AnotherProcessWritesConcurrently) {
  auto server = open_sqlite_store(SqliteOptions{dir_});
  ASSERT_TRUE(server.ok());
  ASSERT_TRUE((*server)->add_domain("example.com").ok());
  auto bob = (*server)->add_account("bob@example.com", "", ScramKeys{}, 0);
  ASSERT_TRUE(bob.ok());

  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: no gtest assertions, just an exit code.
    auto cli = open_sqlite_store(SqliteOptions{dir_});
    if (!cli) ::_exit(2);
    for (int i = 0; i < 20; ++i)
      if (!(*cli)->add_account("u" + std::to_string(i) + "@example.com", "", ScramKeys{}, 0)) ::_exit(3);
    auto r = (*cli)->deliver(message("from the cli", {target(bob->id)}));
    ::_exit(r.ok() ? 0 : 4);
  }
  for (int i = 0; i < 20; ++i)
    EXPECT_TRUE((*server)->deliver(message("server " + std::to_string(i), {target(bob->id)})).ok());
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  EXPECT_EQ((*server)->list_accounts("example.com")->size(), 21u);
  auto inbox = (*server)->get_mailbox(bob->id, "INBOX");
  ASSERT_TRUE(inbox.ok());
  EXPECT_EQ(inbox->messages, 21u);
  EXPECT_EQ(inbox->uidnext, 22u);
}

// A database written by version 1 (subscribed as a mailbox column, mailboxes
// with HIGHESTMODSEQ 0) opens as version 2 with its data carried over.
TEST_F(SqliteLayoutTest, MigratesVersion1Databases) {
  fs::create_directories(fs::path(dir_) / "db");
  std::string path = dir_ + "/db/postamt.sqlite";
  {
    auto db = sqlite::Db::open(path, true);
    ASSERT_TRUE(db.ok()) << db.error().describe();
    ASSERT_TRUE(sqlite::apply_schema(**db, 1).ok());
    EXPECT_EQ(*(*db)->query_i64("PRAGMA user_version", 0), 1);
    const char* rows = R"sql(
      INSERT INTO domains(name, created) VALUES ('example.com', 0);
      INSERT INTO accounts(id, address, domain, password_hash, scram_salt, scram_iterations, scram_stored_key,
                           scram_server_key, highest_modseq, used_bytes, created)
        VALUES (1, 'bob@example.com', 'example.com', '', x'', 0, x'', x'', 5, 2, 0);
      INSERT INTO mailboxes(id, account_id, name, special_use, uidvalidity, uidnext, highest_modseq, messages,
                            total_bytes, subscribed)
        VALUES (1, 1, 'INBOX', '', 100, 3, 5, 1, 2, 1),
               (2, 1, 'Hidden', '', 101, 1, 0, 0, 0, 0),
               (3, 1, 'Empty', '', 102, 1, 0, 0, 0, 1);
      INSERT INTO blobs(id, size, created) VALUES ('aa', 2, 0);
      INSERT INTO messages(mailbox_id, uid, modseq, flags, internal_date, save_date, size, blob_id, trace_prefix,
                           email_id) VALUES (1, 2, 5, '\Seen', 1, 1, 2, 'aa', x'', 'Mold');
      INSERT INTO expunged(mailbox_id, uid, modseq) VALUES (1, 1, 4);
      UPDATE meta SET value = 102 WHERE key = 'last_uidvalidity';
    )sql";
    ASSERT_TRUE((*db)->exec(rows).ok());
  }
  auto s = open_sqlite_store(SqliteOptions{dir_});
  ASSERT_TRUE(s.ok()) << s.error().describe();
  Store& store = **s;
  {
    auto db = sqlite::Db::open(path, false);
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(*(*db)->query_i64("PRAGMA user_version", 0), sqlite::kSchemaVersion);
  }
  EXPECT_EQ(*store.list_subscriptions(1), (std::vector<std::string>{"Empty", "INBOX"}));
  auto inbox = store.get_mailbox(1, "INBOX");
  ASSERT_TRUE(inbox.ok());
  EXPECT_TRUE(inbox->subscribed);
  EXPECT_EQ(inbox->highest_modseq, 5u);
  EXPECT_EQ(inbox->uidvalidity, 100u);
  auto hidden = store.get_mailbox(1, "Hidden");
  ASSERT_TRUE(hidden.ok());
  EXPECT_FALSE(hidden->subscribed);
  EXPECT_EQ(hidden->highest_modseq, 6u);  // positive now, and below anything later
  auto msgs = store.list_messages(1);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 1u);
  EXPECT_EQ((*msgs)[0].uid, 2u);
  EXPECT_EQ((*msgs)[0].flags, std::vector<std::string>{"\\Seen"});
  EXPECT_EQ((*msgs)[0].prefix_size, 0u);
  EXPECT_EQ(*store.list_vanished(1, 0), std::vector<uint32_t>{1});
  // Old messages have no search text; everything new does.
  EXPECT_TRUE(store.search_text(1, "x", TextField::body)->empty());
  EXPECT_EQ(*store.search_text(1, "", TextField::body), std::vector<uint32_t>{2});
  NewMessage msg = message("Subject: new\r\n\r\nfresh text\r\n", {target(1)});
  msg.summary.search_body = "fresh text";
  auto r = store.deliver(msg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->placed[0].uid, 3u);
  EXPECT_EQ(*store.search_text(1, "fresh", TextField::body), std::vector<uint32_t>{3});
  EXPECT_GT(store.get_mailbox(1, "INBOX")->highest_modseq, 6u);
  auto created = store.create_mailbox(1, "New", "");
  ASSERT_TRUE(created.ok());
  EXPECT_GT(created->uidvalidity, 102u);
}

// FTS5 with the trigram tokenizer needs SQLite 3.34; Debian 12 has 3.40.
TEST_F(SqliteLayoutTest, TrigramTokenizerIsAvailable) {
  auto db = sqlite::Db::open(dir_ + "/t.sqlite", true);
  ASSERT_TRUE(db.ok());
  auto r = (*db)->exec("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'trigram case_sensitive 1')");
  EXPECT_TRUE(r.ok()) << r.error().describe();
  EXPECT_GE(*(*db)->query_i64("SELECT sqlite_version() >= '3.34'", 0), 1);
}

}  // namespace

}  // namespace postamt::store::test
