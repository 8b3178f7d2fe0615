// COMPRESS=DEFLATE stream; see deflate_stream.h.
#include "imap/deflate_stream.h"

#include <zlib.h>

#include <cstring>
#include <string>

namespace postamt::imap {

namespace {

constexpr size_t kInBuf = 4096;

class DeflateStream final : public net::Stream {
 public:
  explicit DeflateStream(std::shared_ptr<net::Stream> inner) : inner_(std::move(inner)) {}
  ~DeflateStream() override {
    if (inflate_ok_) inflateEnd(&in_);
    if (deflate_ok_) deflateEnd(&out_);
  }

  bool init() {
    std::memset(&in_, 0, sizeof in_);
    std::memset(&out_, 0, sizeof out_);
    // RFC 4978 §4: raw DEFLATE; the client may use any window, so inflate takes 15 bits.
    inflate_ok_ = inflateInit2(&in_, -15) == Z_OK;
    // Our own direction may use a small window and memory level: an idle session stays small.
    deflate_ok_ = deflateInit2(&out_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 5, Z_DEFAULT_STRATEGY) == Z_OK;
    return inflate_ok_ && deflate_ok_;
  }

  boost::asio::awaitable<size_t> read_some(char* buf, size_t n) override {
    if (failed_ || n == 0) co_return 0;
    for (;;) {
      // After a call that filled the caller's buffer, zlib may still hold output (the rest
      // of a match) even with no input left: ask it before waiting for the network.
      if (!pending_.empty() || in_.avail_in > 0 || output_full_) {
        in_.next_out = reinterpret_cast<Bytef*>(buf);
        in_.avail_out = static_cast<uInt>(n);
        int rc = inflate(&in_, Z_SYNC_FLUSH);
        size_t produced = n - in_.avail_out;
        output_full_ = in_.avail_out == 0;
        if (in_.avail_in == 0) pending_.clear();
        if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END) {
          failed_ = true;
          co_return 0;
        }
        if (produced > 0) co_return produced;
        // No output with input left over cannot happen with room in buf: treat as corrupt.
        if (rc == Z_STREAM_END || in_.avail_in > 0) {
          failed_ = true;
          co_return 0;
        }
      }
      // Need more compressed input.
      pending_.resize(kInBuf);
      size_t got = co_await inner_->read_some(pending_.data(), pending_.size());
      if (got == 0) co_return 0;
      pending_.resize(got);
      in_.next_in = reinterpret_cast<Bytef*>(pending_.data());
      in_.avail_in = static_cast<uInt>(got);
    }
  }

  boost::asio::awaitable<bool> write_all(std::string_view data) override {
    if (failed_) co_return false;
    std::string compressed;
    out_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    out_.avail_in = static_cast<uInt>(data.size());
    char chunk[4096];
    do {
      out_.next_out = reinterpret_cast<Bytef*>(chunk);
      out_.avail_out = sizeof chunk;
      int rc = deflate(&out_, Z_SYNC_FLUSH);  // RFC 4978 §4: flush at the end of each response batch
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        failed_ = true;
        co_return false;
      }
      compressed.append(chunk, sizeof chunk - out_.avail_out);
    } while (out_.avail_out == 0 || out_.avail_in > 0);
    co_return co_await inner_->write_all(compressed);
  }

  boost::asio::awaitable<bool> start_tls(std::shared_ptr<boost::asio::ssl::context>) override { co_return false; }
  bool is_tls() const override { return inner_->is_tls(); }
  std::string tls_description() const override { return inner_->tls_description(); }
  std::string remote_ip() const override { return inner_->remote_ip(); }
  bool remote_is_loopback() const override { return inner_->remote_is_loopback(); }
  void set_timeout(std::chrono::seconds t) override { inner_->set_timeout(t); }
  void close() override { inner_->close(); }

 private:
  std::shared_ptr<net::Stream> inner_;
  z_stream in_;
  z_stream out_;
  bool inflate_ok_ = false;
  bool deflate_ok_ = false;
  bool failed_ = false;
  bool output_full_ = false;  // the last inflate() filled the buffer: more may be pending
  std::string pending_;  // compressed input not yet inflated
};

}  // namespace

std::shared_ptr<net::Stream> make_deflate_stream(std::shared_ptr<net::Stream> inner) {
  auto s = std::make_shared<DeflateStream>(std::move(inner));
  if (!s->init()) return nullptr;
  return s;
}

}  // namespace postamt::imap
