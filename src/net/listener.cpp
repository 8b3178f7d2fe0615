// Listeners and the session registry; see listener.h.
#include "net/listener.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/write.hpp>

namespace postamt::net {

using asio::use_awaitable;

bool SessionRegistry::admit(const std::string& ip, unsigned per_ip, unsigned total) {
  std::lock_guard lock(mu_);
  auto& n = per_ip_[ip];
  if (n >= per_ip || total_ >= total) {
    if (n == 0) per_ip_.erase(ip);
    return false;
  }
  ++n;
  ++total_;
  return true;
}

void SessionRegistry::release(const std::string& ip) {
  std::lock_guard lock(mu_);
  auto it = per_ip_.find(ip);
  if (it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
  if (total_ > 0) --total_;
}

void SessionRegistry::add(std::shared_ptr<SessionHandle> h, asio::any_io_executor ex) {
  std::lock_guard lock(mu_);
  const SessionHandle* key = h.get();
  sessions_.emplace(key, std::make_pair(std::weak_ptr<SessionHandle>(h), std::move(ex)));
}

void SessionRegistry::remove(const SessionHandle* h) {
  std::lock_guard lock(mu_);
  sessions_.erase(h);
}

size_t SessionRegistry::active() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void SessionRegistry::drain() {
  draining_ = true;
  std::lock_guard lock(mu_);
  for (auto& [key, entry] : sessions_) {
    auto weak = entry.first;
    // Close on the session's own thread: streams are not thread-safe.
    asio::post(entry.second, [weak] {
      auto h = weak.lock();
      if (!h || !h->idle()) return;
      if (auto s = h->stream().lock()) s->close();
    });
  }
}

Listener::Listener(Runtime& rt, ListenerSpec spec, SessionRegistry& reg, SessionFn fn)
    : rt_(rt), spec_(std::move(spec)), reg_(reg), fn_(std::move(fn)), acceptor_(rt.main_context()) {}

Result<std::shared_ptr<Listener>> Listener::bind(Runtime& rt, ListenerSpec spec, SessionRegistry& reg, SessionFn fn) {
  std::shared_ptr<Listener> l(new Listener(rt, std::move(spec), reg, std::move(fn)));
  boost::system::error_code ec;
  auto& a = l->acceptor_;
  a.open(l->spec_.endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && l->spec_.endpoint.address().is_v6()) a.set_option(asio::ip::v6_only(true), ec);
  if (!ec) a.bind(l->spec_.endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::make(ErrorCode::params,
                       "cannot listen on " + l->spec_.endpoint.address().to_string() + ":" +
                           std::to_string(l->spec_.endpoint.port()) + " (" + l->spec_.name + "): " + ec.message());
  }
  return l;
}

void Listener::start() {
  auto self = this;
  asio::co_spawn(acceptor_.get_executor(), [self]() { return self->accept_loop(); }, asio::detached);
}

void Listener::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> Listener::accept_loop() {
  while (acceptor_.is_open()) {
    boost::system::error_code ec;
    asio::io_context& target = rt_.next_context();
    asio::ip::tcp::socket socket = co_await acceptor_.async_accept(target, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
      spdlog::warn("accept on {} failed: {}", spec_.name, ec.message());
      continue;  // EMFILE and friends: keep serving the connections we have
    }
    auto stream = std::make_shared<TcpStream>(std::move(socket));
    auto ex = target.get_executor();
    auto self = this;
    asio::co_spawn(ex, [self, stream]() { return self->run_session(stream); }, asio::detached);
  }
}

asio::awaitable<void> Listener::run_session(std::shared_ptr<TcpStream> stream) {
  std::string ip = stream->remote_ip();
  if (reg_.draining() || !reg_.admit(ip, spec_.per_ip_limit, spec_.total_limit)) {
    spdlog::info("{}: refused rip={} (session limit)", spec_.name, ip);
    stream->set_timeout(std::chrono::seconds(5));
    stream->start();
    co_await stream->write_all(spec_.refusal);
    stream->close();
    co_return;
  }
  stream->start();
  auto handle = std::make_shared<SessionHandle>(stream);
  auto ex = co_await asio::this_coro::executor;
  reg_.add(handle, ex);
  try {
    co_await fn_(stream, handle);
  } catch (const std::exception& e) {
    // A bug that throws ends this one session, never the process (DESIGN §8).
    spdlog::error("{}: session ended by exception rip={}: {}", spec_.name, ip, e.what());
  }
  stream->close();
  reg_.remove(handle.get());
  reg_.release(ip);
}

}  // namespace postamt::net
