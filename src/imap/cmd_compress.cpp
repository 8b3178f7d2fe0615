// COMPRESS DEFLATE and the QUOTA commands. Handles untrusted input: arguments.
// RFCs: 4978 (COMPRESS), 9208 (QUOTA: GETQUOTA, GETQUOTAROOT, SETQUOTA).
#include <spdlog/spdlog.h>

#include "imap/deflate_stream.h"
#include "imap/session.h"

namespace postamt::imap {

asio::awaitable<void> Session::cmd_compress(Request& r) {
  if (r.args.size() != 1 || !r.args[0].is_atom("DEFLATE")) co_return bad("Only COMPRESS DEFLATE is supported");
  // RFC 4978 §3: a second COMPRESS gets NO [COMPRESSIONACTIVE].
  if (compressed_) co_return no("Compression already active", "COMPRESSIONACTIVE");
  send(r.tag + " OK DEFLATE active\r\n");
  if (!co_await flush()) {
    closing_ = true;
    co_return;
  }
  auto wrapped = make_deflate_stream(stream_);
  if (!wrapped) {
    spdlog::error("imap[{}] zlib init failed", id_);
    closing_ = true;
    co_return;
  }
  // Bytes the client pipelined after COMPRESS are compressed; none may be buffered in clear.
  tokenizer_.discard_buffered();
  stream_ = std::move(wrapped);
  compressed_ = true;
}

namespace {
std::string quota_line(const store::Account& a) {
  // RFC 9208 §5.1: STORAGE in units of 1024 octets.
  return "QUOTA \"\" (STORAGE " + std::to_string((a.used_bytes + 1023) / 1024) + " " +
         std::to_string(a.quota_bytes / 1024) + ")";
}
}  // namespace

asio::awaitable<void> Session::cmd_getquota(Request& r) {
  if (r.args.size() != 1 || !r.args[0].is_astring()) co_return bad(r.name + " needs one argument");
  store::Store* st = &services_->store;
  int64_t account_id = account_->id;
  bool root_query = r.name == "GETQUOTAROOT";
  std::string name;
  if (root_query) {
    auto n = mailbox_arg(r.args[0]);
    if (!n) co_return bad(n.error().message);
    name = *n;
  } else if (!r.args[0].text.empty()) {
    co_return no("No such quota root", "NONEXISTENT");
  }
  auto work = [st, account_id, name, root_query]() -> Result<store::Account> {
    if (root_query) {
      auto mb = st->get_mailbox(account_id, name);
      if (!mb) return mb.error();
    }
    return st->get_account(account_id);
  };
  auto acc = co_await offload(std::move(work));
  if (!acc) co_return fail(acc.error());
  // One quota root "" per account, and only when a limit is set (RFC 9208 §4.3).
  bool limited = acc->quota_bytes != 0;
  if (root_query) untagged("QUOTAROOT " + mailbox_out(name) + (limited ? " \"\"" : ""));
  if (limited)
    untagged(quota_line(*acc));
  else if (!root_query)
    co_return no("No such quota root", "NONEXISTENT");
  ok(r.name + " completed");
}

asio::awaitable<void> Session::cmd_setquota(Request& r) {
  (void)r;
  // RFC 9208 §4.1: limits are the administrator's (`postamt user quota`).
  no("Quotas are set by the administrator", "NOPERM");
  co_return;
}

}  // namespace postamt::imap
