// COPY, MOVE and their UID forms, answering with COPYUID.
// Handles untrusted input: sequence sets, mailbox names.
// RFCs: 9051 §6.4.7 (COPY), §6.4.8 (MOVE), §7.1 (TRYCREATE); 6851 (MOVE);
// 4315 §3 (COPYUID); 7162 §3.2.10 (VANISHED for MOVE with QRESYNC).
#include "imap/session.h"
#include "proto/imap/args_common.h"

namespace postamt::imap {

asio::awaitable<void> Session::cmd_copy(Request& r) {
  bool move = r.name == "MOVE";
  if (r.args.size() != 2) co_return bad(r.name + " needs a message set and a mailbox");
  auto set = codec::parse_sequence_arg(r.args[0]);
  if (!set) co_return bad(set.error().message);
  auto name = mailbox_arg(r.args[1]);
  if (!name) co_return bad(name.error().message);
  if (move && read_only_) co_return no("Mailbox is read-only", "READ-ONLY");
  std::vector<uint32_t> uids;
  if (!seqs_in_range(*set, r.uid)) co_return bad("Invalid message sequence number");
  for (uint32_t s : resolve_set(*set, r.uid))
    if (!view_.pending_expunge(view_.at(s)->uid)) uids.push_back(view_.at(s)->uid);
  store::Store* st = &services_->store;
  int64_t account_id = account_->id;
  int64_t src = view_.mailbox_id();
  std::string dst_name = *name;
  auto work = [st, account_id, src, dst_name, uids, move]() -> Result<store::CopyResult> {
    auto dst = st->get_mailbox(account_id, dst_name);
    if (!dst) return dst.error();
    if (uids.empty()) return store::CopyResult{dst->uidvalidity, {}};
    return move ? st->move_messages(src, uids, dst->id) : st->copy_messages(src, uids, dst->id);
  };
  auto res = co_await offload(std::move(work));
  if (!res) {
    // RFC 9051 §6.4.7: a missing target gets TRYCREATE so the client can CREATE it.
    if (res.error().code == ErrorCode::not_found) co_return no("Mailbox does not exist", "TRYCREATE");
    co_return fail(res.error());
  }
  std::string code;
  if (!res->uids.empty()) {
    std::vector<uint32_t> from, to;
    for (const auto& [a, b] : res->uids) {
      from.push_back(a);
      to.push_back(b);
    }
    // RFC 4315 §3: both sets in the same (ascending source UID) order.
    std::string fs, ts;
    for (size_t i = 0; i < from.size(); ++i) {
      if (i) {
        fs += ',';
        ts += ',';
      }
      fs += std::to_string(from[i]);
      ts += std::to_string(to[i]);
    }
    if (from.size() > 1 && number_set(from).size() < fs.size()) {
      // Compact ranges keep the pairing when both sides are runs of consecutive UIDs.
      std::string cf = number_set(from), ct = number_set(to);
      bool consecutive = true;
      for (size_t i = 1; i < from.size(); ++i)
        if ((from[i] == from[i - 1] + 1) != (to[i] == to[i - 1] + 1)) consecutive = false;
      if (consecutive) {
        fs = cf;
        ts = ct;
      }
    }
    code = "COPYUID " + std::to_string(res->uidvalidity) + " " + fs + " " + ts;
  }
  if (move) {
    // RFC 6851 §4.3: COPYUID goes in an untagged OK before the expunges.
    if (!code.empty()) send("* OK [" + code + "] Moved\r\n");
    std::vector<uint32_t> moved;
    for (const auto& p : res->uids) moved.push_back(p.first);
    send(view_.expunge_now(moved, sync_options(true)));
    co_return ok(r.uid ? "UID MOVE completed" : "MOVE completed");
  }
  ok(r.uid ? "UID COPY completed" : "COPY completed", code);
}

}  // namespace postamt::imap
