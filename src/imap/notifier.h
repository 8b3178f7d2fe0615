// Fan-out of committed store changes to IMAP sessions (DESIGN §2: broadcast
// after commit). The store calls the notifier on the committing worker thread;
// each interested session's Watcher is marked and woken on its own executor, so
// a session in IDLE answers at once and any other session synchronizes at its
// next command (RFC 9051 §7: untagged updates at the points the RFC allows).
// No untrusted input.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "store/store.h"

namespace postamt::imap {

// One per session. wake() may be called from any thread; wait() only from the
// session's coroutine. The flags are cheap to test before every command.
class Watcher : public std::enable_shared_from_this<Watcher> {
 public:
  Watcher(boost::asio::any_io_executor ex, int64_t account_id);
  int64_t account_id() const { return account_id_; }
  void watch_mailbox(int64_t mailbox_id) { mailbox_id_ = mailbox_id; }
  int64_t mailbox_id() const { return mailbox_id_; }

  // From the store's thread: the selected mailbox changed.
  void notify();
  // From the session's own executor: something else to look at (IDLE input).
  void poke();
  // True once after notify(): the session should synchronize its view.
  bool take_changed() { return changed_.exchange(false); }
  bool changed() const { return changed_.load(); }
  // Returns after the next notify()/poke() (at once if one happened since the last wait).
  boost::asio::awaitable<void> wait();

 private:
  boost::asio::steady_timer timer_;
  int64_t account_id_;
  std::atomic<int64_t> mailbox_id_{0};
  std::atomic<bool> changed_{false};
  bool pending_ = false;  // executor thread only
};

class Notifier {
 public:
  // Subscribes to the store once.
  explicit Notifier(store::Store& store);
  void add(const std::shared_ptr<Watcher>& w);
  void remove(const Watcher* w);

  // RFC 3501 §2.3.2 \Recent: a message is recent in exactly one session, the first
  // that sees it with its mailbox selected read-write. claim_recent() raises the
  // mailbox's claimed UID to up_to and returns the previous value: UIDs above it and
  // up to up_to are recent for the caller. Kept in memory only: after a restart the
  // first session claims every message once (documented in docs/imap.md).
  uint32_t claim_recent(int64_t mailbox_id, uint32_t up_to);
  // The claimed UID without claiming (EXAMINE, STATUS RECENT).
  uint32_t recent_boundary(int64_t mailbox_id);

 private:
  void on_change(const store::Change& c);

  std::mutex mu_;
  std::multimap<int64_t, std::weak_ptr<Watcher>> by_account_;
  std::map<int64_t, uint32_t> recent_claimed_;  // mailbox id -> highest UID claimed
};

}  // namespace postamt::imap
