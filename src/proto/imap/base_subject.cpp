// RFC 5256 §2.1 base subject extraction. Handles untrusted input (any subject a sender
// wrote). Works on bytes: every marker is ASCII and UTF-8 continuation bytes never look like
// ASCII, so multi-byte characters pass through untouched.
// Linear time: a failed leader scan over a run of blobs is remembered (see strip_leader), so
// "[a][a][a]...x" does not rescan the run once per removed blob.
// RFC 5256 §2.1, §5.
#include "proto/imap/base_subject.h"

#include "base/strings.h"

namespace postamt::proto::imap {
namespace {

constexpr size_t kNone = static_cast<size_t>(-1);

bool matches_at(const std::string& s, size_t pos, size_t end, std::string_view word) {
  return end - pos >= word.size() && iequals(std::string_view(s).substr(pos, word.size()), word);
}

// RFC 5256 §5: subj-blob = "[" *BLOBCHAR "]" *WSP; BLOBCHAR = %x01-5a / %x5c / %x5e-ff.
// Returns the position after the blob and its trailing WSP, or kNone.
size_t blob_end(const std::string& s, size_t pos, size_t end) {
  if (pos >= end || s[pos] != '[') return kNone;
  for (size_t q = pos + 1; q < end; ++q) {
    char c = s[q];
    if (c == ']') {
      ++q;
      while (q < end && s[q] == ' ') ++q;
      return q;
    }
    if (c == '[' || c == '\0') return kNone;
  }
  return kNone;
}

struct Extractor {
  std::string s;  // step (1) output
  size_t begin = 0, end = 0;
  bool reply_or_forward = false;
  // End of a blob run after which a subj-refwd was looked for and not found. Any later start
  // inside that run reaches the same position and fails the same way.
  size_t leader_fail_end = kNone;

  // RFC 5256 §2.1 step (2): subj-trailer = "(fwd)" / WSP, repeated.
  void strip_trailers() {
    while (end > begin) {
      if (s[end - 1] == ' ') {
        --end;
      } else if (end - begin >= 5 && matches_at(s, end - 5, end, "(fwd)")) {
        end -= 5;
        reply_or_forward = true;
      } else {
        break;
      }
    }
  }

  // RFC 5256 §2.1 step (3): subj-leader = (*subj-blob subj-refwd) / WSP;
  // subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":".
  bool strip_leader() {
    if (begin >= end) return false;
    if (s[begin] == ' ') {
      ++begin;
      return true;
    }
    if (leader_fail_end != kNone && begin <= leader_fail_end) return false;
    size_t p = begin;
    while (p < end && s[p] == '[') {
      size_t q = blob_end(s, p, end);
      if (q == kNone) break;
      p = q;
    }
    size_t q = kNone;
    if (matches_at(s, p, end, "re")) {
      q = p + 2;
    } else if (matches_at(s, p, end, "fwd")) {
      q = p + 3;
    } else if (matches_at(s, p, end, "fw")) {
      q = p + 2;
    }
    if (q != kNone) {
      while (q < end && s[q] == ' ') ++q;
      if (q < end && s[q] == '[') {
        size_t after = blob_end(s, q, end);
        if (after != kNone) q = after;
      }
      if (q < end && s[q] == ':') {
        begin = q + 1;
        reply_or_forward = true;
        return true;
      }
    }
    leader_fail_end = p;
    return false;
  }

  // RFC 5256 §2.1 step (4): a leading subj-blob goes only if a non-empty subj-base remains.
  // Step (2) left no trailing WSP and the blob swallowed the WSP after it, so anything left
  // starts and ends with NONWSP, i.e. is a subj-base.
  bool strip_blob() {
    size_t q = blob_end(s, begin, end);
    if (q == kNone || q >= end) return false;
    begin = q;
    return true;
  }

  // RFC 5256 §2.1 step (6): subj-fwd-hdr = "[fwd:", subj-fwd-trl = "]".
  bool strip_fwd_wrapper() {
    if (end - begin < 6 || !matches_at(s, begin, end, "[fwd:") || s[end - 1] != ']') return false;
    begin += 5;
    end -= 1;
    reply_or_forward = true;
    return true;
  }
};

}  // namespace

BaseSubject extract_base_subject(std::string_view decoded_subject) {
  Extractor x;
  // RFC 5256 §2.1 step (1): tabs and continuations become spaces, runs become one space.
  x.s.reserve(decoded_subject.size());
  bool last_space = false;
  for (char c : decoded_subject) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (!last_space) x.s.push_back(' ');
      last_space = true;
    } else {
      x.s.push_back(c);
      last_space = false;
    }
  }
  x.end = x.s.size();
  do {
    x.leader_fail_end = kNone;
    x.strip_trailers();  // step (2)
    // RFC 5256 §2.1 step (5): repeat (3) and (4) until neither matches.
    for (;;) {
      bool found = x.strip_leader();  // step (3)
      if (!found) found = x.strip_blob();  // step (4)
      if (!found) break;
    }
  } while (x.strip_fwd_wrapper());  // step (6), then again from step (2)
  // RFC 5256 §2.1 step (7).
  return BaseSubject{x.s.substr(x.begin, x.end - x.begin), x.reply_or_forward};
}

std::string base_subject(std::string_view decoded_subject) {
  return extract_base_subject(decoded_subject).text;
}

}  // namespace postamt::proto::imap
