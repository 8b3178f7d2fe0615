// Local delivery and queueing; see local_delivery.h.
#include "delivery/local_delivery.h"

#include <set>

#include "delivery/summary.h"

namespace postamt::delivery {

Result<store::DeliveryResult> deliver(store::Store& store, std::string_view message, const Envelope& env,
                                      int64_t now) {
  store::NewMessage msg;
  msg.bytes = message;
  msg.internal_date = now;
  if (!env.local.empty()) msg.summary = summarize(message);
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
  return store.deliver(msg);
}

}  // namespace postamt::delivery
