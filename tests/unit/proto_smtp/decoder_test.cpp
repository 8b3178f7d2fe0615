// Decoder tests: command framing, DATA content and limits, memory bounds, STARTTLS discard.
// Every input runs whole, split at every byte boundary and one byte at a time (DESIGN §9).
#include <gtest/gtest.h>

#include "decoder_harness.h"

namespace postamt::proto::smtp {
namespace {

using testing::Events;
using testing::Harness;
using testing::run_all_splits;

TEST(SmtpDecoder, PipelinedCommandsInOneFeed) {
  // RFC 2920: a whole command group arrives in one packet.
  Events ev = run_all_splits("EHLO a.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nNOOP\r\n");
  EXPECT_EQ(ev, (Events{"L:EHLO a.example", "L:MAIL FROM:<a@b.example>", "L:RCPT TO:<c@d.example>", "L:NOOP"}));
}

TEST(SmtpDecoder, BareLfEndsCommandLines) {
  Events ev = run_all_splits("HELO x\nNOOP\r\n\r\nQUIT\n");
  EXPECT_EQ(ev, (Events{"L:HELO x", "L:NOOP", "L:", "L:QUIT"}));
}

TEST(SmtpDecoder, CrInsideCommandLineIsKeptForTheParser) {
  Events ev = run_all_splits("NOOP\rQUIT\r\n");
  EXPECT_EQ(ev, (Events{"L:NOOP\rQUIT"}));
  EXPECT_TRUE(std::holds_alternative<SyntaxError>(parse_command("NOOP\rQUIT")));
}

TEST(SmtpDecoder, IncompleteLineNeedsMore) {
  Harness h;
  h.feed("NOOP");
  EXPECT_TRUE(h.events.empty());
  EXPECT_EQ(h.dec.buffered(), 4u);
  h.feed("\r");
  EXPECT_TRUE(h.events.empty());
  h.feed("\n");
  EXPECT_EQ(h.events, (Events{"L:NOOP"}));
  EXPECT_EQ(h.dec.buffered(), 0u);
}

TEST(SmtpDecoder, CommandLineAtAndOverTheLimit) {
  Limits limits;
  limits.max_command_line = 16;  // bytes including CRLF
  std::string at = "NOOP " + std::string(9, 'x');  // 14 + CRLF = 16
  std::string over = at + "y";                      // 17
  Events ev = run_all_splits(at + "\r\n" + over + "\r\nQUIT\r\n", limits);
  EXPECT_EQ(ev, (Events{"L:" + at, "TOO_LONG", "L:QUIT"}));
  // With a bare LF the limit counts the LF alone.
  std::string at_lf = at + "x";  // 15 + LF = 16
  ev = run_all_splits(at_lf + "\n" + at_lf + "x\nQUIT\n", limits);
  EXPECT_EQ(ev, (Events{"L:" + at_lf, "TOO_LONG", "L:QUIT"}));
}

TEST(SmtpDecoder, VeryLongLineReportedOnce) {
  Limits limits;
  limits.max_command_line = 32;
  Events ev = run_all_splits(std::string(200, 'A') + "\r\nNOOP\r\n", limits);
  EXPECT_EQ(ev, (Events{"TOO_LONG", "L:NOOP"}));
}

TEST(SmtpDecoder, TenMegabytesWithoutNewlineStaysBounded) {
  Limits limits;  // 2048-byte lines
  Harness h(limits);
  const std::string chunk(64 * 1024, 'x');
  size_t max_seen = 0;
  for (int i = 0; i < 160; ++i) {  // 10 MiB
    h.dec.feed(chunk);
    max_seen = std::max(max_seen, h.dec.buffered());
    h.pump();
    max_seen = std::max(max_seen, h.dec.buffered());
  }
  EXPECT_LE(max_seen, limits.max_command_line + chunk.size());
  EXPECT_EQ(h.dec.buffered(), 0u);
  h.feed("still junk\r\nQUIT\r\n");
  EXPECT_EQ(h.events, (Events{"TOO_LONG", "L:QUIT"}));
}

TEST(SmtpDecoder, SimpleData) {
  Events ev = run_all_splits("DATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(ev, (Events{"L:DATA", "DATA:ok:clean:Subject: hi\r\n\r\nbody\r\n", "L:QUIT"}));
}

TEST(SmtpDecoder, EmptyMessageRightAfter354) {
  // The CRLF ending the DATA command is the CRLF before the terminator (RFC 5321 §4.1.1.4).
  Events ev = run_all_splits("DATA\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(ev, (Events{"L:DATA", "DATA:ok:clean:", "L:QUIT"}));
}

TEST(SmtpDecoder, DataCommandEndedByBareLfStillStartsAtLineStart) {
  // The DATA line's own ending is command framing; content starts at a line start.
  Events ev = run_all_splits("DATA\n.\r\n");
  EXPECT_EQ(ev, (Events{"L:DATA", "DATA:ok:clean:"}));
}

TEST(SmtpDecoder, DotUnstuffing) {
  // RFC 5321 §4.5.2: the first period of a line is deleted when more characters follow.
  Events ev = run_all_splits("DATA\r\n..\r\n...x\r\n.y\r\na.b\r\n. \r\n.\r\n");
  EXPECT_EQ(ev, (Events{"L:DATA", "DATA:ok:clean:.\r\n..x\r\ny\r\na.b\r\n \r\n"}));
}

TEST(SmtpDecoder, DotAtFirstLineIsUnstuffed) {
  Events ev = run_all_splits("DATA\r\n..leading\r\n.\r\n");
  EXPECT_EQ(ev, (Events{"L:DATA", "DATA:ok:clean:.leading\r\n"}));
}

TEST(SmtpDecoder, NoUnstuffingAfterBareLineEndings) {
  // A '.' after a bare LF or bare CR does not start a line (only real CRLF does).
  Events ev = run_all_splits("DATA\r\na\n..b\r\nc\r..d\r\n.\r\n");
  EXPECT_EQ(ev, (Events{"L:DATA", "DATA:ok:bare:a\n..b\r\nc\r..d\r\n"}));
}

TEST(SmtpDecoder, NormalizeModeWritesCrlf) {
  Events ev = run_all_splits("DATA\r\na\nb\rc\r\r\nd\r\n.\r\n", {}, BareLineEndings::normalize);
  EXPECT_EQ(ev, (Events{"L:DATA", "DATA:ok:bare:a\r\nb\r\nc\r\n\r\nd\r\n"}));
}

TEST(SmtpDecoder, NulAndHighBytesPassThrough) {
  std::string msg("DATA\r\na\0b\xff\r\n.\r\n", 15);
  Events ev = run_all_splits(msg);
  EXPECT_EQ(ev, (Events{"L:DATA", std::string("DATA:ok:clean:a\0b\xff\r\n", 20)}));
}

TEST(SmtpDecoder, MessageExactlyAtSizeLimit) {
  Limits limits;
  limits.max_message_size = 10;
  // "..1234567\r\n" unstuffs to 10 bytes: the limit counts content after unstuffing.
  Events ev = run_all_splits("DATA\r\n..1234567\r\n.\r\nNOOP\r\n", limits);
  EXPECT_EQ(ev, (Events{"L:DATA", "DATA:ok:clean:.1234567\r\n", "L:NOOP"}));
}

TEST(SmtpDecoder, MessageOverSizeLimitStillAwaitsTerminator) {
  Limits limits;
  limits.max_message_size = 10;
  Events ev = run_all_splits("DATA\r\n12345678\r\nMAIL FROM:<x@y>\r\n\r\n.\r\nNOOP\r\n", limits);
  EXPECT_EQ(ev, (Events{"L:DATA", "DATA:big:clean:", "L:NOOP"}));
}

TEST(SmtpDecoder, MessageOneByteOverLimit) {
  Limits limits;
  limits.max_message_size = 9;
  Events ev = run_all_splits("DATA\r\n12345678\r\n.\r\n", limits);
  EXPECT_EQ(ev, (Events{"L:DATA", "DATA:big:clean:"}));
}

TEST(SmtpDecoder, DataContentDoesNotCountAsBuffered) {
  Harness h;
  h.feed("DATA\r\n");
  std::string chunk(60000, 'a');
  chunk += "\r\n";
  for (int i = 0; i < 20; ++i) {
    h.feed(chunk);
    EXPECT_EQ(h.dec.buffered(), 0u);
  }
  EXPECT_EQ(h.dec.content_size(), 20 * chunk.size());
  EXPECT_FALSE(h.dec.in_command_mode());
  h.feed(".\r\n");
  EXPECT_TRUE(h.dec.in_command_mode());
  ASSERT_EQ(h.events.size(), 2u);
  EXPECT_EQ(h.events[1].size(), std::string("DATA:ok:clean:").size() + 20 * chunk.size());
}

TEST(SmtpDecoder, PipelinedDataWithFollowingCommands) {
  Events ev = run_all_splits(
      "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\nx\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\ny\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(ev, (Events{"L:MAIL FROM:<a@b.c>", "L:RCPT TO:<d@e.f>", "L:DATA", "DATA:ok:clean:x\r\n", "L:MAIL FROM:<>",
                        "L:RCPT TO:<postmaster>", "L:DATA", "DATA:ok:clean:y\r\n", "L:QUIT"}));
}

TEST(SmtpDecoder, DiscardBufferedAfterStarttls) {
  // DESIGN §7 / RFC 3207 §6 (CVE-2011-0411): commands injected before the handshake vanish.
  Decoder dec(Limits{});
  dec.feed("STARTTLS\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<a@b");
  Event e = dec.next();
  ASSERT_TRUE(std::holds_alternative<Line>(e));
  EXPECT_EQ(std::get<Line>(e).text, "STARTTLS");
  EXPECT_GT(dec.buffered(), 0u);
  dec.discard_buffered();
  EXPECT_EQ(dec.buffered(), 0u);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(dec.next()));
  dec.feed("EHLO x\r\n");
  e = dec.next();
  ASSERT_TRUE(std::holds_alternative<Line>(e));
  EXPECT_EQ(std::get<Line>(e).text, "EHLO x");
}

TEST(SmtpDecoder, DiscardBufferedResetsAnOverlongLine) {
  Limits limits;
  limits.max_command_line = 8;
  Decoder dec(limits);
  dec.feed("xxxxxxxxxxxx");
  EXPECT_TRUE(std::holds_alternative<LineTooLong>(dec.next()));
  dec.discard_buffered();
  dec.feed("NOOP\r\n");
  Event e = dec.next();
  ASSERT_TRUE(std::holds_alternative<Line>(e));
  EXPECT_EQ(std::get<Line>(e).text, "NOOP");
}

}  // namespace
}  // namespace postamt::proto::smtp
