// STORE and UID STORE: flag changes with .SILENT and CONDSTORE's UNCHANGEDSINCE.
// Handles untrusted input: sequence sets, flags.
// RFCs: 9051 §6.4.6, §6.4.9 (UID STORE), §7.5.2 (FETCH response); 7162 §3.1.3
// (UNCHANGEDSINCE, MODIFIED), §3.1.4 (MODSEQ in FETCH).
#include <algorithm>

#include "base/strings.h"
#include "imap/session.h"
#include "proto/imap/args_common.h"
#include "proto/imap/store_args.h"

namespace postamt::imap {

namespace {
bool has_flag(const std::vector<std::string>& flags, std::string_view f) {
  for (const auto& x : flags)
    if (iequals(x, f)) return true;
  return false;
}

// Flags compare case-insensitively (RFC 9051 §2.3.2).
bool same_flag_set(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const auto& f : a)
    if (!has_flag(b, f)) return false;
  for (const auto& f : b)
    if (!has_flag(a, f)) return false;
  return true;
}

// What the client expects after its STORE, from the flags it knows.
std::vector<std::string> expected_flags(const std::vector<std::string>& known, const store::FlagUpdate& u) {
  std::vector<std::string> out;
  if (u.mode == store::FlagUpdate::Mode::replace) {
    for (const auto& f : u.flags)
      if (!has_flag(out, f)) out.push_back(f);
    return out;
  }
  for (const auto& f : known)
    if (u.mode == store::FlagUpdate::Mode::add || !has_flag(u.flags, f)) out.push_back(f);
  if (u.mode == store::FlagUpdate::Mode::add)
    for (const auto& f : u.flags)
      if (!has_flag(out, f)) out.push_back(f);
  return out;
}
}  // namespace

asio::awaitable<void> Session::cmd_store(Request& r) {
  if (r.args.size() < 2) co_return bad("STORE needs a message set and flags");
  auto set = codec::parse_sequence_arg(r.args[0]);
  if (!set) co_return bad(set.error().message);
  auto args = codec::parse_store(r.args, 1);
  if (!args) co_return bad(args.error().message);
  if (read_only_) co_return no("Mailbox is read-only", "READ-ONLY");
  if (args->unchanged_since) condstore_ = true;  // RFC 7162 §3.1: a CONDSTORE-enabling command
  if (!seqs_in_range(*set, r.uid)) co_return bad("Invalid message sequence number");
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

  // A change by another session that this client has not heard of yet is folded into
  // the new flags (and modseq) the store returns; the view then takes them, so the later
  // sync stays quiet about it. Such messages get their FLAGS even with .SILENT.
  std::vector<uint32_t> surprised;
  for (const auto& c : res->changed) {
    uint32_t s = view_.seq_of(c.uid);
    if (!s) continue;
    if (!same_flag_set(expected_flags(view_.at(s)->flags, update), c.flags)) surprised.push_back(c.uid);
    view_.set_flags(s, c.flags, c.modseq);
  }
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
  auto is_surprise = [&](uint32_t uid) { return std::find(surprised.begin(), surprised.end(), uid) != surprised.end(); };
  for (uint32_t u : uids) {
    uint32_t s = view_.seq_of(u);
    if (!s || is_modified(u)) continue;
    const ViewMessage& v = *view_.at(s);
    bool changed = is_changed(u);
    bool flags = !args->silent || is_surprise(u);
    // RFC 7162 §3.1.3: .SILENT still reports the new MODSEQ of changed messages.
    if (!flags && !(condstore_ && changed)) continue;
    std::string line = std::to_string(s) + " FETCH (";
    if (r.uid) line += "UID " + std::to_string(u) + " ";
    if (flags) line += "FLAGS " + flag_list(v.flags, recent(u));
    if (condstore_) line += std::string(flags ? " " : "") + "MODSEQ (" + std::to_string(v.modseq) + ")";
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
