// SEARCH and UID SEARCH, with ESEARCH result options and SEARCHRES (SAVE / "$").
// Handles untrusted input: the search program (parsed and bounded by the codec).
// RFCs: 9051 §6.4.4, §7.3.4 (ESEARCH in IMAP4rev2); 3501 §6.4.4, §7.2.5 (SEARCH);
// 4731 (ESEARCH); 5182 (SEARCHRES); 7162 §3.1.5 (MODSEQ in results).
#include <ctime>

#include "imap/search_run.h"
#include "imap/session.h"

namespace postamt::imap {

std::string esearch_response(const std::string& tag, bool uid, const codec::SearchReturn& ret,
                             const std::vector<uint32_t>& numbers, bool sorted, std::optional<uint64_t> modseq) {
  std::string s = "ESEARCH (TAG \"" + tag + "\")";
  if (uid) s += " UID";
  if (!numbers.empty()) {
    // RFC 5267 §3.1: for ESORT, MIN and MAX are the lowest- and highest-sorted messages (the
    // first and last in sort order, as Dovecot answers), not the smallest and largest numbers.
    uint32_t lo = sorted ? numbers.front() : *std::min_element(numbers.begin(), numbers.end());
    uint32_t hi = sorted ? numbers.back() : *std::max_element(numbers.begin(), numbers.end());
    if (ret.min) s += " MIN " + std::to_string(lo);
    if (ret.max) s += " MAX " + std::to_string(hi);
  }
  if (ret.count) s += " COUNT " + std::to_string(numbers.size());
  if (ret.all && !numbers.empty()) {
    if (sorted) {
      // RFC 5267 §3.1: ESORT ALL keeps the sort order, so no ranges across it.
      std::string list;
      for (uint32_t n : numbers) list += (list.empty() ? "" : ",") + std::to_string(n);
      s += " ALL " + list;
    } else {
      s += " ALL " + number_set(numbers);
    }
  }
  if (modseq && !numbers.empty()) s += " MODSEQ " + std::to_string(*modseq);
  return s;
}

asio::awaitable<void> Session::cmd_search(Request& r) {
  auto q = codec::parse_search(r.args, 0);
  if (!q) {
    if (codec::is_bad_charset(q.error())) co_return no("Unsupported charset", "BADCHARSET (UTF-8 US-ASCII)");
    if (q.error().code == ErrorCode::too_big) co_return no(q.error().message, "LIMIT");
    co_return bad(q.error().message);
  }
  if (q->uses_modseq) condstore_ = true;  // RFC 7162 §3.1.5
  SearchInput in;
  in.mailbox_id = view_.mailbox_id();
  in.view.reserve(view_.exists());
  for (uint32_t s = 1; s <= view_.exists(); ++s) in.view.push_back(*view_.at(s));
  in.saved_uids = saved_uids_;
  in.have_saved = true;  // RFC 5182 §2.1: "$" without a saved result is the empty set
  if (!rev2_) in.recent = recent_;
  in.now = static_cast<int64_t>(std::time(nullptr));
  store::Store* st = &services_->store;
  codec::SearchKey key = q->key;
  auto work = [st, in = std::move(in), key]() { return run_search(*st, in, key); };
  auto res = co_await offload(std::move(work));
  if (!res) co_return fail(res.error());

  std::vector<uint32_t> numbers;
  std::vector<uint32_t> uids;
  for (uint32_t s : res->seqs) {
    uids.push_back(view_.at(s) ? view_.at(s)->uid : 0);
    numbers.push_back(r.uid ? uids.back() : s);
  }
  std::optional<uint64_t> modseq;
  if (q->uses_modseq) modseq = res->highest_modseq;
  if (q->ret.save) saved_uids_ = uids;  // RFC 5182 §2.1
  codec::SearchReturn ret = q->ret;
  bool esearch = q->has_return || rev2_;
  if (esearch && !q->has_return) ret.all = true;  // RFC 9051 §6.4.4: plain SEARCH in rev2 = RETURN (ALL)
  bool only_save = q->has_return && ret.save && !ret.min && !ret.max && !ret.count && !ret.all;
  if (esearch) {
    // RFC 5182 §2.4: SAVE alone produces no ESEARCH response.
    if (!only_save) untagged(esearch_response(r.tag, r.uid, ret, numbers, false, modseq));
  } else {
    std::string line = "SEARCH";
    for (uint32_t n : numbers) line += " " + std::to_string(n);
    if (modseq && !numbers.empty()) line += " (MODSEQ " + std::to_string(*modseq) + ")";
    untagged(line);
  }
  ok(r.uid ? "UID SEARCH completed" : "SEARCH completed");
}

}  // namespace postamt::imap
