// THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §3) over per-message values the
// session precomputed, plus the THREAD response text (RFC 5256 §4) and a msg-id list parser
// for References / In-Reply-To / Message-ID.
// Handles values from untrusted messages: no recursion anywhere (10,000-deep reference
// chains are fine), loop checks are O(log n) amortized (link-cut tree), and references per
// message and dummy messages in total are capped by ThreadLimits.
// RFC 5256 §2.2 (sent date), §3 (ORDEREDSUBJECT, REFERENCES), §4 (THREAD response),
// §5 (thread-list ABNF); RFC 5322 §3.6.4 (msg-id).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::proto::imap {

// One message to thread. Pass messages in mailbox order (ascending sequence number): that
// order breaks sent-date ties (RFC 5256 §2.2) and decides which of several messages with
// the same Message-ID keeps it (RFC 5256 §3 REFERENCES step 1).
struct ThreadMessage {
  uint32_t id = 0;    // printed in the response: sequence number or UID (non-zero)
  int64_t date = 0;   // RFC 5256 §2.2 sent date: Date: header, else INTERNALDATE
  std::string subject;  // base subject (extract_base_subject().text), casemapped
  bool reply_or_forward = false;  // extract_base_subject().reply_or_forward
  // Normalized msg-ids without "<>" (parse_msg_ids). Empty message_id: none or invalid.
  std::string message_id;
  std::string in_reply_to;              // first msg-id of In-Reply-To, or ""
  std::vector<std::string> references;  // msg-ids of References, in header order
};

struct ThreadLimits {
  // Only the last this many references of a message are used (the nearest ancestors;
  // RFC 5256 §3 expects truncated References fields anyway).
  size_t max_references = 50;
  // Dummy messages (referenced but absent) created in total; further unknown references
  // are ignored. Bounds memory for hostile mailboxes.
  size_t max_dummies = 1000000;
};

// The threads as a forest. Dummies (id 0) only ever appear as top-level nodes with two or
// more children, as RFC 5256 §3 leaves them.
struct ThreadForest {
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  struct Node {
    uint32_t id = 0;  // ThreadMessage::id; 0 for a dummy
    uint32_t first_child = kNone, next_sibling = kNone;
  };
  std::vector<Node> nodes;
  uint32_t first_root = kNone;  // roots are linked through next_sibling
};

// RFC 5256 §3 ORDEREDSUBJECT ("poor man's threading"): group by base subject, each group a
// thread whose first (oldest) message is the parent of all others; threads in order of
// their first message's sent date.
ThreadForest thread_orderedsubject(std::span<const ThreadMessage> messages);

// RFC 5256 §3 REFERENCES, steps 1-6.
ThreadForest thread_references(std::span<const ThreadMessage> messages,
                               const ThreadLimits& limits = {});

// RFC 5256 §4: the text after "* THREAD " ("(2)(3 6 (4 23)(44 7 96))"); "" for no threads.
std::string format_threads(const ThreadForest& forest);

// RFC 5322 §3.6.4 msg-ids ("<a@b>") in a raw (unfolded or not) References value,
// normalized as RFC 5256 §3 REFERENCES requires: angle brackets, CFWS and quoting removed
// ("<\"x\"@y>" == "<x@y>"). Phrases between ids (obsolete In-Reply-To) are skipped; ids
// without '@' or with an empty side are invalid and skipped. Keeps the LAST max_ids ids.
std::vector<std::string> parse_msg_ids(std::string_view raw, size_t max_ids = 1000);

// The first valid msg-id of a Message-ID or In-Reply-To value, normalized as above; "" if
// none.
std::string first_msg_id(std::string_view raw);

}  // namespace postamt::proto::imap
