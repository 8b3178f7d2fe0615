// IMAP sequence-set parsing and formatting. Handles untrusted input.
// RFC 9051 §9; RFC 5182 §2.1.
#include "proto/imap/sequence_set.h"

#include <algorithm>

namespace postamt::proto::imap {
namespace {

// seq-number = nz-number / "*"; nz-number = digit-nz *DIGIT, fits in 32 bits (RFC 9051 §9).
bool parse_seq_number(std::string_view s, uint32_t& out) {
  if (s == "*") {
    out = 0;
    return true;
  }
  if (s.empty() || s.size() > 10 || s[0] < '1' || s[0] > '9') return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 0xFFFFFFFFull) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

Error bad(std::string msg) { return Error::make(ErrorCode::params, std::move(msg)); }

void append_range(std::string& out, uint32_t lo, uint32_t hi, bool hi_star) {
  out += std::to_string(lo);
  if (hi_star) {
    out += ":*";
  } else if (hi != lo) {
    out += ':';
    out += std::to_string(hi);
  }
}

}  // namespace

Result<SequenceSet> SequenceSet::parse(std::string_view text, size_t max_ranges) {
  SequenceSet set;
  if (text == "$") {
    set.saved_result_ = true;
    return set;
  }
  if (text.empty()) return bad("Empty sequence set");
  size_t pos = 0;
  for (;;) {
    size_t comma = text.find(',', pos);
    std::string_view item = text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (set.ranges_.size() >= max_ranges) {
      return Error::make(ErrorCode::too_big, "Too many ranges in sequence set");
    }
    SeqRange r;
    size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      if (!parse_seq_number(item, r.first)) return bad("Invalid sequence number");
      r.last = r.first;
    } else if (!parse_seq_number(item.substr(0, colon), r.first) ||
               !parse_seq_number(item.substr(colon + 1), r.last)) {
      return bad("Invalid sequence range");
    }
    set.ranges_.push_back(r);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return set;
}

bool SequenceSet::contains(uint32_t n, uint32_t max) const {
  if (saved_result_ || n == 0) return false;
  for (const SeqRange& r : ranges_) {
    // RFC 9051 §6.4.8: "*" is the largest number in use; with nothing in use it names nothing
    // on its own, but "n:*" still covers n..max when n <= max.
    if ((r.first == 0 || r.last == 0) && max == 0) continue;
    uint32_t a = r.first == 0 ? max : r.first;
    uint32_t b = r.last == 0 ? max : r.last;
    if (a > b) std::swap(a, b);
    if (n >= a && n <= b) return true;
  }
  return false;
}

std::vector<NumberRange> SequenceSet::resolve(uint32_t max) const {
  std::vector<NumberRange> out;
  if (saved_result_) return out;
  out.reserve(ranges_.size());
  for (const SeqRange& r : ranges_) {
    if ((r.first == 0 || r.last == 0) && max == 0) continue;
    uint32_t a = r.first == 0 ? max : r.first;
    uint32_t b = r.last == 0 ? max : r.last;
    if (a > b) std::swap(a, b);
    out.push_back({a, b});
  }
  std::sort(out.begin(), out.end(), [](const NumberRange& x, const NumberRange& y) { return x.lo < y.lo; });
  std::vector<NumberRange> merged;
  for (const NumberRange& r : out) {
    // Adjacent ranges merge too (hi + 1 == lo); widen to 64 bits so hi == UINT32_MAX is safe.
    if (!merged.empty() && static_cast<uint64_t>(merged.back().hi) + 1 >= r.lo) {
      merged.back().hi = std::max(merged.back().hi, r.hi);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

std::string SequenceSet::to_string() const {
  if (saved_result_) return "$";
  std::string out;
  for (const SeqRange& r : ranges_) {
    if (!out.empty()) out += ',';
    if (r.first == 0 && r.last == 0) {
      out += '*';
    } else if (r.first == 0 || r.last == 0) {
      append_range(out, r.first == 0 ? r.last : r.first, 0, true);
    } else {
      append_range(out, std::min(r.first, r.last), std::max(r.first, r.last), false);
    }
  }
  return out;
}

std::string format_ranges(const std::vector<NumberRange>& ranges) {
  std::string out;
  for (const NumberRange& r : ranges) {
    if (!out.empty()) out += ',';
    append_range(out, r.lo, r.hi, false);
  }
  return out;
}

}  // namespace postamt::proto::imap
