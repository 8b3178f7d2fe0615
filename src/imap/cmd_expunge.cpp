// CLOSE, UNSELECT, EXPUNGE and UID EXPUNGE: leaving a mailbox and removing
// \Deleted messages. Handles untrusted input: UID sets.
// RFCs: 9051 §6.4.1 (CLOSE), §6.4.2 (UNSELECT), §6.4.3 (EXPUNGE), §6.4.9 (UID
// EXPUNGE); 3691 (UNSELECT); 4315 §2.1 (UID EXPUNGE); 7162 §3.2.10 (VANISHED).
#include "base/strings.h"
#include "imap/session.h"

namespace postamt::imap {

namespace {
bool has_deleted(const ViewMessage& m) {
  for (const auto& f : m.flags)
    if (iequals(f, "\\Deleted")) return true;
  return false;
}

// UIDs of the messages among `seqs` (all when empty) that carry \Deleted.
std::vector<uint32_t> deleted_uids(const MailboxView& view, const std::vector<uint32_t>* seqs) {
  std::vector<uint32_t> uids;
  auto consider = [&](uint32_t s) {
    if (has_deleted(*view.at(s))) uids.push_back(view.at(s)->uid);
  };
  if (seqs) {
    for (uint32_t s : *seqs) consider(s);
  } else {
    for (uint32_t s = 1; s <= view.exists(); ++s) consider(s);
  }
  return uids;
}
}  // namespace

asio::awaitable<Result<void>> Session::expunge_uids(std::vector<uint32_t> uids) {
  if (uids.empty()) co_return ok_result();
  store::Store* st = &services_->store;
  int64_t mailbox_id = view_.mailbox_id();
  auto work = [st, mailbox_id, uids]() { return st->expunge(mailbox_id, uids); };
  co_return co_await offload(std::move(work));
}

asio::awaitable<void> Session::cmd_close(Request& r) {
  if (!r.args.empty()) co_return bad(r.name + " takes no arguments");
  if (r.name == "CLOSE" && !read_only_) {
    // RFC 9051 §6.4.1: silently expunge \Deleted messages; no EXPUNGE responses.
    co_await sync(false);
    auto done = co_await expunge_uids(deleted_uids(view_, nullptr));
    if (!done && done.error().code != ErrorCode::not_found) co_return fail(done.error());
  }
  leave_selected();
  // RFC 7162 §3.2.11: with QRESYNC, the end of a selection is announced.
  if (qresync_) send("* OK [CLOSED] Previous mailbox closed\r\n");
  ok(r.name + " completed");
}

asio::awaitable<void> Session::cmd_expunge(Request& r) {
  std::optional<codec::SequenceSet> only;
  if (r.uid) {
    // RFC 4315 §2.1: UID EXPUNGE set — only \Deleted messages within the set.
    if (r.args.size() != 1 || r.args[0].kind != codec::TokenKind::atom) co_return bad("UID EXPUNGE needs a UID set");
    auto set = codec::SequenceSet::parse(r.args[0].text);
    if (!set) co_return bad(set.error().message);
    if (set->is_saved_result()) co_return bad("$ is not allowed here");
    only = std::move(*set);
  } else if (!r.args.empty()) {
    co_return bad("EXPUNGE takes no arguments");
  }
  if (read_only_) co_return no("Mailbox is read-only", "READ-ONLY");
  co_await sync(true);
  std::vector<uint32_t> seqs;
  if (only) seqs = view_.seqs_of(*only, true);
  std::vector<uint32_t> uids = deleted_uids(view_, only ? &seqs : nullptr);
  auto done = co_await expunge_uids(uids);
  if (!done) co_return fail(done.error());
  if (!uids.empty()) send(view_.expunge_now(uids, sync_options(true)));
  ok(r.uid ? "UID EXPUNGE completed" : "EXPUNGE completed");
}

}  // namespace postamt::imap
