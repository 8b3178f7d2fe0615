// SEARCH, SORT and THREAD arguments: the ESEARCH return options, the charset (strings are
// converted to UTF-8 here, so the evaluator only sees UTF-8) and the search-key tree with
// every key of IMAP4rev1/rev2 and of the extensions we serve. Evaluation lives elsewhere
// (search_eval, sort, thread). Handles untrusted input (authenticated clients): nesting
// depth, key count and sequence-set sizes are bounded.
// RFC 9051 §6.4.4 (SEARCH), §9 (search, search-key, search-return-opts); RFC 3501 §6.4.4
// (NEW, OLD, RECENT; CHARSET); RFC 4731 (ESEARCH RETURN MIN/MAX/ALL/COUNT); RFC 5182 (SAVE,
// "$"); RFC 7162 §3.1.5 (MODSEQ key); RFC 8474 §6 (EMAILID, THREADID keys); RFC 8514
// (SAVEDBEFORE/ON/SINCE, SAVEDATESUPPORTED); RFC 5032 (OLDER, YOUNGER); RFC 5256 (SORT,
// THREAD); RFC 5267 (ESORT); RFC 5957 (DISPLAYFROM, DISPLAYTO).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "proto/imap/command_parser.h"
#include "proto/imap/sequence_set.h"

namespace postamt::proto::imap {

enum class SearchKeyKind : uint8_t {
  and_,  // children: all must match (top level, "(" ... ")")
  or_,   // children: exactly two
  not_,  // children: exactly one
  all,
  answered, deleted, draft, flagged, seen, recent, new_, old,  // flags (NEW = RECENT UNSEEN)
  unanswered, undeleted, undraft, unflagged, unseen,
  keyword, unkeyword,                     // text: the keyword (validated atom)
  bcc, body, cc, from, subject, text, to,  // text: UTF-8 substring
  header,                                 // field: name; text: UTF-8 substring (may be "")
  before, on, since,                      // day: compared with the internal date
  sent_before, sent_on, sent_since,       // day: compared with the Date: header
  saved_before, saved_on, saved_since,    // day: compared with the save date (RFC 8514)
  saved_date_supported,                   // RFC 8514
  larger, smaller,                        // number: octets (RFC822.SIZE)
  older, younger,                         // number: seconds (RFC 5032)
  uid,                                    // set: UIDs (may be "$")
  sequence_set,                           // set: message sequence numbers (may be "$")
  modseq,                                 // number: mod-sequence; text: entry name or ""
  email_id, thread_id,                    // text: object id (RFC 8474)
};

// RFC 7162 §3.1.5 entry-type-req; none when no entry name was given.
enum class ModseqEntryType : uint8_t { none, priv, shared, all };

struct SearchKey {
  SearchKeyKind kind = SearchKeyKind::all;
  std::string text;   // see SearchKeyKind; MODSEQ: flag of "/flags/<flag>" (canonical) or ""
  std::string field;  // HEADER field name as given
  int64_t day = 0;  // date keys: days since 1970-01-01 (as EvalKey::day, search_eval.h)
  uint64_t number = 0;
  ModseqEntryType entry_type = ModseqEntryType::none;
  SequenceSet set;
  std::vector<SearchKey> children;
};

// RFC 4731 §3.1 / RFC 5182 §2.1 result options.
struct SearchReturn {
  bool min = false, max = false, all = false, count = false, save = false;
  bool operator==(const SearchReturn&) const = default;
};

struct SearchParseOptions {
  size_t max_depth = 32;                                // nested NOT / OR / lists
  size_t max_keys = 1000;                               // key nodes in the whole tree
  size_t max_set_ranges = SequenceSet::kDefaultMaxRanges;  // per sequence set
};

struct SearchQuery {
  // RETURN (...) was given: answer with ESEARCH (RFC 4731 §3.1). "RETURN ()" sets all.
  bool has_return = false;
  SearchReturn ret;
  std::string charset = "UTF-8";  // upper-cased as given; strings below are UTF-8 already
  SearchKey key;                  // always an and_ node holding the top-level keys
  bool uses_modseq = false;       // a MODSEQ key: CONDSTORE enabling, "(MODSEQ n)" in the
                                  // response (RFC 7162 §3.1.5)
  bool uses_saved_result = false;  // "$" somewhere (RFC 5182 §2.1)
};

// RFC 9051 §9: search = "SEARCH" [search-return-opts] SP search-program; search-program =
// ["CHARSET" SP charset SP] search-key *(SP search-key). args[first] is the first argument
// (after "UID SEARCH"/"SEARCH"). Errors: ErrorCode::params (syntax), ErrorCode::too_big
// (limits), and for an unsupported charset the error is_bad_charset() recognizes (the
// session answers "NO [BADCHARSET (UTF-8 US-ASCII)]", RFC 9051 §6.4.4).
Result<SearchQuery> parse_search(const std::vector<Token>& args, size_t first, const SearchParseOptions& opts = {});

// The unsupported-charset error of parse_search / parse_sort / parse_thread.
bool is_bad_charset(const Error& e);

// RFC 5256 §3 sort-key; RFC 5957 display variants.
enum class SortKey : uint8_t { arrival, cc, date, from, size, subject, to, display_from, display_to };

struct SortCriterion {
  SortKey key = SortKey::arrival;
  bool reverse = false;
  bool operator==(const SortCriterion&) const = default;
};

struct SortQuery {
  std::vector<SortCriterion> criteria;  // at least one
  SearchQuery search;  // has_return/ret: ESORT options (RFC 5267 §3), before the criteria
};

// RFC 5256 §5 / RFC 5267 §3: sort = ["UID" SP] "SORT" [search-return-opts] SP
// sort-criteria SP search-criteria; search-criteria = charset 1*(SP search-key) (charset
// mandatory).
Result<SortQuery> parse_sort(const std::vector<Token>& args, size_t first, const SearchParseOptions& opts = {});

enum class ThreadAlgorithm : uint8_t { orderedsubject, references };

struct ThreadQuery {
  ThreadAlgorithm algorithm = ThreadAlgorithm::references;
  SearchQuery search;
};

// RFC 5256 §5: thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria.
Result<ThreadQuery> parse_thread(const std::vector<Token>& args, size_t first, const SearchParseOptions& opts = {});

}  // namespace postamt::proto::imap
