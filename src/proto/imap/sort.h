// SORT ordering (RFC 5256 §3, RFC 5957 DISPLAYFROM/DISPLAYTO) over per-message sort values
// the session precomputed: stable, O(n log n), one comparison pass per criterion.
// Handles sort values derived from untrusted messages; all inputs are plain data.
// Strings are compared octet by octet, so the caller passes them already transformed by
// i;unicode-casemap (RFC 5051, the RFC 5256 §3 default collation); see base_subject.h for
// why folding is the caller's.
// RFC 5256 §2.2 (sent date), §3 (SORT criteria, sequence-number tie-break); RFC 5957 §3-§4.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mime/mime.h"

namespace postamt::proto::imap {

// RFC 5256 §3 sort-key, RFC 5957 §4 DISPLAYFROM/DISPLAYTO. Same enumerators, same order
// as SortKey in search_query.h (named apart so both headers can be included together;
// this file does not depend on the parser).
enum class SortField : uint8_t { arrival, cc, date, from, size, subject, to, display_from, display_to };

// One criterion; REVERSE is a flag on the criterion it precedes (RFC 5256 §3).
struct SortOrder {
  SortField field = SortField::arrival;
  bool reverse = false;
};

struct SortMessage {
  uint32_t seq = 0;      // final tie-break, always ascending (RFC 5256 §3)
  int64_t arrival = 0;   // INTERNALDATE, unix seconds
  std::optional<int64_t> sent_date;  // Date: header, unix seconds UTC; nullopt if absent or
                                     // unparsable: DATE then uses `arrival` (RFC 5256 §2.2)
  uint64_t size = 0;     // RFC822.SIZE
  std::string subject;   // base subject (base_subject.h), casemapped
  std::string from, to, cc;                // address_sort_value(), casemapped
  std::string display_from, display_to;    // display_sort_value(), casemapped
};

// Positions into `messages` in sorted order. Ties under every criterion fall back to
// ascending `seq`, then input position. No criteria: sequence order.
std::vector<size_t> sort_messages(std::span<const SortMessage> messages,
                                  std::span<const SortOrder> criteria);

// RFC 5256 §3 FROM/TO/CC: the addr-mailbox of the first address ("" when there is none).
// Group markers are skipped, so a group's first member counts.
std::string address_sort_value(const std::vector<mime::Address>& addresses);

// RFC 5957 §3: the first address's display-name, RFC 2047-decoded, if non-empty; else
// "mailbox@host"; else "mailbox"; else "". Group markers are skipped.
std::string display_sort_value(const std::vector<mime::Address>& addresses);

}  // namespace postamt::proto::imap
