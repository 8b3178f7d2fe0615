// TLS handshake glue shared by every protocol session (implicit TLS on 465/995/993,
// STARTTLS/STLS): runs the server-side handshake and logs the outcome with the
// session id and rip= (DESIGN §7). Handles untrusted input: the client's handshake.
// RFCs: 8314 (implicit TLS), 3207 / 2595 / 9051 §6.2.1 (STARTTLS).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>

#include "net/stream.h"

namespace postamt::session {

// False if the handshake failed; the session then ends. `stream` must outlive the call;
// `protocol` is a string literal ("imap"), so no temporary lives in the co_await.
boost::asio::awaitable<bool> start_tls(net::Stream* stream, std::shared_ptr<boost::asio::ssl::context> ctx,
                                       const char* protocol, std::string session_id);

}  // namespace postamt::session
