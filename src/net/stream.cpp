// TcpStream: TCP + optional TLS with a deadline watchdog; see stream.h.
#include "net/stream.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

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

asio::awaitable<size_t> TcpStream::read_some(char* buf, size_t n) {
  if (closed_) co_return 0;
  arm();
  boost::system::error_code ec;
  size_t got = 0;
  auto buffer = asio::buffer(buf, n);
  if (tls_) {
    got = co_await tls_->async_read_some(buffer, asio::redirect_error(use_awaitable, ec));
  } else {
    got = co_await socket_.async_read_some(buffer, asio::redirect_error(use_awaitable, ec));
  }
  if (ec) co_return 0;
  co_return got;
}

asio::awaitable<bool> TcpStream::write_all(std::string_view data) {
  if (closed_) co_return false;
  arm();
  boost::system::error_code ec;
  auto buffer = asio::buffer(data.data(), data.size());
  if (tls_) {
    co_await asio::async_write(*tls_, buffer, asio::redirect_error(use_awaitable, ec));
  } else {
    co_await asio::async_write(socket_, buffer, asio::redirect_error(use_awaitable, ec));
  }
  co_return !ec;
}

asio::awaitable<bool> TcpStream::start_tls(std::shared_ptr<asio::ssl::context> ctx) {
  if (closed_ || tls_ || !ctx) co_return false;
  arm();
  ctx_ = std::move(ctx);
  tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *ctx_);
  boost::system::error_code ec;
  co_await tls_->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
  co_return !ec;
}

std::string TcpStream::tls_description() const {
  if (!tls_) return "none";
  SSL* s = const_cast<asio::ssl::stream<asio::ip::tcp::socket&>&>(*tls_).native_handle();
  std::string d = SSL_get_version(s);
  d += ' ';
  d += SSL_get_cipher_name(s);
  return d;
}

void TcpStream::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  timer_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

}  // namespace postamt::net
