// Generic IMAP command tokenizer (tag, name, arguments). Handles unauthenticated input.
// RFC 9051 §9 grammar; RFC 3516 §4.3; RFC 7888.
#include "proto/imap/command_parser.h"

#include "base/strings.h"

namespace postamt::proto::imap {
namespace {

// RFC 9051 §9 atom-specials minus what generic arguments need: "%" "*" (list wildcards,
// sequence sets), "\" (flags), "]" (ASTRING-CHAR). 8-bit bytes are accepted here because
// UTF8=ACCEPT mailbox names may be atoms in practice; handlers validate UTF-8.
bool is_atom_char(unsigned char c) {
  if (c <= 0x20 || c == 0x7F) return false;
  return c != '(' && c != ')' && c != '{' && c != '"';
}

// RFC 9051 §9: tag = 1*<any ASTRING-CHAR except "+">.
bool is_tag_char(unsigned char c) {
  if (c <= 0x20 || c >= 0x7F) return false;
  switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case '+':
      return false;
    default:
      return true;
  }
}

class Parser {
 public:
  Parser(std::string_view s, ParseLimits limits) : s_(s), limits_(limits) {}

  // Arguments up to the end of input (depth 0) or the closing ")" (depth > 0).
  bool parse_args(std::vector<Token>& out, size_t depth) {
    bool first = true;
    for (;;) {
      if (at_end()) {
        if (depth > 0) return fail("Unterminated list");
        return true;
      }
      if (peek() == ')') {
        if (depth == 0) return fail("Unexpected ')'");
        ++pos_;
        return true;
      }
      bool glued = false;
      if (!first) {
        if (peek() == ' ') {
          ++pos_;
          if (at_end() || peek() == ' ' || peek() == ')') return fail("Unexpected space");
        } else if (peek() == ']' && !out.empty() && out.back().kind == TokenKind::list) {
          glued = true;  // "(...)]": the end of a FETCH section
        } else {
          return fail("Missing space between arguments");
        }
      }
      first = false;
      if (++tokens_ > limits_.max_tokens) return fail("Too many arguments");
      Token t;
      if (!parse_one(t, depth)) return false;
      t.glued = glued;
      out.push_back(std::move(t));
    }
  }

  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }
  size_t pos() const { return pos_; }
  void skip(size_t n) { pos_ += n; }
  const std::string& error() const { return error_; }
  bool fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
    return false;
  }

 private:
  bool parse_one(Token& t, size_t depth) {
    char c = peek();
    if (c == '(') {
      if (depth + 1 > limits_.max_depth) return fail("Lists nested too deeply");
      ++pos_;
      t.kind = TokenKind::list;
      if (!at_end() && peek() == ' ') return fail("Unexpected space");
      return parse_args(t.children, depth + 1);
    }
    if (c == '"') return parse_quoted(t);
    if (c == '{' || (c == '~' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '{')) return parse_literal(t);
    size_t start = pos_;
    while (!at_end() && is_atom_char(static_cast<unsigned char>(peek()))) ++pos_;
    if (pos_ == start) return fail("Invalid character in arguments");
    t.kind = TokenKind::atom;
    t.text.assign(s_.substr(start, pos_ - start));
    if (iequals(t.text, "NIL")) t.kind = TokenKind::nil;
    return true;
  }

  // RFC 9051 §9: quoted = DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR = <any TEXT-CHAR except
  // quoted-specials> / "\" quoted-specials / UTF8-2..4. No CR, LF or NUL; only \" and \\.
  bool parse_quoted(Token& t) {
    ++pos_;
    t.kind = TokenKind::quoted;
    for (;;) {
      if (at_end()) return fail("Unterminated quoted string");
      unsigned char c = static_cast<unsigned char>(s_[pos_++]);
      if (c == '"') break;
      if (c == '\\') {
        if (at_end()) return fail("Unterminated quoted string");
        char e = s_[pos_++];
        if (e != '"' && e != '\\') return fail("Invalid escape in quoted string");
        t.text += e;
        continue;
      }
      if (c == '\r' || c == '\n' || c == 0) return fail("Invalid character in quoted string");
      t.text += static_cast<char>(c);
    }
    // RFC 9051 §9: 8-bit content of a quoted string is UTF-8 (UTF8-2..4); IMAP4rev1 allows
    // none, so checking UTF-8 is right for both.
    if (!is_valid_utf8(t.text)) return fail("Invalid UTF-8 in quoted string");
    return true;
  }

  // RFC 9051 §9: literal = "{" number64 ["+"] "}" CRLF *CHAR8; literal8 = "~{" number64 "}" ...
  bool parse_literal(Token& t) {
    t.kind = TokenKind::literal;
    if (peek() == '~') {
      t.binary = true;
      ++pos_;
    }
    ++pos_;  // '{'
    uint64_t n = 0;
    size_t digits = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      if (++digits > 19) return fail("Literal size too large");
      n = n * 10 + static_cast<uint64_t>(peek() - '0');
      ++pos_;
    }
    if (digits == 0) return fail("Invalid literal");
    if (!at_end() && peek() == '+') {
      t.non_sync = true;
      ++pos_;
    }
    if (s_.substr(pos_, 3) != "}\r\n") return fail("Invalid literal");
    pos_ += 3;
    if (n > s_.size() - pos_) return fail("Literal shorter than announced");
    t.text.assign(s_.substr(pos_, static_cast<size_t>(n)));
    pos_ += static_cast<size_t>(n);
    // RFC 9051 §4.3: CHAR8 excludes NUL, but messages with NUL exist and clients APPEND
    // them in plain literals; like Dovecot we accept them. Commands whose strings must not
    // hold NUL (mailbox names, flags) check that themselves.
    return true;
  }

  std::string_view s_;
  ParseLimits limits_;
  size_t pos_ = 0;
  size_t tokens_ = 0;
  std::string error_;
};

}  // namespace

bool Token::is_atom(std::string_view upper) const {
  return (kind == TokenKind::atom || kind == TokenKind::nil) && iequals(text, upper);
}

std::variant<Command, CommandError> parse_command(std::string_view line, ParseLimits limits) {
  Command cmd;
  size_t n = 0;
  while (n < line.size() && is_tag_char(static_cast<unsigned char>(line[n]))) ++n;
  if (n == 0 || n >= line.size() || line[n] != ' ') {
    return CommandError{{}, "Missing or invalid tag"};
  }
  cmd.tag.assign(line.substr(0, n));
  size_t start = n + 1;
  size_t end = start;
  // RFC 9051 §9: command names are atoms; every one we know is letters, digits and "-".
  while (end < line.size() && is_atom_char(static_cast<unsigned char>(line[end])) && line[end] != '[' &&
         line[end] != ']' && line[end] != '\\' && line[end] != '%' && line[end] != '*') {
    ++end;
  }
  if (end == start) return CommandError{cmd.tag, "Missing command"};
  cmd.name.assign(line.substr(start, end - start));
  for (char& ch : cmd.name) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  }
  if (end == line.size()) return cmd;
  if (line[end] != ' ') return CommandError{cmd.tag, "Invalid command name"};
  if (end + 1 == line.size()) return CommandError{cmd.tag, "Unexpected space"};
  Parser p(line.substr(end + 1), limits);
  if (!p.parse_args(cmd.args, 0)) return CommandError{cmd.tag, p.error()};
  return cmd;
}

}  // namespace postamt::proto::imap
