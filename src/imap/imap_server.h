// IMAP server entry point: one session per connection on 143 (STARTTLS,
// LOGINDISABLED before TLS) and 993 (implicit TLS). IMAP4rev1 behaviour by
// default, IMAP4rev2 after ENABLE IMAP4rev2 (RFC 9051 Appendix E).
// RFCs: 9051, 3501, 8314 and the extensions listed in imap/capability.cpp.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "auth/login_throttle.h"
#include "base/snapshot.h"
#include "imap/notifier.h"
#include "net/listener.h"
#include "net/runtime.h"
#include "net/tls.h"
#include "store/store.h"

namespace postamt::imap {

enum class Mode { plain /* 143, STARTTLS */, tls /* 993 */ };

struct Settings {
  std::string hostname = "localhost";
  // RFC 9051 §5.4: the autologout timer is at least 30 minutes.
  std::chrono::seconds idle_timeout{1800};
  // Before login a much shorter timer is allowed (RFC 9051 §5.4).
  std::chrono::seconds login_timeout{60};
  unsigned max_errors = 10;            // BAD/NO for syntax in a row before BYE
  uint64_t max_message_size = 50u << 20;  // APPENDLIMIT (RFC 7889) and literal cap
  size_t max_line = 64 * 1024;
  unsigned sessions_per_user = 50;
  bool allow_plaintext_auth_loopback = false;
};

// Counts sessions per account (issue 3 §6: limit per user).
class UserSessions {
 public:
  bool acquire(int64_t account_id, unsigned limit) {
    std::lock_guard lock(mu_);
    unsigned& n = count_[account_id];
    if (n >= limit) return false;
    ++n;
    return true;
  }
  void release(int64_t account_id) {
    std::lock_guard lock(mu_);
    auto it = count_.find(account_id);
    if (it != count_.end() && --it->second == 0) count_.erase(it);
  }

 private:
  std::mutex mu_;
  std::map<int64_t, unsigned> count_;
};

struct Services {
  store::Store& store;
  net::Runtime& runtime;
  net::SessionRegistry& registry;
  std::shared_ptr<net::TlsContexts> tls;
  auth::LoginThrottle& throttle;
  Notifier& notifier;
  UserSessions& users;
  std::string secret;
  Snapshot<Settings> settings;
};

boost::asio::awaitable<void> run_session(std::shared_ptr<net::Stream> stream, std::shared_ptr<net::SessionHandle> handle,
                                         Mode mode, std::shared_ptr<Services> services);

}  // namespace postamt::imap
