// Wire helpers shared by the line-protocol sessions (SMTP, POP3, later IMAP):
// one read into a push-based decoder, and an output queue that collects replies
// and writes them together (pipelining: RFC 2920, RFC 2449 §6.6).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>

#include "net/stream.h"

namespace postamt::session {

// Reads once (at most kReadSize bytes) and feeds the decoder; false on EOF,
// error or timeout. The buffer lives in the coroutine frame only while reading.
template <class Decoder>
boost::asio::awaitable<bool> read_into(net::Stream& stream, Decoder& decoder) {
  constexpr size_t kReadSize = 16384;
  char buf[kReadSize];
  size_t n = co_await stream.read_some(buf, sizeof buf);
  if (n == 0) co_return false;
  decoder.feed(std::string_view(buf, n));
  co_return true;
}

class ReplyQueue {
 public:
  void add(std::string_view s) { out_.append(s); }
  size_t size() const { return out_.size(); }
  // Writes everything queued; false if the connection failed.
  boost::asio::awaitable<bool> flush(net::Stream& stream) {
    if (out_.empty()) co_return true;
    std::string data;
    data.swap(out_);
    co_return co_await stream.write_all(data);
  }

 private:
  std::string out_;
};

}  // namespace postamt::session
