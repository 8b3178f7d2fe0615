// Building blocks shared by the per-command argument parsers (fetch_items, search_query,
// store_args, mailbox_args, ...): typed reads of single tokens with client-safe errors.
// Handles untrusted input (authenticated clients).
// RFC 9051 §9 (number, nz-number, number64, sequence-set); RFC 7162 §7 (mod-sequence-value,
// mod-sequence-valzer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "proto/imap/command_parser.h"
#include "proto/imap/sequence_set.h"

namespace postamt::proto::imap {

// RFC 7162 §7: mod-sequence values are 63-bit; RFC 9051 §9 number64 likewise.
inline constexpr uint64_t kMaxNumber64 = 0x7FFFFFFFFFFFFFFFull;

// ErrorCode::params with a client-safe message (the session sends "tag BAD <message>").
Error syntax_error(std::string message);

// Atom (not NIL) whose text is all digits and fits; no sign, no leading "+".
// RFC 9051 §9 number (32-bit) / nz-number.
Result<uint32_t> parse_number(const Token& t, bool nonzero);
// RFC 9051 §9 number64 (0..2^63-1), digits only.
Result<uint64_t> parse_number64(std::string_view digits);
// RFC 7162 §7 mod-sequence-valzer (allow_zero) / mod-sequence-value.
Result<uint64_t> parse_mod_sequence(const Token& t, bool allow_zero);

// An atom holding a sequence set (or "$", RFC 5182) -> SequenceSet::parse.
Result<SequenceSet> parse_sequence_arg(const Token& t, size_t max_ranges = SequenceSet::kDefaultMaxRanges);

// Error unless args has no token at index i or later ("Too many arguments").
Result<void> expect_end(const std::vector<Token>& args, size_t i);
// Error unless args[i] exists ("Missing <what>").
Result<void> expect_arg(const std::vector<Token>& args, size_t i, const char* what);

// A plain atom (not NIL, not a list/string) -- keywords, option names.
bool is_plain_atom(const Token& t);

// ASCII upper-case copy.
std::string ascii_upper(std::string_view s);

}  // namespace postamt::proto::imap
