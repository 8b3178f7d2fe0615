// APPEND, with MULTIAPPEND, flags, date-time, binary and UTF8 literals, and
// APPENDUID. The message is parsed once here (ENVELOPE, BODYSTRUCTURE, preview and
// search text: DESIGN §5) and stored durably before OK (DESIGN §5).
// Handles untrusted input: the message bytes and their options.
// RFCs: 9051 §6.3.12; 3502 (MULTIAPPEND: all or nothing); 4315 §3 (APPENDUID);
// 7889 (APPENDLIMIT); 3516 §4.4 (literal8); 6855 §4 (UTF8); 5530 (OVERQUOTA).
#include "delivery/summary.h"
#include "imap/session.h"
#include "proto/imap/append_args.h"

namespace postamt::imap {

asio::awaitable<void> Session::cmd_append(Request& r) {
  auto args = codec::parse_append(r.args, 0, utf8());
  if (!args) co_return bad(args.error().message);
  for (const auto& m : args->messages) {
    if (m.data.empty()) co_return no("Empty message");
    if (m.data.size() > settings_->max_message_size) co_return no("Message too large", "TOOBIG");
  }
  store::Store* st = &services_->store;
  int64_t account_id = account_->id;
  std::string name = args->mailbox;
  const codec::AppendArgs* a = &*args;  // lives in this frame while the worker runs
  auto work = [st, account_id, name, a]() -> Result<store::AppendResult> {
    auto mb = st->get_mailbox(account_id, name);
    if (!mb) return mb.error();
    std::vector<store::AppendMessage> msgs;
    msgs.reserve(a->messages.size());
    for (const auto& m : a->messages) {
      store::AppendMessage am;
      am.bytes = m.data;
      am.summary = delivery::summarize(m.data);
      am.flags = m.flags;
      am.internal_date = m.internal_date ? m.internal_date->unix_seconds : 0;
      msgs.push_back(std::move(am));
    }
    return st->append(account_id, mb->id, msgs);
  };
  auto res = co_await offload(std::move(work));
  if (!res) {
    // RFC 9051 §6.3.12: TRYCREATE tells the client to CREATE the mailbox first.
    if (res.error().code == ErrorCode::not_found) co_return no("Mailbox does not exist", "TRYCREATE");
    co_return fail(res.error());
  }
  std::string uids;
  for (size_t i = 0; i < res->uids.size(); ++i) {
    if (i) uids += ',';
    uids += std::to_string(res->uids[i]);
  }
  // UIDs of one APPEND are consecutive, so the compact form keeps the order (RFC 4315 §3).
  if (res->uids.size() > 1 && res->uids.back() == res->uids.front() + res->uids.size() - 1)
    uids = std::to_string(res->uids.front()) + ":" + std::to_string(res->uids.back());
  ok("APPEND completed", "APPENDUID " + std::to_string(res->uidvalidity) + " " + uids);
}

}  // namespace postamt::imap
