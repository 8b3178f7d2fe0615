// Evaluates a SEARCH key tree against one message at a time. The session translates the
// parsed query (search_query.h) into EvalKey, resolves sequence sets, "$" and dates, then
// calls evaluate() per message with the message's metadata; the costly parts (header
// substring, BODY/TEXT full-text) are answered through EvalSource callbacks.
// Input comes from authenticated clients: the tree is walked with an explicit stack (no
// recursion), and inspect() enforces depth and node limits before evaluation.
// RFC 9051 §6.4.4 (SEARCH keys), RFC 3501 §6.4.4 (NEW, OLD, RECENT), RFC 7162 §3.1.5
// (MODSEQ), RFC 8474 §6 (EMAILID, THREADID), RFC 5032 (OLDER, YOUNGER), RFC 8514 §5
// (SAVEDBEFORE, SAVEDON, SAVEDSINCE, SAVEDATESUPPORTED).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "proto/imap/sequence_set.h"

namespace postamt::proto::imap {

struct EvalKey {
  enum class Type {
    all,         // RFC 9051 §6.4.4 ALL
    none,        // matches nothing (e.g. "$" with no saved result, RFC 5182 §2.1)
    and_,        // every child matches (no children: true); a list of keys is an AND
    or_,         // some child matches (no children: false); OR a b
    not_,        // NOT of the AND of the children (normally exactly one)
    seq_set,     // seq in `ranges`
    uid_set,     // uid in `ranges`
    flag_set,    // flag or keyword `name` present: ANSWERED... ("\Answered"), KEYWORD kw
    flag_unset,  // flag or keyword `name` absent: UNANSWERED..., UNKEYWORD kw
    new_,        // RFC 3501: recent and not \Seen
    old,         // RFC 3501: not recent
    recent,      // RFC 3501: recent
    larger,      // size > number
    smaller,     // size < number
    before,      // internal date < day              (dates: disregarding time, see below)
    on,          // internal date == day
    since,       // internal date >= day
    sent_before,  // Date: header date < day
    sent_on,
    sent_since,
    saved_before,  // RFC 8514 save date < day
    saved_on,
    saved_since,
    savedate_supported,  // RFC 8514 SAVEDATESUPPORTED: the message has a save date
    header,      // field `name` contains `value`; empty value: the field exists.
                 // BCC/CC/FROM/SUBJECT/TO are header keys with that field name.
    body,        // BODY `value`, answered by EvalSource::text_match
    text,        // TEXT `value`, answered by EvalSource::text_match
    modseq_ge,   // RFC 7162 MODSEQ: modseq >= number (entry name/type ignored)
    emailid,     // RFC 8474: email id == value (case-sensitive)
    threadid,    // RFC 8474: thread id == value (case-sensitive)
    older,       // RFC 5032: now - internal date > number seconds
    younger,     // RFC 5032: now - internal date <= number seconds
  };

  Type type = Type::all;
  std::string name;   // flag/keyword (any case) or header field name
  std::string value;  // header/body/text needle (as the session wants it: folded or not),
                      // email/thread id
  uint64_t number = 0;  // larger/smaller size, modseq, older/younger seconds
  int64_t day = 0;      // date keys: the search date as days since 1970-01-01 (mime::days_from_civil)
  std::vector<NumberRange> ranges;  // seq_set/uid_set: sorted, merged (SequenceSet::resolve)
  std::vector<EvalKey> children;    // and_, or_, not_

  static EvalKey leaf(Type t) {
    EvalKey k;
    k.type = t;
    return k;
  }
};

// The metadata of one message that evaluate() needs; cheap to build from a message row.
struct EvalMessage {
  uint32_t seq = 0, uid = 0;
  uint64_t size = 0;    // RFC822.SIZE
  uint64_t modseq = 0;  // RFC 7162
  int64_t internal_date = 0;          // unix seconds UTC
  int32_t internal_zone_minutes = 0;  // zone the INTERNALDATE is expressed in (east of UTC);
                                      // 0 when only UTC is stored
  std::optional<int64_t> sent_date;   // Date: header, unix seconds UTC; nullopt if absent or
                                      // unparsable (then the internal date is used)
  int32_t sent_zone_minutes = 0;      // zone written in the Date: header; 0 if unknown
  std::optional<int64_t> save_date;   // RFC 8514; nullopt: no save date for this mailbox
  std::span<const std::string> flags;  // system flags ("\Seen") and keywords, any case
  bool recent = false;
  std::string_view email_id, thread_id;  // RFC 8474
};

// Answers the keys that need more than EvalMessage. Callbacks must not throw. A callback
// that cannot answer (storage error) records the failure itself and returns false; the
// session then fails the command instead of sending the partial result.
class EvalSource {
 public:
  virtual ~EvalSource() = default;
  // RFC 9051 §6.4.4 HEADER: does a field named `field` (case-insensitive) exist whose value
  // contains `needle`? An empty needle asks whether the field exists at all.
  virtual bool header_contains(uint32_t uid, std::string_view field, std::string_view needle) = 0;
  // BODY/TEXT key `key` (type body or text). Typically a lookup in a UID set the session
  // computed from the full-text index before evaluation (see text_keys()).
  virtual bool text_match(uint32_t uid, const EvalKey& key) = 0;
};

struct EvalContext {
  int64_t now = 0;  // unix seconds, for OLDER/YOUNGER (proto has no clock)
};

// The parser bounds nesting far below these; they are the evaluator's own safety net.
inline constexpr size_t kMaxEvalDepth = 1000;
inline constexpr size_t kMaxEvalNodes = 100000;

struct EvalTreeInfo {
  size_t depth = 0;  // 1 for a lone key
  size_t nodes = 0;
  bool needs_text = false;    // some body/text key: query the full-text index first
  bool needs_header = false;  // some header key: header_contains() will be called
  bool uses_modseq = false;   // some MODSEQ key: RFC 7162 §3.1.5 wants the highest modseq
  bool uses_recent = false;   // NEW/OLD/RECENT or "\Recent"
};

// Walks the tree (iteratively) and checks it against the limits: ErrorCode::too_big when
// deeper than max_depth or bigger than max_nodes. Run it once before evaluating.
Result<EvalTreeInfo> inspect(const EvalKey& root, size_t max_depth = kMaxEvalDepth,
                             size_t max_nodes = kMaxEvalNodes);

// Every body/text key in the tree, in document order, so the session can run the
// full-text queries before evaluation. The pointers stay valid while `root` lives unchanged.
std::vector<const EvalKey*> text_keys(const EvalKey& root);

// Reorders the children of every and_/or_ node so cheap keys come first (metadata, then
// header lookups, then full text). Results are unchanged; short-circuiting then skips
// callbacks. Stable within a cost class.
void order_by_cost(EvalKey& root);

// Does `msg` match `root`? Iterative; no recursion whatever the depth. Short-circuits
// and_/or_ in child order.
bool evaluate(const EvalKey& root, const EvalMessage& msg, EvalSource& source,
              const EvalContext& context);


// The civil day (days since 1970-01-01) a unix time falls on in a zone `zone_minutes` east
// of UTC: how RFC 9051 §6.4.4 "disregarding time and timezone" reads a date.
int64_t day_of(int64_t unix_seconds, int32_t zone_minutes);

}  // namespace postamt::proto::imap
