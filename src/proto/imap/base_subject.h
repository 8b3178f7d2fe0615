// Base subject extraction for SORT SUBJECT and THREAD (RFC 5256 §2.1): strips "Re:",
// "Fwd:", "[list]" blobs, "(fwd)" trailers and "[fwd: ...]" wrappers so replies and
// forwards sort and thread with their original.
// Handles untrusted input (any subject a sender wrote); linear time in the subject length.
// RFC 5256 §2.1 (algorithm), §5 (subject ABNF), §3 REFERENCES (reply-or-forward).
//
// Case folding: the RFC compares base subjects with i;unicode-casemap (RFC 5051: titlecase,
// then NFKD). That needs Unicode tables (ICU), which proto/ does not link and mime/ does not
// offer yet, so these functions do NOT fold: the caller folds the result (or the input;
// Dovecot folds before extraction, which also lets fullwidth "Ｒｅ：" match) with its
// i;unicode-casemap implementation before comparing. The "re"/"fw"/"fwd" leaders and the
// "(fwd)"/"[fwd:" markers are matched ASCII-case-insensitively here either way.
#pragma once

#include <string>
#include <string_view>

namespace postamt::proto::imap {

struct BaseSubject {
  std::string text;
  // RFC 5256 §3 REFERENCES step 5: the extraction removed a subj-refwd, a "(fwd)"
  // subj-trailer, or a subj-fwd-hdr/subj-fwd-trl pair.
  bool reply_or_forward = false;
};

// `decoded_subject` is the Subject field value already RFC 2047-decoded to UTF-8 (step 1's
// decoding part; mime::decode_encoded_words), unfolded or not. Tabs, CR and LF count as
// spaces; runs of them collapse to one space. An absent Subject is "".
BaseSubject extract_base_subject(std::string_view decoded_subject);

// extract_base_subject(s).text.
std::string base_subject(std::string_view decoded_subject);

}  // namespace postamt::proto::imap
