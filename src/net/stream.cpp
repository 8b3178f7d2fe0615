// TcpStream: TCP + optional TLS with a deadline watchdog; see stream.h.
#include "net/stream.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <climits>
#include <vector>

namespace postamt::net {

using asio::use_awaitable;

TcpStream::TcpStream(asio::ip::tcp::socket socket)
    : socket_(std::move(socket)), timer_(socket_.get_executor()) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) {
    auto addr = ep.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
    remote_ip_ = addr.to_string();
    loopback_ = addr.is_loopback();
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

TcpStream::~TcpStream() = default;

void TcpStream::start() {
  arm();
  auto self = shared_from_this();
  asio::co_spawn(socket_.get_executor(), [self]() { return self->watchdog(); }, asio::detached);
}

void TcpStream::arm() {
  deadline_ = std::chrono::steady_clock::now() + timeout_;
  // A shorter timeout than the one the watchdog sleeps on: wake it to re-arm.
  if (deadline_ < timer_.expiry()) timer_.cancel();
}

// One timer per connection instead of one per operation: it wakes at the deadline,
// and if no read or write has moved the deadline since, closes the socket.
asio::awaitable<void> TcpStream::watchdog() {
  while (!closed_) {
    timer_.expires_at(deadline_);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    if (closed_) break;
    if (std::chrono::steady_clock::now() >= deadline_) {
      boost::system::error_code ignored;
      socket_.cancel(ignored);
      socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      break;
    }
  }
}

namespace {

constexpr size_t kSocketChunk = 17 * 1024;  // one TLS record plus header/overhead per read
constexpr size_t kWriteChunk = 64 * 1024;   // plaintext per SSL_write before sending

BIO* new_mem_bio() { return BIO_new(BIO_s_mem()); }

}  // namespace

void TcpStream::SslFree::operator()(ssl_st* s) const { SSL_free(s); }

// An empty read BIO that has held data keeps its grown BUF_MEM (up to a record, 17 KiB):
// swap in a fresh one before going idle.
void TcpStream::tls_fresh_rbio_if_empty() {
  if (!rbio_used_ || BIO_ctrl_pending(SSL_get_rbio(ssl_.get())) != 0) return;
  BIO* fresh = new_mem_bio();
  if (!fresh) return;
  SSL_set0_rbio(ssl_.get(), fresh);  // frees the old one
  rbio_used_ = false;
}

// Waits until the socket is readable, then reads what is there into a temporary buffer
// (allocated only after the wait, so an idle session holds none) and hands it to the
// read BIO. False on EOF, error, timeout or close.
asio::awaitable<bool> TcpStream::tls_fill() {
  tls_fresh_rbio_if_empty();
  boost::system::error_code ec;
  co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, asio::redirect_error(use_awaitable, ec));
  if (ec || closed_) co_return false;
  std::vector<char> tmp(kSocketChunk);
  size_t got = socket_.read_some(asio::buffer(tmp), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again || ec == asio::error::interrupted)
    co_return true;  // spurious wakeup, or another reader took the bytes: the caller retries
  if (ec || got == 0) co_return false;
  if (BIO_write(SSL_get_rbio(ssl_.get()), tmp.data(), static_cast<int>(got)) != static_cast<int>(got))
    co_return false;
  rbio_used_ = true;
  co_return true;
}

// Sends everything OpenSSL has written to the write BIO. The BIO is swapped for a fresh
// one before sending, so the sent (possibly grown) buffer is freed afterwards. Sends are
// serialized: IMAP IDLE reads (which may produce TLS output, e.g. a KeyUpdate reply)
// while it writes; a second caller waits for the running send and then sends its own.
// With wait_running, returns only once a send already running (which may carry this
// caller's bytes) has finished; a reader with nothing to send need not wait.
asio::awaitable<bool> TcpStream::tls_flush(bool wait_running) {
  for (;;) {
    if (closed_) co_return false;
    if (BIO_ctrl_pending(SSL_get_wbio(ssl_.get())) == 0 && (!writing_ || !wait_running)) co_return true;
    if (!writing_) break;
    if (!flush_wait_) flush_wait_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
    flush_wait_->expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    co_await flush_wait_->async_wait(asio::redirect_error(use_awaitable, ec));
  }
  writing_ = true;
  bool ok = true;
  while (ok && !closed_ && BIO_ctrl_pending(SSL_get_wbio(ssl_.get())) != 0) {
    BIO* fresh = new_mem_bio();
    if (!fresh) {
      ok = false;
      break;
    }
    BIO* full = SSL_get_wbio(ssl_.get());
    BIO_up_ref(full);
    SSL_set0_wbio(ssl_.get(), fresh);  // drops the SSL's reference; ours keeps it alive
    char* data = nullptr;
    long len = BIO_get_mem_data(full, &data);
    boost::system::error_code ec;
    if (len > 0)
      co_await asio::async_write(socket_, asio::buffer(data, static_cast<size_t>(len)),
                                 asio::redirect_error(use_awaitable, ec));
    BIO_free(full);
    if (ec) ok = false;
  }
  writing_ = false;
  if (flush_wait_) {
    flush_wait_->cancel();
    flush_wait_.reset();
  }
  co_return ok && !closed_;
}

asio::awaitable<size_t> TcpStream::read_some(char* buf, size_t n) {
  if (closed_ || n == 0) co_return 0;
  arm();
  if (!ssl_) {
    boost::system::error_code ec;
    size_t got = co_await socket_.async_read_some(asio::buffer(buf, n), asio::redirect_error(use_awaitable, ec));
    if (ec) co_return 0;
    co_return got;
  }
  int want = static_cast<int>(std::min<size_t>(n, INT_MAX));
  for (;;) {
    if (closed_) co_return 0;
    ERR_clear_error();
    int r = SSL_read(ssl_.get(), buf, want);
    int err = r > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_.get(), r);
    // TLS 1.3 post-handshake messages (tickets, KeyUpdate replies) and alerts.
    if (!co_await tls_flush(false)) co_return 0;
    if (r > 0) co_return static_cast<size_t>(r);
    if (err == SSL_ERROR_WANT_READ) {
      if (!co_await tls_fill()) co_return 0;
      continue;
    }
    if (err == SSL_ERROR_WANT_WRITE) continue;  // flushed above
    co_return 0;  // SSL_ERROR_ZERO_RETURN (close_notify), protocol or system error
  }
}

asio::awaitable<bool> TcpStream::write_all(std::string_view data) {
  if (closed_) co_return false;
  arm();
  if (!ssl_) {
    boost::system::error_code ec;
    co_await asio::async_write(socket_, asio::buffer(data.data(), data.size()), asio::redirect_error(use_awaitable, ec));
    co_return !ec;
  }
  while (!data.empty()) {
    if (closed_) co_return false;
    size_t chunk = std::min(data.size(), kWriteChunk);
    ERR_clear_error();
    int r = SSL_write(ssl_.get(), data.data(), static_cast<int>(chunk));
    int err = r > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_.get(), r);
    if (!co_await tls_flush(true)) co_return false;
    if (r > 0) {
      data.remove_prefix(static_cast<size_t>(r));
      continue;
    }
    if (err == SSL_ERROR_WANT_READ) {
      if (!co_await tls_fill()) co_return false;
      continue;
    }
    if (err == SSL_ERROR_WANT_WRITE) continue;
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> TcpStream::start_tls(std::shared_ptr<asio::ssl::context> ctx) {
  if (closed_ || ssl_ || !ctx) co_return false;
  arm();
  ctx_ = std::move(ctx);
  SSL* s = SSL_new(ctx_->native_handle());
  if (!s) co_return false;
  ssl_.reset(s);
  BIO* rbio = new_mem_bio();
  BIO* wbio = new_mem_bio();
  if (!rbio || !wbio) {
    BIO_free(rbio);
    BIO_free(wbio);
    co_return false;
  }
  SSL_set_bio(s, rbio, wbio);
  SSL_set_accept_state(s);
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);  // tls_fill's read_some must not block
  if (ec) co_return false;
  for (;;) {
    if (closed_) co_return false;
    ERR_clear_error();
    int r = SSL_do_handshake(ssl_.get());
    int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_.get(), r);
    bool sent = co_await tls_flush(true);  // flights, tickets, or the alert on failure
    if (r == 1) co_return sent;
    if (!sent) co_return false;
    if (err == SSL_ERROR_WANT_READ) {
      if (!co_await tls_fill()) co_return false;
      continue;
    }
    if (err == SSL_ERROR_WANT_WRITE) continue;
    co_return false;
  }
}

std::string TcpStream::tls_description() const {
  if (!ssl_) return "none";
  std::string d = SSL_get_version(ssl_.get());
  d += ' ';
  d += SSL_get_cipher_name(ssl_.get());
  return d;
}

void TcpStream::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  timer_.cancel();
  if (flush_wait_) flush_wait_->cancel();
  // Best effort close_notify, only if nothing else is mid-send (non-blocking socket:
  // write_some never waits; a partial alert is harmless as we close right after).
  if (ssl_ && !writing_ && SSL_is_init_finished(ssl_.get())) {
    ERR_clear_error();
    SSL_shutdown(ssl_.get());
    BIO* w = SSL_get_wbio(ssl_.get());
    char* data = nullptr;
    long len = BIO_get_mem_data(w, &data);
    if (len > 0) socket_.write_some(asio::buffer(data, static_cast<size_t>(len)), ec);
  }
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

}  // namespace postamt::net
