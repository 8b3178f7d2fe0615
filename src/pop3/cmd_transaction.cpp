// POP3 TRANSACTION-state commands and the UPDATE state: STAT, LIST, UIDL, RETR,
// TOP, DELE, RSET, NOOP, QUIT.
// Handles untrusted input: message numbers and line counts.
// RFCs: 1939 §5 §6 §7, 2449 §6.
#include <spdlog/spdlog.h>

#include "base/strings.h"
#include "net/runtime.h"
#include "pop3/session.h"

namespace postamt::pop3 {

std::string Session::uidl_of(const Entry& e) const {
  // RFC 1939 §7: unique and never changing. UIDVALIDITY never changes for an
  // existing mailbox and UIDs are never reused, so the pair is stable forever.
  return std::to_string(uidvalidity_) + "." + std::to_string(e.uid);
}

Entry* Session::message_arg(const std::string& arg) {
  auto n = codec::parse_msg_number(arg);
  if (!n || *n == 0 || *n > entries_.size()) {
    send(codec::err("No such message"));
    return nullptr;
  }
  Entry& e = entries_[*n - 1];
  if (e.deleted) {
    send(codec::err("Message already deleted"));  // RFC 1939 §5
    return nullptr;
  }
  return &e;
}

asio::awaitable<void> Session::cmd_stat(const codec::Command&) {
  uint64_t count = 0, size = 0;
  for (const auto& e : entries_)
    if (!e.deleted) {
      ++count;
      size += e.size;
    }
  send(codec::ok(std::to_string(count) + " " + std::to_string(size)));
  co_return;
}

asio::awaitable<void> Session::cmd_list(const codec::Command& c) {
  if (!c.args.empty()) {
    if (Entry* e = message_arg(c.args[0]))
      send(codec::ok(c.args[0] + " " + std::to_string(e->size)));
    co_return;
  }
  std::string s = codec::ok("Scan list follows");
  for (size_t i = 0; i < entries_.size(); ++i)
    if (!entries_[i].deleted) s += std::to_string(i + 1) + " " + std::to_string(entries_[i].size) + "\r\n";
  s += ".\r\n";
  send(std::move(s));
}

asio::awaitable<void> Session::cmd_uidl(const codec::Command& c) {
  if (!c.args.empty()) {
    if (Entry* e = message_arg(c.args[0])) send(codec::ok(c.args[0] + " " + uidl_of(*e)));
    co_return;
  }
  std::string s = codec::ok("Unique-ID listing follows");
  for (size_t i = 0; i < entries_.size(); ++i)
    if (!entries_[i].deleted) s += std::to_string(i + 1) + " " + uidl_of(entries_[i]) + "\r\n";
  s += ".\r\n";
  send(std::move(s));
}

asio::awaitable<void> Session::cmd_retr(const codec::Command& c) {
  if (c.args.empty()) {
    send(codec::err("Syntax: RETR msg"));
    co_return;
  }
  Entry* e = message_arg(c.args[0]);
  if (!e) co_return;
  co_await send_message(e->uid, std::nullopt);
}

asio::awaitable<void> Session::cmd_top(const codec::Command& c) {
  // The codec checked both arguments (RFC 1939 §7: msg and a non-negative n).
  Entry* e = message_arg(c.args[0]);
  if (!e) co_return;
  co_await send_message(e->uid, parse_u64(c.args[1]).value_or(0));
}

// Streams the stored message in chunks (never the whole message in memory),
// dot-stuffed (RFC 1939 §3), optionally through the TOP filter.
asio::awaitable<void> Session::send_message(uint32_t uid, std::optional<uint64_t> top_lines) {
  store::Store* st = &services_->store;
  int64_t mailbox = mailbox_id_;
  auto open = [st, mailbox, uid]() { return st->open_message(mailbox, uid); };
  auto reader = co_await net::offload(services_->runtime.workers(), std::move(open));
  if (!reader) {
    spdlog::error("pop3[{}] cannot read uid={}: {}", id_, uid, reader.error().describe());
    send(codec::err("Cannot read message, try again later", "SYS/TEMP"));
    co_return;
  }
  std::shared_ptr<store::MessageReader> r = std::move(*reader);
  send(codec::ok(top_lines ? std::string("Top of message follows") : std::to_string(r->size()) + " octets"));
  codec::DotStuffer stuffer;
  std::optional<codec::TopFilter> top;
  if (top_lines) top.emplace(*top_lines);
  constexpr size_t kChunk = 64 * 1024;
  for (;;) {
    auto read = [r]() -> Result<std::string> {
      std::string buf(kChunk, '\0');
      auto n = r->read(buf.data(), buf.size());
      if (!n) return n.error();
      buf.resize(*n);
      return buf;
    };
    Result<std::string> chunk = co_await net::offload(services_->runtime.workers(), std::move(read));
    if (!chunk) {
      // Mid-response failure: the only safe thing is to drop the connection.
      spdlog::error("pop3[{}] read failed uid={}: {}", id_, uid, chunk.error().describe());
      closing_ = true;
      co_return;
    }
    if (chunk->empty()) break;
    std::string data = top ? top->feed(*chunk) : std::move(*chunk);
    send(stuffer.encode(data));
    if (!co_await flush()) {
      closing_ = true;
      co_return;
    }
    if (top && top->done()) break;
  }
  send(stuffer.finish());
}

asio::awaitable<void> Session::cmd_dele(const codec::Command& c) {
  if (c.args.empty()) {
    send(codec::err("Syntax: DELE msg"));
    co_return;
  }
  Entry* e = message_arg(c.args[0]);
  if (!e) co_return;
  e->deleted = true;  // RFC 1939 §6: removed only in the UPDATE state
  send(codec::ok("Message deleted"));
}

asio::awaitable<void> Session::cmd_rset(const codec::Command&) {
  for (auto& e : entries_) e.deleted = false;
  send(codec::ok("Reset"));
  co_return;
}

asio::awaitable<void> Session::cmd_noop(const codec::Command&) {
  send(codec::ok(""));
  co_return;
}

asio::awaitable<void> Session::cmd_quit(const codec::Command&) {
  closing_ = true;
  if (state_ != State::transaction) {
    send(codec::ok("Bye"));
    co_return;
  }
  // RFC 1939 §6 UPDATE state: the deletions become durable before +OK.
  std::vector<uint32_t> uids;
  for (const auto& e : entries_)
    if (e.deleted) uids.push_back(e.uid);
  if (!uids.empty()) {
    store::Store* st = &services_->store;
    int64_t mailbox = mailbox_id_;
    auto expunge = [st, mailbox, uids]() { return st->expunge(mailbox, uids); };
    Result<void> r = co_await net::offload(services_->runtime.workers(), std::move(expunge));
    if (!r) {
      spdlog::error("pop3[{}] expunge failed: {}", id_, r.error().describe());
      send(codec::err("Some deleted messages not removed", "SYS/TEMP"));
      co_return;
    }
    spdlog::info("pop3[{}] expunged {} messages user={}", id_, uids.size(), account_->address);
  }
  send(codec::ok("Bye"));
}

}  // namespace postamt::pop3
