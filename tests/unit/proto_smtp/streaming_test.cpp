// Streaming content (Limits::content_chunk): DATA and BDAT content handed out in
// ContentChunk events must join to exactly what a non-streaming decoder returns,
// for every split of the input, including the smuggling near-misses (DESIGN §6).
#include <gtest/gtest.h>

#include "decoder_harness.h"

namespace postamt::proto::smtp {
namespace {

using testing::Harness;
using testing::run_all_splits;

std::string big_body(size_t lines) {
  std::string b = "Subject: stream\r\n\r\n";
  for (size_t i = 0; i < lines; ++i) b += (i % 5 == 0 ? ".." : "") + std::string("line ") + std::to_string(i) + "\r\n";
  return b;
}

TEST(SmtpStreaming, DataChunksJoinToTheSameContent) {
  const std::string input = "DATA\r\n" + big_body(60) + ".\r\nQUIT\r\n";
  Limits plain;
  Limits streaming;
  streaming.content_chunk = 37;
  auto a = run_all_splits(input, plain);
  auto b = run_all_splits(input, streaming);
  EXPECT_EQ(a, b);
  Harness h(streaming);
  h.feed(input);
  EXPECT_GT(h.chunks, 5u) << "content was not streamed";
}

TEST(SmtpStreaming, SmugglingNearMissesStillNeverEndData) {
  const std::vector<std::string> seqs = {"\n.\n", "\r.\n", "\n.\r\n", "\r\n.\n", std::string("\r\n\0.\r\n", 6),
                                         "\r\n.\r\r\n", "\r\r\n.\r\r\n"};
  for (auto mode : {BareLineEndings::reject, BareLineEndings::normalize}) {
    for (const auto& seq : seqs) {
      const std::string input =
          "DATA\r\nSubject: t\r\n\r\n" + std::string(50, 'x') + seq + "MAIL FROM:<e@vil>\r\n.\r\nNOOP\r\n";
      Limits streaming;
      streaming.content_chunk = 8;
      EXPECT_EQ(run_all_splits(input, Limits{}, mode), run_all_splits(input, streaming, mode));
    }
  }
}

TEST(SmtpStreaming, BdatChunksJoinAndSizeLimitHolds) {
  const std::string body = big_body(40);
  const std::string input = "BDAT " + std::to_string(body.size()) + " LAST\r\n" + body + "NOOP\r\n";
  Limits streaming;
  streaming.content_chunk = 50;
  EXPECT_EQ(run_all_splits(input, Limits{}), run_all_splits(input, streaming));
  Limits small = streaming;
  small.max_message_size = 100;
  auto ev = run_all_splits(input, small);
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[1].rfind("BDAT:big:", 0), 0u);
}

TEST(SmtpStreaming, TooBigDataReportsBigAfterStreamedChunks) {
  Limits l;
  l.content_chunk = 16;
  l.max_message_size = 200;
  Harness h(l);
  h.feed("DATA\r\n" + big_body(50) + ".\r\n");
  ASSERT_EQ(h.events.size(), 2u);
  EXPECT_EQ(h.events[1], "DATA:big:clean:");
  EXPECT_LE(h.dec.content_size(), l.max_message_size);
}

}  // namespace
}  // namespace postamt::proto::smtp
