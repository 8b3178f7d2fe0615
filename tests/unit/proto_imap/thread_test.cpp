// THREAD (RFC 5256 §3-§5): ORDEREDSUBJECT and REFERENCES step by step, the §4 response
// examples as golden strings, loops and self-references, limits, msg-id parsing, deep
// chains (10,000 and 100,000 long) and 100,000-message smoke runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "proto/imap/base_subject.h"
#include "proto/imap/thread.h"

namespace postamt::proto::imap {
namespace {

using Refs = std::vector<std::string>;

ThreadMessage tm(uint32_t id, int64_t date, std::string_view raw_subject, std::string mid, Refs refs = {},
                 std::string in_reply_to = {}) {
  ThreadMessage m;
  m.id = id;
  m.date = date;
  BaseSubject b = extract_base_subject(raw_subject);
  m.subject = b.text;
  m.reply_or_forward = b.reply_or_forward;
  m.message_id = std::move(mid);
  m.references = std::move(refs);
  m.in_reply_to = std::move(in_reply_to);
  return m;
}

std::string refs_text(const std::vector<ThreadMessage>& m, const ThreadLimits& limits = {}) {
  return format_threads(thread_references(m, limits));
}

std::string ordered_text(const std::vector<ThreadMessage>& m) { return format_threads(thread_orderedsubject(m)); }

// Checks RFC 5256 §5 thread-list syntax loosely (balanced, no empty lists, numbers separated
// properly) and returns every number in order.
std::vector<uint32_t> numbers_in(const std::string& s) {
  std::vector<uint32_t> out;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '(') {
      ++depth;
      EXPECT_NE(s[i + 1], ')') << "empty list at " << i;
    } else if (c == ')') {
      --depth;
      EXPECT_GE(depth, 0);
    } else if (c >= '0' && c <= '9') {
      uint32_t n = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') n = n * 10 + static_cast<uint32_t>(s[i++] - '0');
      --i;
      out.push_back(n);
      EXPECT_TRUE(s[i + 1] == ' ' || s[i + 1] == ')') << "at " << i;
    } else {
      EXPECT_EQ(c, ' ');
      EXPECT_TRUE(s[i + 1] == '(' || (s[i + 1] >= '1' && s[i + 1] <= '9')) << "at " << i;
    }
  }
  EXPECT_EQ(depth, 0);
  return out;
}

void expect_each_once(const std::string& text, const std::vector<ThreadMessage>& m) {
  std::vector<uint32_t> nums = numbers_in(text);
  std::multiset<uint32_t> got(nums.begin(), nums.end()), want;
  for (const ThreadMessage& x : m) want.insert(x.id);
  EXPECT_TRUE(got == want);
}

TEST(Thread, FormatShapes) {
  ThreadForest f;
  EXPECT_EQ(format_threads(f), "");
  // RFC 5256 §4: "(2)(3 6 (4 23)(44 7 96))", built by hand.
  using N = ThreadForest::Node;
  constexpr uint32_t X = ThreadForest::kNone;
  f.nodes = {N{2, X, 1}, N{3, 2, X}, N{6, 3, X}, N{4, 5, 4}, N{44, 6, X}, N{23, X, X}, N{7, 7, X}, N{96, X, X}};
  f.first_root = 0;
  EXPECT_EQ(format_threads(f), "(2)(3 6 (4 23)(44 7 96))");
  // "((3)(5))": siblings under a parent that does not exist.
  ThreadForest d;
  d.nodes = {N{0, 1, X}, N{3, X, 2}, N{5, X, X}};
  d.first_root = 0;
  EXPECT_EQ(format_threads(d), "((3)(5))");
}

TEST(Thread, RfcSection4ExamplesFromReferences) {
  // Mailbox order is by id; "some later messages are parents of earlier messages".
  std::vector<ThreadMessage> m{
      tm(2, 1, "alpha", "m2@x"),
      tm(3, 2, "beta", "m3@x"),
      tm(4, 4, "Re: beta", "m4@x", {"m3@x", "m6@x"}),
      tm(6, 3, "Re: beta", "m6@x", {"m3@x"}),
      tm(7, 7, "Re: beta", "m7@x", {"m3@x", "m6@x", "m44@x"}),
      tm(23, 6, "Re: beta", "m23@x", {"m3@x", "m6@x", "m4@x"}),
      tm(44, 5, "Re: beta", "m44@x", {"m3@x", "m6@x"}),
      tm(96, 8, "Re: beta", "m96@x", {"m3@x", "m6@x", "m44@x", "m7@x"}),
  };
  EXPECT_EQ(refs_text(m), "(2)(3 6 (4 23)(44 7 96))");
  std::vector<ThreadMessage> orphans{tm(3, 1, "Re: x", "a@x", {"gone@x"}), tm(5, 2, "Re: x", "b@x", {"gone@x"})};
  EXPECT_EQ(refs_text(orphans), "((3)(5))");
}

// Builds an ORDEREDSUBJECT mailbox from its expected response: each top-level list is one
// subject; dates follow the text, so the algorithm must reproduce it exactly.
std::vector<ThreadMessage> mailbox_from(const std::string& expected) {
  std::vector<ThreadMessage> m;
  int group = -1, depth = 0;
  int64_t date = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    char c = expected[i];
    if (c == '(') {
      if (depth++ == 0) ++group;
    } else if (c == ')') {
      --depth;
    } else if (c >= '0' && c <= '9') {
      uint32_t n = 0;
      while (expected[i] >= '0' && expected[i] <= '9') n = n * 10 + static_cast<uint32_t>(expected[i++] - '0');
      --i;
      // Subjects sort opposite to dates, so grouping and ordering are both exercised.
      std::string subject = "topic " + std::to_string(1000 - group);
      m.push_back(tm(n, ++date, subject, {}));
    }
  }
  std::sort(m.begin(), m.end(), [](const ThreadMessage& a, const ThreadMessage& b) { return a.id < b.id; });
  return m;
}

TEST(Thread, OrderedSubjectRfcExample) {
  // RFC 5256 §4, A283 THREAD ORDEREDSUBJECT.
  const std::string rfc =
      "(166)(167)(168)(169)(172)(170)(171)(173)(174 (175)(176)(178)(181)(180))(179)(177 (183)(182)(188)(184)(185)"
      "(186)(187)(189))(190)(191)(192)(193)(194 195)(196 (197)(198))(199)(200 202)(201)(203)(204)(205)(206 207)(208)";
  std::vector<ThreadMessage> m = mailbox_from(rfc);
  EXPECT_EQ(m.size(), 43u);
  EXPECT_EQ(ordered_text(m), rfc);
}

TEST(Thread, OrderedSubjectRules) {
  EXPECT_EQ(ordered_text({}), "");
  std::vector<ThreadMessage> m{
      tm(1, 3, "b", {}), tm(2, 1, "a", {}), tm(3, 2, "Re: b", {}), tm(4, 5, "A", {}), tm(5, 4, "[list] b (fwd)", {}),
      tm(6, 9, "", {}), tm(7, 8, "", {}),
  };
  m[3].subject = "a";  // the caller casemaps; "A" and "a" are one subject after folding
  // a: 2(1) 4(5); b: 3(2) 1(3) 5(4); "": 7(8) 6(9). References are ignored entirely.
  EXPECT_EQ(ordered_text(m), "(2 4)(3 (1)(5))(7 6)");
  // Equal dates: mailbox order decides, both inside a thread and between threads.
  std::vector<ThreadMessage> ties{tm(9, 5, "x", {}), tm(4, 5, "y", {}), tm(8, 5, "x", {}), tm(2, 5, "x", {})};
  EXPECT_EQ(ordered_text(ties), "(9 (8)(2))(4)");
}

TEST(Thread, ReferencesRfcExample) {
  // RFC 5256 §4, A285 THREAD REFERENCES. The RFC does not give the mailbox, so this one is
  // built to need every mechanism of §3: subject merges into a new dummy ((170)(179), the
  // lunch group), a missing parent kept as a top-level dummy that then absorbs same-subject
  // threads (the 177 group, replies or not), In-Reply-To without References (189, 202),
  // parents stored after their children (188), and plain chains. Dates follow the text.
  const std::string want =
      "(166)(167)(168)(169)(172)((170)(179))(171)(173)((174)(175)(176)(178)(181)(180))"
      "((177)(183)(182)(188 (184)(189))(185 186)(187))(190)(191)(192)(193)((194)(195 196))(197 198)(199)"
      "(200 202)(201)(203)(204)(205 206 207)(208)";
  std::map<uint32_t, int64_t> date;
  int64_t d = 0;
  for (uint32_t n : numbers_in(want)) date[n] = ++d;
  auto mk = [&](uint32_t id, std::string subject, Refs refs = {}, std::string irt = {}) {
    return tm(id, date.at(id), subject, "m" + std::to_string(id) + "@x", std::move(refs), std::move(irt));
  };
  std::vector<ThreadMessage> m;
  for (uint32_t id : {166, 167, 168, 169, 171, 172, 173, 190, 191, 192, 193, 199, 201, 203, 204, 208}) {
    m.push_back(mk(id, "solo " + std::to_string(id)));
  }
  m.push_back(mk(170, "meeting"));
  m.push_back(mk(179, "Meeting"));
  m.back().subject = "meeting";  // casemapped by the caller
  for (uint32_t id : {174, 175, 176, 178, 180, 181}) m.push_back(mk(id, "[team] lunch"));
  m.push_back(mk(177, "party", {"gone-party@x"}));
  m.push_back(mk(183, "Re: party", {"gone-party@x"}));
  m.push_back(mk(182, "party"));      // same subject, no references: into the dummy
  m.push_back(mk(188, "Re: party"));  // a reply: into the dummy all the same
  m.push_back(mk(184, "Re: party", {"m177@x", "m188@x"}));  // 188 is not there yet
  m.push_back(mk(189, "Re: party", {}, "m188@x"));
  m.push_back(mk(185, "Fwd: party"));
  m.push_back(mk(186, "Re: party", {"m185@x"}));
  m.push_back(mk(187, "party (fwd)"));
  m.push_back(mk(194, "Re: gone 1", {"gone@x"}));
  m.push_back(mk(195, "Re: gone 2", {"gone@x"}));
  m.push_back(mk(196, "Re: gone 3", {"gone@x", "m195@x"}));
  m.push_back(mk(197, "chain"));
  m.push_back(mk(198, "Re: chain", {"m197@x"}));
  m.push_back(mk(200, "irt"));
  m.push_back(mk(202, "Re: irt", {}, "m200@x"));
  m.push_back(mk(205, "long"));
  m.push_back(mk(206, "Re: long", {"m205@x"}));
  m.push_back(mk(207, "Re: long", {"m205@x", "m206@x"}));
  std::sort(m.begin(), m.end(), [](const ThreadMessage& a, const ThreadMessage& b) { return a.id < b.id; });
  ASSERT_EQ(m.size(), 43u);  // 166..208
  EXPECT_EQ(refs_text(m), want);
}

TEST(Thread, LoopsAreNotCreated) {
  // A says its parent is B, B says its parent is A.
  std::vector<ThreadMessage> two{tm(1, 1, "a", "A@x", {"B@x"}), tm(2, 2, "b", "B@x", {"A@x"})};
  EXPECT_EQ(refs_text(two), "(2 1)");
  // A three-cycle through References lists.
  std::vector<ThreadMessage> three{tm(1, 1, "a", "A@x", {"C@x", "B@x"}), tm(2, 2, "b", "B@x", {"A@x", "C@x"}),
                                   tm(3, 3, "c", "C@x", {"B@x", "A@x"})};
  expect_each_once(refs_text(three), three);
  // Self references, directly and inside the list.
  EXPECT_EQ(refs_text({tm(1, 1, "a", "A@x", {"A@x"})}), "(1)");
  EXPECT_EQ(refs_text({tm(1, 1, "a", "A@x", {"A@x", "A@x"}, "A@x")}), "(1)");
  EXPECT_EQ(refs_text({tm(1, 1, "a", "A@x", {"X@x", "A@x", "X@x"})}), "(1)");
  // Repeated references.
  EXPECT_EQ(refs_text({tm(1, 1, "a", "A@x", {"X@x", "X@x", "Y@x"})}), "(1)");
  EXPECT_EQ(refs_text({tm(1, 1, "a", "A@x"), tm(2, 2, "b", "B@x", {"A@x", "A@x", "A@x"})}), "(1 2)");
}

TEST(Thread, MessageIdRules) {
  // Duplicates: only the first message keeps the id; references go to it.
  std::vector<ThreadMessage> dup{tm(1, 1, "a", "A@x"), tm(2, 2, "b", "A@x"), tm(3, 3, "c", "C@x", {"A@x"})};
  EXPECT_EQ(refs_text(dup), "(1 3)(2)");
  // No Message-ID: a message of its own.
  std::vector<ThreadMessage> none{tm(1, 1, "a", ""), tm(2, 2, "b", "", {""}), tm(3, 3, "c", "C@x", {""})};
  EXPECT_EQ(refs_text(none), "(1)(2)(3)");
  // Message-ID comparison is case-sensitive (RFC 5256 §3).
  EXPECT_EQ(refs_text({tm(1, 1, "a", "A@x"), tm(2, 2, "b", "B@x", {"a@x"})}), "(1)(2)");
}

TEST(Thread, InReplyToOnlyWithoutReferences) {
  std::vector<ThreadMessage> m{tm(1, 1, "a", "A@x"), tm(2, 2, "b", "B@x"), tm(3, 3, "c", "C@x", {"A@x"}, "B@x"),
                               tm(4, 4, "d", "D@x", {}, "B@x")};
  EXPECT_EQ(refs_text(m), "(1 3)(2 4)");
}

TEST(Thread, ExistingParentKeptButCurrentMessageReparented) {
  // Step 1.A: B already has parent A; D's (wrong) claim that X is B's parent is ignored.
  std::vector<ThreadMessage> keep{tm(1, 1, "a", "A@x"), tm(2, 2, "b", "B@x", {"A@x"}), tm(3, 3, "d", "D@x", {"X@x", "B@x"})};
  EXPECT_EQ(refs_text(keep), "(1 2 3)");
  // Step 1.B: M2 got parent P from M1's References, but M2's own References say Q.
  std::vector<ThreadMessage> re{tm(1, 1, "a", "M1@x", {"P@x", "M2@x"}), tm(2, 2, "b", "M2@x", {"Q@x"})};
  EXPECT_EQ(refs_text(re), "(2 1)");
  // Step 1.B with no references at all: the message loses the parent others gave it.
  std::vector<ThreadMessage> orphan{tm(1, 1, "a", "A@x"), tm(2, 2, "b", "C@x", {"A@x", "B@x"}), tm(3, 3, "c", "B@x")};
  EXPECT_EQ(refs_text(orphan), "(1)(3 2)");
}

TEST(Thread, DummyPruning) {
  // A dummy with one child is replaced by it, even at the top; with several children it
  // stays at the top but not deeper.
  std::vector<ThreadMessage> deep{tm(1, 1, "a", "A@x"), tm(2, 2, "b", "B@x", {"A@x", "gone@x"}),
                                  tm(3, 3, "c", "C@x", {"A@x", "gone@x"})};
  EXPECT_EQ(refs_text(deep), "(1 (2)(3))");
  std::vector<ThreadMessage> chain_of_dummies{tm(1, 1, "a", "A@x", {"g1@x", "g2@x", "g3@x"}),
                                              tm(2, 2, "b", "B@x", {"g1@x", "g2@x", "g4@x"})};
  EXPECT_EQ(refs_text(chain_of_dummies), "((1)(2))");
}

TEST(Thread, SubjectGathering) {
  // Reply merged under the original (5.C, third rule), whatever the date order.
  EXPECT_EQ(refs_text({tm(1, 1, "hi", "a@x"), tm(2, 2, "Re: hi", "b@x")}), "(1 2)");
  EXPECT_EQ(refs_text({tm(1, 1, "Re: hi", "a@x"), tm(2, 2, "hi", "b@x")}), "(2 1)");
  EXPECT_EQ(refs_text({tm(1, 1, "hi (fwd)", "a@x"), tm(2, 2, "hi", "b@x")}), "(2 1)");
  EXPECT_EQ(refs_text({tm(1, 1, "[fwd: hi]", "a@x"), tm(2, 2, "hi", "b@x")}), "(2 1)");
  // Two originals, or two replies: a new dummy holds both (fourth rule).
  EXPECT_EQ(refs_text({tm(1, 1, "hi", "a@x"), tm(2, 2, "hi", "b@x")}), "((1)(2))");
  EXPECT_EQ(refs_text({tm(1, 1, "Re: hi", "a@x"), tm(2, 2, "Re: hi", "b@x")}), "((1)(2))");
  EXPECT_EQ(refs_text({tm(1, 1, "hi", "a@x"), tm(2, 2, "hi", "b@x"), tm(3, 3, "hi", "c@x")}), "((1)(2)(3))");
  // A blob is not a reply marker: "[list] hi" and "hi" are both originals.
  EXPECT_EQ(refs_text({tm(1, 1, "[list] hi", "a@x"), tm(2, 2, "hi", "b@x")}), "((1)(2))");
  // Empty subjects never gather.
  EXPECT_EQ(refs_text({tm(1, 1, "", "a@x"), tm(2, 2, "Re:", "b@x"), tm(3, 3, "", "c@x")}), "(1)(2)(3)");
  // A dummy wins the subject table (5.B) and takes the message in (second rule).
  EXPECT_EQ(refs_text({tm(1, 1, "s", "a@x"), tm(2, 2, "Re: s", "b@x", {"X@x"}), tm(3, 3, "Re: s", "c@x", {"X@x"})}),
            "((1)(2)(3))");
  // Two dummies with one subject merge their children (first rule).
  EXPECT_EQ(refs_text({tm(1, 1, "s", "a@x", {"X@x"}), tm(2, 2, "s", "b@x", {"X@x"}), tm(3, 3, "s", "c@x", {"Y@x"}),
                       tm(4, 4, "s", "d@x", {"Y@x"})}),
            "((1)(2)(3)(4))");
  // Subject gathering only looks at the top level: replies deeper down stay put.
  EXPECT_EQ(refs_text({tm(1, 1, "x", "a@x"), tm(2, 2, "Re: s", "b@x", {"a@x"}), tm(3, 3, "s", "c@x")}),
            "(1 2)(3)");
  // Threads with a thread (root) reply and a later original: the reply goes under it and
  // its own children come along.
  EXPECT_EQ(refs_text({tm(1, 1, "Re: s", "a@x"), tm(2, 2, "Re: s", "b@x", {"a@x"}), tm(3, 3, "s", "c@x")}),
            "(3 1 2)");
}

TEST(Thread, SiblingOrderByDateThenMailboxOrder) {
  std::vector<ThreadMessage> m{tm(1, 10, "a", "A@x"), tm(2, 5, "b", "B@x")};
  EXPECT_EQ(refs_text(m), "(2)(1)");
  std::vector<ThreadMessage> kids{tm(1, 1, "p", "P@x"), tm(9, 5, "c", "C@x", {"P@x"}), tm(5, 5, "d", "D@x", {"P@x"}),
                                  tm(7, 4, "e", "E@x", {"P@x"})};
  EXPECT_EQ(refs_text(kids), "(1 (7)(9)(5))");
  // A top-level dummy sorts by its first child's date.
  std::vector<ThreadMessage> dummy{tm(1, 3, "a", "A@x"), tm(2, 4, "b", "B@x", {"G@x"}), tm(3, 2, "c", "C@x", {"G@x"})};
  EXPECT_EQ(refs_text(dummy), "((3)(2))(1)");
}

TEST(Thread, ReferenceLimits) {
  std::vector<ThreadMessage> m{tm(1, 1, "a", "A@x"), tm(2, 2, "b", "E@x", {"A@x", "B@x", "C@x", "D@x"})};
  EXPECT_EQ(refs_text(m), "(1 2)");
  ThreadLimits few;
  few.max_references = 2;  // only C, D: the link to A is lost
  EXPECT_EQ(refs_text(m, few), "(1)(2)");

  std::vector<ThreadMessage> d{tm(1, 1, "a", "A@x", {"X@x"}), tm(2, 2, "b", "B@x", {"Y@x"}),
                               tm(3, 3, "c", "C@x", {"Y@x"})};
  EXPECT_EQ(refs_text(d), "(1)((2)(3))");
  ThreadLimits one_dummy;
  one_dummy.max_dummies = 1;  // Y is never created
  EXPECT_EQ(refs_text(d, one_dummy), "(1)(2)(3)");
}

TEST(Thread, MsgIdParsing) {
  using V = std::vector<std::string>;
  EXPECT_EQ(parse_msg_ids("<a@b> <c@d>"), (V{"a@b", "c@d"}));
  EXPECT_EQ(parse_msg_ids("<a@b>\r\n\t<c@d>"), (V{"a@b", "c@d"}));
  EXPECT_EQ(parse_msg_ids("(comment <x@y>) <a@b> (more)"), (V{"a@b"}));
  // RFC 5256 §3: <"01KF8JCEOCBS0045PS"@xxx.yyy.com> is <01KF8JCEOCBS0045PS@xxx.yyy.com>.
  EXPECT_EQ(parse_msg_ids("<\"01KF8JCEOCBS0045PS\"@xxx.yyy.com>"), (V{"01KF8JCEOCBS0045PS@xxx.yyy.com"}));
  EXPECT_EQ(parse_msg_ids("<\"a\\\"b\"@c>"), (V{"a\"b@c"}));
  EXPECT_EQ(parse_msg_ids("< a @ b >"), (V{"a@b"}));
  EXPECT_EQ(parse_msg_ids("<a(c)@b>"), (V{"a@b"}));
  // Invalid ids are skipped: no '@', empty sides, unterminated.
  EXPECT_EQ(parse_msg_ids("<abc> <@b> <a@> <ok@x> <a@b"), (V{"ok@x"}));
  EXPECT_EQ(parse_msg_ids("<a@b<c@d>"), (V{"c@d"}));
  EXPECT_EQ(parse_msg_ids(""), V{});
  EXPECT_EQ(parse_msg_ids("no ids here"), V{});
  // Obsolete In-Reply-To with phrases, one holding angle brackets.
  EXPECT_EQ(parse_msg_ids("\"Joe <not@id>\" <a@b> message of Monday"), (V{"a@b"}));
  // The last max_ids are kept.
  EXPECT_EQ(parse_msg_ids("<1@x><2@x><3@x><4@x><5@x>", 2), (V{"4@x", "5@x"}));
  EXPECT_EQ(parse_msg_ids("<1@x><2@x><3@x>", 3), (V{"1@x", "2@x", "3@x"}));
  EXPECT_EQ(parse_msg_ids("<1@x><2@x><3@x>", 0), V{});
  EXPECT_EQ(first_msg_id("junk <a@b> <c@d>"), "a@b");
  EXPECT_EQ(first_msg_id("<nope> <c@d>"), "c@d");
  EXPECT_EQ(first_msg_id(""), "");
  std::string many;
  for (int i = 0; i < 100000; ++i) many += "<" + std::to_string(i) + "@x> ";
  V last = parse_msg_ids(many, 50);
  ASSERT_EQ(last.size(), 50u);
  EXPECT_EQ(last.front(), "99950@x");
  EXPECT_EQ(last.back(), "99999@x");
}

std::string expected_chain(uint32_t n, bool descending) {
  std::string s = "(";
  for (uint32_t i = 1; i <= n; ++i) {
    if (i > 1) s += ' ';
    s += std::to_string(descending ? n + 1 - i : i);
  }
  return s + ")";
}

TEST(Thread, LongChains) {
  // 10,000 replies, each naming its nearest 60 ancestors (more than max_references).
  const uint32_t n = 10000;
  std::vector<ThreadMessage> m;
  for (uint32_t i = 1; i <= n; ++i) {
    Refs refs;
    for (uint32_t j = i > 60 ? i - 60 : 1; j < i; ++j) refs.push_back("m" + std::to_string(j));
    m.push_back(tm(i, i, i == 1 ? "topic" : "Re: topic", "m" + std::to_string(i), std::move(refs)));
  }
  EXPECT_EQ(refs_text(m), expected_chain(n, false));
  // 100,000 In-Reply-To links, children stored before their parents (dummies claimed
  // later, reparenting at every step).
  const uint32_t big = 100000;
  std::vector<ThreadMessage> r;
  for (uint32_t i = 1; i <= big; ++i) {
    r.push_back(tm(i, big - i, "x", "m" + std::to_string(i), {}, i < big ? "m" + std::to_string(i + 1) : ""));
  }
  EXPECT_EQ(refs_text(r), expected_chain(big, true));
}

TEST(Thread, DeeplyNestedOutput) {
  // Every odd message has two children, a leaf and the next odd one: 10,000 nested lists.
  const uint32_t n = 20001;
  std::vector<ThreadMessage> m;
  for (uint32_t i = 1; i <= n; ++i) {
    std::string parent = i == 1 ? "" : "m" + std::to_string(i % 2 == 0 ? i - 1 : i - 2);
    m.push_back(tm(i, i, "s" + std::to_string(i), "m" + std::to_string(i), {}, parent));
  }
  std::string text = refs_text(m);
  EXPECT_EQ(text.substr(0, 20), "(1 (2)(3 (4)(5 (6)(7");
  const std::string tail = "(19999 (20000)(20001)" + std::string(10000, ')');
  ASSERT_GE(text.size(), tail.size());
  EXPECT_EQ(text.substr(text.size() - tail.size()), tail);
  expect_each_once(text, m);
}

TEST(Thread, HundredThousandMessagesSmoke) {
  std::mt19937 rng(99);
  const uint32_t n = 100000;
  std::vector<ThreadMessage> m;
  for (uint32_t i = 1; i <= n; ++i) {
    Refs refs;
    int kind = static_cast<int>(rng() % 10);
    if (kind < 6 && i > 1) {
      uint32_t p = 1 + rng() % (i - 1);
      refs = {"m" + std::to_string(1 + rng() % p), "m" + std::to_string(p)};
    } else if (kind < 7) {
      refs = {"m" + std::to_string(1 + rng() % n)};  // maybe a later message: a dummy first
    } else if (kind < 8) {
      refs = {"unknown" + std::to_string(rng() % 1000)};
    }
    std::string subject = (rng() % 2 ? "Re: " : "") + std::string("subject ") + std::to_string(rng() % 2000);
    // Some duplicate Message-IDs too.
    std::string mid = rng() % 50 == 0 ? "m" + std::to_string(1 + rng() % n) : "m" + std::to_string(i);
    m.push_back(tm(i, static_cast<int64_t>(rng() % 100000), subject, mid, std::move(refs)));
  }
  expect_each_once(refs_text(m), m);
  expect_each_once(ordered_text(m), m);
}

}  // namespace
}  // namespace postamt::proto::imap
