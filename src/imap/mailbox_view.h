// A session's view of its selected mailbox: message sequence numbers, UIDs,
// flags and modseqs as this client last heard them (RFC 9051 §2.3.1.2: sequence
// numbers change only through EXPUNGE responses this session sent). Turns the
// store's changes into the untagged responses that bring the client up to date,
// holding expunges back where RFC 9051 §7.5.1 forbids them.
// No I/O; no untrusted input (numbers come from parsed, bounded commands).
// RFCs: 9051 §7.4.1 (EXPUNGE), §7.3.1 (EXISTS), §7.5.2 (FETCH FLAGS); 7162 (MODSEQ,
// VANISHED).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "proto/imap/sequence_set.h"
#include "store/store.h"

namespace postamt::imap {

struct ViewMessage {
  uint32_t uid = 0;
  uint64_t modseq = 0;
  std::vector<std::string> flags;
};

struct SyncOptions {
  bool allow_expunge = true;  // false while answering FETCH / STORE / SEARCH (RFC 9051 §7.5.1)
  bool qresync = false;       // RFC 7162 §3.2.10: VANISHED instead of EXPUNGE
  bool condstore = false;     // RFC 7162 §3.1.4: FETCH updates carry MODSEQ
  bool send_uid = false;      // UID in unsolicited FETCH (RFC 7162 §3.2.4 with QRESYNC)
  const std::set<uint32_t>* recent = nullptr;  // IMAP4rev1: UIDs shown with \Recent
};

class MailboxView {
 public:
  void load(const store::Mailbox& mb, const std::vector<store::Message>& messages);
  void clear() { *this = MailboxView(); }
  bool selected() const { return mailbox_id_ != 0; }

  int64_t mailbox_id() const { return mailbox_id_; }
  uint32_t uidvalidity() const { return uidvalidity_; }
  uint64_t known_modseq() const { return known_modseq_; }
  uint32_t exists() const { return static_cast<uint32_t>(messages_.size()); }
  uint32_t max_uid() const { return messages_.empty() ? 0 : messages_.back().uid; }
  uint32_t uidnext() const { return uidnext_; }

  // seq is 1-based; nullptr when out of range.
  const ViewMessage* at(uint32_t seq) const;
  ViewMessage* at(uint32_t seq);
  // 0 if the UID is not in the view.
  uint32_t seq_of(uint32_t uid) const;
  bool pending_expunge(uint32_t uid) const { return expunged_.count(uid) != 0; }

  // Message numbers named by a sequence set: sequence numbers or UIDs (only
  // UIDs in the view; RFC 9051 §6.4.8 "*" = highest UID). Ascending seq.
  std::vector<uint32_t> seqs_of(const proto::imap::SequenceSet& set, bool uid) const;

  // Folds in what the store reports since known_modseq() and returns the untagged
  // responses (EXPUNGE/VANISHED, EXISTS, FETCH flags). highest is the mailbox's
  // HIGHESTMODSEQ read before the two lists, so nothing committed in between is missed.
  std::string apply(const std::vector<store::Message>& changed, const std::vector<uint32_t>& vanished,
                    uint64_t highest, uint32_t uidnext, const SyncOptions& opt);
  // Announces held-back expunges (if any) when they become allowed.
  std::string flush_expunges(const SyncOptions& opt);
  // This session's own STORE: updates the view so the later sync stays quiet.
  void set_flags(uint32_t seq, std::vector<std::string> flags, uint64_t modseq);
  // This session's own EXPUNGE / MOVE: the store has removed them; announce now.
  std::string expunge_now(const std::vector<uint32_t>& uids, const SyncOptions& opt);

 private:
  std::string announce_expunges(const SyncOptions& opt);

  int64_t mailbox_id_ = 0;
  uint32_t uidvalidity_ = 0;
  uint32_t uidnext_ = 1;
  uint64_t known_modseq_ = 0;
  std::vector<ViewMessage> messages_;  // ascending UID = ascending sequence number
  std::set<uint32_t> expunged_;        // gone in the store, not yet announced
  uint32_t announced_exists_ = 0;
};

// "(\Seen foo)"; with recent: "\Recent" added (RFC 3501 §2.3.2, IMAP4rev1 sessions).
std::string flag_list(const std::vector<std::string>& flags, bool recent = false);
// Compact sequence-set text of arbitrary numbers ("1:3,7"), as in COPYUID, MODIFIED,
// VANISHED and ESEARCH ALL; "" for none.
std::string number_set(std::vector<uint32_t> nums);

}  // namespace postamt::imap
