// Stream abstraction for sessions (DESIGN §2): plain TCP that can switch to TLS
// (STARTTLS) or start in TLS (implicit, RFC 8314), with an idle deadline on every
// read. Sessions are written against Stream so tests can substitute it. TLS drives
// OpenSSL directly through memory BIOs, so an idle connection holds no record buffers.
// Handles untrusted input: bytes come straight from the network.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace postamt::net {

namespace asio = boost::asio;

class Stream {
 public:
  virtual ~Stream() = default;
  // Reads at least one byte; 0 on EOF, error, timeout or close.
  virtual asio::awaitable<size_t> read_some(char* buf, size_t n) = 0;
  // Writes everything; false on error/timeout.
  virtual asio::awaitable<bool> write_all(std::string_view data) = 0;
  // Server side TLS handshake; false on failure (the stream is then unusable).
  virtual asio::awaitable<bool> start_tls(std::shared_ptr<asio::ssl::context> ctx) = 0;
  virtual bool is_tls() const = 0;
  virtual std::string tls_description() const = 0;  // "TLSv1.3 TLS_AES_256_GCM_SHA384"
  virtual std::string remote_ip() const = 0;
  virtual bool remote_is_loopback() const = 0;
  // Deadline for the next read/write (idle timeouts, RFC 5321 §4.5.3.2).
  virtual void set_timeout(std::chrono::seconds t) = 0;
  virtual void close() = 0;
};

class TcpStream final : public Stream, public std::enable_shared_from_this<TcpStream> {
 public:
  explicit TcpStream(asio::ip::tcp::socket socket);
  ~TcpStream() override;
  // Starts the deadline watchdog; call once after construction.
  void start();
  asio::awaitable<size_t> read_some(char* buf, size_t n) override;
  asio::awaitable<bool> write_all(std::string_view data) override;
  asio::awaitable<bool> start_tls(std::shared_ptr<asio::ssl::context> ctx) override;
  bool is_tls() const override { return ssl_ != nullptr; }
  std::string tls_description() const override;
  std::string remote_ip() const override { return remote_ip_; }
  bool remote_is_loopback() const override { return loopback_; }
  void set_timeout(std::chrono::seconds t) override { timeout_ = t; }
  void close() override;

 private:
  void arm();
  asio::awaitable<void> watchdog();
  // TLS over memory BIOs (no per-connection buffer while idle, issue 3 §5).
  asio::awaitable<bool> tls_fill();   // waits for readability, moves socket bytes into the read BIO
  asio::awaitable<bool> tls_flush(bool wait_running);  // sends everything in the write BIO
  void tls_fresh_rbio_if_empty();

  asio::ip::tcp::socket socket_;
  std::shared_ptr<asio::ssl::context> ctx_;  // keeps the SSL_CTX alive for ssl_
  struct SslFree {
    void operator()(ssl_st* s) const;
  };
  std::unique_ptr<ssl_st, SslFree> ssl_;
  bool rbio_used_ = false;  // the read BIO has held data (so it may have grown)
  bool writing_ = false;    // a tls_flush() is sending; others wait on flush_wait_
  std::unique_ptr<asio::steady_timer> flush_wait_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::seconds timeout_{300};
  std::string remote_ip_;
  bool loopback_ = false;
  bool closed_ = false;
};

}  // namespace postamt::net
