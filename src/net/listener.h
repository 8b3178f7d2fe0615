// Listeners: accept loops on the main context, connections spread over all
// io_contexts, per-IP and global session limits (DESIGN §7), and the registry
// that lets SIGTERM drain sessions (close idle ones, let transactions finish).
// Handles untrusted input: only counts connections; sessions read the bytes.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "net/runtime.h"
#include "net/stream.h"

namespace postamt::net {

// What a session exposes to the drain logic.
class SessionHandle {
 public:
  explicit SessionHandle(std::shared_ptr<Stream> s) : stream_(std::move(s)) {}
  // Idle = waiting for the next command, no transaction in flight.
  void set_idle(bool idle) { idle_ = idle; }
  bool idle() const { return idle_; }
  std::weak_ptr<Stream> stream() const { return stream_; }

 private:
  std::weak_ptr<Stream> stream_;
  std::atomic<bool> idle_{false};
};

class SessionRegistry {
 public:
  // Per-IP cap and global cap; false if over either (the caller refuses).
  bool admit(const std::string& ip, unsigned per_ip, unsigned total);
  void release(const std::string& ip);
  void add(std::shared_ptr<SessionHandle> h, asio::any_io_executor ex);
  void remove(const SessionHandle* h);
  // Starts draining: new work is refused by sessions (draining() true), idle
  // sessions are closed now and again every call.
  void drain();
  bool draining() const { return draining_; }
  size_t active() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, unsigned> per_ip_;
  unsigned total_ = 0;
  std::map<const SessionHandle*, std::pair<std::weak_ptr<SessionHandle>, asio::any_io_executor>> sessions_;
  std::atomic<bool> draining_{false};
};

using SessionFn = std::function<asio::awaitable<void>(std::shared_ptr<TcpStream>, std::shared_ptr<SessionHandle>)>;

struct ListenerSpec {
  std::string name;                 // "smtp", "submission", ...
  asio::ip::tcp::endpoint endpoint;
  std::string refusal;              // sent when over a session limit, e.g. "421 4.7.0 ...\r\n"
  unsigned per_ip_limit = 50;
  unsigned total_limit = 10000;
};

class Listener {
 public:
  // Binds now (so errors surface at startup); accepting starts with start().
  static Result<std::shared_ptr<Listener>> bind(Runtime& rt, ListenerSpec spec, SessionRegistry& reg, SessionFn fn);
  void start();
  void stop();
  void set_limits(unsigned per_ip, unsigned total) {
    spec_.per_ip_limit = per_ip;
    spec_.total_limit = total;
  }
  const ListenerSpec& spec() const { return spec_; }

 private:
  Listener(Runtime& rt, ListenerSpec spec, SessionRegistry& reg, SessionFn fn);
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> run_session(std::shared_ptr<TcpStream> stream);

  Runtime& rt_;
  ListenerSpec spec_;
  SessionRegistry& reg_;
  SessionFn fn_;
  asio::ip::tcp::acceptor acceptor_;
};

}  // namespace postamt::net
