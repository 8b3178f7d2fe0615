// Content-addressed message blobs on disk (DESIGN §5): data_dir/blobs/ab/cd/<hex
// sha256>. A blob becomes visible only complete and durable: written to
// blobs/tmp/, fsynced, renamed into place, directory fsynced. Identical content
// is stored once. Usable by every file-backed backend; deciding when a blob is
// unreferenced is the backend's job (it owns the references). Blobs arrive
// whole (put) or streamed (begin_write, for the SMTP spool).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/store.h"

namespace postamt::store {

class BlobStore {
 public:
  // Creates root and root/tmp if absent. Removes temp files older than an hour:
  // leftovers of a crash mid-write. Younger ones may belong to another process
  // (the CLI opens the store while the server runs), so they stay.
  static Result<BlobStore> open(std::string root);

  // Hex sha256 of the bytes: the blob id.
  static std::string compute_id(std::string_view bytes);
  static bool is_valid_id(std::string_view id);

  // Stores bytes under id (= compute_id(bytes)) durably; returns at once if a
  // blob with that id exists already.
  Result<void> put(const std::string& id, std::string_view bytes) const;
  bool exists(const std::string& id) const;
  // Missing blobs are fine: deletion is idempotent garbage collection.
  void remove(const std::string& id) const;
  // A writer streaming into a new temp file under tmp/, hashing as it goes and
  // buffering at most 64 KiB; finish() installs the blob like put(). Independent
  // of this object's lifetime.
  Result<std::unique_ptr<BlobWriter>> begin_write() const;
  Result<uint64_t> file_size(const std::string& id) const;

  // A reader yielding prefix, then the blob's bytes streamed from the file. The
  // file is opened now, so a later remove() does not affect the reader.
  Result<std::unique_ptr<MessageReader>> open_reader(const std::string& id, std::string prefix) const;

  std::string path_of(const std::string& id) const;
  const std::string& root() const { return root_; }

 private:
  explicit BlobStore(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

// A MessageReader over an in-memory prefix and body; for backends keeping blobs
// in memory.
std::unique_ptr<MessageReader> make_string_reader(std::string prefix, std::shared_ptr<const std::string> body);

}  // namespace postamt::store
