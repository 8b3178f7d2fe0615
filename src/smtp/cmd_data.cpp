// SMTP DATA and BDAT: receive the message content, add Received:, hand it to
// delivery, answer 250 only after it is on stable storage.
// Handles untrusted input: message content (bounded by max_message_size).
// RFCs: 5321 §3.3 §4.1.1.4 §4.4 §4.5.2, 3030 (CHUNKING), 1870 (SIZE), 3848.
#include <spdlog/spdlog.h>

#include <ctime>
#include <memory>

#include "auth/random.h"
#include "base/strings.h"
#include "net/runtime.h"
#include "smtp/session.h"

namespace postamt::smtp {

namespace {

bool has_bare_line_ending(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return true;
    if (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n')) return true;
  }
  return false;
}

std::string rfc5322_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string hex_id() {
  static const char* kHex = "0123456789ABCDEF";
  std::string raw = auth::random_bytes(6), id;
  for (unsigned char c : raw) {
    id += kHex[c >> 4];
    id += kHex[c & 15];
  }
  return id;
}

}  // namespace

std::string Session::protocol_name() const {
  // RFC 3848 / RFC 6531 §3.7.3 "with" keywords.
  std::string p = smtputf8_ ? "UTF8SMTP" : (esmtp_ ? "ESMTP" : "SMTP");
  if (stream_->is_tls()) p += "S";
  if (user_) p += "A";
  return p;
}

std::string Session::received_header(const std::string& queue_id) const {
  // RFC 5321 §4.4 trace information.
  std::string h = "Received: from " + helo_ + " ([" + stream_->remote_ip() + "])\r\n\tby " + settings_->hostname +
                  " (Postamt) with " + protocol_name() + " id " + queue_id;
  if (local_.size() + remote_.size() == 1) {
    const std::string& rcpt = local_.empty() ? remote_.front().address : local_.front().address;
    h += "\r\n\tfor <" + rcpt + ">";
  }
  h += ";\r\n\t" + rfc5322_date(std::time(nullptr)) + "\r\n";
  return h;
}

asio::awaitable<void> Session::cmd_data(const codec::Command& c) {
  if (!c.argument.empty()) {
    reply(501, "5.5.4", "Syntax: DATA");
    client_error();
    co_return;
  }
  if (state_ < State::mail || !bdat_message_.empty() || bdat_failed_) {
    reply(503, "5.5.1", "Need MAIL and RCPT first");
    client_error();
    co_return;
  }
  if (state_ == State::mail) {
    // RFC 2920 §3.1: all recipients failed in the pipelined group.
    reply(554, "5.5.1", "No valid recipients");
    co_return;
  }
  reply(354, "", "End data with <CR><LF>.<CR><LF>");
  if (!co_await flush()) {
    closing_ = true;
    co_return;
  }
  decoder_.start_data();
  stream_->set_timeout(settings_->data_timeout);
  // Past the size limit the decoder discards content but still waits for the
  // terminator; a client that never stops sending is cut off here.
  const uint64_t cutoff = settings_->max_message_size + settings_->max_message_size / 2 + (1u << 20);
  uint64_t received = 0;
  for (;;) {
    auto ev = decoder_.next();
    if (auto* done = std::get_if<codec::DataDone>(&ev)) {
      stream_->set_timeout(settings_->command_timeout);
      if (done->too_big) {
        reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
        reset_transaction();
      } else if (done->bare_line_ending && !settings_->normalize_bare_line_endings) {
        // DESIGN §6: bare CR or LF is refused, so nothing we store or relay has one.
        reply(554, "5.6.0", "Message contains bare CR or LF line endings (RFC 5321 §2.3.8)");
        reset_transaction();
      } else {
        co_await finish_message(std::move(done->content));
      }
      co_return;
    }
    if (!std::holds_alternative<codec::NeedMore>(ev)) continue;
    size_t before = decoder_.buffered();
    if (!co_await fill()) {
      closing_ = true;
      co_return;
    }
    received += decoder_.buffered() > before ? decoder_.buffered() - before : 0;
    if (received > cutoff) {
      reply(552, "5.3.4", "Message size exceeds fixed maximum message size, closing");
      spdlog::info("smtp[{}] endless DATA cut off rip={}", id_, stream_->remote_ip());
      closing_ = true;
      co_return;
    }
  }
}

asio::awaitable<void> Session::cmd_bdat(const codec::Command& c) {
  if (c.bdat_size > settings_->max_message_size) {
    // Reading (and discarding) an absurd chunk would keep us busy for nothing.
    reply(552, "5.3.4", "Chunk exceeds fixed maximum message size, closing");
    closing_ = true;
    co_return;
  }
  // RFC 3030 §2: the chunk is always consumed, even when the command fails.
  decoder_.start_bdat(c.bdat_size, bdat_message_.size());
  stream_->set_timeout(settings_->data_timeout);
  std::optional<codec::BdatDone> chunk;
  while (!chunk) {
    auto ev = decoder_.next();
    if (auto* done = std::get_if<codec::BdatDone>(&ev)) {
      chunk = std::move(*done);
      break;
    }
    if (!co_await fill()) {
      closing_ = true;
      co_return;
    }
  }
  stream_->set_timeout(settings_->command_timeout);
  if (state_ < State::mail) {
    reply(503, "5.5.1", "Need MAIL and RCPT first");
    client_error();
    co_return;
  }
  if (state_ == State::mail) {
    reply(554, "5.5.1", "No valid recipients");
    if (c.bdat_last) reset_transaction();
    co_return;
  }
  if (chunk->too_big) bdat_too_big_ = true;
  if (!bdat_too_big_ && !bdat_failed_) bdat_message_ += chunk->chunk;
  if (!c.bdat_last) {
    if (bdat_too_big_)
      reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
    else
      reply(250, "2.0.0", std::to_string(chunk->chunk.size()) + " octets received");
    co_return;
  }
  if (bdat_too_big_) {
    reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
    reset_transaction();
    co_return;
  }
  if (!settings_->normalize_bare_line_endings && has_bare_line_ending(bdat_message_)) {
    reply(554, "5.6.0", "Message contains bare CR or LF line endings (RFC 5321 §2.3.8)");
    reset_transaction();
    co_return;
  }
  std::string content;
  content.swap(bdat_message_);
  co_await finish_message(std::move(content));
}

asio::awaitable<void> Session::finish_message(std::string content) {
  std::string queue_id = hex_id();
  auto message = std::make_shared<std::string>(received_header(queue_id));
  message->append(content);
  content.clear();
  content.shrink_to_fit();

  delivery::Envelope env;
  env.mail_from = mail_from_;
  env.local = local_;
  env.remote = remote_;
  env.auth_user = user_ ? user_->address : std::string();
  env.smtputf8 = smtputf8_;
  env.body_8bit = body_8bit_;
  store::Store* st = &services_->store;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto work = [st, message, env, now]() { return delivery::deliver(*st, *message, env, now); };
  Result<store::DeliveryResult> r = co_await net::offload(services_->runtime.workers(), std::move(work));
  size_t nrcpt = local_.size() + remote_.size();
  reset_transaction();
  if (!r) {
    spdlog::error("smtp[{}] delivery failed id={}: {}", id_, queue_id, r.error().describe());
    if (r.error().code == ErrorCode::no_quota)
      reply(552, "5.2.2", "Mailbox full");
    else if (r.error().code == ErrorCode::too_big)
      reply(552, "5.3.4", "Message too big");
    else
      reply(451, "4.3.0", "Local error in processing, try again later");
    co_return;
  }
  spdlog::info("smtp[{}] accepted id={} size={} from=<{}> nrcpt={} rip={}", id_, queue_id, message->size(), env.mail_from,
               nrcpt, stream_->remote_ip());
  for (const auto& p : r->placed)
    spdlog::info("smtp[{}] delivered id={} account={} mailbox={} uid={}", id_, queue_id, p.account_id, p.mailbox_id,
                 p.uid);
  for (int64_t a : r->over_quota) spdlog::warn("smtp[{}] over quota id={} account={}", id_, queue_id, a);
  if (!r->queue_id.empty()) spdlog::info("smtp[{}] queued id={} queue={} nrcpt={}", id_, queue_id, r->queue_id, env.remote.size());
  if (r->placed.empty() && r->queue_id.empty() && !r->over_quota.empty()) {
    reply(552, "5.2.2", "Mailbox full");
    co_return;
  }
  reply(250, "2.0.0", "OK id=" + queue_id);
}

}  // namespace postamt::smtp
