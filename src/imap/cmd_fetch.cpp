// FETCH and UID FETCH. Metadata-only fetches (UID, FLAGS, MODSEQ) are answered
// from the session's view without touching the store (issue 3 §5); everything
// else is built on the worker pool in small batches, and big sections are
// streamed in 64 KiB pieces. Handles untrusted input: sets and items.
// RFCs: 9051 §6.4.5, §6.4.9, §7.5.2; 3516 (BINARY, UNKNOWN-CTE); 7162 §3.1.4
// (CHANGEDSINCE), §3.2.6 (VANISHED); 5530 (EXPUNGEISSUED).
#include <spdlog/spdlog.h>

#include <set>

#include "base/strings.h"
#include "imap/fetch_plan.h"
#include "imap/render/binary.h"
#include "imap/render/imap_string.h"
#include "imap/session.h"
#include "proto/imap/args_common.h"

namespace postamt::imap {

namespace {
constexpr size_t kBatch = 32;
constexpr size_t kFlushAt = 64 * 1024;

bool has_flag(const std::vector<std::string>& flags, std::string_view f) {
  for (const auto& x : flags)
    if (iequals(x, f)) return true;
  return false;
}
}  // namespace

asio::awaitable<void> Session::cmd_fetch(Request& r) {
  if (r.args.size() < 2) co_return bad("FETCH needs a message set and items");
  auto set = codec::parse_sequence_arg(r.args[0]);
  if (!set) co_return bad(set.error().message);
  codec::FetchOptions fo;
  fo.uid = r.uid;
  auto parsed = codec::parse_fetch(r.args, 1, fo);
  if (!parsed) co_return bad(parsed.error().message);
  codec::FetchRequest req = std::move(*parsed);
  if (req.vanished && !qresync_) co_return bad("VANISHED needs QRESYNC enabled");  // RFC 7162 §3.2.6
  if (req.wants_modseq) condstore_ = true;  // RFC 7162 §3.1: CONDSTORE-enabling

  if (!seqs_in_range(*set, r.uid)) co_return bad("Invalid message sequence number");
  std::vector<uint32_t> seqs = resolve_set(*set, r.uid);
  if (req.changed_since) {
    std::vector<uint32_t> kept;
    for (uint32_t s : seqs)
      if (view_.at(s)->modseq > *req.changed_since) kept.push_back(s);
    seqs.swap(kept);
  }
  store::Store* st = &services_->store;
  int64_t mailbox_id = view_.mailbox_id();
  if (req.vanished && req.changed_since) {
    // RFC 7162 §3.2.6: expunged UIDs within the set, since the given modseq.
    uint64_t since = *req.changed_since;
    auto work = [st, mailbox_id, since]() { return st->list_vanished(mailbox_id, since); };
    auto gone = co_await offload(std::move(work));
    if (!gone) co_return fail(gone.error());
    std::vector<uint32_t> in_set;
    uint32_t max_uid = std::max(view_.max_uid(), view_.uidnext() ? view_.uidnext() - 1 : 0);
    for (uint32_t u : *gone)
      if (set->contains(u, max_uid)) in_set.push_back(u);
    if (!in_set.empty()) untagged("VANISHED (EARLIER) " + number_set(in_set));
  }

  // RFC 9051 §6.4.5: BODY[...] without PEEK sets \Seen (not in a read-only mailbox).
  std::set<uint32_t> seen_now;
  if (req.sets_seen && !read_only_) {
    std::vector<uint32_t> uids;
    for (uint32_t s : seqs)
      if (!has_flag(view_.at(s)->flags, "\\Seen") && !view_.pending_expunge(view_.at(s)->uid))
        uids.push_back(view_.at(s)->uid);
    if (!uids.empty()) {
      store::FlagUpdate up;
      up.mode = store::FlagUpdate::Mode::add;
      up.flags = {"\\Seen"};
      auto work = [st, mailbox_id, uids, up]() { return st->store_flags(mailbox_id, uids, up); };
      auto res = co_await offload(std::move(work));
      if (!res) co_return fail(res.error());
      for (const auto& c : res->changed) {
        if (uint32_t s = view_.seq_of(c.uid)) view_.set_flags(s, c.flags, c.modseq);
        seen_now.insert(c.uid);
      }
    }
  }

  codec::FetchRequest shared_req = req;
  FetchContext ctx;
  ctx.utf8 = utf8();
  bool from_store = needs_store(req);
  bool expunge_issued = false;
  for (size_t i = 0; i < seqs.size(); i += kBatch) {
    std::vector<FetchJob> jobs;
    for (size_t k = i; k < std::min(seqs.size(), i + kBatch); ++k) {
      const ViewMessage& m = *view_.at(seqs[k]);
      if (from_store && view_.pending_expunge(m.uid)) {
        expunge_issued = true;
        continue;
      }
      FetchJob j;
      j.seq = seqs[k];
      j.meta = m;
      j.add_uid = r.uid;
      j.add_flags = seen_now.count(m.uid) != 0;
      j.add_modseq = req.changed_since.has_value();
      j.recent = recent(m.uid);
      jobs.push_back(std::move(j));
    }
    std::vector<Result<std::vector<FetchPiece>>> built;
    if (!from_store) {
      // Metadata only: the view has it all; no worker hop, no store access.
      for (const auto& j : jobs) built.push_back(build_fetch(*st, mailbox_id, j, shared_req, ctx));
    } else {
      auto work = [st, mailbox_id, jobs, shared_req, ctx]() {
        std::vector<Result<std::vector<FetchPiece>>> b;
        for (const auto& j : jobs) b.push_back(build_fetch(*st, mailbox_id, j, shared_req, ctx));
        return b;
      };
      built = co_await offload(std::move(work));
    }
    for (size_t k = 0; k < built.size(); ++k) {
      auto& b = built[k];
      if (!b) {
        if (b.error().code == ErrorCode::not_found) {
          expunge_issued = true;  // expunged by another session meanwhile
          continue;
        }
        if (auto code = render::binary_response_code(b.error()); !code.empty())
          co_return no(code == "PARSE" ? "Invalid data in MIME part" : "Unknown Content-Transfer-Encoding",
                       std::string(code));
        co_return fail(b.error());
      }
      for (auto& p : *b) {
        if (!p.stream) {
          send(p.text);
          continue;
        }
        // Stream the section: only one 64 KiB piece in memory at a time.
        if (!co_await flush()) {
          closing_ = true;
          co_return;
        }
        uint32_t uid = jobs[k].meta.uid;
        uint64_t offset = p.offset;
        auto open = [st, mailbox_id, uid, offset]() -> Result<std::shared_ptr<store::MessageReader>> {
          auto rd = st->open_message(mailbox_id, uid);
          if (!rd) return rd.error();
          std::shared_ptr<store::MessageReader> reader(std::move(*rd));
          if (auto sk = skip_bytes(*reader, offset); !sk) return sk.error();
          return reader;
        };
        auto reader = co_await offload(std::move(open));
        uint64_t left = p.length;
        while (left > 0) {
          std::string chunk;
          if (reader) {
            std::shared_ptr<store::MessageReader> rd = *reader;
            uint64_t want = std::min<uint64_t>(left, 65536);
            auto step = [rd, want]() -> Result<std::string> {
              std::string c;
              if (auto x = read_bytes(*rd, want, c); !x) return x.error();
              return c;
            };
            auto got = co_await offload(std::move(step));
            if (got) chunk = std::move(*got);
          }
          if (chunk.empty()) {
            // The literal length is promised: a vanished or short message can only end the
            // connection (as any server must when its storage fails mid-literal).
            spdlog::error("imap[{}] message uid={} unreadable while streaming", id_, uid);
            stream_->close();
            closing_ = true;
            co_return;
          }
          left -= chunk.size();
          render::replace_nul_for_literal(chunk);  // as fetch_plan.cpp: no NUL in a literal
          if (!co_await stream_->write_all(chunk)) {
            closing_ = true;
            co_return;
          }
        }
      }
      if (out_.size() > kFlushAt && !co_await flush()) {
        closing_ = true;
        co_return;
      }
    }
  }
  if (expunge_issued) co_return ok("Some messages were expunged meanwhile", "EXPUNGEISSUED");
  ok(r.uid ? "UID FETCH completed" : "FETCH completed");
}

}  // namespace postamt::imap
