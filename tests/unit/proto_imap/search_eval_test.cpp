// SEARCH evaluation (RFC 9051 §6.4.4 and extensions): every key type, date keys at zone
// and day boundaries, flag case, sets with "*", callbacks and short-circuiting, deep
// AND/OR/NOT trees, limits, and cost ordering checked against a recursive reference
// evaluator on random trees.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "proto/imap/search_eval.h"
#include "mime/mime.h"

namespace postamt::proto::imap {
namespace {

using Type = EvalKey::Type;
using mime::days_from_civil;

// 2024-03-10 23:30:00 UTC
constexpr int64_t kLateOn10th = 1710113400;
constexpr int64_t kDay10 = 19792;  // 10-Mar-2024
constexpr int64_t kDay11 = 19793;

class FakeSource : public EvalSource {
 public:
  bool header_contains(uint32_t uid, std::string_view field, std::string_view needle) override {
    ++header_calls;
    last_uid = uid;
    last_field = std::string(field);
    last_needle = std::string(needle);
    for (const auto& [f, v] : headers) {
      if (f == field && v.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  bool text_match(uint32_t uid, const EvalKey& key) override {
    ++text_calls;
    last_uid = uid;
    return key.value == text_hit;
  }
  std::vector<std::pair<std::string, std::string>> headers;
  std::string text_hit;
  int header_calls = 0, text_calls = 0;
  uint32_t last_uid = 0;
  std::string last_field, last_needle;
};

EvalKey key(Type t) { return EvalKey::leaf(t); }

EvalKey key(Type t, std::string name, std::string value = {}) {
  EvalKey k = EvalKey::leaf(t);
  k.name = std::move(name);
  k.value = std::move(value);
  return k;
}

EvalKey num(Type t, uint64_t n) {
  EvalKey k = EvalKey::leaf(t);
  k.number = n;
  return k;
}

EvalKey date(Type t, int64_t day) {
  EvalKey k = EvalKey::leaf(t);
  k.day = day;
  return k;
}

EvalKey set(Type t, std::string_view text, uint32_t max) {
  EvalKey k = EvalKey::leaf(t);
  auto s = SequenceSet::parse(text);
  EXPECT_TRUE(s.ok()) << text;
  if (s) k.ranges = s->resolve(max);
  return k;
}

EvalKey node(Type t, std::vector<EvalKey> children) {
  EvalKey k = EvalKey::leaf(t);
  k.children = std::move(children);
  return k;
}

struct Fixture {
  std::vector<std::string> flags{"\\Seen", "$Forwarded", "Work"};
  EvalMessage msg;
  FakeSource source;
  EvalContext ctx;
  Fixture() {
    msg.seq = 7;
    msg.uid = 107;
    msg.size = 1000;
    msg.modseq = 50;
    msg.internal_date = kLateOn10th;
    msg.flags = flags;
    msg.email_id = "Mabc";
    msg.thread_id = "Tdef";
    ctx.now = kLateOn10th + 3600;
  }
  bool eval(const EvalKey& k) { return evaluate(k, msg, source, ctx); }
};

TEST(SearchEval, AllNone) {
  Fixture f;
  EXPECT_TRUE(f.eval(key(Type::all)));
  EXPECT_FALSE(f.eval(key(Type::none)));
  EXPECT_TRUE(f.eval(node(Type::and_, {})));
  EXPECT_FALSE(f.eval(node(Type::or_, {})));
  EXPECT_FALSE(f.eval(node(Type::not_, {})));
  EXPECT_FALSE(f.eval(node(Type::not_, {key(Type::all)})));
  EXPECT_TRUE(f.eval(node(Type::not_, {key(Type::none)})));
}

TEST(SearchEval, SequenceAndUidSets) {
  Fixture f;  // seq 7, uid 107
  EXPECT_TRUE(f.eval(set(Type::seq_set, "1:3,7", 10)));
  EXPECT_FALSE(f.eval(set(Type::seq_set, "1:3,8:9", 10)));
  EXPECT_TRUE(f.eval(set(Type::seq_set, "5:*", 10)));
  EXPECT_TRUE(f.eval(set(Type::seq_set, "*:5", 10)));
  EXPECT_TRUE(f.eval(set(Type::seq_set, "*", 7)));  // "*" is the last message
  EXPECT_FALSE(f.eval(set(Type::seq_set, "*", 10)));
  EXPECT_TRUE(f.eval(set(Type::uid_set, "100:200", 200)));
  EXPECT_FALSE(f.eval(set(Type::uid_set, "108:*", 200)));
  // RFC 9051 §6.4.8: with UIDs, "n:*" always includes the largest UID even if n is above.
  EXPECT_TRUE(f.eval(set(Type::uid_set, "500:*", 107)));
  EXPECT_FALSE(f.eval(set(Type::uid_set, "*", 0)));  // empty mailbox: "*" names nothing
  EXPECT_TRUE(f.eval(set(Type::uid_set, "1,3,5,7,9,107,200", 300)));
  EXPECT_FALSE(f.eval(set(Type::uid_set, "1,3,5,7,9,106,108,200", 300)));
  EXPECT_FALSE(f.eval(key(Type::uid_set)));  // no ranges
}

TEST(SearchEval, FlagsAndKeywordsAreCaseInsensitive) {
  Fixture f;
  EXPECT_TRUE(f.eval(key(Type::flag_set, "\\Seen")));
  EXPECT_TRUE(f.eval(key(Type::flag_set, "\\SEEN")));
  EXPECT_TRUE(f.eval(key(Type::flag_set, "\\seen")));
  EXPECT_FALSE(f.eval(key(Type::flag_unset, "\\sEEn")));
  EXPECT_FALSE(f.eval(key(Type::flag_set, "\\Answered")));
  EXPECT_TRUE(f.eval(key(Type::flag_unset, "\\Answered")));
  EXPECT_TRUE(f.eval(key(Type::flag_set, "$forwarded")));
  EXPECT_TRUE(f.eval(key(Type::flag_set, "WORK")));
  EXPECT_FALSE(f.eval(key(Type::flag_set, "Wor")));
  EXPECT_FALSE(f.eval(key(Type::flag_set, "Workx")));
  EXPECT_TRUE(f.eval(key(Type::flag_unset, "Home")));
  EXPECT_FALSE(f.eval(key(Type::flag_set, "Seen")));  // keyword Seen is not \Seen
}

TEST(SearchEval, RecentNewOld) {
  Fixture f;
  EXPECT_FALSE(f.eval(key(Type::recent)));
  EXPECT_TRUE(f.eval(key(Type::old)));
  EXPECT_FALSE(f.eval(key(Type::new_)));
  EXPECT_FALSE(f.eval(key(Type::flag_set, "\\Recent")));
  f.msg.recent = true;
  EXPECT_TRUE(f.eval(key(Type::recent)));
  EXPECT_FALSE(f.eval(key(Type::old)));
  EXPECT_FALSE(f.eval(key(Type::new_)));  // recent but \Seen
  EXPECT_TRUE(f.eval(key(Type::flag_set, "\\recent")));
  f.flags = {"Work"};
  f.msg.flags = f.flags;
  EXPECT_TRUE(f.eval(key(Type::new_)));
}

TEST(SearchEval, Sizes) {
  Fixture f;  // size 1000
  EXPECT_TRUE(f.eval(num(Type::larger, 999)));
  EXPECT_FALSE(f.eval(num(Type::larger, 1000)));
  EXPECT_TRUE(f.eval(num(Type::smaller, 1001)));
  EXPECT_FALSE(f.eval(num(Type::smaller, 1000)));
  EXPECT_FALSE(f.eval(num(Type::smaller, 0)));
  EXPECT_FALSE(f.eval(num(Type::larger, UINT64_MAX)));
}

TEST(SearchEval, CivilDays) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(2024, 2, 29), 19782);
  EXPECT_EQ(days_from_civil(2024, 3, 10), kDay10);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(1900, 1, 1), -25567);
  EXPECT_EQ(days_from_civil(1600, 2, 29), -135081);
  EXPECT_EQ(day_of(0, 0), 0);
  EXPECT_EQ(day_of(-1, 0), -1);
  EXPECT_EQ(day_of(86399, 0), 0);
  EXPECT_EQ(day_of(86400, 0), 1);
  EXPECT_EQ(day_of(kLateOn10th, 0), kDay10);
  EXPECT_EQ(day_of(kLateOn10th, 30), kDay11);    // 00:00 on the 11th at +0030
  EXPECT_EQ(day_of(kLateOn10th, 29), kDay10);    // 23:59
  EXPECT_EQ(day_of(kLateOn10th, -23 * 60 - 30), kDay10);      // 00:00 on the 10th
  EXPECT_EQ(day_of(kLateOn10th, -23 * 60 - 31), kDay10 - 1);  // 23:59 on the 9th
  EXPECT_EQ(day_of(kDay10 * 86400, -1), kDay10 - 1);  // midnight UTC is the 9th further west
  EXPECT_EQ(day_of(INT64_MAX, 24 * 60), INT64_MAX / 86400 + 1);  // no overflow
  EXPECT_EQ(day_of(INT64_MIN, -24 * 60), INT64_MIN / 86400 - 2);
}

TEST(SearchEval, InternalDateDisregardsTimeInItsOwnZone) {
  Fixture f;  // 2024-03-10 23:30 UTC
  EXPECT_TRUE(f.eval(date(Type::on, kDay10)));
  EXPECT_FALSE(f.eval(date(Type::on, kDay11)));
  EXPECT_TRUE(f.eval(date(Type::before, kDay11)));
  EXPECT_FALSE(f.eval(date(Type::before, kDay10)));
  EXPECT_TRUE(f.eval(date(Type::since, kDay10)));
  EXPECT_FALSE(f.eval(date(Type::since, kDay11)));
  // The same instant written as +0100 is 11-Mar 00:30.
  f.msg.internal_zone_minutes = 60;
  EXPECT_TRUE(f.eval(date(Type::on, kDay11)));
  EXPECT_FALSE(f.eval(date(Type::before, kDay11)));
  EXPECT_TRUE(f.eval(date(Type::since, kDay11)));
  // 10-Mar 00:30 UTC written as -0500 is 9-Mar 19:30.
  f.msg.internal_date = kDay10 * 86400 + 1800;
  f.msg.internal_zone_minutes = -300;
  EXPECT_TRUE(f.eval(date(Type::on, kDay10 - 1)));
  EXPECT_TRUE(f.eval(date(Type::before, kDay10)));
  // Exactly midnight belongs to the new day; one second earlier to the old one.
  f.msg.internal_zone_minutes = 0;
  f.msg.internal_date = kDay11 * 86400;
  EXPECT_TRUE(f.eval(date(Type::on, kDay11)));
  f.msg.internal_date = kDay11 * 86400 - 1;
  EXPECT_TRUE(f.eval(date(Type::on, kDay10)));
  // Before 1970.
  f.msg.internal_date = -1;
  EXPECT_TRUE(f.eval(date(Type::on, -1)));
  EXPECT_TRUE(f.eval(date(Type::before, 0)));
}

TEST(SearchEval, SentDateUsesDateHeaderElseInternalDate) {
  Fixture f;
  f.msg.sent_date = kDay10 * 86400 - 3600;  // 9-Mar 23:00 UTC
  EXPECT_TRUE(f.eval(date(Type::sent_on, kDay10 - 1)));
  EXPECT_TRUE(f.eval(date(Type::sent_before, kDay10)));
  EXPECT_FALSE(f.eval(date(Type::sent_since, kDay10)));
  f.msg.sent_zone_minutes = 120;  // "Date: 10 Mar 2024 01:00 +0200"
  EXPECT_TRUE(f.eval(date(Type::sent_on, kDay10)));
  EXPECT_TRUE(f.eval(date(Type::sent_since, kDay10)));
  // No usable Date: the internal date (10-Mar) stands in, as for SORT DATE.
  f.msg.sent_date.reset();
  EXPECT_TRUE(f.eval(date(Type::sent_on, kDay10)));
  EXPECT_FALSE(f.eval(date(Type::sent_before, kDay10)));
}

TEST(SearchEval, SaveDate) {
  Fixture f;
  // RFC 8514 §5: no save date -> SAVED* match nothing, SAVEDATESUPPORTED neither.
  EXPECT_FALSE(f.eval(date(Type::saved_on, kDay10)));
  EXPECT_FALSE(f.eval(date(Type::saved_before, kDay11 + 1000)));
  EXPECT_FALSE(f.eval(date(Type::saved_since, -100000)));
  EXPECT_FALSE(f.eval(key(Type::savedate_supported)));
  EXPECT_TRUE(f.eval(node(Type::not_, {date(Type::saved_on, kDay10)})));
  f.msg.save_date = kDay11 * 86400 + 5;
  EXPECT_TRUE(f.eval(key(Type::savedate_supported)));
  EXPECT_TRUE(f.eval(date(Type::saved_on, kDay11)));
  EXPECT_TRUE(f.eval(date(Type::saved_since, kDay11)));
  EXPECT_TRUE(f.eval(date(Type::saved_before, kDay11 + 1)));
  EXPECT_FALSE(f.eval(date(Type::saved_before, kDay11)));
}

TEST(SearchEval, HeaderKeysGoThroughTheSource) {
  Fixture f;
  f.source.headers = {{"Subject", "hello world"}, {"From", "alice@example.org"}};
  EXPECT_TRUE(f.eval(key(Type::header, "Subject", "lo wo")));
  EXPECT_EQ(f.source.last_uid, 107u);
  EXPECT_EQ(f.source.last_field, "Subject");
  EXPECT_EQ(f.source.last_needle, "lo wo");
  EXPECT_FALSE(f.eval(key(Type::header, "Subject", "bye")));
  EXPECT_TRUE(f.eval(key(Type::header, "From", "")));  // empty: the field exists
  EXPECT_FALSE(f.eval(key(Type::header, "Cc", "")));
  EXPECT_EQ(f.source.header_calls, 4);
  EXPECT_EQ(f.source.text_calls, 0);
}

TEST(SearchEval, BodyAndTextGoThroughTheSource) {
  Fixture f;
  f.source.text_hit = "needle";
  EXPECT_TRUE(f.eval(key(Type::body, "", "needle")));
  EXPECT_TRUE(f.eval(key(Type::text, "", "needle")));
  EXPECT_FALSE(f.eval(key(Type::text, "", "other")));
  EXPECT_EQ(f.source.text_calls, 3);
  EXPECT_EQ(f.source.last_uid, 107u);
}

TEST(SearchEval, ModseqAndObjectIds) {
  Fixture f;  // modseq 50
  EXPECT_TRUE(f.eval(num(Type::modseq_ge, 50)));
  EXPECT_TRUE(f.eval(num(Type::modseq_ge, 1)));
  EXPECT_FALSE(f.eval(num(Type::modseq_ge, 51)));
  EXPECT_TRUE(f.eval(key(Type::emailid, "", "Mabc")));
  EXPECT_FALSE(f.eval(key(Type::emailid, "", "mabc")));  // object ids are case-sensitive
  EXPECT_FALSE(f.eval(key(Type::emailid, "", "Mab")));
  EXPECT_TRUE(f.eval(key(Type::threadid, "", "Tdef")));
  EXPECT_FALSE(f.eval(key(Type::threadid, "", "Mabc")));
  f.msg.email_id = {};
  EXPECT_FALSE(f.eval(key(Type::emailid, "", "Mabc")));
}

TEST(SearchEval, OlderYoungerAreComplements) {
  Fixture f;  // now = internal date + 3600
  EXPECT_TRUE(f.eval(num(Type::younger, 3600)));
  EXPECT_FALSE(f.eval(num(Type::older, 3600)));
  EXPECT_TRUE(f.eval(num(Type::older, 3599)));
  EXPECT_FALSE(f.eval(num(Type::younger, 3599)));
  for (uint64_t n : std::vector<uint64_t>{0, 1, 3599, 3600, 3601, uint64_t{1} << 40, UINT64_MAX}) {
    EXPECT_NE(f.eval(num(Type::older, n)), f.eval(num(Type::younger, n))) << n;
  }
  f.msg.internal_date = f.ctx.now + 10;  // from the future: younger than anything
  EXPECT_TRUE(f.eval(num(Type::younger, 0)));
  f.msg.internal_date = INT64_MIN;  // absurd values saturate instead of overflowing
  f.ctx.now = INT64_MAX;
  EXPECT_TRUE(f.eval(num(Type::older, 1)));
  EXPECT_NE(f.eval(num(Type::older, UINT64_MAX)), f.eval(num(Type::younger, UINT64_MAX)));
  f.msg.internal_date = INT64_MAX;
  f.ctx.now = INT64_MIN;
  EXPECT_TRUE(f.eval(num(Type::younger, 0)));
}

TEST(SearchEval, BooleanCombinations) {
  Fixture f;
  EvalKey seen = key(Type::flag_set, "\\Seen");
  EvalKey draft = key(Type::flag_set, "\\Draft");
  EXPECT_TRUE(f.eval(node(Type::and_, {seen, num(Type::larger, 10)})));
  EXPECT_FALSE(f.eval(node(Type::and_, {seen, draft})));
  EXPECT_TRUE(f.eval(node(Type::or_, {draft, seen})));
  EXPECT_FALSE(f.eval(node(Type::or_, {draft, key(Type::none)})));
  EXPECT_TRUE(f.eval(node(Type::not_, {draft})));
  EXPECT_TRUE(f.eval(node(Type::or_, {node(Type::not_, {seen}), node(Type::and_, {seen, node(Type::not_, {draft})})})));
  // "NOT (a b)" is NOT of the AND.
  EXPECT_TRUE(f.eval(node(Type::not_, {seen, draft})));
  EXPECT_FALSE(f.eval(node(Type::not_, {seen, key(Type::all)})));
}

TEST(SearchEval, ShortCircuits) {
  Fixture f;
  f.source.headers = {{"Subject", "x"}};
  // AND stops at the first false child, in child order.
  EXPECT_FALSE(f.eval(node(Type::and_, {key(Type::header, "Subject", "x"), key(Type::text, "", "t"),
                                        key(Type::header, "To", "y")})));
  EXPECT_EQ(f.source.header_calls, 1);
  EXPECT_EQ(f.source.text_calls, 1);
  EXPECT_FALSE(f.eval(node(Type::and_, {key(Type::flag_set, "\\Draft"), key(Type::header, "To", "y")})));
  EXPECT_EQ(f.source.header_calls, 1);
  // OR stops at the first true child; NOT's inner AND like AND.
  EXPECT_TRUE(f.eval(node(Type::or_, {key(Type::all), key(Type::text, "", "t")})));
  EXPECT_TRUE(f.eval(node(Type::not_, {key(Type::none), key(Type::text, "", "t")})));
  EXPECT_EQ(f.source.text_calls, 1);
}

TEST(SearchEval, CostOrdering) {
  Fixture f;
  f.source.headers = {{"Subject", "x"}};
  f.source.text_hit = "t";
  EvalKey q = node(Type::and_, {key(Type::text, "", "t"), key(Type::header, "Subject", "x"),
                                node(Type::or_, {key(Type::body, "", "t"), key(Type::all)}),
                                key(Type::flag_set, "\\Draft")});
  order_by_cost(q);
  ASSERT_EQ(q.children.size(), 4u);
  EXPECT_EQ(q.children[0].type, Type::flag_set);
  EXPECT_EQ(q.children[1].type, Type::header);
  EXPECT_EQ(q.children[2].type, Type::text);  // stable within the text class
  EXPECT_EQ(q.children[3].type, Type::or_);
  EXPECT_EQ(q.children[3].children[0].type, Type::all);
  EXPECT_EQ(q.children[3].children[1].type, Type::body);
  EXPECT_FALSE(f.eval(q));
  EXPECT_EQ(f.source.header_calls, 0);
  EXPECT_EQ(f.source.text_calls, 0);
}

TEST(SearchEval, InspectAndTextKeys) {
  EvalKey q = node(Type::and_, {key(Type::body, "", "a"),
                                node(Type::or_, {key(Type::text, "", "b"), key(Type::header, "To", "c")}),
                                node(Type::not_, {key(Type::body, "", "d")}), num(Type::modseq_ge, 3)});
  auto info = inspect(q);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->depth, 3u);
  EXPECT_EQ(info->nodes, 8u);
  EXPECT_TRUE(info->needs_text);
  EXPECT_TRUE(info->needs_header);
  EXPECT_TRUE(info->uses_modseq);
  EXPECT_FALSE(info->uses_recent);
  std::vector<const EvalKey*> t = text_keys(q);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0]->value, "a");
  EXPECT_EQ(t[1]->value, "b");
  EXPECT_EQ(t[2]->value, "d");

  auto plain = inspect(key(Type::flag_unset, "\\RECENT"));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->depth, 1u);
  EXPECT_TRUE(plain->uses_recent);
  EXPECT_FALSE(plain->needs_text);
  EXPECT_TRUE(text_keys(key(Type::all)).empty());

  auto deep = inspect(q, 2);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code, ErrorCode::too_big);
  auto big = inspect(q, 10, 7);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::too_big);
}

// Builds a chain `depth` deep without recursion; destruction of EvalKey recurses once per
// level, which is why the parser keeps real trees shallow.
EvalKey chain(Type t, size_t depth, EvalKey leaf) {
  EvalKey k = std::move(leaf);
  for (size_t i = 0; i < depth; ++i) {
    EvalKey parent = EvalKey::leaf(t);
    if (t == Type::or_) parent.children.push_back(key(Type::none));
    parent.children.push_back(std::move(k));
    k = std::move(parent);
  }
  return k;
}

TEST(SearchEval, DeepTreesEvaluateIteratively) {
  Fixture f;
  EvalKey nots = chain(Type::not_, 5001, key(Type::all));  // odd number of NOTs
  EXPECT_FALSE(f.eval(nots));
  EvalKey nots_even = chain(Type::not_, 5000, key(Type::all));
  EXPECT_TRUE(f.eval(nots_even));
  EvalKey ors = chain(Type::or_, 5000, key(Type::flag_set, "\\Seen"));
  EXPECT_TRUE(f.eval(ors));
  EvalKey ands = chain(Type::and_, 5000, key(Type::flag_set, "\\Draft"));
  EXPECT_FALSE(f.eval(ands));

  auto info = inspect(nots, 10000, 10000);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->depth, 5002u);
  EXPECT_FALSE(inspect(nots).ok());  // kMaxEvalDepth
  order_by_cost(ors);
  EXPECT_TRUE(f.eval(ors));
  EXPECT_EQ(text_keys(ands).size(), 0u);
}

// Reference semantics, recursive and obviously right, for the random-tree check.
bool reference_eval(const EvalKey& k, const EvalMessage& m, EvalSource& src, const EvalContext& c) {
  switch (k.type) {
    case Type::and_:
      for (const EvalKey& ch : k.children) {
        if (!reference_eval(ch, m, src, c)) return false;
      }
      return true;
    case Type::or_:
      for (const EvalKey& ch : k.children) {
        if (reference_eval(ch, m, src, c)) return true;
      }
      return false;
    case Type::not_: {
      for (const EvalKey& ch : k.children) {
        if (!reference_eval(ch, m, src, c)) return true;
      }
      return false;
    }
    default:
      return evaluate(k, m, src, c);  // leaves: the unit tests above pin them down
  }
}

EvalKey random_tree(std::mt19937& rng, int depth) {
  std::uniform_int_distribution<int> pick(0, 9);
  int p = pick(rng);
  if (depth == 0 || p < 4) {
    switch (pick(rng) % 5) {
      case 0:
        return key(Type::flag_set, pick(rng) % 2 ? "\\Seen" : "\\Draft");
      case 1:
        return num(Type::larger, static_cast<uint64_t>(pick(rng)) * 300);
      case 2:
        return key(Type::header, "Subject", pick(rng) % 2 ? "x" : "y");
      case 3:
        return key(Type::text, "", pick(rng) % 2 ? "t" : "u");
      default:
        return key(pick(rng) % 2 ? Type::all : Type::none);
    }
  }
  Type t = p < 6 ? Type::and_ : (p < 8 ? Type::or_ : Type::not_);
  size_t n = t == Type::not_ ? 1 : static_cast<size_t>(pick(rng) % 4);
  EvalKey k = EvalKey::leaf(t);
  for (size_t i = 0; i < n; ++i) k.children.push_back(random_tree(rng, depth - 1));
  return k;
}

TEST(SearchEval, RandomTreesMatchReferenceBeforeAndAfterCostOrdering) {
  std::mt19937 rng(12345);
  Fixture f;
  f.source.headers = {{"Subject", "x"}};
  f.source.text_hit = "t";
  for (int i = 0; i < 2000; ++i) {
    EvalKey q = random_tree(rng, 6);
    bool want = reference_eval(q, f.msg, f.source, f.ctx);
    EXPECT_EQ(f.eval(q), want) << i;
    order_by_cost(q);
    EXPECT_EQ(f.eval(q), want) << i;
  }
}

}  // namespace
}  // namespace postamt::proto::imap
