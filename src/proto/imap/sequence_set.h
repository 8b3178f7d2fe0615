// IMAP sequence sets ("1,2:4,7:*", "$"): message sequence numbers or UIDs named by a client.
// Handles untrusted input (authenticated clients): numbers are checked against 32 bits and
// the number of ranges is a caller-supplied limit, so parsing and contains() stay bounded.
// RFC 9051 §9 (sequence-set, seq-range, seq-number, nz-number); RFC 5182 ("$", SEARCHRES).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace postamt::proto::imap {

// One seq-number or seq-range as the client wrote it. 0 stands for "*" (0 is never a valid
// nz-number, RFC 9051 §9). "*:3" keeps first = 0 (star), last = 3; order is not normalized.
struct SeqRange {
  uint32_t first = 0;
  uint32_t last = 0;
  bool operator==(const SeqRange&) const = default;
};

// A closed interval of concrete numbers, lo <= hi.
struct NumberRange {
  uint32_t lo = 0;
  uint32_t hi = 0;
  bool operator==(const NumberRange&) const = default;
};

class SequenceSet {
 public:
  static constexpr size_t kDefaultMaxRanges = 1000;

  // RFC 9051 §9. "$" alone is the saved search result (RFC 5182 §2.1); it cannot be mixed
  // with numbers. Errors (ErrorCode::params): empty set or item, 0, leading zeros,
  // numbers above 4294967295, anything but digits ':' ',' '*'. ErrorCode::too_big: more
  // than max_ranges items.
  static Result<SequenceSet> parse(std::string_view text, size_t max_ranges = kDefaultMaxRanges);

  bool is_saved_result() const { return saved_result_; }
  const std::vector<SeqRange>& ranges() const { return ranges_; }

  // "*" is the largest number in use, `max` (RFC 9051 §6.4.8 for UIDs; max = 0 for an
  // empty mailbox then matches nothing). Always false for "$": resolve that first.
  bool contains(uint32_t n, uint32_t max) const;

  // Stars resolved against max, ranges sorted, overlapping and adjacent ones merged.
  // Empty for "$" or when max == 0 and every item is "*". Size <= ranges().size().
  std::vector<NumberRange> resolve(uint32_t max) const;

  // The items as written, each with its smaller end first ("*:3" -> "3:*", "5:5" -> "5"),
  // joined by ','; "$" for the saved result.
  std::string to_string() const;

 private:
  std::vector<SeqRange> ranges_;
  bool saved_result_ = false;
};

// Canonical sequence-set text of sorted, merged ranges ("1:3,7,9:12"), as in COPYUID
// (RFC 4315 §3), ESEARCH ALL (RFC 4731) and VANISHED (RFC 7162). Empty input -> "".
std::string format_ranges(const std::vector<NumberRange>& ranges);

}  // namespace postamt::proto::imap
