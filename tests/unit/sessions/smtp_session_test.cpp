// SMTP sessions driven in memory (DESIGN §2: sessions are written against a
// stream abstraction): whole transactions, pipelining, byte-at-a-time input,
// smuggling sequences, relay control, AUTH and submission rules, BDAT.
#include <gtest/gtest.h>

#include "base/base64.h"
#include "session_fixture.h"
#include "smtp/smtp_server.h"

using namespace postamt;
using postamt::testing::bytewise;
using postamt::testing::SessionFixture;

namespace {

// The code of every complete reply (last line of multi-line replies).
std::vector<int> codes(const std::string& out) {
  std::vector<int> v;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t eol = out.find("\r\n", pos);
    if (eol == std::string::npos) break;
    std::string line = out.substr(pos, eol - pos);
    if (line.size() >= 4 && line[3] == ' ') v.push_back(std::stoi(line.substr(0, 3)));
    if (line.size() == 3) v.push_back(std::stoi(line));
    pos = eol + 2;
  }
  return v;
}

class SmtpSession : public ::testing::Test, public SessionFixture {
 protected:
  std::string run_smtp(std::deque<std::string> chunks, smtp::Mode mode = smtp::Mode::mx, bool loopback = true,
                       smtp::Settings settings = {}) {
    settings.hostname = "mx.example.test";
    settings.allow_plaintext_auth_loopback = true;
    std::shared_ptr<smtp::Services> services(
        new smtp::Services{*store, rt, registry, nullptr, throttle, "secret", Snapshot<smtp::Settings>(settings)});
    return run(
        std::move(chunks),
        [services, mode](std::shared_ptr<net::Stream> s, std::shared_ptr<net::SessionHandle> h) {
          return smtp::run_session(s, h, mode, services);
        },
        loopback);
  }
};

const std::string kBody = "Subject: hello\r\nFrom: <a@remote.test>\r\n\r\nline one\r\n..dotted\r\nlast\r\n";
const std::string kStoredBody = "Subject: hello\r\nFrom: <a@remote.test>\r\n\r\nline one\r\n.dotted\r\nlast\r\n";

std::string transaction(const std::string& rcpt = "alice@example.test") {
  return "EHLO client.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<" + rcpt + ">\r\nDATA\r\n" + kBody +
         ".\r\nQUIT\r\n";
}

}  // namespace

TEST_F(SmtpSession, DeliversOneMessageByteExact) {
  std::string out = run_smtp({transaction()});
  EXPECT_EQ(codes(out), (std::vector<int>{220, 250, 250, 250, 354, 250, 221})) << out;
  auto msgs = inbox("alice@example.test");
  ASSERT_EQ(msgs.size(), 1u);
  const std::string& m = msgs[0];
  EXPECT_EQ(m.rfind("Return-Path: <a@remote.test>\r\nDelivered-To: alice@example.test\r\nReceived: from client.test", 0), 0u)
      << m;
  ASSERT_GE(m.size(), kStoredBody.size());
  EXPECT_EQ(m.substr(m.size() - kStoredBody.size()), kStoredBody);
}

TEST_F(SmtpSession, ByteAtATimeGivesTheSameResult) {
  std::string out = run_smtp(bytewise(transaction()));
  EXPECT_EQ(codes(out), (std::vector<int>{220, 250, 250, 250, 354, 250, 221})) << out;
  auto msgs = inbox("alice@example.test");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].substr(msgs[0].size() - kStoredBody.size()), kStoredBody);
}

TEST_F(SmtpSession, PipelinedRepliesInOrder) {
  // RFC 2920: one write with the whole transaction; replies come in order.
  std::string out = run_smtp({"EHLO c\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<nobody@example.test>\r\n"
                              "RCPT TO:<bob@example.test>\r\nDATA\r\n" +
                              kBody + ".\r\nQUIT\r\n"});
  EXPECT_EQ(codes(out), (std::vector<int>{220, 250, 250, 550, 250, 354, 250, 221})) << out;
  EXPECT_EQ(inbox("bob@example.test").size(), 1u);
}

TEST_F(SmtpSession, DataWithoutValidRecipientsIs554) {
  std::string out = run_smtp({"EHLO c\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<nobody@example.test>\r\nDATA\r\nQUIT\r\n"});
  EXPECT_EQ(codes(out), (std::vector<int>{220, 250, 250, 550, 554, 221})) << out;
}

TEST_F(SmtpSession, RelayDeniedWithoutAuth) {
  std::string out = run_smtp({"EHLO c\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<x@elsewhere.test>\r\nQUIT\r\n"});
  EXPECT_EQ(codes(out), (std::vector<int>{220, 250, 250, 554, 221})) << out;
  EXPECT_NE(out.find("554 5.7.1"), std::string::npos);
}

TEST_F(SmtpSession, MailBeforeEhloIs503) {
  std::string out = run_smtp({"MAIL FROM:<a@remote.test>\r\nQUIT\r\n"});
  EXPECT_EQ(codes(out), (std::vector<int>{220, 503, 221})) << out;
}

TEST_F(SmtpSession, SmugglingSequencesNeverEndData) {
  using S = std::string;
  const std::vector<std::string> seqs = {S("\n.\n"),        S("\n.\r"),          S("\r.\n"),
                                         S("\r.\r"),        S("\n.\r\n"),        S("\r.\r\n"),
                                         S("\r\n.\n"),      S("\r\n.\r"),        S("\r\n\0.\r\n", 6),
                                         S("\r\n.\0\r\n", 6), S("\r\n.\r\r\n"), S("\r\r\n.\r\r\n")};
  for (size_t i = 0; i < seqs.size(); ++i) {
    const std::string& seq = seqs[i];
    for (bool normalize : {false, true}) {
      reset_store();
      smtp::Settings st;
      st.normalize_bare_line_endings = normalize;
      std::string script = "EHLO c\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
                           "Subject: x\r\n\r\nhello" +
                           seq +
                           "MAIL FROM:<evil@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
                           "Subject: smuggled\r\n\r\nbad\r\n.\r\nQUIT\r\n";
      std::string out = run_smtp({script}, smtp::Mode::mx, true, st);
      auto c = codes(out);
      // Exactly one reply to the content, then QUIT: never a second transaction.
      EXPECT_EQ(c.size(), 7u) << "seq " << i << " " << out;
      EXPECT_EQ(inbox("bob@example.test").size(), 0u) << "seq " << i;
      auto alice = inbox("alice@example.test");
      if (normalize) {
        ASSERT_EQ(alice.size(), 1u) << "seq " << i << " " << out;
        EXPECT_NE(alice[0].find("smuggled"), std::string::npos);
      } else {
        // Sequences with a bare CR or LF are refused whole; the others (NUL
        // variants) are one message that carries the smuggled text as content.
        ASSERT_EQ(c.size(), 7u) << out;
        if (c[5] == 554) {
          EXPECT_TRUE(alice.empty()) << "seq " << i;
        } else {
          EXPECT_EQ(c[5], 250) << "seq " << i << " " << out;
          ASSERT_EQ(alice.size(), 1u) << "seq " << i;
          EXPECT_NE(alice[0].find("smuggled"), std::string::npos);
        }
      }
    }
  }
}

TEST_F(SmtpSession, BareLfRejectedByDefault) {
  std::string out = run_smtp({"EHLO c\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
                              "Subject: x\r\n\r\nbare\nlf\r\n.\r\nQUIT\r\n"});
  EXPECT_EQ(codes(out), (std::vector<int>{220, 250, 250, 250, 354, 554, 221})) << out;
  EXPECT_TRUE(inbox("alice@example.test").empty());
}

TEST_F(SmtpSession, ErrorLimitCloses) {
  std::string script = "EHLO c\r\n";
  for (int i = 0; i < 20; ++i) script += "BOGUS\r\n";
  std::string out = run_smtp({script});
  auto c = codes(out);
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c.back(), 421) << out;
  EXPECT_LT(c.size(), 15u);
}

TEST_F(SmtpSession, BdatChunksDelivered) {
  std::string part1 = "Subject: b\r\n\r\nchunk with \r\n.\r\n inside";
  std::string part2 = "\r\nend\r\n";
  std::string out = run_smtp({"EHLO c\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\nBDAT " +
                              std::to_string(part1.size()) + "\r\n" + part1 + "BDAT " + std::to_string(part2.size()) +
                              " LAST\r\n" + part2 + "QUIT\r\n"});
  EXPECT_EQ(codes(out), (std::vector<int>{220, 250, 250, 250, 250, 250, 221})) << out;
  auto msgs = inbox("alice@example.test");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].substr(msgs[0].size() - part1.size() - part2.size()), part1 + part2);
}

TEST_F(SmtpSession, SubmissionRequiresAuthAndOwnership) {
  std::string plain = base64_encode(std::string("\0alice@example.test\0alice-pw", 28));
  std::string out = run_smtp({"EHLO c\r\nMAIL FROM:<alice@example.test>\r\nAUTH PLAIN " + plain +
                              "\r\nMAIL FROM:<bob@example.test>\r\nMAIL FROM:<alice@example.test>\r\n"
                              "RCPT TO:<someone@remote.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n" +
                              kBody + ".\r\nQUIT\r\n"},
                             smtp::Mode::submission);
  EXPECT_EQ(codes(out), (std::vector<int>{220, 250, 530, 235, 553, 250, 250, 250, 354, 250, 221})) << out;
  EXPECT_EQ(inbox("bob@example.test").size(), 1u);
  auto q = store->list_queue();
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 1u);
  EXPECT_EQ((*q)[0].message.mail_from, "alice@example.test");
  ASSERT_EQ((*q)[0].message.recipients.size(), 1u);
  EXPECT_EQ((*q)[0].message.recipients[0].address, "someone@remote.test");
}

TEST_F(SmtpSession, AuthRefusedWithoutTlsFromNetwork) {
  std::string plain = base64_encode(std::string("\0alice@example.test\0alice-pw", 28));
  std::string out = run_smtp({"EHLO c\r\nAUTH PLAIN " + plain + "\r\nQUIT\r\n"}, smtp::Mode::submission, false);
  EXPECT_EQ(codes(out), (std::vector<int>{220, 250, 538, 221})) << out;
  EXPECT_EQ(out.find("AUTH PLAIN"), std::string::npos) << "AUTH must not be advertised before TLS";
}

TEST_F(SmtpSession, WrongPasswordAndUnknownUserLookAlike) {
  std::string wrong = base64_encode(std::string("\0alice@example.test\0nope", 24));
  std::string unknown = base64_encode(std::string("\0carol@example.test\0nope", 24));
  std::string a = run_smtp({"EHLO c\r\nAUTH PLAIN " + wrong + "\r\nQUIT\r\n"}, smtp::Mode::submission);
  std::string b = run_smtp({"EHLO c\r\nAUTH PLAIN " + unknown + "\r\nQUIT\r\n"}, smtp::Mode::submission);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("535 5.7.8"), std::string::npos) << a;
}
