// Unit tests for the POP3 codec: command parsing, line splitting (whole, split at every
// byte, byte by byte), reply formatting, dot-stuffing and the TOP filter.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proto/pop3/pop3_codec.h"

using namespace postamt::proto::pop3;

namespace {

Command parse_ok(std::string_view line) {
  auto r = parse_command(line);
  EXPECT_TRUE(std::holds_alternative<Command>(r)) << "line: " << line;
  if (!std::holds_alternative<Command>(r)) return {};
  return std::get<Command>(r);
}

bool is_syntax_error(std::string_view line) { return std::holds_alternative<SyntaxError>(parse_command(line)); }

// Renders decoder output as a list of strings: lines as-is, "<TOOLONG>" for overflows.
std::vector<std::string> drain(LineDecoder& d) {
  std::vector<std::string> out;
  while (true) {
    auto r = d.next();
    if (std::holds_alternative<NeedMore>(r)) break;
    if (auto* l = std::get_if<Line>(&r)) out.push_back(l->text);
    else out.push_back("<TOOLONG>");
  }
  return out;
}

std::vector<std::string> decode_split(std::string_view input, size_t max_line, std::vector<size_t> cuts) {
  LineDecoder d(max_line);
  std::vector<std::string> out;
  size_t prev = 0;
  cuts.push_back(input.size());
  for (size_t c : cuts) {
    d.feed(input.substr(prev, c - prev));
    auto got = drain(d);
    out.insert(out.end(), got.begin(), got.end());
    prev = c;
  }
  return out;
}

std::string stuff_split(std::string_view input, std::vector<size_t> cuts) {
  DotStuffer s;
  std::string out;
  size_t prev = 0;
  cuts.push_back(input.size());
  for (size_t c : cuts) {
    out += s.encode(input.substr(prev, c - prev));
    prev = c;
  }
  return out + s.finish();
}

std::string top_split(std::string_view input, uint64_t n, std::vector<size_t> cuts) {
  TopFilter f(n);
  std::string out;
  size_t prev = 0;
  cuts.push_back(input.size());
  for (size_t c : cuts) {
    out += f.feed(input.substr(prev, c - prev));
    prev = c;
  }
  return out;
}

std::vector<size_t> every_byte(size_t n) {
  std::vector<size_t> v;
  for (size_t i = 1; i < n; ++i) v.push_back(i);
  return v;
}

}  // namespace

TEST(Pop3Parse, SimpleVerbsCaseInsensitive) {
  struct Case {
    const char* line;
    Verb verb;
  } cases[] = {{"STAT", Verb::stat}, {"stat", Verb::stat}, {"RsEt", Verb::rset}, {"NOOP", Verb::noop},
               {"quit", Verb::quit}, {"CAPA", Verb::capa}, {"stls", Verb::stls}, {"LIST", Verb::list},
               {"UIDL", Verb::uidl}, {"AUTH", Verb::auth}};
  for (auto& c : cases) {
    Command cmd = parse_ok(c.line);
    EXPECT_EQ(cmd.verb, c.verb) << c.line;
    EXPECT_EQ(cmd.verb_text, c.line);
    EXPECT_TRUE(cmd.args.empty());
  }
}

TEST(Pop3Parse, NoArgVerbsRejectArgs) {
  for (const char* l : {"STAT 1", "RSET x", "NOOP a", "QUIT now", "CAPA x", "STLS x"})
    EXPECT_TRUE(is_syntax_error(l)) << l;
  // A trailing space is tolerated.
  EXPECT_EQ(parse_ok("STAT ").verb, Verb::stat);
}

TEST(Pop3Parse, MessageNumberVerbs) {
  Command c = parse_ok("RETR 7");
  EXPECT_EQ(c.verb, Verb::retr);
  ASSERT_EQ(c.args.size(), 1u);
  EXPECT_EQ(c.args[0], "7");
  EXPECT_EQ(parse_ok("dele 12").verb, Verb::dele);
  EXPECT_EQ(parse_ok("LIST 3").args.size(), 1u);
  EXPECT_EQ(parse_ok("UIDL 3").args.size(), 1u);
  EXPECT_EQ(parse_ok("RETR  7").args.size(), 1u);  // double space tolerated
  for (const char* l : {"RETR", "RETR 0", "RETR -1", "RETR +1", "RETR x", "RETR 1 2", "DELE", "DELE 0",
                        "LIST 0", "LIST a", "UIDL 1 2", "RETR 99999999999999999999999",
                        "RETR 00000000000000000000000000000000000000001"})
    EXPECT_TRUE(is_syntax_error(l)) << l;
}

TEST(Pop3Parse, Top) {
  Command c = parse_ok("TOP 1 0");
  EXPECT_EQ(c.verb, Verb::top);
  ASSERT_EQ(c.args.size(), 2u);
  EXPECT_EQ(c.args[1], "0");
  EXPECT_EQ(parse_ok("top 3 10").args[0], "3");
  for (const char* l : {"TOP", "TOP 1", "TOP 0 1", "TOP 1 -1", "TOP 1 x", "TOP 1 2 3"})
    EXPECT_TRUE(is_syntax_error(l)) << l;
}

TEST(Pop3Parse, UserPass) {
  Command u = parse_ok("USER alice@example.org");
  EXPECT_EQ(u.verb, Verb::user);
  EXPECT_EQ(u.args.at(0), "alice@example.org");
  // Login names longer than 40 characters are allowed (full e-mail addresses).
  std::string long_name(100, 'a');
  EXPECT_EQ(parse_ok("USER " + long_name).args.at(0), long_name);
  EXPECT_TRUE(is_syntax_error("USER"));
  EXPECT_TRUE(is_syntax_error("USER a b"));
  EXPECT_TRUE(is_syntax_error("USER a\tb"));

  Command p = parse_ok("PASS  my secret pass ");
  EXPECT_EQ(p.verb, Verb::pass);
  ASSERT_EQ(p.args.size(), 1u);
  EXPECT_EQ(p.args[0], " my secret pass ");
  EXPECT_EQ(parse_ok("pass x\ty").args.at(0), "x\ty");
  EXPECT_TRUE(is_syntax_error("PASS"));
  EXPECT_TRUE(is_syntax_error("PASS "));
  EXPECT_TRUE(is_syntax_error(std::string("PASS a\0b", 8)));
  EXPECT_TRUE(is_syntax_error("PASS a\rb"));
}

TEST(Pop3Parse, Apop) {
  Command c = parse_ok("APOP mrose c4c9334bac560ecc979e58001b3e22fb");
  EXPECT_EQ(c.verb, Verb::apop);
  ASSERT_EQ(c.args.size(), 2u);
  EXPECT_EQ(c.args[0], "mrose");
  for (const char* l : {"APOP", "APOP mrose", "APOP mrose c4c9", "APOP mrose c4c9334bac560ecc979e58001b3e22fz",
                        "APOP a c4c9334bac560ecc979e58001b3e22fb x"})
    EXPECT_TRUE(is_syntax_error(l)) << l;
}

TEST(Pop3Parse, Auth) {
  EXPECT_TRUE(parse_ok("AUTH").args.empty());
  Command c = parse_ok("AUTH PLAIN");
  EXPECT_EQ(c.verb, Verb::auth);
  EXPECT_EQ(c.args.at(0), "PLAIN");
  std::string ir(300, 'A');
  Command c2 = parse_ok("auth PLAIN " + ir);  // initial response: no 40-char limit
  ASSERT_EQ(c2.args.size(), 2u);
  EXPECT_EQ(c2.args[1], ir);
  EXPECT_TRUE(is_syntax_error("AUTH PLAIN a b"));
  EXPECT_TRUE(is_syntax_error("AUTH " + std::string(21, 'X')));
}

TEST(Pop3Parse, UnknownAndMalformed) {
  Command c = parse_ok("XTND foo");
  EXPECT_EQ(c.verb, Verb::unknown);
  EXPECT_EQ(c.verb_text, "XTND");
  EXPECT_EQ(parse_ok("STATS").verb, Verb::unknown);
  EXPECT_EQ(parse_ok("RETRIEVE 1").verb, Verb::unknown);
  EXPECT_TRUE(is_syntax_error(""));
  EXPECT_TRUE(is_syntax_error(" STAT"));
  EXPECT_TRUE(is_syntax_error(std::string("STAT\0", 5)));
  EXPECT_TRUE(is_syntax_error("LIST " + std::string(41, '1')));
}

TEST(Pop3Parse, MsgNumber) {
  EXPECT_EQ(parse_msg_number("1"), 1u);
  EXPECT_EQ(parse_msg_number("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(parse_msg_number("0"));
  EXPECT_FALSE(parse_msg_number(""));
  EXPECT_FALSE(parse_msg_number("18446744073709551616"));
  EXPECT_FALSE(parse_msg_number("1a"));
  EXPECT_FALSE(parse_msg_number(" 1"));
}

TEST(Pop3LineDecoder, WholeSplitAndByteByByteAgree) {
  std::string long_line(40, 'x');
  const std::string input = "USER a\r\nPASS b c\nSTAT\r\n\r\n" + long_line + "\r\nAFTER\r\nbare\rcr\r\npartial";
  const size_t max_line = 20;
  std::vector<std::string> expected = {"USER a", "PASS b c", "STAT", "", "<TOOLONG>", "AFTER", "bare\rcr"};
  EXPECT_EQ(decode_split(input, max_line, {}), expected);
  EXPECT_EQ(decode_split(input, max_line, every_byte(input.size())), expected);
  for (size_t cut = 0; cut <= input.size(); ++cut)
    EXPECT_EQ(decode_split(input, max_line, {cut}), expected) << "cut at " << cut;
  for (size_t a = 0; a <= input.size(); a += 3)
    for (size_t b = a; b <= input.size(); b += 5)
      EXPECT_EQ(decode_split(input, max_line, {a, b}), expected) << a << "," << b;
}

TEST(Pop3LineDecoder, LengthLimitCountsTerminator) {
  // max_line 8: "123456\r\n" (8) fits, "1234567\r\n" (9) does not; LF-only counts 1.
  EXPECT_EQ(decode_split("123456\r\n1234567\r\n1234567\n12345678\n", 8, {}),
            (std::vector<std::string>{"123456", "<TOOLONG>", "1234567", "<TOOLONG>"}));
  std::string in = "123456\r\n1234567\r\n1234567\n12345678\n";
  EXPECT_EQ(decode_split(in, 8, every_byte(in.size())),
            (std::vector<std::string>{"123456", "<TOOLONG>", "1234567", "<TOOLONG>"}));
}

TEST(Pop3LineDecoder, EndlessLineStaysBounded) {
  LineDecoder d(512);
  std::string chunk(1000, 'A');
  size_t too_long = 0;
  for (int i = 0; i < 10000; ++i) {
    d.feed(chunk);
    EXPECT_LE(d.buffered(), 1000u + 512u);
    for (auto s : drain(d)) {
      EXPECT_EQ(s, "<TOOLONG>");
      ++too_long;
    }
  }
  EXPECT_EQ(too_long, 1u);
  d.feed("AAAA\r\nNOOP\r\n");
  EXPECT_EQ(drain(d), std::vector<std::string>{"NOOP"});
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(Pop3LineDecoder, RaisedLimitAndDiscard) {
  LineDecoder d(20);
  std::string b64(100, 'Q');
  d.feed("AUTH PLAIN\r\n" + b64 + "\r\n");
  EXPECT_EQ(drain(d).size(), 2u);  // AUTH line, then too long at limit 20
  d.feed("AUTH PLAIN\r\n" + b64 + "\r\n");
  auto r = d.next();
  ASSERT_TRUE(std::holds_alternative<Line>(r));
  d.set_max_line(200);  // the session raises the limit for the continuation
  r = d.next();
  ASSERT_TRUE(std::holds_alternative<Line>(r));
  EXPECT_EQ(std::get<Line>(r).text, b64);

  // STLS: everything buffered before the handshake is discarded (RFC 2595 §4).
  d.set_max_line(20);
  d.feed("STLS\r\nUSER injected\r\nPA");
  r = d.next();
  ASSERT_TRUE(std::holds_alternative<Line>(r));
  d.discard_buffered();
  EXPECT_EQ(d.buffered(), 0u);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(d.next()));
  d.feed("CAPA\r\n");
  EXPECT_EQ(drain(d), std::vector<std::string>{"CAPA"});
  // Discard also ends an over-long line in progress.
  d.feed(std::string(50, 'z'));
  EXPECT_EQ(drain(d), std::vector<std::string>{"<TOOLONG>"});
  d.discard_buffered();
  d.feed("NOOP\r\n");
  EXPECT_EQ(drain(d), std::vector<std::string>{"NOOP"});
}

TEST(Pop3Reply, OkErr) {
  EXPECT_EQ(ok("2 320"), "+OK 2 320\r\n");
  EXPECT_EQ(ok(""), "+OK\r\n");
  EXPECT_EQ(err("no such message"), "-ERR no such message\r\n");
  EXPECT_EQ(err("maildrop locked", "IN-USE"), "-ERR [IN-USE] maildrop locked\r\n");
  EXPECT_EQ(err("try later", "SYS/TEMP"), "-ERR [SYS/TEMP] try later\r\n");
  EXPECT_EQ(ok("a\r\n+OK b"), "+OK a  +OK b\r\n");  // no reply injection
  EXPECT_EQ(err("x", "A]\r\nB"), "-ERR [A   B] x\r\n");
}

TEST(Pop3DotStuffer, Basics) {
  EXPECT_EQ(stuff_split("", {}), ".\r\n");
  EXPECT_EQ(stuff_split("a\r\n", {}), "a\r\n.\r\n");
  EXPECT_EQ(stuff_split("a", {}), "a\r\n.\r\n");
  EXPECT_EQ(stuff_split("a\r", {}), "a\r\n.\r\n");
  EXPECT_EQ(stuff_split(".", {}), "..\r\n.\r\n");
  EXPECT_EQ(stuff_split(".\r\n..x\r\n", {}), "..\r\n...x\r\n.\r\n");
  EXPECT_EQ(stuff_split("a\n.\nb", {}), "a\r\n..\r\nb\r\n.\r\n");
  EXPECT_EQ(stuff_split("a\r\n.\r\nb\r\n", {}), "a\r\n..\r\nb\r\n.\r\n");
  EXPECT_EQ(stuff_split("x.y\r\n", {}), "x.y\r\n.\r\n");  // only at line start
}

TEST(Pop3DotStuffer, EverySplitAgrees) {
  const std::string inputs[] = {
      "Subject: x\r\n\r\n.\r\n..\r\n.a\r\nend",
      ".start\r\n\r\n.\r\n",
      "lf\n.only\n\n.\n",
      "mixed\r\n.\n\r.\r\r\n.",
  };
  for (const auto& in : inputs) {
    std::string whole = stuff_split(in, {});
    EXPECT_EQ(stuff_split(in, every_byte(in.size())), whole) << in;
    for (size_t cut = 0; cut <= in.size(); ++cut) EXPECT_EQ(stuff_split(in, {cut}), whole) << in << " @" << cut;
    // The terminator appears exactly once, at the end.
    EXPECT_EQ(whole.find("\r\n.\r\n"), whole.size() - 5) << in;
  }
}

TEST(Pop3DotStuffer, ReusableAfterFinish) {
  DotStuffer s;
  EXPECT_EQ(s.encode("a"), "a");
  EXPECT_EQ(s.finish(), "\r\n.\r\n");
  EXPECT_EQ(s.encode(".b\r\n"), "..b\r\n");
  EXPECT_EQ(s.finish(), ".\r\n");
}

TEST(Pop3TopFilter, Lines) {
  const std::string msg = "From: a\r\nSubject: b\r\n\r\nline1\r\nline2\r\nline3\r\n";
  EXPECT_EQ(top_split(msg, 0, {}), "From: a\r\nSubject: b\r\n\r\n");
  EXPECT_EQ(top_split(msg, 1, {}), "From: a\r\nSubject: b\r\n\r\nline1\r\n");
  EXPECT_EQ(top_split(msg, 2, {}), "From: a\r\nSubject: b\r\n\r\nline1\r\nline2\r\n");
  EXPECT_EQ(top_split(msg, 3, {}), msg);
  EXPECT_EQ(top_split(msg, 1000, {}), msg);
  for (uint64_t n : {0u, 1u, 2u, 3u, 1000u}) {
    std::string whole = top_split(msg, n, {});
    EXPECT_EQ(top_split(msg, n, every_byte(msg.size())), whole);
    for (size_t cut = 0; cut <= msg.size(); ++cut) EXPECT_EQ(top_split(msg, n, {cut}), whole);
  }
}

TEST(Pop3TopFilter, LfOnlyAndEdgeCases) {
  const std::string lf = "A: 1\n\nb1\nb2\n";
  EXPECT_EQ(top_split(lf, 0, {}), "A: 1\n\n");
  EXPECT_EQ(top_split(lf, 1, {}), "A: 1\n\nb1\n");
  for (uint64_t n : {0u, 1u, 5u})
    EXPECT_EQ(top_split(lf, n, every_byte(lf.size())), top_split(lf, n, {}));
  // No blank line: everything is header, passed through, never done.
  TopFilter f(0);
  EXPECT_EQ(f.feed("A: 1\r\nB: 2"), "A: 1\r\nB: 2");
  EXPECT_FALSE(f.done());
  // Done stops output, even mid-chunk, and stays done.
  TopFilter g(1);
  EXPECT_EQ(g.feed("H: x\r\n\r\nb1\r\nb2\r\n"), "H: x\r\n\r\nb1\r\n");
  EXPECT_TRUE(g.done());
  EXPECT_EQ(g.feed("more\r\n"), "");
  // A last body line without CRLF is passed; DotStuffer adds the CRLF.
  EXPECT_EQ(top_split("H: x\r\n\r\nlast", 5, {}), "H: x\r\n\r\nlast");
  // Message starting with the blank line (no header).
  EXPECT_EQ(top_split("\r\nbody\r\n", 0, {}), "\r\n");
  // TOP output through DotStuffer.
  DotStuffer s;
  TopFilter t(1);
  EXPECT_EQ(s.encode(t.feed("H: x\r\n\r\n.dot\r\nno\r\n")) + s.finish(), "H: x\r\n\r\n..dot\r\n.\r\n");
}
