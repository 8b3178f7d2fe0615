// Shared set-up for session tests: a memory store with example.test, alice and
// bob, a runtime whose worker pool serves offload(), and a runner that drives one
// session over a MemoryStream to completion.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <deque>
#include <memory>
#include <string>

#include "auth/login_throttle.h"
#include "auth/password.h"
#include "memory_stream.h"
#include "net/listener.h"
#include "net/runtime.h"
#include "store/memory/memory_store.h"

namespace postamt::testing {

class SessionFixture {
 public:
  SessionFixture() : rt(1, 2) { reset_store(); }

  // A fresh store with example.test, alice and bob.
  void reset_store() {
    store = store::make_memory_store();
    (void)store->add_domain("example.test");
    add_user("alice@example.test", "alice-pw");
    add_user("bob@example.test", "bob-pw");
  }

  void add_user(const std::string& address, const std::string& password) {
    auto hash = auth::hash_password(password);
    auto k = auth::derive_scram_sha256(password);
    store::ScramKeys keys{k.salt, k.iterations, k.stored_key, k.server_key};
    (void)store->add_account(address, *hash, keys, 0);
  }

  // Runs `start(stream, handle)` until the session ends; returns what the server sent.
  template <class Start>
  std::string run(std::deque<std::string> chunks, Start start, bool loopback = true) {
    auto stream = std::make_shared<MemoryStream>(std::move(chunks), loopback);
    auto handle = std::make_shared<net::SessionHandle>(stream);
    auto& ctx = rt.main_context();
    boost::asio::co_spawn(ctx, start(stream, handle), boost::asio::detached);
    ctx.restart();
    // The work guard keeps run() from returning; poll until the session is done.
    while (stream.use_count() > 1) ctx.run_one();
    return stream->output;
  }

  // Messages in a user's INBOX, as stored (trace prefix included).
  std::vector<std::string> inbox(const std::string& address) {
    std::vector<std::string> out;
    auto acct = store->find_account(address);
    auto mb = store->get_mailbox(acct->id, "INBOX");
    for (const auto& m : *store->list_messages(mb->id)) {
      auto r = store->open_message(mb->id, m.uid);
      std::string s(1 << 16, '\0'), all;
      for (;;) {
        auto n = (*r)->read(s.data(), s.size());
        if (!n || *n == 0) break;
        all.append(s.data(), *n);
      }
      out.push_back(all);
    }
    return out;
  }

  std::unique_ptr<store::Store> store;
  net::Runtime rt;
  net::SessionRegistry registry;
  auth::LoginThrottle throttle;
};

// Splits a byte string into one chunk per byte (the harshest client).
inline std::deque<std::string> bytewise(const std::string& s) {
  std::deque<std::string> out;
  for (char c : s) out.emplace_back(1, c);
  return out;
}

}  // namespace postamt::testing
