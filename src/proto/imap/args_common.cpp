// Shared token readers for IMAP argument parsers. Handles untrusted input.
// RFC 9051 §9; RFC 7162 §7.
#include "proto/imap/args_common.h"

#include "base/strings.h"

namespace postamt::proto::imap {

Error syntax_error(std::string message) { return Error::make(ErrorCode::params, std::move(message)); }

bool is_plain_atom(const Token& t) { return t.kind == TokenKind::atom; }

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

Result<uint32_t> parse_number(const Token& t, bool nonzero) {
  if (!is_plain_atom(t)) return syntax_error("Number expected");
  auto v = parse_u64(t.text);
  if (!v || *v > 0xFFFFFFFFull) return syntax_error("Invalid number");
  if (nonzero && *v == 0) return syntax_error("Number must not be zero");
  return static_cast<uint32_t>(*v);
}

Result<uint64_t> parse_number64(std::string_view digits) {
  auto v = parse_u64(digits);
  if (!v || *v > kMaxNumber64) return syntax_error("Invalid number");
  return *v;
}

// RFC 7162 §7: mod-sequence-value = 1*DIGIT (1 <= n <= 2^63-1); mod-sequence-valzer = "0" /
// mod-sequence-value.
Result<uint64_t> parse_mod_sequence(const Token& t, bool allow_zero) {
  if (!is_plain_atom(t)) return syntax_error("Mod-sequence expected");
  auto v = parse_number64(t.text);
  if (!v) return syntax_error("Invalid mod-sequence");
  if (!allow_zero && *v == 0) return syntax_error("Invalid mod-sequence");
  return *v;
}

Result<SequenceSet> parse_sequence_arg(const Token& t, size_t max_ranges) {
  if (!is_plain_atom(t)) return syntax_error("Sequence set expected");
  return SequenceSet::parse(t.text, max_ranges);
}

Result<void> expect_end(const std::vector<Token>& args, size_t i) {
  if (i < args.size()) return syntax_error("Too many arguments");
  return {};
}

Result<void> expect_arg(const std::vector<Token>& args, size_t i, const char* what) {
  if (i >= args.size()) return syntax_error(std::string("Missing ") + what);
  return {};
}

}  // namespace postamt::proto::imap
