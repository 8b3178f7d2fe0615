// TLS handshake with logging; see tls_start.h.
#include "session/tls_start.h"

#include <spdlog/spdlog.h>

namespace postamt::session {

boost::asio::awaitable<bool> start_tls(net::Stream* stream, std::shared_ptr<boost::asio::ssl::context> ctx,
                                       const char* protocol, std::string session_id) {
  bool ok = co_await stream->start_tls(std::move(ctx));
  if (!ok) {
    spdlog::info("{}[{}] tls handshake failed rip={}", protocol, session_id, stream->remote_ip());
    co_return false;
  }
  spdlog::info("{}[{}] tls {}", protocol, session_id, stream->tls_description());
  co_return true;
}

}  // namespace postamt::session
