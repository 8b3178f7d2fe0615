// SQLite-backend specifics not covered by the conformance suite: the on-disk
// layout, stale temp files, and opening errors.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/blob_store.h"
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

}  // namespace

}  // namespace postamt::store::test
