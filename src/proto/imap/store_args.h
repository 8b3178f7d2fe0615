// STORE arguments and message flags: which flags a client may set (system flags and
// keywords), the FLAGS / +FLAGS / -FLAGS [.SILENT] forms and the CONDSTORE UNCHANGEDSINCE
// modifier. parse_flag_list is shared with APPEND. Handles untrusted input (authenticated
// clients): flag count and keyword length are bounded.
// RFC 9051 §2.3.2 (flags; \Recent is gone in IMAP4rev2), §6.4.6 (STORE), §9 (flag,
// flag-keyword, flag-list, store-att-flags); RFC 3501 §6.4.6; RFC 7162 §3.1.3
// (UNCHANGEDSINCE), §7 (store-modifier).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "proto/imap/command_parser.h"

namespace postamt::proto::imap {

inline constexpr size_t kMaxFlagsPerCommand = 128;
inline constexpr size_t kMaxKeywordBytes = 255;

// RFC 9051 §9 flag-keyword = atom: non-empty, at most kMaxKeywordBytes, only ATOM-CHAR
// (no "\", "]", "(", ")", "{", "%", "*", DQUOTE, SP, CTL, 8-bit).
bool is_valid_keyword(std::string_view s);

// One flag a client may set: a system flag (\Seen \Answered \Flagged \Deleted \Draft, any
// case, returned in that canonical spelling) or a keyword (returned as given). \Recent
// (RFC 9051 §2.3.2: not settable, removed in IMAP4rev2), other "\" flags and invalid
// keywords are ErrorCode::params.
Result<std::string> parse_flag(std::string_view text);

// RFC 9051 §9 flag-list "(" [flag *(SP flag)] ")": a list token of atoms, each through
// parse_flag. Duplicates (case-insensitive) are dropped, the first spelling kept. More than
// max_flags -> ErrorCode::params.
Result<std::vector<std::string>> parse_flag_list(const Token& list, size_t max_flags = kMaxFlagsPerCommand);

enum class StoreMode : uint8_t {
  replace,  // FLAGS
  add,      // +FLAGS
  remove,   // -FLAGS
};

struct StoreArgs {
  StoreMode mode = StoreMode::replace;
  bool silent = false;                     // ".SILENT": no untagged FETCH for the change
  std::vector<std::string> flags;          // canonical, deduplicated; may be empty
  std::optional<uint64_t> unchanged_since;  // RFC 7162 §3.1.3, 0..2^63-1
};

// RFC 9051 §9 / RFC 7162 §7: store = "STORE" SP sequence-set [store-modifiers] SP
// store-att-flags. args[first] is the token after the sequence set (the modifier list or
// the FLAGS atom). Flags: one flag-list, or one or more bare flags (RFC 9051 §6.4.6).
Result<StoreArgs> parse_store(const std::vector<Token>& args, size_t first, size_t max_flags = kMaxFlagsPerCommand);

}  // namespace postamt::proto::imap
