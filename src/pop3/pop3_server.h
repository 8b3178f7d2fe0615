// POP3 server entry point: one session per connection on 110 (STLS) and 995
// (implicit TLS). RFCs: 1939, 2449, 2595, 5034, 3206, 8314.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "auth/login_throttle.h"
#include "base/snapshot.h"
#include "net/listener.h"
#include "net/runtime.h"
#include "net/tls.h"
#include "store/store.h"

namespace postamt::pop3 {

enum class Mode { plain /* 110, STLS */, tls /* 995 */ };

struct Settings {
  std::string hostname = "localhost";
  std::chrono::seconds idle_timeout{600};  // RFC 1939 §3: at least 10 minutes
  unsigned max_errors = 10;
  bool allow_plaintext_auth_loopback = false;
};

// One POP3 session per maildrop at a time (RFC 1939 §8: exclusive-access lock).
class MaildropLocks {
 public:
  bool try_lock(int64_t account_id) {
    std::lock_guard lock(mu_);
    return locked_.insert(account_id).second;
  }
  void unlock(int64_t account_id) {
    std::lock_guard lock(mu_);
    locked_.erase(account_id);
  }

 private:
  std::mutex mu_;
  std::set<int64_t> locked_;
};

struct Services {
  store::Store& store;
  net::Runtime& runtime;
  net::SessionRegistry& registry;
  std::shared_ptr<net::TlsContexts> tls;
  auth::LoginThrottle& throttle;
  MaildropLocks& locks;
  std::string secret;
  Snapshot<Settings> settings;
};

boost::asio::awaitable<void> run_session(std::shared_ptr<net::Stream> stream, std::shared_ptr<net::SessionHandle> handle,
                                         Mode mode, std::shared_ptr<Services> services);

}  // namespace postamt::pop3
