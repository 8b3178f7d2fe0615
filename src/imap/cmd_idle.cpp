// IDLE: untagged updates the moment another session, an SMTP delivery or a POP3
// deletion commits (DESIGN §2: broadcast after commit), until the client sends
// DONE. Handles untrusted input: what the client sends while idling.
// RFCs: 2177; 9051 §6.3.13.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "base/strings.h"
#include "imap/session.h"

namespace postamt::imap {

namespace {
// One outstanding read while idling; it wakes the session's watcher when done.
struct IdleRead {
  char buf[2048];
  size_t n = 0;
  bool done = false;
};
}  // namespace

asio::awaitable<void> Session::cmd_idle(Request& r) {
  if (!r.args.empty()) co_return bad("IDLE takes no arguments");
  co_await sync(true);
  send("+ idling\r\n");
  if (!co_await flush()) {
    closing_ = true;
    co_return;
  }
  auto read = std::make_shared<IdleRead>();
  std::shared_ptr<net::Stream> stream = stream_;
  std::shared_ptr<Watcher> watcher = watcher_;
  bool reading = false;
  bool finished = false;
  handle_->set_idle(true);
  while (!finished && !closing_) {
    // RFC 2177 §3: bytes that arrived before IDLE was answered belong to DONE too.
    auto ev = tokenizer_.next();
    if (auto* line = std::get_if<codec::Line>(&ev)) {
      if (iequals(trim(line->text), "DONE")) {
        finished = true;
        break;
      }
      send("* BAD Expected DONE\r\n");  // RFC 2177 §3: anything else ends IDLE too
      client_error();
      finished = true;
      break;
    }
    if (!std::holds_alternative<codec::NeedMore>(ev)) {
      send("* BAD Expected DONE\r\n");
      client_error();
      finished = true;
      break;
    }
    if (services_->registry.draining()) {
      send("* BYE [UNAVAILABLE] Server shutting down\r\n");
      closing_ = true;
      break;
    }
    if (!reading) {
      reading = true;
      read->done = false;
      auto reader = [stream, read, watcher]() -> asio::awaitable<void> {
        read->n = co_await stream->read_some(read->buf, sizeof read->buf);
        read->done = true;
        watcher->poke();
      };
      auto ex = co_await asio::this_coro::executor;
      asio::co_spawn(ex, std::move(reader), asio::detached);
    }
    co_await watcher_->wait();
    if (read->done) {
      reading = false;
      if (read->n == 0) {
        closing_ = true;
        break;
      }
      tokenizer_.feed(std::string_view(read->buf, read->n));
      continue;
    }
    if (watcher_->changed()) {
      co_await sync(true);
      if (!co_await flush()) {
        closing_ = true;
        break;
      }
    }
  }
  handle_->set_idle(false);
  if (reading) {
    // The connection is going away; the outstanding read ends with the stream.
    stream_->close();
    closing_ = true;
    co_return;
  }
  if (finished) ok("IDLE terminated");
}

}  // namespace postamt::imap
