// parse_command: tag, name and generic tokens (atoms, NIL, quoted strings with escapes,
// literals, nested lists) and every syntax error, with nesting and token limits.
#include <gtest/gtest.h>

#include <string>

#include "proto/imap/command_parser.h"
#include "proto/imap/tokenizer.h"

namespace postamt::proto::imap {
namespace {

using namespace std::string_literals;

// Compact rendering: atom A, nil N:, quoted "q", literal {L:...}, list (...), glued ^.
std::string show(const std::vector<Token>& ts) {
  std::string out;
  for (const Token& t : ts) {
    if (!out.empty()) out += ' ';
    if (t.glued) out += '^';
    switch (t.kind) {
      case TokenKind::atom: out += t.text; break;
      case TokenKind::nil: out += "N:" + t.text; break;
      case TokenKind::quoted: out += "\"" + t.text + "\""; break;
      case TokenKind::literal:
        out += std::string("{") + (t.binary ? "~" : "") + (t.non_sync ? "+" : "") + "L:" + t.text + "}";
        break;
      case TokenKind::list: out += "(" + show(t.children) + ")"; break;
    }
  }
  return out;
}

Command ok(std::string_view line, ParseLimits limits = {}) {
  auto r = parse_command(line, limits);
  if (auto* e = std::get_if<CommandError>(&r)) {
    ADD_FAILURE() << "unexpected error for '" << line << "': " << e->message;
    return {};
  }
  return std::get<Command>(r);
}

CommandError err(std::string_view line, ParseLimits limits = {}) {
  auto r = parse_command(line, limits);
  if (auto* e = std::get_if<CommandError>(&r)) return *e;
  ADD_FAILURE() << "expected an error for '" << line << "'";
  return {};
}

TEST(CommandParser, TagAndName) {
  Command c = ok("a001 noop");
  EXPECT_EQ(c.tag, "a001");
  EXPECT_EQ(c.name, "NOOP");
  EXPECT_TRUE(c.args.empty());
  EXPECT_EQ(ok("A]1 CAPABILITY").tag, "A]1");
  EXPECT_EQ(ok("x.y-z STARTTLS").name, "STARTTLS");
  Command u = ok("7 uid fetch 1:* (FLAGS)");
  EXPECT_EQ(u.name, "UID");
  EXPECT_EQ(show(u.args), "fetch 1:* (FLAGS)");
}

TEST(CommandParser, TagErrors) {
  EXPECT_EQ(err("").tag, "");
  EXPECT_EQ(err("NOOP").tag, "");       // no tag
  EXPECT_EQ(err(" a NOOP").tag, "");
  EXPECT_EQ(err("a+ NOOP").tag, "");     // "+" not in tags
  EXPECT_EQ(err("* NOOP").tag, "");
  EXPECT_EQ(err("a\"b NOOP").tag, "");
  EXPECT_EQ(err("a(b NOOP").tag, "");
  EXPECT_EQ(err("t\xC3\xA4 NOOP").tag, "");  // 8-bit
  EXPECT_EQ(err("a ").tag, "a");
  EXPECT_EQ(err("a  NOOP").tag, "a");
  EXPECT_EQ(err("a NOOP ").tag, "a");    // trailing space
  EXPECT_EQ(err("a NO(OP").tag, "a");
  EXPECT_EQ(err("a X[1] Y").tag, "a");
}

TEST(CommandParser, Atoms) {
  EXPECT_EQ(show(ok("a LOGIN joe secret").args), "joe secret");
  EXPECT_EQ(show(ok("a STORE 1:3,5 +FLAGS.SILENT (\\Seen \\Deleted $Junk)").args),
            "1:3,5 +FLAGS.SILENT (\\Seen \\Deleted $Junk)");
  EXPECT_EQ(show(ok("a LIST \"\" %/*").args), "\"\" %/*");
  EXPECT_EQ(show(ok("a SELECT [Gmail]/Sent").args), "[Gmail]/Sent");
  EXPECT_EQ(show(ok("a SELECT Entw&APw-rfe").args), "Entw&APw-rfe");
}

TEST(CommandParser, Nil) {
  Command c = ok("a X NIL nil Nil NILS");
  ASSERT_EQ(c.args.size(), 4u);
  EXPECT_EQ(show(c.args), "N:NIL N:nil N:Nil NILS");
  EXPECT_TRUE(c.args[1].is_atom("NIL"));
  EXPECT_TRUE(c.args[1].is_astring());
  EXPECT_EQ(show(ok("a ID NIL").args), "N:NIL");
}

TEST(CommandParser, Quoted) {
  EXPECT_EQ(show(ok(R"(a LOGIN "joe" "p a\"s\\s")").args), R"("joe" "p a"s\s")");
  EXPECT_EQ(show(ok("a X \"\"").args), "\"\"");
  EXPECT_EQ(show(ok("a X \"日本語\"").args), "\"日本語\"");
  EXPECT_EQ(show(ok("a X (\"a\" \"b\")").args), "(\"a\" \"b\")");
  EXPECT_EQ(err("a X \"abc").message, "Unterminated quoted string");
  EXPECT_EQ(err("a X \"abc\\").message, "Unterminated quoted string");
  EXPECT_EQ(err("a X \"a\\nb\"").message, "Invalid escape in quoted string");
  EXPECT_EQ(err("a X \"a\rb\"").message, "Invalid character in quoted string");
  EXPECT_EQ(err("a X \"a\0b\""s).message, "Invalid character in quoted string");
  EXPECT_EQ(err("a X \"\xFF\"").message, "Invalid UTF-8 in quoted string");
  EXPECT_EQ(err("a X \"a\"b").message, "Missing space between arguments");
}

TEST(CommandParser, Literals) {
  Command c = ok("a LOGIN {4}\r\nuser {4+}\r\np\r\ns");
  EXPECT_EQ(show(c.args), "{L:user} {+L:p\r\ns}");
  EXPECT_TRUE(c.args[0].is_astring());
  EXPECT_EQ(show(ok("a APPEND INBOX (\\Seen) ~{3}\r\n\0\1\2"s).args), "INBOX (\\Seen) {~L:\0\1\2}"s);
  EXPECT_EQ(show(ok("a X {0}\r\n").args), "{L:}");
  EXPECT_EQ(show(ok("a X ({1}\r\n) {1}\r\n()").args), "({L:)} {L:(})");
  EXPECT_EQ(err("a X {3}\r\nab").message, "Literal shorter than announced");
  EXPECT_EQ(err("a X {3}ab").message, "Invalid literal");
  EXPECT_EQ(err("a X {}\r\n").message, "Invalid literal");
  EXPECT_EQ(err("a X {99999999999999999999}\r\n").message, "Literal size too large");
  EXPECT_EQ(ok("a X {1}\r\n\0"s).args[0].text, "\0"s);  // accepted like Dovecot (APPEND of real mail)
  EXPECT_EQ(err("a X {1}\r\nab").message, "Missing space between arguments");
}

TEST(CommandParser, Lists) {
  EXPECT_EQ(show(ok("a X ()").args), "()");
  EXPECT_EQ(show(ok("a X (a (b (c)) d)").args), "(a (b (c)) d)");
  EXPECT_EQ(err("a X (a").message, "Unterminated list");
  EXPECT_EQ(err("a X a)").message, "Unexpected ')'");
  EXPECT_EQ(err("a X )").message, "Unexpected ')'");
  EXPECT_EQ(err("a X ( a)").message, "Unexpected space");
  EXPECT_EQ(err("a X (a )").message, "Unexpected space");
  EXPECT_EQ(err("a X (a)(b)").message, "Missing space between arguments");
  EXPECT_EQ(err("a X a(b)").message, "Missing space between arguments");
}

TEST(CommandParser, FetchSections) {
  EXPECT_EQ(show(ok("a FETCH 1 (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100> BODY[1.2.MIME] BINARY[1])").args),
            "1 (FLAGS BODY.PEEK[HEADER.FIELDS (From To) ^]<0.100> BODY[1.2.MIME] BINARY[1])");
  EXPECT_EQ(show(ok("a FETCH 1 BODY[HEADER.FIELDS.NOT (X)]").args), "1 BODY[HEADER.FIELDS.NOT (X) ^]");
  EXPECT_EQ(err("a FETCH 1 (X)Y").message, "Missing space between arguments");
}

TEST(CommandParser, Limits) {
  ParseLimits l;
  l.max_depth = 3;
  EXPECT_EQ(show(ok("a X (((a)))", l).args), "(((a)))");
  EXPECT_EQ(err("a X ((((a))))", l).message, "Lists nested too deeply");
  // Default depth and a hostile nesting: refused, no deep recursion.
  std::string deep = "a X " + std::string(100000, '(');
  EXPECT_EQ(err(deep).message, "Lists nested too deeply");
  l.max_tokens = 4;
  EXPECT_EQ(show(ok("a X 1 2 (3)", l).args), "1 2 (3)");
  EXPECT_EQ(err("a X 1 2 3 4 5", l).message, "Too many arguments");
  EXPECT_EQ(err("a X (1 2) (3)", l).message, "Too many arguments");
}

TEST(CommandParser, TokenizerOutputParses) {
  // A command assembled by the Tokenizer from split input parses to the same tokens.
  Tokenizer tok;
  std::string input = "a5 APPEND \"Sent Items\" (\\Seen) {11}\r\nhello\r\nworl {2+}\r\nd!\r\n";
  std::string text;
  for (char ch : input) {
    tok.feed(std::string_view(&ch, 1));
    for (;;) {
      auto e = tok.next();
      if (std::holds_alternative<NeedMore>(e)) break;
      if (auto* line = std::get_if<Line>(&e)) text = line->text;
    }
  }
  Command c = ok(text);
  EXPECT_EQ(c.tag, "a5");
  EXPECT_EQ(c.name, "APPEND");
  EXPECT_EQ(show(c.args), "\"Sent Items\" (\\Seen) {L:hello\r\nworl} {+L:d!}");
}

}  // namespace
}  // namespace postamt::proto::imap

namespace postamt::proto::imap {
namespace {

// Pseudo-random bytes from IMAP's alphabet through Tokenizer and parse_command: no crash,
// no hang, buffers bounded (a smoke test; the libFuzzer target is separate work).
TEST(CommandParser, RandomInputSmoke) {
  const std::string alphabet = "aA1 ()[]{}+~\"\\*%$:,\r\n\0\xFF" "0123456789NIL"s;
  uint32_t state = 12345;
  auto rnd = [&] {
    state = state * 1103515245u + 12345u;
    return state >> 16;
  };
  TokenizerLimits tl;
  tl.max_line = 200;
  tl.max_literal = 50;
  tl.max_literals = 3;
  for (int round = 0; round < 2000; ++round) {
    Tokenizer tok(tl);
    std::string input;
    size_t len = rnd() % 300;
    for (size_t i = 0; i < len; ++i) input += alphabet[rnd() % alphabet.size()];
    size_t pos = 0;
    while (pos < input.size()) {
      size_t n = 1 + rnd() % 17;
      tok.feed(std::string_view(input).substr(pos, n));
      pos += n;
      for (;;) {
        auto e = tok.next();
        ASSERT_LE(tok.buffered(), tl.max_line + 17);
        if (std::holds_alternative<NeedMore>(e)) break;
        if (auto* line = std::get_if<Line>(&e)) (void)parse_command(line->text);
      }
    }
    (void)parse_command(input);
  }
}

}  // namespace
}  // namespace postamt::proto::imap
