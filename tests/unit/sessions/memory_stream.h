// An in-memory net::Stream for session tests: the client's bytes are scripted
// as chunks (each chunk = one read), the server's output is collected. EOF after
// the last chunk. No TLS (start_tls fails), so tests cover the plain paths.
#pragma once

#include <algorithm>
#include <cstring>
#include <deque>
#include <string>

#include "net/stream.h"

namespace postamt::testing {

class MemoryStream final : public net::Stream {
 public:
  explicit MemoryStream(std::deque<std::string> chunks, bool loopback = true)
      : chunks_(std::move(chunks)), loopback_(loopback) {}
  boost::asio::awaitable<size_t> read_some(char* buf, size_t n) override {
    if (closed_ || chunks_.empty()) co_return 0;
    std::string& c = chunks_.front();
    size_t k = std::min(n, c.size());
    std::memcpy(buf, c.data(), k);
    c.erase(0, k);
    if (c.empty()) chunks_.pop_front();
    co_return k;
  }
  boost::asio::awaitable<bool> write_all(std::string_view data) override {
    if (closed_) co_return false;
    output.append(data);
    co_return true;
  }
  boost::asio::awaitable<bool> start_tls(std::shared_ptr<boost::asio::ssl::context>) override { co_return false; }
  bool is_tls() const override { return false; }
  std::string tls_description() const override { return "none"; }
  std::string remote_ip() const override { return loopback_ ? "127.0.0.1" : "192.0.2.7"; }
  bool remote_is_loopback() const override { return loopback_; }
  void set_timeout(std::chrono::seconds) override {}
  void close() override { closed_ = true; }

  std::string output;

 private:
  std::deque<std::string> chunks_;
  bool loopback_;
  bool closed_ = false;
};

}  // namespace postamt::testing
