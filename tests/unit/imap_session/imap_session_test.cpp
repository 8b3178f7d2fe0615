// IMAP sessions driven in memory (Session over a scripted stream, memory store):
// login, SELECT, FETCH, STORE, pipelining, byte-at-a-time input, literal limits,
// and changes made by "another session" (direct store calls injected between the
// client's reads) that must surface as EXISTS/FETCH/EXPUNGE only where RFC 9051
// §7.5.1 allows - never while FETCH, STORE or SEARCH by sequence number answers.
#include <gtest/gtest.h>

#include <functional>

#include "delivery/summary.h"
#include "imap/imap_server.h"
#include "session_fixture.h"

using namespace postamt;
using postamt::testing::SessionFixture;

namespace {

// One client write; `before` runs (on the session's thread) just before the
// session reads it - the place to commit "another session's" change.
struct Step {
  std::string data;
  std::function<void()> before;
};

class ScriptStream final : public net::Stream {
 public:
  explicit ScriptStream(std::deque<Step> steps) : steps_(std::move(steps)) {}
  boost::asio::awaitable<size_t> read_some(char* buf, size_t n) override {
    if (closed_ || steps_.empty()) co_return 0;
    Step& s = steps_.front();
    if (s.before) {
      auto f = std::move(s.before);
      s.before = nullptr;
      f();
      // Let the notifier's wake-up (posted to this executor) run first, as it would
      // between two network reads.
      co_await boost::asio::post(co_await boost::asio::this_coro::executor, boost::asio::use_awaitable);
    }
    size_t k = std::min(n, s.data.size());
    std::memcpy(buf, s.data.data(), k);
    s.data.erase(0, k);
    if (s.data.empty()) steps_.pop_front();
    co_return k;
  }
  boost::asio::awaitable<bool> write_all(std::string_view data) override {
    if (closed_) co_return false;
    output.append(data);
    co_return true;
  }
  boost::asio::awaitable<bool> start_tls(std::shared_ptr<boost::asio::ssl::context>) override { co_return false; }
  bool is_tls() const override { return false; }
  std::string tls_description() const override { return "none"; }
  std::string remote_ip() const override { return "127.0.0.1"; }
  bool remote_is_loopback() const override { return true; }
  void set_timeout(std::chrono::seconds t) override { timeouts.push_back(t); }
  void close() override { closed_ = true; }

  std::string output;
  std::vector<std::chrono::seconds> timeouts;  // every deadline the session armed, in order

 private:
  std::deque<Step> steps_;
  bool closed_ = false;
};

class ImapSession : public ::testing::Test, public SessionFixture {
 protected:
  ImapSession() : notifier(*store) {
    alice = store->find_account("alice@example.test")->id;
    inbox = store->get_mailbox(alice, "INBOX")->id;
  }

  std::string run_imap(std::deque<Step> steps, imap::Settings settings = {}) {
    settings.allow_plaintext_auth_loopback = true;
    std::shared_ptr<imap::Services> services(new imap::Services{
        *store, rt, registry, nullptr, throttle, notifier, users, "secret", Snapshot<imap::Settings>(settings)});
    auto stream = std::make_shared<ScriptStream>(std::move(steps));
    auto handle = std::make_shared<net::SessionHandle>(stream);
    auto& ctx = rt.main_context();
    boost::asio::co_spawn(ctx, imap::run_session(stream, handle, imap::Mode::plain, services), boost::asio::detached);
    ctx.restart();
    while (stream.use_count() > 1) ctx.run_one();
    timeouts = stream->timeouts;
    return stream->output;
  }

  uint32_t append(int64_t mailbox, const std::string& subject, std::vector<std::string> flags = {}) {
    std::string bytes = "From: a@example.test\r\nSubject: " + subject + "\r\n\r\nbody of " + subject + "\r\n";
    store::AppendMessage am;
    am.bytes = bytes;
    am.summary = delivery::summarize(bytes);
    am.flags = std::move(flags);
    auto r = store->append(alice, mailbox, {am});
    EXPECT_TRUE(r.ok());
    // As if another session had seen it already: the scripts here compare FLAGS without
    // \Recent (RFC 3501 §2.3.2; the e2e test_recent covers \Recent itself).
    if (r) notifier.claim_recent(mailbox, r->uids[0]);
    return r ? r->uids[0] : 0;
  }

  void expunge(int64_t mailbox, std::vector<uint32_t> uids) { ASSERT_TRUE(store->expunge(mailbox, uids).ok()); }

  // The text between the first occurrence of `from` and the first `to` after it.
  static std::string between(const std::string& out, const std::string& from, const std::string& to) {
    size_t a = out.find(from);
    if (a == std::string::npos) return "<missing " + from + ">";
    size_t b = out.find(to, a);
    if (b == std::string::npos) return "<missing " + to + ">";
    return out.substr(a, b - a);
  }

  static constexpr const char* kLogin = "a LOGIN alice@example.test alice-pw\r\n";

  imap::Notifier notifier;
  imap::UserSessions users;
  std::vector<std::chrono::seconds> timeouts;  // of the last run_imap()
  int64_t alice = 0;
  int64_t inbox = 0;
};

}  // namespace

TEST_F(ImapSession, GreetingLoginSelectFetchStoreLogout) {
  append(inbox, "one");
  append(inbox, "two", {"\\Seen"});
  append(inbox, "three");
  std::string out = run_imap({{std::string(kLogin) +
                                   "b SELECT INBOX\r\n"
                                   "c FETCH 1:* (UID FLAGS)\r\n"
                                   "d STORE 2 -FLAGS (\\Seen)\r\n"
                                   "e UID STORE 3 +FLAGS.SILENT (\\Flagged)\r\n"
                                   "f FETCH 3 (FLAGS)\r\n"
                                   "g LOGOUT\r\n",
                               nullptr}});
  EXPECT_EQ(out.rfind("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 ", 0), 0u) << out;
  EXPECT_NE(out.find("\r\na OK [CAPABILITY "), std::string::npos) << out;
  EXPECT_NE(out.find("* 3 EXISTS\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("b OK [READ-WRITE] SELECT completed\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("* 1 FETCH (UID 1 FLAGS ())\r\n* 2 FETCH (UID 2 FLAGS (\\Seen))\r\n"
                     "* 3 FETCH (UID 3 FLAGS ())\r\nc OK"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("* 2 FETCH (FLAGS ())\r\nd OK"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\ne OK"), std::string::npos) << out;
  EXPECT_EQ(between(out, "\r\nd OK", "\r\ne OK").find("FETCH"), std::string::npos) << ".SILENT: " << out;
  EXPECT_NE(out.find("* 3 FETCH (FLAGS (\\Flagged))\r\nf OK"), std::string::npos) << out;
  EXPECT_NE(out.find("* BYE"), std::string::npos) << out;
  EXPECT_NE(out.find("g OK"), std::string::npos) << out;
}

TEST_F(ImapSession, ByteAtATime) {
  append(inbox, "one");
  std::string script = std::string(kLogin) + "b SELECT INBOX\r\nc FETCH 1 (FLAGS BODY.PEEK[HEADER.FIELDS (Subject)])\r\n";
  std::deque<Step> steps;
  for (char ch : script) steps.push_back({std::string(1, ch), nullptr});
  std::string out = run_imap(std::move(steps));
  EXPECT_NE(out.find("* 1 FETCH (FLAGS () BODY[HEADER.FIELDS (Subject)] {16}\r\nSubject: one\r\n\r\n)\r\nc OK"),
            std::string::npos)
      << out;
}

TEST_F(ImapSession, PipelinedCommandsAnsweredInOrder) {
  append(inbox, "one");
  std::string script = std::string(kLogin) + "b SELECT INBOX\r\n";
  for (int i = 0; i < 200; ++i) script += "n" + std::to_string(i) + " NOOP\r\n";
  script += "z LOGOUT\r\n";
  std::string out = run_imap({{script, nullptr}});
  size_t pos = 0;
  for (int i = 0; i < 200; ++i) {
    size_t p = out.find("\r\nn" + std::to_string(i) + " OK", pos);
    ASSERT_NE(p, std::string::npos) << i << out;
    pos = p;
  }
}

TEST_F(ImapSession, ExpungeByOtherSessionHeldDuringFetchStoreSearch) {
  for (int i = 0; i < 4; ++i) append(inbox, "m" + std::to_string(i));
  std::string out = run_imap({
      {std::string(kLogin) + "b SELECT INBOX\r\n", nullptr},
      {"c FETCH 1:* (UID)\r\n", [this] { expunge(inbox, {2}); }},
      {"d STORE 4 +FLAGS (x)\r\n", nullptr},
      {"e SEARCH ALL\r\n", nullptr},
      {"f FETCH 2 (BODY.PEEK[])\r\n", nullptr},
      {"g NOOP\r\n", nullptr},
      {"h FETCH 1:* (UID)\r\ni LOGOUT\r\n", nullptr},
  });
  std::string held = between(out, "b OK", "\r\nf ");  // answers to c, d and e
  EXPECT_EQ(held.find("EXPUNGE"), std::string::npos) << out;
  EXPECT_NE(out.find("* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 3)\r\n* 4 FETCH (UID 4)\r\nc OK"),
            std::string::npos)
      << "sequence numbers unchanged until EXPUNGE is sent: " << out;
  EXPECT_NE(out.find("* 4 FETCH (FLAGS (x))\r\nd OK"), std::string::npos) << out;
  // The expunged message has no body any more: RFC 5530 EXPUNGEISSUED, no data for it.
  EXPECT_NE(out.find("f OK [EXPUNGEISSUED]"), std::string::npos) << out;
  EXPECT_EQ(between(out, "e OK", "f OK").find("FETCH"), std::string::npos) << out;
  EXPECT_NE(out.find("* 2 EXPUNGE\r\ng OK"), std::string::npos) << out;
  EXPECT_NE(out.find("* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 3)\r\n* 3 FETCH (UID 4)\r\nh OK"), std::string::npos)
      << out;
}

TEST_F(ImapSession, UidCommandMayAnnounceExpunge) {
  for (int i = 0; i < 3; ++i) append(inbox, "m" + std::to_string(i));
  std::string out = run_imap({
      {std::string(kLogin) + "b SELECT INBOX\r\n", nullptr},
      {"c UID FETCH 1:* (FLAGS)\r\n", [this] { expunge(inbox, {1}); }},
      {"d LOGOUT\r\n", nullptr},
  });
  EXPECT_NE(out.find("* 1 EXPUNGE\r\nc OK"), std::string::npos) << out;
}

TEST_F(ImapSession, NewMailAndExpungeInOneSync) {
  for (int i = 0; i < 3; ++i) append(inbox, "m" + std::to_string(i));
  std::string out = run_imap({
      {std::string(kLogin) + "b SELECT INBOX\r\n", nullptr},
      {"c NOOP\r\n",
       [this] {
         expunge(inbox, {1});
         append(inbox, "new");
       }},
      {"d FETCH 1:* (UID)\r\ne LOGOUT\r\n", nullptr},
  });
  EXPECT_NE(out.find("* 1 EXPUNGE\r\n* 3 EXISTS\r\nc OK"), std::string::npos) << out;
  EXPECT_NE(out.find("* 1 FETCH (UID 2)\r\n* 2 FETCH (UID 3)\r\n* 3 FETCH (UID 4)\r\nd OK"), std::string::npos)
      << out;
}

TEST_F(ImapSession, OtherSessionsFlagChangeSeenByChangedSince) {
  for (int i = 0; i < 2; ++i) append(inbox, "m" + std::to_string(i));
  uint64_t hm = store->get_mailbox(alice, "INBOX")->highest_modseq;
  std::string out = run_imap({
      {std::string(kLogin) + "b SELECT INBOX (CONDSTORE)\r\n", nullptr},
      {"c FETCH 1:* (UID) (CHANGEDSINCE " + std::to_string(hm) + ")\r\n",
       [this] {
         store::FlagUpdate up;
         up.flags = {"\\Answered"};
         ASSERT_TRUE(store->store_flags(inbox, {2}, up).ok());
       }},
      {"d LOGOUT\r\n", nullptr},
  });
  // The change is folded in before the FETCH runs, so CHANGEDSINCE finds it.
  std::string c = between(out, "b OK", "c OK");
  EXPECT_NE(c.find("* 2 FETCH (UID 2 MODSEQ ("), std::string::npos) << out;
}

TEST_F(ImapSession, IdleReportsChangeBeforeDone) {
  append(inbox, "m0");
  std::string out = run_imap({
      {std::string(kLogin) + "b SELECT INBOX\r\nc IDLE\r\n", nullptr},
      {"DONE\r\n", [this] { append(inbox, "m1"); }},
      {"d LOGOUT\r\n", nullptr},
  });
  EXPECT_NE(out.find("+ idling\r\n"), std::string::npos) << out;
  std::string idle = between(out, "+ idling", "c OK");
  EXPECT_NE(idle.find("* 2 EXISTS\r\n"), std::string::npos) << out;
}

TEST_F(ImapSession, QresyncSelectReportsVanishedAndChanges) {
  for (int i = 0; i < 4; ++i) append(inbox, "m" + std::to_string(i));
  auto mb = *store->get_mailbox(alice, "INBOX");
  expunge(inbox, {2, 3});
  store::FlagUpdate up;
  up.flags = {"\\Seen"};
  ASSERT_TRUE(store->store_flags(inbox, {4}, up).ok());
  std::string out = run_imap({{std::string(kLogin) + "b ENABLE QRESYNC\r\nc SELECT INBOX (QRESYNC (" +
                                   std::to_string(mb.uidvalidity) + " " + std::to_string(mb.highest_modseq) +
                                   " 1:4))\r\nd LOGOUT\r\n",
                               nullptr}});
  std::string sel = between(out, "b OK", "c OK");
  EXPECT_NE(sel.find("* VANISHED (EARLIER) 2:3\r\n"), std::string::npos) << out;
  EXPECT_NE(sel.find("* 2 FETCH (UID 4 FLAGS (\\Seen) MODSEQ ("), std::string::npos) << out;
  EXPECT_EQ(sel.find("FETCH (UID 1"), std::string::npos) << out;
}

TEST_F(ImapSession, LiteralLimitsAndSyncLiterals) {
  imap::Settings s;
  s.max_message_size = 4096;
  std::string out = run_imap({{"a LOGIN {100000}\r\n", nullptr},
                              {std::string(kLogin) + "b APPEND INBOX {5000}\r\n", nullptr},
                              {"c APPEND INBOX {22}\r\n", nullptr},
                              {"Subject: x\r\n\r\nhello\r\n\r\nd LOGOUT\r\n", nullptr}},
                             s);
  // Before login: a small cap; refused without "+" and without reading it.
  EXPECT_NE(out.find("a NO [TOOBIG]"), std::string::npos) << out;
  EXPECT_NE(out.find("b NO [TOOBIG]"), std::string::npos) << out;
  EXPECT_EQ(between(out, "a NO", "b NO").find("\r\n+ "), std::string::npos) << out;
  EXPECT_NE(out.find("+ Ready for literal data\r\nc OK [APPENDUID "), std::string::npos) << out;
}

TEST_F(ImapSession, ErrorsInARowEndWithBye) {
  imap::Settings s;
  s.max_errors = 3;
  std::string out = run_imap({{"x1 FOO\r\nx2 BAR\r\nx3 BAZ\r\nx4 NOOP\r\n", nullptr}}, s);
  EXPECT_NE(out.find("x3 BAD"), std::string::npos) << out;
  EXPECT_NE(out.find("* BYE"), std::string::npos) << out;
  EXPECT_EQ(out.find("x4"), std::string::npos) << out;
}

// RFC 9051 §5.4: the autologout timer is at least 30 minutes once logged in; before
// login a short timer is allowed. The session arms the stream's deadline (TcpStream
// closes an idle connection at it: the SMTP/POP3 timeout e2e tests cover that part).
TEST_F(ImapSession, ArmsLoginTimerThenAutologoutTimer) {
  imap::Settings s;
  s.idle_timeout = std::chrono::seconds(3600);
  std::string out = run_imap({{std::string(kLogin) + "b NOOP\r\nc UNAUTHENTICATE\r\nd NOOP\r\n", nullptr}}, s);
  EXPECT_NE(out.find("c OK"), std::string::npos) << out;
  ASSERT_EQ(timeouts.size(), 3u);
  EXPECT_EQ(timeouts[0], s.login_timeout);                 // greeting: not logged in yet
  EXPECT_EQ(timeouts[1], std::chrono::seconds(3600));      // after LOGIN: imap.idle_timeout
  EXPECT_EQ(timeouts[2], s.login_timeout);                 // UNAUTHENTICATE: back to the short one
  EXPECT_GE(imap::Settings{}.idle_timeout, std::chrono::seconds(1800));  // the default obeys §5.4
}
