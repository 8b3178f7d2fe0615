// Selected-mailbox state and change announcements; see mailbox_view.h.
#include "imap/mailbox_view.h"

#include "proto/imap/response.h"

#include <algorithm>

namespace postamt::imap {

namespace {
bool same_flags(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}
}  // namespace

std::string flag_list(const std::vector<std::string>& flags, bool recent) {
  std::string s;
  if (!recent) {
    proto::imap::append_flag_list(s, flags);
    return s;
  }
  std::vector<std::string> with_recent = flags;
  with_recent.push_back("\\Recent");
  proto::imap::append_flag_list(s, with_recent);
  return s;
}

std::string number_set(std::vector<uint32_t> nums) {
  std::sort(nums.begin(), nums.end());
  std::vector<proto::imap::NumberRange> ranges;
  for (uint32_t n : nums) {
    if (!ranges.empty() && (ranges.back().hi == n || ranges.back().hi + 1 == n))
      ranges.back().hi = n;
    else
      ranges.push_back({n, n});
  }
  return proto::imap::format_ranges(ranges);
}

void MailboxView::load(const store::Mailbox& mb, const std::vector<store::Message>& messages) {
  clear();
  mailbox_id_ = mb.id;
  uidvalidity_ = mb.uidvalidity;
  uidnext_ = mb.uidnext;
  known_modseq_ = mb.highest_modseq;
  messages_.reserve(messages.size());
  for (const auto& m : messages) {
    messages_.push_back(ViewMessage{m.uid, m.modseq, m.flags});
    known_modseq_ = std::max(known_modseq_, m.modseq);
  }
  announced_exists_ = exists();
}

const ViewMessage* MailboxView::at(uint32_t seq) const {
  if (seq == 0 || seq > messages_.size()) return nullptr;
  return &messages_[seq - 1];
}

ViewMessage* MailboxView::at(uint32_t seq) {
  if (seq == 0 || seq > messages_.size()) return nullptr;
  return &messages_[seq - 1];
}

uint32_t MailboxView::seq_of(uint32_t uid) const {
  auto it = std::lower_bound(messages_.begin(), messages_.end(), uid,
                             [](const ViewMessage& m, uint32_t u) { return m.uid < u; });
  if (it == messages_.end() || it->uid != uid) return 0;
  return static_cast<uint32_t>(it - messages_.begin()) + 1;
}

std::vector<uint32_t> MailboxView::seqs_of(const proto::imap::SequenceSet& set, bool uid) const {
  std::vector<uint32_t> out;
  if (messages_.empty()) return out;
  if (!uid) {
    for (const auto& r : set.resolve(exists())) {
      uint32_t hi = std::min<uint32_t>(r.hi, exists());
      for (uint32_t s = r.lo; s <= hi && s != 0; ++s) {
        out.push_back(s);
        if (s == UINT32_MAX) break;
      }
    }
    return out;
  }
  // RFC 9051 §6.4.8: "*" is the largest UID in use; a range covers whatever UIDs exist in it.
  for (const auto& r : set.resolve(max_uid())) {
    auto it = std::lower_bound(messages_.begin(), messages_.end(), r.lo,
                               [](const ViewMessage& m, uint32_t u) { return m.uid < u; });
    for (; it != messages_.end() && it->uid <= r.hi; ++it)
      out.push_back(static_cast<uint32_t>(it - messages_.begin()) + 1);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string MailboxView::apply(const std::vector<store::Message>& changed, const std::vector<uint32_t>& vanished,
                               uint64_t highest, uint32_t uidnext, const SyncOptions& opt) {
  std::string out;
  for (uint32_t u : vanished)
    if (seq_of(u)) expunged_.insert(u);
  std::vector<uint32_t> flag_updates;  // UIDs: sequence numbers may shift below
  for (const auto& m : changed) {
    if (expunged_.count(m.uid)) continue;
    if (m.uid > max_uid()) {
      // UIDs ascend in commit order (RFC 9051 §2.3.1.1), so new mail is always appended.
      messages_.push_back(ViewMessage{m.uid, m.modseq, m.flags});
      continue;
    }
    uint32_t seq = seq_of(m.uid);
    if (!seq) continue;
    ViewMessage& v = messages_[seq - 1];
    if (m.modseq <= v.modseq) continue;
    bool differ = !same_flags(v.flags, m.flags);
    v.flags = m.flags;
    v.modseq = m.modseq;
    // RFC 7162 §3.2.4: with CONDSTORE a modseq change alone is worth a FETCH.
    if (differ || opt.condstore) flag_updates.push_back(m.uid);
  }
  uidnext_ = std::max(uidnext_, uidnext);
  if (opt.allow_expunge) out += announce_expunges(opt);
  if (exists() != announced_exists_) {
    out += "* " + std::to_string(exists()) + " EXISTS\r\n";
    announced_exists_ = exists();
  }
  for (uint32_t u : flag_updates) {
    uint32_t seq = seq_of(u);
    if (!seq) continue;
    const ViewMessage& v = messages_[seq - 1];
    out += "* " + std::to_string(seq) + " FETCH (";
    if (opt.send_uid) out += "UID " + std::to_string(v.uid) + " ";
    out += "FLAGS " + flag_list(v.flags, opt.recent && opt.recent->count(v.uid));
    if (opt.condstore) out += " MODSEQ (" + std::to_string(v.modseq) + ")";
    out += ")\r\n";
  }
  known_modseq_ = std::max(known_modseq_, highest);
  return out;
}

std::string MailboxView::flush_expunges(const SyncOptions& opt) { return announce_expunges(opt); }

std::string MailboxView::announce_expunges(const SyncOptions& opt) {
  std::string out;
  if (expunged_.empty()) return out;
  if (opt.qresync) {
    // RFC 7162 §3.2.10: VANISHED (without EARLIER) replaces EXPUNGE.
    std::vector<uint32_t> gone;
    std::vector<ViewMessage> kept;
    kept.reserve(messages_.size());
    for (auto& m : messages_) {
      if (expunged_.count(m.uid))
        gone.push_back(m.uid);
      else
        kept.push_back(std::move(m));
    }
    messages_.swap(kept);
    if (!gone.empty()) out += "* VANISHED " + number_set(gone) + "\r\n";
    announced_exists_ -= static_cast<uint32_t>(gone.size());
  } else {
    // Highest first, so each number is still valid when the client reads it.
    for (auto it = expunged_.rbegin(); it != expunged_.rend(); ++it) {
      uint32_t seq = seq_of(*it);
      if (!seq) continue;
      out += "* " + std::to_string(seq) + " EXPUNGE\r\n";
      messages_.erase(messages_.begin() + (seq - 1));
      --announced_exists_;
    }
  }
  expunged_.clear();
  // Each EXPUNGE lowered the client's count by one (RFC 9051 §7.5.1); messages that
  // arrived meanwhile are still to be announced by EXISTS.
  return out;
}

void MailboxView::set_flags(uint32_t seq, std::vector<std::string> flags, uint64_t modseq) {
  ViewMessage* v = at(seq);
  if (!v) return;
  v->flags = std::move(flags);
  v->modseq = modseq;
}

std::string MailboxView::expunge_now(const std::vector<uint32_t>& uids, const SyncOptions& opt) {
  for (uint32_t u : uids)
    if (seq_of(u)) expunged_.insert(u);
  return announce_expunges(opt);
}

}  // namespace postamt::imap
