// SMTP session internals: the state machine, its command table and the
// transaction being built. Not included outside src/smtp.
// Handles untrusted input: everything the client sends.
// RFCs: 5321, 1870, 2920, 6152, 6531, 3030, 2034, 3207, 4954, 8314.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "delivery/local_delivery.h"
#include "proto/smtp/smtp_codec.h"
#include "session/login.h"
#include "session/wire.h"
#include "smtp/smtp_server.h"

namespace postamt::smtp {

namespace asio = boost::asio;
namespace codec = proto::smtp;

enum class State { greeted, ready /* after HELO/EHLO */, mail /* after MAIL */, rcpt /* ≥ 1 RCPT */ };

class Session {
 public:
  Session(std::shared_ptr<net::Stream> stream, std::shared_ptr<net::SessionHandle> handle, Mode mode,
          std::shared_ptr<Services> services);
  ~Session() { spool_discard(); }  // a dropped upload's spool file goes on the pool
  asio::awaitable<void> run();

 private:
  // Command table (DESIGN §2): handler, states it is allowed in, whether it may
  // run before TLS on a submission port, whether it ends a pipelining group.
  using Handler = asio::awaitable<void> (Session::*)(const codec::Command&);
  struct CommandSpec {
    codec::Verb verb;
    Handler handler;
    bool needs_helo;
    bool ends_group;  // RFC 2920 §3.1: replies must be flushed after it
  };
  static const CommandSpec* find_spec(codec::Verb verb);

  asio::awaitable<void> dispatch(const std::string& line);
  asio::awaitable<void> cmd_helo(const codec::Command& c);
  asio::awaitable<void> cmd_ehlo(const codec::Command& c);
  asio::awaitable<void> cmd_mail(const codec::Command& c);
  asio::awaitable<void> cmd_rcpt(const codec::Command& c);
  asio::awaitable<void> cmd_data(const codec::Command& c);
  asio::awaitable<void> cmd_bdat(const codec::Command& c);
  asio::awaitable<void> cmd_rset(const codec::Command& c);
  asio::awaitable<void> cmd_noop(const codec::Command& c);
  asio::awaitable<void> cmd_quit(const codec::Command& c);
  asio::awaitable<void> cmd_vrfy(const codec::Command& c);
  asio::awaitable<void> cmd_expn(const codec::Command& c);
  asio::awaitable<void> cmd_help(const codec::Command& c);
  asio::awaitable<void> cmd_starttls(const codec::Command& c);
  asio::awaitable<void> cmd_auth(const codec::Command& c);

  // Reads more bytes into the decoder; false on EOF/timeout.
  asio::awaitable<bool> fill();
  // Queues a reply; flush() writes queued replies (pipelining, RFC 2920).
  void reply(int code, std::string_view enhanced, std::string_view text);
  asio::awaitable<bool> flush();
  void reply_error(const Error& e);
  // Counts a client error; closes the session past the limit.
  void client_error();
  asio::awaitable<void> spool_open();
  asio::awaitable<void> spool_write(std::string bytes);
  void spool_discard();
  asio::awaitable<void> finish_message();
  void reset_transaction();
  bool tls_available() const;
  bool auth_allowed() const;
  std::string received_header(const std::string& queue_id) const;
  std::string protocol_name() const;  // RFC 3848 "with" keyword

  std::shared_ptr<net::Stream> stream_;
  std::shared_ptr<net::SessionHandle> handle_;
  Mode mode_;
  std::shared_ptr<Services> services_;
  std::shared_ptr<const Settings> settings_;
  codec::Decoder decoder_;
  session::LoginContext login_;
  std::string id_;
  session::ReplyQueue out_;
  State state_ = State::greeted;
  bool esmtp_ = false;
  std::string helo_;
  unsigned errors_ = 0;
  bool closing_ = false;
  std::optional<store::Account> user_;

  // The transaction (RFC 5321 §3.3).
  std::string mail_from_;
  bool smtputf8_ = false;
  bool body_8bit_ = false;
  std::vector<delivery::LocalRecipient> local_;
  std::vector<store::OutboundRecipient> remote_;
  std::string queue_id_;                      // names the message in Received: and logs
  std::unique_ptr<store::BlobWriter> spool_;  // the content, streamed to storage
  bool spool_failed_ = false;                 // a spool write failed: 451 at the end
  bool bdat_started_ = false;                 // RFC 3030 §3: then no DATA, no RCPT
  bool bdat_too_big_ = false;
  bool bdat_bare_ = false;
  uint64_t bdat_bytes_ = 0;                   // content kept from earlier chunks
};

}  // namespace postamt::smtp
