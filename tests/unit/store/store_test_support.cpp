// Conformance-suite fixture; see store_test_support.h.
#include "store_test_support.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>

#include "delivery/summary.h"
#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace postamt::store::test {

namespace fs = std::filesystem;

std::string make_temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "postamt-store-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  return tmpl;
}

void remove_dir(const std::string& dir) {
  std::error_code ec;
  if (!dir.empty()) fs::remove_all(dir, ec);
}

void StoreTest::SetUp() {
  if (persistent()) {
    dir_ = make_temp_dir();
    auto s = open_sqlite_store(SqliteOptions{dir_});
    ASSERT_TRUE(s.ok()) << s.error().describe();
    store_ = std::move(*s);
  } else {
    store_ = make_memory_store();
  }
}

void StoreTest::TearDown() {
  store_.reset();
  remove_dir(dir_);
}

std::unique_ptr<Store> StoreTest::open_another() {
  if (!persistent()) return nullptr;
  auto s = open_sqlite_store(SqliteOptions{dir_});
  EXPECT_TRUE(s.ok()) << s.error().describe();
  return s ? std::move(*s) : nullptr;
}

void StoreTest::reopen() {
  store_.reset();
  store_ = open_another();
  ASSERT_NE(store_, nullptr);
}

Account StoreTest::make_account(const std::string& address, uint64_t quota) {
  auto domain = address.substr(address.find('@') + 1);
  auto local = store_->is_local_domain(domain);
  EXPECT_TRUE(local.ok());
  if (local.ok() && !*local) {
    EXPECT_TRUE(store_->add_domain(domain).ok());
  }
  auto acct = store_->add_account(address, "", ScramKeys{}, quota);
  EXPECT_TRUE(acct.ok()) << acct.error().describe();
  return acct ? *acct : Account{};
}

Mailbox StoreTest::mailbox(int64_t account_id, const std::string& name) {
  auto mb = store_->get_mailbox(account_id, name);
  EXPECT_TRUE(mb.ok()) << name;
  return mb ? *mb : Mailbox{};
}

std::string StoreTest::read_all(int64_t mailbox_id, uint32_t uid, size_t chunk) {
  auto reader = store_->open_message(mailbox_id, uid);
  EXPECT_TRUE(reader.ok()) << (reader ? "" : reader.error().describe());
  if (!reader) return {};
  std::string out;
  std::string buf(chunk, '\0');
  for (;;) {
    auto n = (*reader)->read(buf.data(), buf.size());
    EXPECT_TRUE(n.ok());
    if (!n || *n == 0) break;
    out.append(buf.data(), *n);
  }
  EXPECT_EQ(out.size(), (*reader)->size());
  return out;
}

int StoreTest::blob_file_count() const {
  if (!persistent()) return -1;
  int count = 0;
  fs::path root = fs::path(dir_) / "blobs";
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && it->path().filename() == "tmp") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) ++count;
  }
  return count;
}

int StoreTest::tmp_file_count() const {
  if (!persistent()) return -1;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(dir_) / "blobs" / "tmp")) {
    (void)entry;
    ++count;
  }
  return count;
}

std::string StoreTest::stream_blob(std::string_view bytes, size_t piece) {
  auto writer = store_->begin_blob();
  EXPECT_TRUE(writer.ok()) << writer.error().describe();
  if (!writer) return {};
  while (!bytes.empty()) {
    size_t n = std::min(piece, bytes.size());
    auto r = (*writer)->write(bytes.substr(0, n));
    EXPECT_TRUE(r.ok()) << r.error().describe();
    if (!r) return {};
    bytes.remove_prefix(n);
  }
  auto id = (*writer)->finish();
  EXPECT_TRUE(id.ok()) << id.error().describe();
  return id ? *id : std::string();
}

std::string StoreTest::read_blob(const std::string& blob_id) {
  auto reader = store_->open_blob(blob_id);
  EXPECT_TRUE(reader.ok()) << (reader ? "" : reader.error().describe());
  if (!reader) return {};
  std::string out;
  std::string buf(65536, '\0');
  for (;;) {
    auto n = (*reader)->read(buf.data(), buf.size());
    EXPECT_TRUE(n.ok());
    if (!n || *n == 0) break;
    out.append(buf.data(), *n);
  }
  EXPECT_EQ(out.size(), (*reader)->size());
  return out;
}

int64_t StoreTest::sql_count(const char* sql) const {
  if (!persistent()) return -1;
  auto db = sqlite::Db::open(dir_ + "/db/postamt.sqlite", false);
  EXPECT_TRUE(db.ok()) << db.error().describe();
  if (!db) return -1;
  auto n = (*db)->query_i64(sql, -1);
  EXPECT_TRUE(n.ok()) << n.error().describe();
  return n ? *n : -1;
}

uint32_t StoreTest::deliver_parsed(int64_t account_id, const std::string& mailbox, std::string_view bytes) {
  auto msg = message(bytes, {target(account_id, mailbox)});
  msg.summary = delivery::summarize(bytes);
  auto r = store_->deliver(msg);
  EXPECT_TRUE(r.ok()) << r.error().describe();
  if (!r || r->placed.size() != 1) {
    ADD_FAILURE() << "not placed";
    return 0;
  }
  return r->placed[0].uid;
}

std::vector<uint32_t> StoreTest::uids(int64_t mailbox_id) {
  std::vector<uint32_t> out;
  auto list = store_->list_messages(mailbox_id);
  EXPECT_TRUE(list.ok()) << list.error().describe();
  if (list)
    for (const auto& m : *list) out.push_back(m.uid);
  return out;
}

DeliveryTarget target(int64_t account_id, const std::string& mailbox, const std::string& prefix) {
  DeliveryTarget t;
  t.account_id = account_id;
  t.mailbox = mailbox;
  t.trace_prefix = prefix;
  return t;
}

NewMessage message(std::string_view bytes, std::vector<DeliveryTarget> targets) {
  NewMessage m;
  m.bytes = bytes;
  m.internal_date = 1700000000;
  m.targets = std::move(targets);
  return m;
}

NewMessage blob_message(const std::string& blob_id, uint64_t blob_size, std::vector<DeliveryTarget> targets) {
  NewMessage m;
  m.blob_id = blob_id;
  m.blob_size = blob_size;
  m.internal_date = 1700000000;
  m.targets = std::move(targets);
  return m;
}

namespace {
std::string backend_name(const ::testing::TestParamInfo<std::string>& param) { return param.param; }
}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("memory", "sqlite"), backend_name);

}  // namespace postamt::store::test
