// Summary JSON parsing: valid summaries from delivery::summarize, and robustness against
// stored JSON that is damaged or inconsistent (internal error, never a crash).
#include "imap/render/summary.h"

#include "render_test_util.h"

namespace postamt::imap::render {
namespace {

using testing::crlf;

TEST(Summary, ParsesDeliverySummary) {
  std::string msg = crlf("From: a@b.c\nSubject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n");
  auto s = Summary::parse(delivery::summarize(msg).summary_json);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(s->blob_size(), msg.size());
  EXPECT_TRUE(s->root().is_multipart());
  ASSERT_EQ(s->root().children.size(), 1u);
  EXPECT_EQ(s->envelope().subject, "s");
  ASSERT_EQ(s->envelope().from.size(), 1u);
  EXPECT_EQ(s->envelope().from[0].host, "b.c");
}

TEST(Summary, RawEightBitHeadersSurvive) {
  std::string msg = "Subject: caf\xE9 \xC3\xA4\r\n\r\nx\r\n";  // Latin-1 and UTF-8 bytes mixed
  auto s = Summary::parse(delivery::summarize(msg).summary_json);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(s->envelope().subject, "caf\xE9 \xC3\xA4");
}

void expect_bad(std::string_view json) {
  auto s = Summary::parse(json);
  ASSERT_FALSE(s.ok()) << json;
  EXPECT_EQ(s.error().code, ErrorCode::internal);
}

constexpr std::string_view kEnv =
    R"({"date":null,"subject":null,"in_reply_to":null,"message_id":null,"from":null,"sender":null,)"
    R"("reply_to":null,"to":null,"cc":null,"bcc":null})";

std::string part(std::string_view offsets, std::string_view children = "[]") {
  return std::string(R"({"t":"multipart","s":"mixed","p":[],"id":null,"desc":null,"md5":null,"loc":null,)") +
         R"("enc":"7bit","disp":null,"dp":[],"lang":[],)" + std::string(offsets) + R"(,"c":)" +
         std::string(children) + "}";
}

std::string root(std::string_view body) {
  return std::string(R"({"v":1,"env":)") + std::string(kEnv) + R"(,"body":)" + std::string(body) + "}";
}

TEST(Summary, MinimalValid) {
  auto s = Summary::parse(root(part(R"("o":0,"hs":10,"bs":20,"hl":1,"bl":2)")));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(s->blob_size(), 30u);
}

TEST(Summary, RejectsDamagedJson) {
  expect_bad("");
  expect_bad("not json");
  expect_bad("[]");
  expect_bad(R"({"v":2,"env":{},"body":{}})");
  expect_bad(root(R"({"t":1})"));
  expect_bad(root(part(R"("o":0,"hs":-1,"bs":20,"hl":1,"bl":2)")));
  expect_bad(root(part(R"("o":5,"hs":10,"bs":20,"hl":1,"bl":2)")));  // root not at 0
  expect_bad(root(part(R"("o":0,"hs":10,"bs":20,"hl":1,"bl":2)",
                       "[" + part(R"("o":25,"hs":10,"bs":20,"hl":1,"bl":2)") + "]")));  // child outside
  expect_bad(root(part(R"("o":0,"hs":10,"bs":20,"hl":1,"bl":2)",
                       "[" + part(R"("o":5,"hs":1,"bs":1,"hl":1,"bl":2)") + "]")));  // child in the header
  expect_bad(root(part(R"("o":0,"hs":4611686018427387905,"bs":20,"hl":1,"bl":2)")));
  expect_bad(std::string(R"({"v":1,"env":{"from":[["a"]]},"body":)") +
             part(R"("o":0,"hs":1,"bs":1,"hl":1,"bl":1)") + "}");
}

TEST(Summary, DeepNestingIsBounded) {
  std::string deep = part(R"("o":0,"hs":0,"bs":0,"hl":0,"bl":0)");
  for (int i = 0; i < 2000; ++i) deep = part(R"("o":0,"hs":0,"bs":0,"hl":0,"bl":0)", "[" + deep + "]");
  expect_bad(root(deep));
  std::string arrays(100000, '[');
  expect_bad(arrays);
}

}  // namespace
}  // namespace postamt::imap::render
