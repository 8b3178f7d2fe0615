// STORE and UID STORE: flag changes with .SILENT and CONDSTORE's UNCHANGEDSINCE.
// Handles untrusted input: sequence sets, flags.
// RFCs: 9051 §6.4.6, §6.4.9 (UID STORE), §7.5.2 (FETCH response); 7162 §3.1.3
// (UNCHANGEDSINCE, MODIFIED), §3.1.4 (MODSEQ in FETCH).
#include "imap/session.h"
#include "proto/imap/args_common.h"
#include "proto/imap/store_args.h"

namespace postamt::imap {

asio::awaitable<void> Session::cmd_store(Request& r) {
  if (r.args.size() < 2) co_return bad("STORE needs a message set and flags");
  auto set = codec::parse_sequence_arg(r.args[0]);
  if (!set) co_return bad(set.error().message);
  auto args = codec::parse_store(r.args, 1);
  if (!args) co_return bad(args.error().message);
  if (read_only_) co_return no("Mailbox is read-only", "READ-ONLY");
  if (args->unchanged_since) condstore_ = true;  // RFC 7162 §3.1: a CONDSTORE-enabling command
  std::vector<uint32_t> seqs = resolve_set(*set, r.uid);
  std::vector<uint32_t> uids;
  for (uint32_t s : seqs)
    if (!view_.pending_expunge(view_.at(s)->uid)) uids.push_back(view_.at(s)->uid);

  store::FlagUpdate update;
  update.mode = args->mode == codec::StoreMode::add      ? store::FlagUpdate::Mode::add
                : args->mode == codec::StoreMode::remove ? store::FlagUpdate::Mode::remove
                                                         : store::FlagUpdate::Mode::replace;
  update.flags = args->flags;
  update.unchanged_since = args->unchanged_since;
  store::Store* st = &services_->store;
  int64_t mailbox_id = view_.mailbox_id();
  auto work = [st, mailbox_id, uids, update]() { return st->store_flags(mailbox_id, uids, update); };
  Result<store::FlagResult> res = store::FlagResult{};
  if (!uids.empty()) res = co_await offload(std::move(work));
  if (!res) co_return fail(res.error());

  for (const auto& c : res->changed)
    if (uint32_t s = view_.seq_of(c.uid)) view_.set_flags(s, c.flags, c.modseq);
  std::vector<uint32_t> modified_seqs;
  for (uint32_t u : res->modified) modified_seqs.push_back(view_.seq_of(u));
  auto is_changed = [&](uint32_t uid) {
    for (const auto& c : res->changed)
      if (c.uid == uid) return true;
    return false;
  };
  auto is_modified = [&](uint32_t uid) {
    for (uint32_t m : res->modified)
      if (m == uid) return true;
    return false;
  };
  for (uint32_t u : uids) {
    uint32_t s = view_.seq_of(u);
    if (!s || is_modified(u)) continue;
    const ViewMessage& v = *view_.at(s);
    bool changed = is_changed(u);
    // RFC 7162 §3.1.3: .SILENT still reports the new MODSEQ of changed messages.
    if (args->silent && !(condstore_ && changed)) continue;
    std::string line = std::to_string(s) + " FETCH (";
    if (r.uid) line += "UID " + std::to_string(u) + " ";
    if (!args->silent) line += "FLAGS " + flag_list(v.flags);
    if (condstore_) line += std::string(args->silent ? "" : " ") + "MODSEQ (" + std::to_string(v.modseq) + ")";
    line += ")";
    untagged(line);
  }
  if (!res->modified.empty()) {
    // RFC 7162 §3.1.3: the tagged OK names what was not stored.
    co_return ok("Conditional STORE failed for some messages",
                 "MODIFIED " + number_set(r.uid ? res->modified : modified_seqs));
  }
  ok(r.uid ? "UID STORE completed" : "STORE completed");
}

}  // namespace postamt::imap
