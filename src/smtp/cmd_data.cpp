// SMTP DATA and BDAT: receive the message content, add Received:, hand it to
// delivery, answer 250 only after it is on stable storage.
// Handles untrusted input: message content (bounded by max_message_size).
// RFCs: 5321 §3.3 §4.1.1.4 §4.4 §4.5.2, 3030 (CHUNKING), 1870 (SIZE), 3848.
#include <spdlog/spdlog.h>

#include <ctime>
#include <memory>

#include <boost/asio/post.hpp>

#include "auth/random.h"
#include "base/strings.h"
#include "net/runtime.h"
#include "smtp/session.h"

namespace postamt::smtp {

namespace {

std::string rfc5322_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string hex_id() { return hex_encode(auth::random_bytes(6), true); }

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

// The message being received goes straight to storage (Store::begin_blob), so a
// session holds at most one content chunk in memory, never the whole message.
asio::awaitable<void> Session::spool_open() {
  queue_id_ = hex_id();
  store::Store* st = &services_->store;
  auto begin = [st]() { return st->begin_blob(); };
  auto writer = co_await net::offload(services_->runtime.workers(), std::move(begin));
  if (!writer) {
    spdlog::error("smtp[{}] cannot spool id={}: {}", id_, queue_id_, writer.error().describe());
    spool_failed_ = true;
    co_return;
  }
  spool_ = std::move(*writer);
  co_await spool_write(received_header(queue_id_));
}

asio::awaitable<void> Session::spool_write(std::string bytes) {
  if (!spool_ || spool_failed_ || bytes.empty()) co_return;
  store::BlobWriter* w = spool_.get();
  auto write = [w, data = std::move(bytes)]() { return w->write(data); };
  Result<void> r = co_await net::offload(services_->runtime.workers(), std::move(write));
  if (!r) {
    spdlog::error("smtp[{}] spool write failed id={}: {}", id_, queue_id_, r.error().describe());
    spool_failed_ = true;
  }
}

void Session::spool_discard() {
  // Removing the unfinished file is disk work: leave it to the worker pool.
  if (spool_) asio::post(services_->runtime.workers(), [w = std::shared_ptr<store::BlobWriter>(std::move(spool_))] {});
  spool_failed_ = false;
}

asio::awaitable<void> Session::cmd_data(const codec::Command& c) {
  if (!c.argument.empty()) {
    reply(501, "5.5.4", "Syntax: DATA");
    client_error();
    co_return;
  }
  if (state_ < State::mail || bdat_started_) {
    reply(503, "5.5.1", "Need MAIL and RCPT first");  // RFC 3030 §3: no DATA after BDAT
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
  co_await spool_open();
  decoder_.start_data();
  stream_->set_timeout(settings_->data_timeout);
  // Past the size limit the decoder discards content but still waits for the
  // terminator; a client that never stops sending is cut off here.
  const uint64_t cutoff = settings_->max_message_size + settings_->max_message_size / 2 + (1u << 20);
  uint64_t received = 0;
  for (;;) {
    auto ev = decoder_.next();
    if (auto* piece = std::get_if<codec::ContentChunk>(&ev)) {
      co_await spool_write(std::move(piece->bytes));
      continue;
    }
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
        co_await spool_write(std::move(done->content));
        co_await finish_message();
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
  // Only a transaction with recipients and no earlier failure keeps the content.
  const bool keep = state_ == State::rcpt && !bdat_too_big_;
  if (keep && !spool_ && !spool_failed_) co_await spool_open();
  // RFC 3030 §2: the chunk is always consumed, even when the command fails.
  decoder_.start_bdat(c.bdat_size, bdat_bytes_, c.bdat_last);
  stream_->set_timeout(settings_->data_timeout);
  std::optional<codec::BdatDone> chunk;
  uint64_t streamed = 0;
  while (!chunk) {
    auto ev = decoder_.next();
    if (auto* done = std::get_if<codec::BdatDone>(&ev)) {
      chunk = std::move(*done);
      break;
    }
    if (auto* piece = std::get_if<codec::ContentChunk>(&ev)) {
      streamed += piece->bytes.size();
      if (keep) co_await spool_write(std::move(piece->bytes));
      continue;
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
  bdat_started_ = true;
  if (chunk->too_big) bdat_too_big_ = true;
  if (chunk->bare_line_ending) bdat_bare_ = true;
  if (keep && !bdat_too_big_) {
    bdat_bytes_ += streamed + chunk->chunk.size();
    co_await spool_write(std::move(chunk->chunk));
  }
  if (!c.bdat_last) {
    if (bdat_too_big_)
      reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
    else
      reply(250, "2.0.0", std::to_string(c.bdat_size) + " octets received");
    co_return;
  }
  if (bdat_too_big_) {
    reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
    reset_transaction();
    co_return;
  }
  if (bdat_bare_ && !settings_->normalize_bare_line_endings) {
    reply(554, "5.6.0", "Message contains bare CR or LF line endings (RFC 5321 §2.3.8)");
    reset_transaction();
    co_return;
  }
  co_await finish_message();
}

asio::awaitable<void> Session::finish_message() {
  std::string queue_id = queue_id_;
  store::BlobWriter* w = spool_.get();
  if (!w || spool_failed_) {
    reset_transaction();
    reply_error(Error::make(ErrorCode::temp, "spool failed"));
    co_return;
  }
  // Durable bytes first (fsync + rename), then the metadata transaction.
  auto finish = [w]() { return w->finish(); };
  Result<std::string> blob = co_await net::offload(services_->runtime.workers(), std::move(finish));
  uint64_t size = w->size();
  if (!blob) {
    spdlog::error("smtp[{}] spool finish failed id={}: {}", id_, queue_id, blob.error().describe());
    reset_transaction();
    reply_error(Error::make(ErrorCode::temp, "spool finish failed"));
    co_return;
  }

  delivery::Envelope env;
  env.mail_from = mail_from_;
  env.local = local_;
  env.remote = remote_;
  env.auth_user = user_ ? user_->address : std::string();
  env.smtputf8 = smtputf8_;
  env.body_8bit = body_8bit_;
  store::Store* st = &services_->store;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::string blob_id = *blob;
  auto work = [st, blob_id, size, env, now]() { return delivery::deliver_blob(*st, blob_id, size, env, now); };
  Result<store::DeliveryResult> r = co_await net::offload(services_->runtime.workers(), std::move(work));
  size_t nrcpt = local_.size() + remote_.size();
  reset_transaction();
  if (!r) {
    spdlog::error("smtp[{}] delivery failed id={}: {}", id_, queue_id, r.error().describe());
    reply_error(r.error());
    co_return;
  }
  spdlog::info("smtp[{}] accepted id={} size={} from=<{}> nrcpt={} rip={}", id_, queue_id, size, env.mail_from, nrcpt,
               stream_->remote_ip());
  for (const auto& p : r->placed)
    spdlog::info("smtp[{}] delivered id={} account={} mailbox={} uid={}", id_, queue_id, p.account_id, p.mailbox_id,
                 p.uid);
  for (int64_t a : r->over_quota) spdlog::warn("smtp[{}] over quota id={} account={}", id_, queue_id, a);
  if (!r->queue_id.empty())
    spdlog::info("smtp[{}] queued id={} queue={} nrcpt={}", id_, queue_id, r->queue_id, env.remote.size());
  if (r->placed.empty() && r->queue_id.empty() && !r->over_quota.empty()) {
    reply(552, "5.2.2", "Mailbox full");
    co_return;
  }
  reply(250, "2.0.0", "OK id=" + queue_id);
}

}  // namespace postamt::smtp
