// Content-addressed blob files; see blob_store.h. Crash safety relies on POSIX
// rename atomicity plus fsync of the file before and of the directory after the
// rename, so a blob path either does not exist or holds the complete bytes.
// Not exposed to network input directly: blob ids come from our own hashing,
// and every path built from an id is checked by is_valid_id() first.
#include "store/blob_store.h"

#include "base/strings.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "store/store_util.h"

namespace postamt::store {

namespace fs = std::filesystem;

namespace {

constexpr auto kStaleTmpAge = std::chrono::hours(1);
// A streaming writer's buffer: big enough to keep write() calls few for a
// sender's small BDAT chunks or DATA lines, small enough per session.
constexpr size_t kWriteBuffer = 64 * 1024;

Error io_error(const std::string& what, const std::string& path, int err) {
  // Disk trouble is transient from the client's point of view: SMTP answers 4xx
  // and the sender retries.
  return Error::make(ErrorCode::temp, "storage error", what + " " + path + ": " + std::strerror(err));
}

Result<void> fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("open dir", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("fsync dir", dir, err);
  return ok_result();
}

// mkdir that makes the new entry durable in its parent, so a blob renamed into a
// fresh directory cannot vanish with the directory after a crash.
Result<void> ensure_dir(const std::string& dir, const std::string& parent) {
  if (::mkdir(dir.c_str(), 0750) == 0) return fsync_dir(parent);
  if (errno == EEXIST) return ok_result();
  return io_error("mkdir", dir, errno);
}

Result<void> write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write", path, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return ok_result();
}

std::string to_hex(const unsigned char* bytes, unsigned int len) {
  return hex_encode(std::string_view(reinterpret_cast<const char*>(bytes), len));
}

std::string blob_dir(const std::string& root, const std::string& id) {
  return root + "/" + id.substr(0, 2) + "/" + id.substr(2, 2);
}

// Unique temp name: two threads (or processes) writing the same content must
// not share a file.
std::string new_tmp_path(const std::string& root, const std::string& tag) {
  static std::atomic<uint64_t> counter{0};
  return root + "/tmp/" + tag + "." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1)) + "." +
         random_hex(4, false);
}

// Moves a complete, fsynced temp file into place as blob `id` and makes the new
// directory entry durable. The temp file is gone afterwards, success or not.
// Replacing an identical blob written concurrently is harmless: same bytes.
Result<void> install(const std::string& root, const std::string& tmp, const std::string& id) {
  std::string dir1 = root + "/" + id.substr(0, 2);
  std::string dir2 = blob_dir(root, id);
  auto r = ensure_dir(dir1, root);
  if (r) r = ensure_dir(dir2, dir1);
  if (!r) {
    ::unlink(tmp.c_str());
    return r;
  }
  std::string final_path = dir2 + "/" + id;
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    auto err = io_error("rename", final_path, errno);
    ::unlink(tmp.c_str());
    return err;
  }
  return fsync_dir(dir2);
}

struct DigestFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using DigestPtr = std::unique_ptr<EVP_MD_CTX, DigestFree>;

// Streams into tmp/, hashing every byte as it arrives (the id is known only at
// the end), so no message is ever held whole in memory.
class FileBlobWriter final : public BlobWriter {
 public:
  FileBlobWriter(std::string root, std::string tmp, int fd, DigestPtr digest)
      : root_(std::move(root)), tmp_(std::move(tmp)), fd_(fd), digest_(std::move(digest)) {}
  ~FileBlobWriter() override { discard(); }
  FileBlobWriter(const FileBlobWriter&) = delete;
  FileBlobWriter& operator=(const FileBlobWriter&) = delete;

  Result<void> write(std::string_view bytes) override {
    if (auto r = usable(); !r) return r;
    if (EVP_DigestUpdate(digest_.get(), bytes.data(), bytes.size()) != 1)
      return fail(Error::make(ErrorCode::internal, "storage error", "sha256 update failed"));
    if (buf_.size() + bytes.size() > kWriteBuffer) {
      if (auto r = flush(); !r) return fail(r.error());
    }
    if (bytes.size() >= kWriteBuffer) {
      // Large pieces go straight to the file: copying them gains nothing.
      if (auto r = write_all(fd_, bytes, tmp_); !r) return fail(r.error());
    } else {
      if (buf_.capacity() < kWriteBuffer) buf_.reserve(kWriteBuffer);
      buf_.append(bytes);
    }
    size_ += bytes.size();
    return ok_result();
  }

  Result<std::string> finish() override {
    if (state_ == State::finished) return id_;
    if (auto r = usable(); !r) return r.error();
    if (auto r = flush(); !r) return fail(r.error());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(digest_.get(), digest, &len) != 1)
      return fail(Error::make(ErrorCode::internal, "storage error", "sha256 final failed"));
    std::string id = to_hex(digest, len);
    std::string dir = blob_dir(root_, id);
    struct stat st {};
    if (::stat((dir + "/" + id).c_str(), &st) == 0) {
      // Stored once: drop this copy (no fsync needed for bytes we delete). The
      // existing entry may come from a concurrent writer that renamed it but has
      // not fsynced the directory yet; our caller is about to reference it, so
      // make the entry durable here too.
      discard();
      if (auto r = fsync_dir(dir); !r) return fail(r.error());
      return done(std::move(id));
    }
    auto r = sync_and_close();
    if (r) r = install(root_, tmp_, id);
    tmp_.clear();  // renamed into place, or removed by whichever step failed
    if (!r) return fail(r.error());
    return done(std::move(id));
  }

  uint64_t size() const override { return size_; }

 private:
  enum class State { open, finished, failed };

  Result<void> usable() const {
    if (state_ == State::failed) return error_;
    if (state_ == State::finished)
      return Error::make(ErrorCode::internal, "storage error", "write to a finished blob");
    return ok_result();
  }

  Result<void> flush() {
    auto r = write_all(fd_, buf_, tmp_);
    buf_.clear();
    return r;
  }

  Result<void> sync_and_close() {
    Result<void> r;
    if (::fsync(fd_) != 0) r = io_error("fsync", tmp_, errno);
    if (::close(fd_) != 0 && r) r = io_error("close", tmp_, errno);
    fd_ = -1;
    if (!r) ::unlink(tmp_.c_str());
    return r;
  }

  // Closes and removes the temp file, if any; idempotent.
  void discard() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
    tmp_.clear();
    std::string().swap(buf_);
  }

  Error fail(Error e) {
    discard();
    state_ = State::failed;
    error_ = e;
    return e;
  }

  std::string done(std::string id) {
    std::string().swap(buf_);
    state_ = State::finished;
    id_ = id;
    return id;
  }

  std::string root_;
  std::string tmp_;  // empty once removed or renamed into place
  int fd_;
  DigestPtr digest_;
  std::string buf_;
  uint64_t size_ = 0;
  State state_ = State::open;
  Error error_;
  std::string id_;
};

class FileReader final : public MessageReader {
 public:
  FileReader(std::string prefix, int fd, uint64_t file_size)
      : prefix_(std::move(prefix)), fd_(fd), size_(prefix_.size() + file_size) {}
  ~FileReader() override { ::close(fd_); }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  uint64_t size() const override { return size_; }

  Result<size_t> read(char* buf, size_t n) override {
    if (n == 0) return size_t{0};
    if (prefix_pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - prefix_pos_);
      std::memcpy(buf, prefix_.data() + prefix_pos_, k);
      prefix_pos_ += k;
      return k;
    }
    for (;;) {
      ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return io_error("read", "blob", errno);
    }
  }

 private:
  std::string prefix_;
  size_t prefix_pos_ = 0;
  int fd_;
  uint64_t size_;
};

class StringReader final : public MessageReader {
 public:
  StringReader(std::string prefix, std::shared_ptr<const std::string> body)
      : prefix_(std::move(prefix)), body_(std::move(body)) {}
  uint64_t size() const override { return prefix_.size() + body_->size(); }
  Result<size_t> read(char* buf, size_t n) override {
    size_t done = 0;
    while (done < n && pos_ < size()) {
      bool in_prefix = pos_ < prefix_.size();
      const std::string& src = in_prefix ? prefix_ : *body_;
      size_t off = in_prefix ? pos_ : pos_ - prefix_.size();
      size_t k = std::min(n - done, src.size() - off);
      std::memcpy(buf + done, src.data() + off, k);
      done += k;
      pos_ += k;
    }
    return done;
  }

 private:
  std::string prefix_;
  std::shared_ptr<const std::string> body_;
  uint64_t pos_ = 0;
};

}  // namespace

Result<BlobStore> BlobStore::open(std::string root) {
  std::error_code ec;
  fs::create_directories(root + "/tmp", ec);
  if (ec) return Error::make(ErrorCode::internal, "cannot create blob directory", root + ": " + ec.message());
  auto cutoff = fs::file_time_type::clock::now() - kStaleTmpAge;
  for (auto it = fs::directory_iterator(root + "/tmp", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code ec2;
    auto mtime = it->last_write_time(ec2);
    if (!ec2 && mtime < cutoff) fs::remove(it->path(), ec2);
  }
  return BlobStore(std::move(root));
}

std::string BlobStore::compute_id(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  return to_hex(digest, len);
}

bool BlobStore::is_valid_id(std::string_view id) {
  if (id.size() != 64) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string BlobStore::path_of(const std::string& id) const { return blob_dir(root_, id) + "/" + id; }

bool BlobStore::exists(const std::string& id) const {
  struct stat st {};
  return is_valid_id(id) && ::stat(path_of(id).c_str(), &st) == 0;
}

Result<void> BlobStore::put(const std::string& id, std::string_view bytes) const {
  if (!is_valid_id(id)) return Error::make(ErrorCode::internal, "bad blob id", id);
  if (exists(id)) {
    // Stored once. Its writer may have renamed it in but not yet made the entries
    // durable; a commit that references it must not outrun that (DESIGN §5).
    auto r = fsync_dir(blob_dir(root_, id));
    if (r) r = fsync_dir(root_ + "/" + id.substr(0, 2));
    return r;
  }

  std::string tmp = new_tmp_path(root_, id.substr(0, 16));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return io_error("create", tmp, errno);
  auto written = write_all(fd, bytes, tmp);
  if (written && ::fsync(fd) != 0) written = io_error("fsync", tmp, errno);
  if (::close(fd) != 0 && written) written = io_error("close", tmp, errno);
  if (!written) {
    ::unlink(tmp.c_str());
    return written;
  }
  return install(root_, tmp, id);
}

Result<std::unique_ptr<BlobWriter>> BlobStore::begin_write() const {
  DigestPtr digest(EVP_MD_CTX_new());
  if (!digest || EVP_DigestInit_ex(digest.get(), EVP_sha256(), nullptr) != 1)
    return Error::make(ErrorCode::internal, "storage error", "sha256 init failed");
  // Created now, so a full disk or a permission problem shows before the
  // client sends the message.
  std::string tmp = new_tmp_path(root_, "spool");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return io_error("create", tmp, errno);
  std::unique_ptr<BlobWriter> writer = std::make_unique<FileBlobWriter>(root_, std::move(tmp), fd, std::move(digest));
  return writer;
}

void BlobStore::remove(const std::string& id) const {
  if (is_valid_id(id)) ::unlink(path_of(id).c_str());
}

Result<uint64_t> BlobStore::file_size(const std::string& id) const {
  struct stat st {};
  if (!is_valid_id(id) || ::stat(path_of(id).c_str(), &st) != 0)
    return Error::make(ErrorCode::not_found, "message data missing", id);
  return static_cast<uint64_t>(st.st_size);
}

Result<std::unique_ptr<MessageReader>> BlobStore::open_reader(const std::string& id, std::string prefix) const {
  if (!is_valid_id(id)) return Error::make(ErrorCode::internal, "bad blob id", id);
  std::string path = path_of(id);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error::make(ErrorCode::not_found, "message data missing", path);
    return io_error("open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto err = io_error("fstat", path, errno);
    ::close(fd);
    return err;
  }
  std::unique_ptr<MessageReader> reader =
      std::make_unique<FileReader>(std::move(prefix), fd, static_cast<uint64_t>(st.st_size));
  return reader;
}

std::unique_ptr<MessageReader> make_string_reader(std::string prefix, std::shared_ptr<const std::string> body) {
  return std::make_unique<StringReader>(std::move(prefix), std::move(body));
}

}  // namespace postamt::store
