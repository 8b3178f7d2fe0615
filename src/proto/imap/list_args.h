// LIST / LSUB arguments (with the LIST-EXTENDED selection and return options, LIST-STATUS
// and SPECIAL-USE), the reference + pattern join and the "*" / "%" wildcard match.
// Handles untrusted input (authenticated clients): the pattern count is bounded and
// list_match does bounded work (no backtracking) whatever the pattern.
// RFC 9051 §6.3.9 (LIST, wildcards, reference), §9 (list, list-mailbox, list-select-opts,
// list-return-opts); RFC 3501 §6.3.8-9 (LIST, LSUB); RFC 5258 §3 (LIST-EXTENDED); RFC 5819
// (STATUS return option); RFC 6154 §3 (SPECIAL-USE options).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "proto/imap/command_parser.h"
#include "proto/imap/mailbox_args.h"

namespace postamt::proto::imap {

inline constexpr size_t kMaxListPatterns = 64;

struct ListArgs {
  // RFC 5258 syntax was used (selection options, a pattern list or RETURN): the response
  // follows LIST-EXTENDED rules (e.g. CHILDINFO).
  bool extended = false;
  // Selection options (RFC 5258 §3.1, RFC 6154 §3).
  bool select_subscribed = false;
  bool select_remote = false;
  bool select_recursive_match = false;
  bool select_special_use = false;
  // UTF-8 text (modified UTF-7 decoded for IMAP4rev1 clients when it is valid; otherwise
  // kept as sent, so it simply matches nothing). May be empty.
  std::string reference;
  std::vector<std::string> patterns;  // at least one; "" is the delimiter query
  // Return options (RFC 5258 §3.2, RFC 5819, RFC 6154 §3).
  bool return_subscribed = false;
  bool return_children = false;
  bool return_special_use = false;
  bool return_status = false;
  std::vector<StatusItem> status_items;  // with return_status
};

// RFC 9051 §9 / RFC 5258 §6: list = "LIST" [SP list-select-opts] SP mailbox SP
// mbox-or-pat [SP list-return-opts]. args[first] is the first argument. RECURSIVEMATCH
// without another selection option (REMOTE does not count) is an error (RFC 5258 §3.1), so
// are unknown options.
Result<ListArgs> parse_list(const std::vector<Token>& args, size_t first, bool utf8_enabled,
                            size_t max_patterns = kMaxListPatterns);

// RFC 3501 §6.3.9: lsub = "LSUB" SP mailbox SP list-mailbox. Fills reference and one
// pattern; everything else stays off.
Result<ListArgs> parse_lsub(const std::vector<Token>& args, size_t first, bool utf8_enabled);

// RFC 9051 §6.3.9 / RFC 3501 §6.3.8: the canonical pattern from reference and mailbox
// pattern. A pattern starting with the delimiter is absolute (the reference is ignored);
// otherwise the two are concatenated ("archive/" + "%" -> "archive/%").
std::string list_join(std::string_view reference, std::string_view pattern, char delimiter);

// RFC 9051 §6.3.9: "*" matches zero or more characters, "%" zero or more characters except
// the delimiter; everything else matches itself. The leading "INBOX" of a name (followed by
// the end or the delimiter) matches case-insensitively (RFC 9051 §5.1). Runs in
// O(|pattern| * |name|) with no backtracking; patterns with more literal characters than
// the name are rejected at once.
bool list_match(std::string_view pattern, std::string_view name, char delimiter);

}  // namespace postamt::proto::imap
