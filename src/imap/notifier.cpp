// Change fan-out to IMAP sessions; see notifier.h.
#include "imap/notifier.h"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace postamt::imap {

namespace asio = boost::asio;

Watcher::Watcher(asio::any_io_executor ex, int64_t account_id)
    : timer_(std::move(ex), asio::steady_timer::time_point::max()), account_id_(account_id) {}

void Watcher::notify() {
  changed_ = true;
  // The timer belongs to the session's executor: touch it only there.
  asio::post(timer_.get_executor(), [self = shared_from_this()]() { self->poke(); });
}

void Watcher::poke() {
  pending_ = true;
  timer_.cancel();
}

asio::awaitable<void> Watcher::wait() {
  while (!pending_) {
    timer_.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  pending_ = false;
}

Notifier::Notifier(store::Store& store) {
  store.subscribe([this](const store::Change& c) { on_change(c); });
}

void Notifier::add(const std::shared_ptr<Watcher>& w) {
  std::lock_guard lock(mu_);
  by_account_.emplace(w->account_id(), w);
}

void Notifier::remove(const Watcher* w) {
  std::lock_guard lock(mu_);
  auto [b, e] = by_account_.equal_range(w->account_id());
  for (auto it = b; it != e;) {
    auto sp = it->second.lock();
    if (!sp || sp.get() == w)
      it = by_account_.erase(it);
    else
      ++it;
  }
}

uint32_t Notifier::claim_recent(int64_t mailbox_id, uint32_t up_to) {
  std::lock_guard lock(mu_);
  uint32_t& claimed = recent_claimed_[mailbox_id];
  uint32_t prev = claimed;
  claimed = std::max(claimed, up_to);
  return prev;
}

uint32_t Notifier::recent_boundary(int64_t mailbox_id) {
  std::lock_guard lock(mu_);
  auto it = recent_claimed_.find(mailbox_id);
  return it == recent_claimed_.end() ? 0 : it->second;
}

void Notifier::on_change(const store::Change& c) {
  std::vector<std::shared_ptr<Watcher>> hit;
  {
    std::lock_guard lock(mu_);
    auto [b, e] = by_account_.equal_range(c.account_id);
    for (auto it = b; it != e; ++it)
      if (auto sp = it->second.lock(); sp && sp->mailbox_id() == c.mailbox_id) hit.push_back(std::move(sp));
  }
  for (auto& w : hit) w->notify();
}

}  // namespace postamt::imap
