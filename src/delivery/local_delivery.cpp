// Local delivery and queueing; see local_delivery.h.
#include "delivery/local_delivery.h"

#include <set>

#include "delivery/summary.h"

namespace postamt::delivery {

namespace {

// Everything but the bytes: targets with their trace headers, the queue entry.
store::NewMessage build(const Envelope& env, int64_t now) {
  store::NewMessage msg;
  msg.internal_date = now;
  // An account reached through several addresses (aliases) gets one copy, traced
  // with the first address that reached it.
  std::set<int64_t> seen;
  for (const auto& r : env.local) {
    for (int64_t account : r.accounts) {
      if (!seen.insert(account).second) continue;
      store::DeliveryTarget t;
      t.account_id = account;
      t.mailbox = "INBOX";
      t.trace_prefix = "Return-Path: <" + env.mail_from + ">\r\nDelivered-To: " + r.address + "\r\n";
      msg.targets.push_back(std::move(t));
    }
  }
  if (!env.remote.empty()) {
    store::OutboundMessage out;
    out.mail_from = env.mail_from;
    out.recipients = env.remote;
    out.auth_user = env.auth_user;
    out.smtputf8 = env.smtputf8;
    out.body_8bit = env.body_8bit;
    msg.outbound = std::move(out);
  }
  return msg;
}

}  // namespace

Result<store::DeliveryResult> deliver(store::Store& store, std::string_view message, const Envelope& env,
                                      int64_t now) {
  store::NewMessage msg = build(env, now);
  msg.bytes = message;
  if (!msg.targets.empty()) msg.summary = summarize(message);
  return store.deliver(msg);
}

Result<store::DeliveryResult> deliver_blob(store::Store& store, const std::string& blob_id, uint64_t blob_size,
                                           const Envelope& env, int64_t now) {
  store::NewMessage msg = build(env, now);
  msg.blob_id = blob_id;
  msg.blob_size = blob_size;
  if (!msg.targets.empty()) {
    // Parse once, here on the worker pool: the session never held the whole message.
    auto reader = store.open_blob(blob_id);
    if (!reader) return reader.error();
    std::string bytes;
    bytes.reserve(static_cast<size_t>(blob_size));
    std::string buf(64 * 1024, '\0');
    for (;;) {
      auto n = (*reader)->read(buf.data(), buf.size());
      if (!n) return n.error();
      if (*n == 0) break;
      bytes.append(buf.data(), *n);
    }
    msg.summary = summarize(bytes);
  }
  return store.deliver(msg);
}

}  // namespace postamt::delivery
