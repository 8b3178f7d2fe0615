// Tokenizer: every input fed whole, split at every byte boundary and one byte at a time
// (DESIGN §9) must give the same events; literals across feeds; every limit.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "proto/imap/tokenizer.h"

namespace postamt::proto::imap {
namespace {

std::string describe(const TokenizerEvent& e) {
  if (auto* l = std::get_if<Line>(&e)) return "L:" + l->text;
  if (auto* n = std::get_if<NeedLiteral>(&e)) return "LIT:" + std::to_string(n->size) + (n->non_sync ? "+" : "");
  if (auto* t = std::get_if<TooLong>(&e)) {
    const char* what = t->what == Overflow::line ? "line" : t->what == Overflow::literal ? "literal" : "count";
    return std::string("BIG:") + what + ":" + t->tag + ":" + std::to_string(t->literal_size) + (t->non_sync ? "+" : "");
  }
  return "MORE";
}

std::vector<std::string> run(const std::vector<std::string_view>& pieces, TokenizerLimits limits, size_t* max_buffered = nullptr) {
  Tokenizer tok(limits);
  std::vector<std::string> events;
  for (std::string_view p : pieces) {
    tok.feed(p);
    for (;;) {
      TokenizerEvent e = tok.next();
      if (max_buffered) *max_buffered = std::max(*max_buffered, tok.buffered());
      if (std::holds_alternative<NeedMore>(e)) break;
      events.push_back(describe(e));
    }
  }
  return events;
}

// Feeds `input` whole, split at every boundary (two pieces) and byte by byte; all three must
// give `expected`.
void expect_events(std::string_view input, const std::vector<std::string>& expected, TokenizerLimits limits = {}) {
  EXPECT_EQ(run({input}, limits), expected) << "whole";
  for (size_t i = 1; i < input.size(); ++i) {
    ASSERT_EQ(run({input.substr(0, i), input.substr(i)}, limits), expected) << "split at " << i;
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
  EXPECT_EQ(run(bytes, limits), expected) << "byte by byte";
}

TEST(Tokenizer, SimpleLines) {
  expect_events("a1 NOOP\r\n", {"L:a1 NOOP"});
  expect_events("a1 NOOP\r\na2 CAPABILITY\r\n", {"L:a1 NOOP", "L:a2 CAPABILITY"});
  expect_events("a1 NOOP\na2 LOGOUT\r\n", {"L:a1 NOOP", "L:a2 LOGOUT"});  // bare LF tolerated
  expect_events("\r\n", {"L:"});
  expect_events("a1 NOOP", {});  // incomplete
  expect_events("a1 X\rY\r\n", {"L:a1 X\rY"});  // bare CR stays for the parser to refuse
}

TEST(Tokenizer, SyncLiteral) {
  expect_events("a1 LOGIN {4}\r\nuser {4}\r\npass\r\n",
                {"LIT:4", "LIT:4", "L:a1 LOGIN {4}\r\nuser {4}\r\npass"});
  // Literal content may hold CRLF, braces and things that look like markers.
  expect_events("a APPEND INBOX {12}\r\nx\r\n{3}\r\n\r\nab\r\n", {"LIT:12", "L:a APPEND INBOX {12}\r\nx\r\n{3}\r\n\r\nab"});
  expect_events("a X {0}\r\n\r\n", {"LIT:0", "L:a X {0}\r\n"});
  // Bare LF after the marker is normalized to CRLF in the command text.
  expect_events("a X {2}\nhi\n", {"LIT:2", "L:a X {2}\r\nhi"});
  // Literal8 (RFC 3516) is a literal too.
  using namespace std::string_literals;
  expect_events("a APPEND INBOX ~{3}\r\n\0\1\2\r\n"s, {"LIT:3", "L:a APPEND INBOX ~{3}\r\n\0\1\2"s});
}

TEST(Tokenizer, NonSyncLiteral) {
  expect_events("a LOGIN {4+}\r\nuser {4+}\r\npass\r\nb NOOP\r\n",
                {"LIT:4+", "LIT:4+", "L:a LOGIN {4+}\r\nuser {4+}\r\npass", "L:b NOOP"});
}

TEST(Tokenizer, NotMarkers) {
  expect_events("a X {}\r\n", {"L:a X {}"});
  expect_events("a X {+}\r\n", {"L:a X {+}"});
  expect_events("a X {1a}\r\n", {"L:a X {1a}"});
  expect_events("a X {1} \r\n", {"L:a X {1} "});
  expect_events("a X {-1}\r\n", {"L:a X {-1}"});
}

TEST(Tokenizer, LiteralTooBigSyncIsNotRead) {
  TokenizerLimits l;
  l.max_literal = 10;
  // The client never got "+ ", so what follows is the next command.
  expect_events("t1 APPEND INBOX {11}\r\nt2 NOOP\r\n", {"BIG:literal:t1:11", "L:t2 NOOP"}, l);
  expect_events("t1 APPEND INBOX {10}\r\n0123456789\r\n", {"LIT:10", "L:t1 APPEND INBOX {10}\r\n0123456789"}, l);
  expect_events("t1 APPEND INBOX {99999999999999999999999}\r\nt2 NOOP\r\n",
                {"BIG:literal:t1:18446744073709551615", "L:t2 NOOP"}, l);
}

TEST(Tokenizer, LiteralTooBigNonSyncIsSkipped) {
  TokenizerLimits l;
  l.max_literal = 10;
  // The literal's bytes and the rest of the command (even another literal) are dropped.
  expect_events("t1 APPEND INBOX {12+}\r\n0123456789ab {3+}\r\nxyz rest\r\nt2 NOOP\r\n",
                {"BIG:literal:t1:12+", "L:t2 NOOP"}, l);
  // A later synchronizing literal in the dropped command is never sent.
  expect_events("t1 X {12+}\r\n0123456789ab {3}\r\nt2 NOOP\r\n", {"BIG:literal:t1:12+", "L:t2 NOOP"}, l);
}

TEST(Tokenizer, LiteralMinus) {
  TokenizerLimits l;
  l.literal_minus = true;
  std::string big(4097, 'x');
  expect_events("a X {4097+}\r\n" + big + "\r\nb NOOP\r\n", {"BIG:literal:a:4097+", "L:b NOOP"}, l);
  std::string ok(4096, 'x');
  EXPECT_EQ(run({"a X {4096+}\r\n" + ok + "\r\n"}, l), (std::vector<std::string>{"LIT:4096+", "L:a X {4096+}\r\n" + ok}));
  // Synchronizing literals may be larger.
  EXPECT_EQ(run({"a X {4097}\r\n"}, l), (std::vector<std::string>{"LIT:4097"}));
}

TEST(Tokenizer, LiteralCount) {
  TokenizerLimits l;
  l.max_literals = 2;
  expect_events("a X {1}\r\nA {1}\r\nB\r\n", {"LIT:1", "LIT:1", "L:a X {1}\r\nA {1}\r\nB"}, l);
  expect_events("a X {1}\r\nA {1}\r\nB {1}\r\nb NOOP\r\n", {"LIT:1", "LIT:1", "BIG:count:a:1", "L:b NOOP"}, l);
  expect_events("a X {1+}\r\nA {1+}\r\nB {1+}\r\nC {1+}\r\nD\r\nb NOOP\r\n",
                {"LIT:1+", "LIT:1+", "BIG:count:a:1+", "L:b NOOP"}, l);
  // The count is per command.
  expect_events("a X {1}\r\nA {1}\r\nB\r\nb X {1}\r\nA {1}\r\nB\r\n",
                {"LIT:1", "LIT:1", "L:a X {1}\r\nA {1}\r\nB", "LIT:1", "LIT:1", "L:b X {1}\r\nA {1}\r\nB"}, l);
}

TEST(Tokenizer, LineTooLong) {
  TokenizerLimits l;
  l.max_line = 12;
  expect_events("a1 NOOP12345\r\nb NOOP\r\n", {"L:a1 NOOP12345", "L:b NOOP"}, l);  // exactly 12
  expect_events("a1 NOOP123456\r\nb NOOP\r\n", {"BIG:line:a1:0", "L:b NOOP"}, l);
  expect_events("a1 NOOP123456789012345678901234567890\r\nb NOOP\r\n", {"BIG:line:a1:0", "L:b NOOP"}, l);
  // No usable tag.
  expect_events("(((((((((((((((\r\nb NOOP\r\n", {"BIG:line::0", "L:b NOOP"}, l);
  // The limit covers all lines of one command; literal bytes do not count.
  expect_events("a X {20}\r\n01234567890123456789 Y\r\nb NOOP\r\n",
                {"LIT:20", "L:a X {20}\r\n01234567890123456789 Y", "L:b NOOP"}, l);
  expect_events("a X {1}\r\nZ YYYYYYY\r\nb NOOP\r\n", {"LIT:1", "BIG:line:a:0", "L:b NOOP"}, l);
  // A too-long line ending in a non-sync literal: the literal is skipped too.
  expect_events("a APPEND INBOX {5+}\r\nhello\r\nb NOOP\r\n", {"BIG:line:a:0", "L:b NOOP"}, l);
  // ... but a synchronizing one is never sent.
  expect_events("a APPEND INBOX {5}\r\nb NOOP\r\n", {"BIG:line:a:0", "L:b NOOP"}, l);
}

TEST(Tokenizer, BufferStaysBounded) {
  TokenizerLimits l;
  l.max_line = 100;
  std::string junk(100000, 'x');
  std::vector<std::string_view> pieces;
  for (size_t i = 0; i < junk.size(); i += 1000) pieces.push_back(std::string_view(junk).substr(i, 1000));
  pieces.push_back("\r\nb NOOP\r\n");
  size_t max_buf = 0;
  EXPECT_EQ(run(pieces, l, &max_buf), (std::vector<std::string>{"BIG:line::0", "L:b NOOP"}));
  EXPECT_LE(max_buf, 1000u + 100u);

  // A skipped non-sync literal is not buffered either.
  TokenizerLimits l2;
  l2.max_literal = 10;
  std::vector<std::string_view> p2{"a X {100000+}\r\n"};
  for (size_t i = 0; i < junk.size(); i += 1000) p2.push_back(std::string_view(junk).substr(i, 1000));
  p2.push_back("\r\nb NOOP\r\n");
  max_buf = 0;
  EXPECT_EQ(run(p2, l2, &max_buf), (std::vector<std::string>{"BIG:literal:a:100000+", "L:b NOOP"}));
  EXPECT_LE(max_buf, 1000u + 20u);
}

TEST(Tokenizer, LiteralAcrossFeeds) {
  Tokenizer tok;
  tok.feed("a APPEND INBOX {10}\r\n");
  auto e = tok.next();
  ASSERT_TRUE(std::holds_alternative<NeedLiteral>(e));
  EXPECT_EQ(std::get<NeedLiteral>(e).size, 10u);
  EXPECT_FALSE(std::get<NeedLiteral>(e).non_sync);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(tok.next()));
  tok.feed("01234");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(tok.next()));
  tok.feed("56789");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(tok.next()));
  tok.feed(" (\\Seen)\r\nb NOOP\r\n");
  e = tok.next();
  ASSERT_TRUE(std::holds_alternative<Line>(e));
  EXPECT_EQ(std::get<Line>(e).text, "a APPEND INBOX {10}\r\n0123456789 (\\Seen)");
  e = tok.next();
  ASSERT_TRUE(std::holds_alternative<Line>(e));
  EXPECT_EQ(std::get<Line>(e).text, "b NOOP");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(tok.next()));
}

TEST(Tokenizer, DiscardBuffered) {
  Tokenizer tok;
  tok.feed("a STARTTLS\r\nb INJECTED\r\n");
  auto e = tok.next();
  ASSERT_TRUE(std::holds_alternative<Line>(e));
  tok.discard_buffered();
  EXPECT_TRUE(std::holds_alternative<NeedMore>(tok.next()));
  EXPECT_EQ(tok.buffered(), 0u);
  tok.feed("c NOOP\r\n");
  e = tok.next();
  ASSERT_TRUE(std::holds_alternative<Line>(e));
  EXPECT_EQ(std::get<Line>(e).text, "c NOOP");
}

}  // namespace
}  // namespace postamt::proto::imap

namespace postamt::proto::imap {
namespace {

// A maximal line trickling in one byte per feed still ends as one Line (and fast: the LF
// search resumes where it stopped).
TEST(Tokenizer, SlowMaxLine) {
  TokenizerLimits l;
  std::string line = "a SEARCH " + std::string(l.max_line - 9, 'x');
  Tokenizer tok(l);
  size_t lines = 0;
  std::string input = line + "\r\n";
  for (char ch : input) {
    tok.feed(std::string_view(&ch, 1));
    for (;;) {
      auto e = tok.next();
      if (std::holds_alternative<NeedMore>(e)) break;
      ASSERT_TRUE(std::holds_alternative<Line>(e));
      EXPECT_EQ(std::get<Line>(e).text, line);
      ++lines;
    }
  }
  EXPECT_EQ(lines, 1u);
}

}  // namespace
}  // namespace postamt::proto::imap
