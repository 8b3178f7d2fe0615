// SMTP smuggling (DESIGN §6): only <CR><LF>.<CR><LF> ends DATA. Each near-miss sequence is
// embedded in a message followed by a smuggled transaction and then the real terminator;
// the decoder must produce exactly one DataDone holding the smuggled text and no command
// lines before the real end, in both bare-line-ending modes and at every split point.
#include <gtest/gtest.h>

#include "decoder_harness.h"

namespace postamt::proto::smtp {
namespace {

using namespace std::string_literals;
using testing::Events;
using testing::run_all_splits;

const std::vector<std::string> kNearMisses = {
    "\n.\n"s,   "\n.\r"s,   "\r.\n"s,   "\r.\r"s,       "\n.\r\n"s,         "\r.\r\n"s,
    "\r\n.\n"s, "\r\n.\r"s, "\r\n\x00.\r\n"s, "\r\n.\x00\r\n"s, "\r\n.\r\r\n"s, "\r\r\n.\r\r\n"s,
};

const std::string kSmuggled = "MAIL FROM:<smuggled@evil.example>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nforged\r\n";

bool has_bare_line_ending(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n')) return true;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return true;
  }
  return false;
}

class Smuggling : public ::testing::TestWithParam<std::tuple<size_t, BareLineEndings>> {};

TEST_P(Smuggling, NearMissNeverEndsData) {
  const auto [index, mode] = GetParam();
  const std::string& seq = kNearMisses[index];
  ASSERT_EQ(seq.find("\r\n.\r\n"), std::string::npos);
  const std::string input = "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nSubject: t\r\n\r\nbody" + seq +
                            kSmuggled + "\r\n.\r\nQUIT\r\n";
  Events ev = run_all_splits(input, Limits{}, mode);
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(ev[0], "L:MAIL FROM:<a@b.example>");
  EXPECT_EQ(ev[1], "L:RCPT TO:<c@d.example>");
  EXPECT_EQ(ev[2], "L:DATA");
  ASSERT_EQ(ev[3].rfind("DATA:ok:", 0), 0u) << ev[3];
  EXPECT_NE(ev[3].find("MAIL FROM:<smuggled@evil.example>\r\n"), std::string::npos);
  EXPECT_NE(ev[3].find("forged\r\n"), std::string::npos);
  EXPECT_EQ(ev[4], "L:QUIT");

  const std::string content = ev[3].substr(ev[3].find(':', 8) + 1);
  const bool bare = ev[3].find(":bare:") != std::string::npos;
  if (mode == BareLineEndings::normalize) {
    EXPECT_FALSE(has_bare_line_ending(content)) << "normalized content must have only CRLF";
  } else {
    EXPECT_EQ(bare, has_bare_line_ending(content));
  }
  // Every near miss except the two with a NUL carries a bare CR or LF.
  if (seq.find('\0') == std::string::npos) {
    EXPECT_TRUE(bare);
  }
}

INSTANTIATE_TEST_SUITE_P(AllSequences, Smuggling,
                         ::testing::Combine(::testing::Range<size_t>(0, 12),
                                            ::testing::Values(BareLineEndings::reject, BareLineEndings::normalize)));

TEST(SmtpSmuggling, NearMissRightAfter354) {
  // A "." line right after 354 that is not ".\r\n" must not end DATA either.
  for (const std::string& tail : {".\n"s, ".\r"s, ".\r\r\n"s, ".\x00\r\n"s}) {
    Events ev = run_all_splits("DATA\r\n" + tail + "x\r\n.\r\nQUIT\r\n");
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0], "L:DATA");
    EXPECT_EQ(ev[1].rfind("DATA:", 0), 0u);
    EXPECT_EQ(ev[2], "L:QUIT");
  }
}

TEST(SmtpSmuggling, ExactContentForSelectedSequences) {
  // Reject mode keeps the bytes; the leading period of a real line start is unstuffed.
  Events ev = run_all_splits("DATA\r\na\r\n.\r\r\nb\r\n.\r\n");
  EXPECT_EQ(ev, (Events{"L:DATA", "DATA:ok:bare:a\r\n\r\r\nb\r\n"}));
  ev = run_all_splits("DATA\r\na\n.\nb\r\n.\r\n");
  EXPECT_EQ(ev, (Events{"L:DATA", "DATA:ok:bare:a\n.\nb\r\n"}));
  ev = run_all_splits("DATA\r\na\n.\nb\r\n.\r\n", Limits{}, BareLineEndings::normalize);
  EXPECT_EQ(ev, (Events{"L:DATA", "DATA:ok:bare:a\r\n.\r\nb\r\n"}));
}

}  // namespace
}  // namespace postamt::proto::smtp
