// Splits one complete IMAP command (a Tokenizer Line) into tag, command name and a generic
// token list. Command-specific grammar (FETCH items, SEARCH keys) is checked by the command
// handlers on these tokens. Handles unauthenticated input: nesting depth and token count
// are bounded.
// RFC 9051 §2.2.1, §4 (data formats), §9 (tag, atom, quoted, literal, nil); RFC 3516 §4.3
// (literal8); RFC 7888 ({n+}).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace postamt::proto::imap {

enum class TokenKind {
  atom,     // any run of atom characters, also "\Seen", "1:*", "BODY[TEXT]<0.10>"
  nil,      // the atom NIL (any case); text keeps it as sent, so it still works as an astring
  quoted,   // text is the unescaped content
  literal,  // text is the literal's bytes
  list,     // "(" ... ")": children
};

// Brackets: "[" and "]" are atom characters (RFC 9051 §9 ASTRING-CHAR has "]"), so
// "[Gmail]/Sent" is one atom. A section with a list, "BODY[HEADER.FIELDS (A B)]<0.9>", comes
// out as atom "BODY[HEADER.FIELDS", list (A B), atom "]<0.9>" with no space before the
// "]" atom (Token::glued) - the FETCH parser joins them.
struct Token {
  TokenKind kind = TokenKind::atom;
  std::string text;
  std::vector<Token> children;  // list only
  bool non_sync = false;        // literal sent as {n+}
  bool binary = false;          // literal8 "~{n}" (RFC 3516), may hold NUL
  bool glued = false;           // follows a ")" directly, without SP (only "]..." atoms)

  bool is_atom(std::string_view upper) const;  // atom equal to `upper`, case-insensitive
  // RFC 9051 §9 astring / string: atom (incl. NIL), quoted or literal.
  bool is_astring() const { return kind != TokenKind::list; }
};

struct ParseLimits {
  size_t max_depth = 8;        // nested lists (FETCH BODY[...] and SEARCH need about 3)
  size_t max_tokens = 100000;  // tokens in the whole command, at every level
};

struct Command {
  std::string tag;
  std::string name;  // upper-cased ("UID" stays "UID"; its sub-command is args[0])
  std::vector<Token> args;
};

// Syntax error: the session answers "<tag> BAD <message>", or "* BAD" when tag is empty.
struct CommandError {
  std::string tag;
  std::string message;  // safe to send to the client
};

std::variant<Command, CommandError> parse_command(std::string_view line, ParseLimits limits = {});

}  // namespace postamt::proto::imap
