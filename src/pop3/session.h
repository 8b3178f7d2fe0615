// POP3 session internals: states, command table, the maildrop snapshot.
// Handles untrusted input: everything the client sends.
// RFCs: 1939, 2449, 2595, 5034, 3206.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pop3/pop3_server.h"
#include "proto/pop3/pop3_codec.h"
#include "session/login.h"
#include "session/wire.h"

namespace postamt::pop3 {

namespace asio = boost::asio;
namespace codec = proto::pop3;

enum class State { authorization, transaction };  // UPDATE happens inside QUIT

// The maildrop as it was at login (RFC 1939 §5: numbering fixed for the session).
struct Entry {
  uint32_t uid = 0;
  uint64_t size = 0;
  bool deleted = false;
};

class Session {
 public:
  Session(std::shared_ptr<net::Stream> stream, std::shared_ptr<net::SessionHandle> handle, Mode mode,
          std::shared_ptr<Services> services);
  ~Session();
  asio::awaitable<void> run();

 private:
  using Handler = asio::awaitable<void> (Session::*)(const codec::Command&);
  struct CommandSpec {
    codec::Verb verb;
    Handler handler;
    bool in_authorization;
    bool in_transaction;
  };
  static const CommandSpec* find_spec(codec::Verb verb);

  asio::awaitable<void> dispatch(const std::string& line);
  asio::awaitable<void> cmd_capa(const codec::Command& c);
  asio::awaitable<void> cmd_stls(const codec::Command& c);
  asio::awaitable<void> cmd_user(const codec::Command& c);
  asio::awaitable<void> cmd_pass(const codec::Command& c);
  asio::awaitable<void> cmd_auth(const codec::Command& c);
  asio::awaitable<void> cmd_stat(const codec::Command& c);
  asio::awaitable<void> cmd_list(const codec::Command& c);
  asio::awaitable<void> cmd_uidl(const codec::Command& c);
  asio::awaitable<void> cmd_retr(const codec::Command& c);
  asio::awaitable<void> cmd_top(const codec::Command& c);
  asio::awaitable<void> cmd_dele(const codec::Command& c);
  asio::awaitable<void> cmd_rset(const codec::Command& c);
  asio::awaitable<void> cmd_noop(const codec::Command& c);
  asio::awaitable<void> cmd_quit(const codec::Command& c);

  asio::awaitable<bool> fill();
  asio::awaitable<bool> flush();
  void send(std::string_view s) { out_.add(s); }
  void client_error();
  bool auth_allowed() const;
  bool tls_available() const;
  // After a successful login: lock the maildrop and take the snapshot.
  asio::awaitable<void> enter_transaction(store::Account account);
  // Resolves a message-number argument; sends -ERR and returns nullptr if bad.
  Entry* message_arg(const std::string& arg);
  asio::awaitable<void> send_message(uint32_t uid, std::optional<uint64_t> top_lines);
  std::string uidl_of(const Entry& e) const;

  std::shared_ptr<net::Stream> stream_;
  std::shared_ptr<net::SessionHandle> handle_;
  Mode mode_;
  std::shared_ptr<Services> services_;
  std::shared_ptr<const Settings> settings_;
  codec::LineDecoder decoder_;
  session::LoginContext login_;
  std::string id_;
  session::ReplyQueue out_;
  State state_ = State::authorization;
  unsigned errors_ = 0;
  bool closing_ = false;
  std::string user_;            // from USER
  std::optional<store::Account> account_;
  bool locked_ = false;
  int64_t mailbox_id_ = 0;
  uint32_t uidvalidity_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace postamt::pop3
