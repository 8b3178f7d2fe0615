// SORT ordering (RFC 5256 §3, RFC 5957): each criterion, REVERSE, several criteria, the
// sequence-number tie-break, DATE falling back to INTERNALDATE, the address sort values, and
// a 100,000-message smoke run.
#include <gtest/gtest.h>

#include <random>
#include <tuple>
#include <string>
#include <vector>

#include "proto/imap/sort.h"

namespace postamt::proto::imap {
namespace {

std::vector<uint32_t> seqs(const std::vector<SortMessage>& msgs, std::vector<SortOrder> criteria) {
  std::vector<uint32_t> out;
  for (size_t i : sort_messages(msgs, criteria)) out.push_back(msgs[i].seq);
  return out;
}

SortMessage msg(uint32_t seq) {
  SortMessage m;
  m.seq = seq;
  return m;
}

using V = std::vector<uint32_t>;

TEST(Sort, NoCriteriaIsSequenceOrder) {
  std::vector<SortMessage> m{msg(3), msg(1), msg(2)};
  EXPECT_EQ(seqs(m, {}), (V{1, 2, 3}));
  EXPECT_TRUE(sort_messages(std::vector<SortMessage>{}, std::vector<SortOrder>{}).empty());
}

TEST(Sort, ArrivalSizeAndReverse) {
  std::vector<SortMessage> m{msg(1), msg(2), msg(3), msg(4)};
  m[0].arrival = 300, m[1].arrival = 100, m[2].arrival = 200, m[3].arrival = 100;
  m[0].size = 10, m[1].size = 30, m[2].size = 20, m[3].size = 20;
  EXPECT_EQ(seqs(m, {{SortField::arrival}}), (V{2, 4, 3, 1}));
  // REVERSE flips the criterion, not the sequence-number tie-break (RFC 5256 §3).
  EXPECT_EQ(seqs(m, {{SortField::arrival, true}}), (V{1, 3, 2, 4}));
  EXPECT_EQ(seqs(m, {{SortField::size}}), (V{1, 3, 4, 2}));
  EXPECT_EQ(seqs(m, {{SortField::size, true}}), (V{2, 3, 4, 1}));
}

TEST(Sort, DateUsesSentDateElseInternalDate) {
  std::vector<SortMessage> m{msg(1), msg(2), msg(3)};
  m[0].arrival = 50, m[0].sent_date = 500;
  m[1].arrival = 400;  // no Date: -> 400
  m[2].arrival = 900, m[2].sent_date = 100;
  EXPECT_EQ(seqs(m, {{SortField::date}}), (V{3, 2, 1}));
  EXPECT_EQ(seqs(m, {{SortField::arrival}}), (V{1, 2, 3}));
  m[1].arrival = 500;  // ties with message 1's sent date -> sequence order
  EXPECT_EQ(seqs(m, {{SortField::date}}), (V{3, 1, 2}));
  EXPECT_EQ(seqs(m, {{SortField::date, true}}), (V{1, 2, 3}));
}

TEST(Sort, StringKeys) {
  std::vector<SortMessage> m{msg(1), msg(2), msg(3)};
  m[0].subject = "b", m[1].subject = "a", m[2].subject = "";
  m[0].from = "zed", m[1].from = "amy", m[2].from = "bob";
  m[0].to = "x", m[1].to = "y", m[2].to = "x";
  m[0].cc = "", m[1].cc = "c", m[2].cc = "b";
  m[0].display_from = "Zed", m[1].display_from = "Amy", m[2].display_from = "Émile";
  m[0].display_to = "b", m[1].display_to = "a", m[2].display_to = "c";
  EXPECT_EQ(seqs(m, {{SortField::subject}}), (V{3, 2, 1}));  // empty first
  EXPECT_EQ(seqs(m, {{SortField::from}}), (V{2, 3, 1}));
  EXPECT_EQ(seqs(m, {{SortField::to}}), (V{1, 3, 2}));
  EXPECT_EQ(seqs(m, {{SortField::cc}}), (V{1, 3, 2}));
  EXPECT_EQ(seqs(m, {{SortField::display_from}}), (V{2, 1, 3}));  // octet order: UTF-8 last
  EXPECT_EQ(seqs(m, {{SortField::display_to}}), (V{2, 1, 3}));
  EXPECT_EQ(seqs(m, {{SortField::to, true}}), (V{2, 1, 3}));
}

TEST(Sort, MultipleCriteria) {
  // RFC 5256 §3 example shape: SORT (REVERSE DATE SUBJECT) ...
  std::vector<SortMessage> m;
  for (uint32_t i = 1; i <= 6; ++i) m.push_back(msg(i));
  const char* subj[] = {"b", "a", "b", "a", "c", "a"};
  int64_t date[] = {10, 10, 20, 20, 10, 20};
  for (size_t i = 0; i < m.size(); ++i) {
    m[i].subject = subj[i];
    m[i].sent_date = date[i];
    m[i].size = 100 - i;
  }
  EXPECT_EQ(seqs(m, {{SortField::date, true}, {SortField::subject}}), (V{4, 6, 3, 2, 1, 5}));
  EXPECT_EQ(seqs(m, {{SortField::subject}, {SortField::date, true}}), (V{4, 6, 2, 3, 1, 5}));
  EXPECT_EQ(seqs(m, {{SortField::subject, true}, {SortField::date}, {SortField::size}}), (V{5, 1, 3, 2, 6, 4}));
  EXPECT_EQ(seqs(m, {{SortField::subject}, {SortField::subject, true}}), (V{2, 4, 6, 1, 3, 5}));
}

TEST(Sort, TieBreakIsSequenceNumberNotInputPosition) {
  std::vector<SortMessage> m{msg(9), msg(2), msg(5)};
  EXPECT_EQ(seqs(m, {{SortField::size}}), (V{2, 5, 9}));
  EXPECT_EQ(seqs(m, {{SortField::size, true}}), (V{2, 5, 9}));
}

mime::Address addr(std::optional<std::string> name, std::optional<std::string> mailbox,
                   std::optional<std::string> host) {
  mime::Address a;
  a.name = std::move(name);
  a.mailbox = std::move(mailbox);
  a.host = std::move(host);
  return a;
}

TEST(Sort, AddressSortValues) {
  EXPECT_EQ(address_sort_value({}), "");
  EXPECT_EQ(display_sort_value({}), "");
  std::vector<mime::Address> plain{addr("Alice Example", "alice", "example.org"), addr({}, "bob", "x.org")};
  EXPECT_EQ(address_sort_value(plain), "alice");
  EXPECT_EQ(display_sort_value(plain), "Alice Example");
  // RFC 5957 §3: an encoded display-name is decoded; empty names fall back to the address.
  EXPECT_EQ(display_sort_value({addr("=?UTF-8?Q?J=C3=B6rg?=", "j", "x.org")}), "Jörg");
  EXPECT_EQ(display_sort_value({addr("", "bob", "x.org")}), "bob@x.org");
  EXPECT_EQ(display_sort_value({addr({}, "bob", "x.org")}), "bob@x.org");
  EXPECT_EQ(display_sort_value({addr({}, "bob", "")}), "bob");
  // Group markers (host nullopt) are skipped: the first member counts.
  std::vector<mime::Address> group{addr({}, "Team", {}), addr("Carol", "carol", "y.org"), addr({}, {}, {})};
  EXPECT_EQ(address_sort_value(group), "carol");
  EXPECT_EQ(display_sort_value(group), "Carol");
  std::vector<mime::Address> empty_group{addr({}, "undisclosed-recipients", {}), addr({}, {}, {})};
  EXPECT_EQ(address_sort_value(empty_group), "");
  EXPECT_EQ(display_sort_value(empty_group), "");
}

TEST(Sort, AddressSortValuesFromParsedHeaders) {
  auto from = mime::parse_address_list("\"Doe, John\" <JDoe@Example.COM>, x@y");
  EXPECT_EQ(address_sort_value(from), "JDoe");
  EXPECT_EQ(display_sort_value(from), "Doe, John");
  auto bare = mime::parse_address_list("someone@example.net");
  EXPECT_EQ(display_sort_value(bare), "someone@example.net");
}

TEST(Sort, HundredThousandMessagesSmoke) {
  std::mt19937 rng(7);
  std::vector<SortMessage> m(100000);
  for (uint32_t i = 0; i < m.size(); ++i) {
    m[i].seq = i + 1;
    m[i].arrival = rng() % 1000;
    if (rng() % 3) m[i].sent_date = rng() % 1000;
    m[i].size = rng() % 50;
    m[i].subject = "s" + std::to_string(rng() % 300);
    m[i].from = "f" + std::to_string(rng() % 100);
  }
  std::vector<SortOrder> criteria{{SortField::subject}, {SortField::date, true}, {SortField::from}, {SortField::size}};
  std::vector<size_t> order = sort_messages(m, criteria);
  ASSERT_EQ(order.size(), m.size());
  std::vector<bool> seen(m.size());
  for (size_t i : order) {
    ASSERT_FALSE(seen[i]);
    seen[i] = true;
  }
  auto date = [](const SortMessage& x) { return x.sent_date ? *x.sent_date : x.arrival; };
  for (size_t k = 1; k < order.size(); ++k) {
    const SortMessage& a = m[order[k - 1]];
    const SortMessage& b = m[order[k]];
    auto ka = std::make_tuple(a.subject, -date(a), a.from, a.size, a.seq);
    auto kb = std::make_tuple(b.subject, -date(b), b.from, b.size, b.seq);
    ASSERT_LT(ka, kb) << k;
  }
}

}  // namespace
}  // namespace postamt::proto::imap
