// Fixture for the store conformance suite: every TEST_P runs against each
// backend (memory, sqlite in a fresh temp directory per test).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace postamt::store::test {

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  bool persistent() const { return GetParam() == "sqlite"; }
  // Another instance on the same data (sqlite only; nullptr for memory).
  std::unique_ptr<Store> open_another();
  // Closes and reopens the store (sqlite only).
  void reopen();

  // Adds the domain if needed and an account with an empty password.
  Account make_account(const std::string& address, uint64_t quota = 0);
  Mailbox mailbox(int64_t account_id, const std::string& name);
  // Reads a stored message through open_message() in chunks of `chunk` bytes.
  std::string read_all(int64_t mailbox_id, uint32_t uid, size_t chunk = 4096);
  // Regular files under blobs/ (excluding tmp/); -1 for the memory backend.
  int blob_file_count() const;
  // Files in blobs/tmp/; -1 for the memory backend.
  int tmp_file_count() const;
  // Streams bytes through begin_blob() in pieces of `piece` bytes; returns the
  // finished blob id ("" on failure, with a test failure recorded).
  std::string stream_blob(std::string_view bytes, size_t piece);
  // Reads a whole blob through open_blob().
  std::string read_blob(const std::string& blob_id);
  // sqlite only: a single integer from SQL run on the database directly (-1 for
  // the memory backend or on error, with a test failure recorded).
  int64_t sql_count(const char* sql) const;
  // Delivers bytes to one mailbox with the summary delivery would compute
  // (incl. search text); returns the UID (0 on failure).
  uint32_t deliver_parsed(int64_t account_id, const std::string& mailbox, std::string_view bytes);
  std::vector<uint32_t> uids(int64_t mailbox_id);

  std::string dir_;
  std::unique_ptr<Store> store_;
};

DeliveryTarget target(int64_t account_id, const std::string& mailbox = "INBOX", const std::string& prefix = "");
NewMessage message(std::string_view bytes, std::vector<DeliveryTarget> targets);
// A message whose bytes are a blob written with begin_blob().
NewMessage blob_message(const std::string& blob_id, uint64_t blob_size, std::vector<DeliveryTarget> targets);
std::string make_temp_dir();
void remove_dir(const std::string& dir);

}  // namespace postamt::store::test
