// BDAT (RFC 3030 CHUNKING) framing: exact byte counts, no dot-stuffing, size limit across
// chunks, bare line endings across chunk boundaries.
#include <gtest/gtest.h>

#include "decoder_harness.h"

namespace postamt::proto::smtp {
namespace {

using testing::Events;
using testing::Harness;
using testing::run_all_splits;

TEST(SmtpBdat, ChunksAreRawAndExact) {
  // RFC 3030 §2: "\r\n.\r\n" inside a chunk has no special meaning and nothing is unstuffed.
  Events ev = run_all_splits("BDAT 11\r\nab\r\n.\r\ncd\r\nBDAT 8 LAST\r\n..x\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(ev, (Events{"L:BDAT 11", "BDAT:ok:clean:ab\r\n.\r\ncd\r\n", "L:BDAT 8 LAST", "BDAT:ok:clean:..x\r\n.\r\n",
                        "L:QUIT"}));
}

TEST(SmtpBdat, ZeroSizeLastChunk) {
  Events ev = run_all_splits("BDAT 3\r\nabcBDAT 0 LAST\r\nQUIT\r\n");
  EXPECT_EQ(ev, (Events{"L:BDAT 3", "BDAT:ok:clean:abc", "L:BDAT 0 LAST", "BDAT:ok:clean:", "L:QUIT"}));
}

TEST(SmtpBdat, CommandsInsideChunkAreData) {
  Events ev = run_all_splits("BDAT 20 LAST\r\nQUIT\r\nRSET\r\nNOOP\r\n\r\nNOOP\r\n");
  EXPECT_EQ(ev, (Events{"L:BDAT 20 LAST", "BDAT:ok:clean:QUIT\r\nRSET\r\nNOOP\r\n\r\n", "L:NOOP"}));
}

TEST(SmtpBdat, SizeLimitAcrossChunks) {
  Limits limits;
  limits.max_message_size = 10;
  Events ev = run_all_splits("BDAT 6\r\n123456BDAT 4\r\n7890BDAT 1 LAST\r\nxNOOP\r\n", limits);
  EXPECT_EQ(ev, (Events{"L:BDAT 6", "BDAT:ok:clean:123456", "L:BDAT 4", "BDAT:ok:clean:7890", "L:BDAT 1 LAST",
                        "BDAT:big:clean:", "L:NOOP"}));
}

TEST(SmtpBdat, HugeChunkIsCountedNotStored) {
  Limits limits;
  limits.max_message_size = 100;
  Harness h(limits);
  h.feed("BDAT 1000000\r\n");
  const std::string chunk(64 * 1024, 'z');
  size_t left = 1000000;
  while (left > 0) {
    size_t n = std::min(left, chunk.size());
    h.feed(std::string_view(chunk).substr(0, n));
    left -= n;
    EXPECT_EQ(h.dec.buffered(), 0u);
    EXPECT_EQ(h.dec.in_command_mode(), left == 0);
  }
  h.feed("NOOP\r\n");
  EXPECT_EQ(h.events, (Events{"L:BDAT 1000000", "BDAT:big:clean:", "L:NOOP"}));
}

TEST(SmtpBdat, BareLineEndingsAcrossChunks) {
  // A CRLF split over two chunks is fine; a CR ending the last chunk is bare.
  Events ev = run_all_splits("BDAT 2\r\na\rBDAT 2\r\n\nbBDAT 1 LAST\r\n\r");
  EXPECT_EQ(ev, (Events{"L:BDAT 2", "BDAT:ok:clean:a\r", "L:BDAT 2", "BDAT:ok:clean:\nb", "L:BDAT 1 LAST",
                        "BDAT:ok:bare:\r"}));
  ev = run_all_splits("BDAT 2\r\na\rBDAT 2 LAST\r\nbc");
  EXPECT_EQ(ev, (Events{"L:BDAT 2", "BDAT:ok:clean:a\r", "L:BDAT 2 LAST", "BDAT:ok:bare:bc"}));
  ev = run_all_splits("BDAT 3 LAST\r\na\nb");
  EXPECT_EQ(ev, (Events{"L:BDAT 3 LAST", "BDAT:ok:bare:a\nb"}));
}

TEST(SmtpBdat, NormalizeMode) {
  Events ev = run_all_splits("BDAT 2\r\na\rBDAT 3\r\n\nb\nBDAT 2 LAST\r\n\r.", Limits{}, BareLineEndings::normalize);
  EXPECT_EQ(ev, (Events{"L:BDAT 2", "BDAT:ok:clean:a\r\n", "L:BDAT 3", "BDAT:ok:bare:b\r\n", "L:BDAT 2 LAST",
                        "BDAT:ok:bare:\r\n."}));
}

TEST(SmtpBdat, NewMessageResetsCarriedCr) {
  // message_bytes_so_far == 0 starts a new message: a CR from the old one is forgotten.
  Decoder dec(Limits{});
  dec.start_bdat(1, 0);
  dec.feed("\r");
  ASSERT_TRUE(std::holds_alternative<BdatDone>(dec.next()));
  dec.start_bdat(1, 0, true);
  dec.feed("\n");
  Event e = dec.next();
  ASSERT_TRUE(std::holds_alternative<BdatDone>(e));
  EXPECT_TRUE(std::get<BdatDone>(e).bare_line_ending);
}

}  // namespace
}  // namespace postamt::proto::smtp
