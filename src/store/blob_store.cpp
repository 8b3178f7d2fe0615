// Content-addressed blob files; see blob_store.h. Crash safety relies on POSIX
// rename atomicity plus fsync of the file before and of the directory after the
// rename, so a blob path either does not exist or holds the complete bytes.
#include "store/blob_store.h"

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
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

bool BlobStore::is_valid_id(std::string_view id) {
  if (id.size() != 64) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string BlobStore::path_of(const std::string& id) const {
  return root_ + "/" + id.substr(0, 2) + "/" + id.substr(2, 2) + "/" + id;
}

bool BlobStore::exists(const std::string& id) const {
  struct stat st {};
  return is_valid_id(id) && ::stat(path_of(id).c_str(), &st) == 0;
}

Result<void> BlobStore::put(const std::string& id, std::string_view bytes) const {
  if (!is_valid_id(id)) return Error::make(ErrorCode::internal, "bad blob id", id);
  if (exists(id)) return ok_result();

  std::string dir1 = root_ + "/" + id.substr(0, 2);
  std::string dir2 = dir1 + "/" + id.substr(2, 2);
  if (auto r = ensure_dir(dir1, root_); !r) return r;
  if (auto r = ensure_dir(dir2, dir1); !r) return r;

  // Unique temp name: two threads storing the same content must not share a file.
  static std::atomic<uint64_t> counter{0};
  std::string tmp = root_ + "/tmp/" + id.substr(0, 16) + "." + std::to_string(::getpid()) + "." +
                    std::to_string(counter.fetch_add(1)) + "." + random_hex(4, false);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return io_error("create", tmp, errno);
  auto written = write_all(fd, bytes, tmp);
  if (written && ::fsync(fd) != 0) written = io_error("fsync", tmp, errno);
  if (::close(fd) != 0 && written) written = io_error("close", tmp, errno);
  if (!written) {
    ::unlink(tmp.c_str());
    return written;
  }
  // Replacing an identical blob written concurrently is harmless: same bytes.
  std::string final_path = path_of(id);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    auto err = io_error("rename", final_path, errno);
    ::unlink(tmp.c_str());
    return err;
  }
  return fsync_dir(dir2);
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
