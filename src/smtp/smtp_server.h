// SMTP server entry point: one session per connection on the MX listener (25)
// and the submission listeners (587 STARTTLS, 465 implicit TLS).
// RFCs: 5321, 1870, 2920, 6152, 6531, 3030, 2034, 3207, 4954, 8314.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "auth/login_throttle.h"
#include "net/listener.h"
#include "net/runtime.h"
#include "net/tls.h"
#include "base/snapshot.h"
#include "store/store.h"

namespace postamt::smtp {

enum class Mode { mx, submission, submissions };

struct Settings {
  std::string hostname = "localhost";
  uint64_t max_message_size = 50ull << 20;        // RFC 1870 SIZE
  unsigned max_recipients = 100;                  // RFC 5321 §4.5.3.1.8 requires ≥ 100
  size_t max_command_line = 2048;
  unsigned max_errors = 10;
  std::chrono::seconds command_timeout{300};      // RFC 5321 §4.5.3.2.7: 5 minutes
  std::chrono::seconds data_timeout{600};
  bool normalize_bare_line_endings = false;       // default: reject (DESIGN §6)
  bool allow_plaintext_auth_loopback = false;     // DESIGN §7
};

struct Services {
  store::Store& store;
  net::Runtime& runtime;
  net::SessionRegistry& registry;
  std::shared_ptr<net::TlsContexts> tls;
  auth::LoginThrottle& throttle;
  std::string secret;
  Snapshot<Settings> settings;                    // replaced on SIGHUP
};

boost::asio::awaitable<void> run_session(std::shared_ptr<net::Stream> stream, std::shared_ptr<net::SessionHandle> handle,
                                         Mode mode, std::shared_ptr<Services> services);

}  // namespace postamt::smtp
