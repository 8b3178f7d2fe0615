// POP3 sessions driven in memory: login rules, listing, byte-identical RETR
// with dot-stuffing, TOP, DELE only at QUIT, IN-USE.
#include <gtest/gtest.h>

#include <ctime>

#include "delivery/local_delivery.h"
#include "pop3/pop3_server.h"
#include "session_fixture.h"

using namespace postamt;
using postamt::testing::bytewise;
using postamt::testing::SessionFixture;

namespace {

class Pop3Session : public ::testing::Test, public SessionFixture {
 protected:
  std::string run_pop3(std::deque<std::string> chunks, bool loopback = true) {
    pop3::Settings settings;
    settings.allow_plaintext_auth_loopback = true;
    std::shared_ptr<pop3::Services> services(new pop3::Services{
        *store, rt, registry, nullptr, throttle, locks, "secret", Snapshot<pop3::Settings>(settings)});
    return run(
        std::move(chunks),
        [services](std::shared_ptr<net::Stream> s, std::shared_ptr<net::SessionHandle> h) {
          return pop3::run_session(s, h, pop3::Mode::plain, services);
        },
        loopback);
  }

  void deliver(const std::string& to, const std::string& body) {
    delivery::Envelope env;
    env.mail_from = "a@remote.test";
    auto acct = store->find_account(to);
    env.local.push_back({to, {acct->id}});
    ASSERT_TRUE(delivery::deliver(*store, body, env, std::time(nullptr)).ok());
  }

  // The payload of the multi-line response whose status line starts with
  // `status`, with the byte-stuffing undone (RFC 1939 §3).
  static std::string multiline(const std::string& out, const std::string& status) {
    size_t start = out.find("\r\n" + status);
    if (start == std::string::npos) return "<no such response>";
    size_t body = out.find("\r\n", start + 2) + 2;
    size_t end = out.find("\r\n.\r\n", body - 2);
    std::string raw = out.substr(body, end + 2 - body), res;
    for (size_t p = 0; p < raw.size();) {
      size_t e = raw.find("\r\n", p);
      std::string line = raw.substr(p, e + 2 - p);
      if (line.size() > 2 && line[0] == '.') line.erase(0, 1);
      res += line;
      p = e + 2;
    }
    return res;
  }

  pop3::MaildropLocks locks;
};

const std::string kMsg = "Subject: one\r\n\r\n.leading dot\r\n..two dots\r\nplain\r\n";

}  // namespace

TEST_F(Pop3Session, LoginListRetrQuit) {
  deliver("alice@example.test", kMsg);
  std::string out = run_pop3({"USER alice@example.test\r\nPASS alice-pw\r\nSTAT\r\nUIDL\r\nRETR 1\r\nQUIT\r\n"});
  EXPECT_EQ(out.rfind("+OK", 0), 0u) << out;
  EXPECT_NE(out.find("+OK 1 "), std::string::npos) << out;
  std::string retr = multiline(out, "+OK " + std::to_string(inbox("alice@example.test")[0].size()) + " octets");
  auto stored = inbox("alice@example.test");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(retr, stored[0]);
  EXPECT_NE(out.find("\r\n..leading dot\r\n"), std::string::npos) << "RFC 1939 §3 byte-stuffing";
}

TEST_F(Pop3Session, ByteAtATimeWorks) {
  deliver("alice@example.test", kMsg);
  std::string out = run_pop3(bytewise("USER alice@example.test\r\nPASS alice-pw\r\nLIST\r\nQUIT\r\n"));
  EXPECT_NE(out.find("+OK Scan list follows\r\n1 "), std::string::npos) << out;
}

TEST_F(Pop3Session, DeleOnlyAtQuit) {
  deliver("alice@example.test", kMsg);
  deliver("alice@example.test", kMsg);
  // Dropped connection (no QUIT): nothing is deleted.
  run_pop3({"USER alice@example.test\r\nPASS alice-pw\r\nDELE 1\r\n"});
  EXPECT_EQ(inbox("alice@example.test").size(), 2u);
  // RSET undeletes.
  run_pop3({"USER alice@example.test\r\nPASS alice-pw\r\nDELE 1\r\nRSET\r\nQUIT\r\n"});
  EXPECT_EQ(inbox("alice@example.test").size(), 2u);
  std::string out = run_pop3({"USER alice@example.test\r\nPASS alice-pw\r\nDELE 1\r\nRETR 1\r\nQUIT\r\n"});
  EXPECT_NE(out.find("-ERR Message already deleted"), std::string::npos) << out;
  EXPECT_EQ(inbox("alice@example.test").size(), 1u);
}

TEST_F(Pop3Session, TopReturnsHeaderAndLines) {
  deliver("alice@example.test", kMsg);
  std::string out = run_pop3({"USER alice@example.test\r\nPASS alice-pw\r\nTOP 1 1\r\nQUIT\r\n"});
  std::string top = multiline(out, "+OK Top of message follows");
  auto stored = inbox("alice@example.test")[0];
  size_t header_end = stored.find("\r\n\r\n") + 4;
  EXPECT_EQ(top, stored.substr(0, header_end) + ".leading dot\r\n") << out;
}

TEST_F(Pop3Session, InUseWhenLocked) {
  auto acct = store->find_account("alice@example.test");
  ASSERT_TRUE(locks.try_lock(acct->id));
  std::string out = run_pop3({"USER alice@example.test\r\nPASS alice-pw\r\nQUIT\r\n"});
  EXPECT_NE(out.find("-ERR [IN-USE]"), std::string::npos) << out;
  locks.unlock(acct->id);
}

TEST_F(Pop3Session, PasswordRefusedWithoutTlsFromNetwork) {
  std::string out = run_pop3({"CAPA\r\nUSER alice@example.test\r\nQUIT\r\n"}, false);
  EXPECT_EQ(out.find("SASL"), std::string::npos) << out;
  EXPECT_NE(out.find("-ERR [AUTH]"), std::string::npos) << out;
}

TEST_F(Pop3Session, FailedLoginSameForUnknownUser) {
  std::string a = run_pop3({"USER alice@example.test\r\nPASS wrong\r\nQUIT\r\n"});
  std::string b = run_pop3({"USER nobody@example.test\r\nPASS wrong\r\nQUIT\r\n"});
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("-ERR [AUTH]"), std::string::npos) << a;
}

TEST_F(Pop3Session, AuthPlainWorks) {
  deliver("bob@example.test", kMsg);
  std::string ir = "AGJvYkBleGFtcGxlLnRlc3QAYm9iLXB3";  // "\0bob@example.test\0bob-pw"
  std::string out = run_pop3({"AUTH PLAIN " + ir + "\r\nSTAT\r\nQUIT\r\n"});
  EXPECT_NE(out.find("+OK 1 "), std::string::npos) << out;
}
