// SEARCH / SORT / THREAD arguments through the real parser: every key, RETURN options,
// CHARSET conversion and BADCHARSET, nesting and key limits, errors; a command with
// literals split at every byte through the Tokenizer.
#include <gtest/gtest.h>

#include <string>

#include "grammar_test_util.h"
#include "proto/imap/search_query.h"

namespace postamt::proto::imap {
namespace {

using testing::command;

// Compact rendering of a key tree.
std::string show(const SearchKey& k);

std::string show_children(const SearchKey& k) {
  std::string out;
  for (const auto& c : k.children) {
    if (!out.empty()) out += ' ';
    out += show(c);
  }
  return out;
}

std::string show(const SearchKey& k) {
  switch (k.kind) {
    case SearchKeyKind::and_: return "(" + show_children(k) + ")";
    case SearchKeyKind::or_: return "OR[" + show_children(k) + "]";
    case SearchKeyKind::not_: return "NOT[" + show_children(k) + "]";
    case SearchKeyKind::all: return "ALL";
    case SearchKeyKind::answered: return "ANSWERED";
    case SearchKeyKind::deleted: return "DELETED";
    case SearchKeyKind::draft: return "DRAFT";
    case SearchKeyKind::flagged: return "FLAGGED";
    case SearchKeyKind::seen: return "SEEN";
    case SearchKeyKind::recent: return "RECENT";
    case SearchKeyKind::new_: return "NEW";
    case SearchKeyKind::old: return "OLD";
    case SearchKeyKind::unanswered: return "UNANSWERED";
    case SearchKeyKind::undeleted: return "UNDELETED";
    case SearchKeyKind::undraft: return "UNDRAFT";
    case SearchKeyKind::unflagged: return "UNFLAGGED";
    case SearchKeyKind::unseen: return "UNSEEN";
    case SearchKeyKind::keyword: return "KEYWORD:" + k.text;
    case SearchKeyKind::unkeyword: return "UNKEYWORD:" + k.text;
    case SearchKeyKind::bcc: return "BCC:" + k.text;
    case SearchKeyKind::body: return "BODY:" + k.text;
    case SearchKeyKind::cc: return "CC:" + k.text;
    case SearchKeyKind::from: return "FROM:" + k.text;
    case SearchKeyKind::subject: return "SUBJECT:" + k.text;
    case SearchKeyKind::text: return "TEXT:" + k.text;
    case SearchKeyKind::to: return "TO:" + k.text;
    case SearchKeyKind::header: return "HEADER:" + k.field + ":" + k.text;
    case SearchKeyKind::before: return "BEFORE:" + std::to_string(k.day);
    case SearchKeyKind::on: return "ON:" + std::to_string(k.day);
    case SearchKeyKind::since: return "SINCE:" + std::to_string(k.day);
    case SearchKeyKind::sent_before: return "SENTBEFORE:" + std::to_string(k.day);
    case SearchKeyKind::sent_on: return "SENTON:" + std::to_string(k.day);
    case SearchKeyKind::sent_since: return "SENTSINCE:" + std::to_string(k.day);
    case SearchKeyKind::saved_before: return "SAVEDBEFORE:" + std::to_string(k.day);
    case SearchKeyKind::saved_on: return "SAVEDON:" + std::to_string(k.day);
    case SearchKeyKind::saved_since: return "SAVEDSINCE:" + std::to_string(k.day);
    case SearchKeyKind::saved_date_supported: return "SAVEDATESUPPORTED";
    case SearchKeyKind::larger: return "LARGER:" + std::to_string(k.number);
    case SearchKeyKind::smaller: return "SMALLER:" + std::to_string(k.number);
    case SearchKeyKind::older: return "OLDER:" + std::to_string(k.number);
    case SearchKeyKind::younger: return "YOUNGER:" + std::to_string(k.number);
    case SearchKeyKind::uid: return "UID:" + k.set.to_string();
    case SearchKeyKind::sequence_set: return "SEQ:" + k.set.to_string();
    case SearchKeyKind::modseq: {
      static const char* kTypes[] = {"", "priv", "shared", "all"};
      std::string s = "MODSEQ:";
      if (!k.text.empty()) s += k.text + ":" + kTypes[static_cast<int>(k.entry_type)] + ":";
      return s + std::to_string(k.number);
    }
    case SearchKeyKind::email_id: return "EMAILID:" + k.text;
    case SearchKeyKind::thread_id: return "THREADID:" + k.text;
  }
  return "?";
}

Result<SearchQuery> search(std::string_view rest, SearchParseOptions limits = {}) {
  Command c = command("a SEARCH " + std::string(rest));
  return parse_search(c.args, 0, limits);
}

// The key tree of a successful search, without the outer "(...)" of the root AND.
std::string keys(std::string_view rest) {
  auto r = search(rest);
  if (!r.ok()) {
    ADD_FAILURE() << "SEARCH '" << rest << "': " << r.error().message;
    return {};
  }
  EXPECT_EQ(r->key.kind, SearchKeyKind::and_);
  return show_children(r->key);
}

void expect_error(std::string_view rest, ErrorCode code = ErrorCode::params) {
  auto r = search(rest);
  EXPECT_FALSE(r.ok()) << "expected an error for SEARCH '" << rest << "'";
  if (!r.ok()) {
    EXPECT_EQ(r.error().code, code) << rest;
    EXPECT_FALSE(is_bad_charset(r.error())) << rest;
  }
}

TEST(SearchQuery, FlagKeys) {
  EXPECT_EQ(keys("ALL"), "ALL");
  EXPECT_EQ(keys("answered deleted draft flagged seen recent new old"),
            "ANSWERED DELETED DRAFT FLAGGED SEEN RECENT NEW OLD");
  EXPECT_EQ(keys("UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN"),
            "UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN");
  EXPECT_EQ(keys("KEYWORD $Junk UNKEYWORD \"$Forwarded\""), "KEYWORD:$Junk UNKEYWORD:$Forwarded");
  expect_error("KEYWORD \\Seen");
  expect_error("KEYWORD (a)");
  expect_error("KEYWORD \"a b\"");
  expect_error("KEYWORD");
}

TEST(SearchQuery, StringKeys) {
  EXPECT_EQ(keys("BCC a CC b FROM \"c d\" SUBJECT {3}\r\ne f TEXT g TO h BODY i"),
            "BCC:a CC:b FROM:c d SUBJECT:e f TEXT:g TO:h BODY:i");
  EXPECT_EQ(keys("HEADER Message-ID \"<x@y>\""), "HEADER:Message-ID:<x@y>");
  EXPECT_EQ(keys("HEADER X-Spam \"\""), "HEADER:X-Spam:");  // empty: the field exists
  EXPECT_EQ(keys("SUBJECT NIL"), "SUBJECT:NIL");                // NIL is an astring here
  EXPECT_EQ(keys("SUBJECT \"\xC3\xA4\""), "SUBJECT:\xC3\xA4");
  expect_error("FROM");
  expect_error("FROM (a)");
  expect_error("HEADER Subject");
  expect_error("HEADER \"\" x");
  expect_error("HEADER (a) x");
}

TEST(SearchQuery, DateKeys) {
  EXPECT_EQ(keys("BEFORE 1-Feb-1994 ON \"01-Feb-1994\" SINCE 1-jan-1970"), "BEFORE:8797 ON:8797 SINCE:0");
  EXPECT_EQ(keys("SENTBEFORE 2-Jan-1970 SENTON 1-Jan-1970 SENTSINCE 31-Dec-1969"),
            "SENTBEFORE:1 SENTON:0 SENTSINCE:-1");
  EXPECT_EQ(keys("SAVEDBEFORE 2-Jan-1970 SAVEDON 2-Jan-1970 SAVEDSINCE 2-Jan-1970 SAVEDATESUPPORTED"),
            "SAVEDBEFORE:1 SAVEDON:1 SAVEDSINCE:1 SAVEDATESUPPORTED");
  expect_error("BEFORE 1994-02-01");
  expect_error("BEFORE 30-Feb-1994");
  expect_error("BEFORE {10}\r\n1-Feb-1994");
  expect_error("BEFORE (1-Feb-1994)");
  expect_error("SINCE");
}

TEST(SearchQuery, NumberKeys) {
  EXPECT_EQ(keys("LARGER 100 SMALLER 9223372036854775807"), "LARGER:100 SMALLER:9223372036854775807");
  EXPECT_EQ(keys("OLDER 3600 YOUNGER 1"), "OLDER:3600 YOUNGER:1");
  expect_error("LARGER -1");
  expect_error("LARGER 9223372036854775808");
  expect_error("LARGER \"5\"");
  expect_error("LARGER x");
  expect_error("OLDER 0");
  expect_error("YOUNGER 4294967296");
}

TEST(SearchQuery, Sets) {
  EXPECT_EQ(keys("1:3,5 UID 7:*"), "SEQ:1:3,5 UID:7:*");
  EXPECT_EQ(keys("*"), "SEQ:*");
  auto r = search("$ UID $");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->uses_saved_result);
  EXPECT_EQ(show_children(r->key), "SEQ:$ UID:$");
  EXPECT_FALSE(search("1:3").value().uses_saved_result);
  expect_error("0");
  expect_error("1:0");
  expect_error("1,,2");
  expect_error("UID");
  expect_error("UID x");
  expect_error("UID $,1");
  SearchParseOptions l;
  l.max_set_ranges = 2;
  EXPECT_TRUE(search("1,2", l).ok());
  EXPECT_EQ(search("1,2,3", l).error().code, ErrorCode::too_big);
  EXPECT_EQ(search("UID 1,2,3", l).error().code, ErrorCode::too_big);
}

TEST(SearchQuery, Composition) {
  EXPECT_EQ(keys("NOT SEEN"), "NOT[SEEN]");
  EXPECT_EQ(keys("OR SEEN FLAGGED"), "OR[SEEN FLAGGED]");
  EXPECT_EQ(keys("OR (SEEN FLAGGED) NOT (DELETED)"), "OR[(SEEN FLAGGED) NOT[(DELETED)]]");
  EXPECT_EQ(keys("OR OR SEEN DRAFT NOT NOT FROM x UID 1"), "OR[OR[SEEN DRAFT] NOT[NOT[FROM:x]]] UID:1");
  EXPECT_EQ(keys("(1:2 (UNSEEN))"), "(SEQ:1:2 (UNSEEN))");
  expect_error("NOT");
  expect_error("OR SEEN");
  expect_error("()");
  expect_error("(SEEN ())");
  expect_error("FOO");
  expect_error("SEEN FOO");
  expect_error("\"SEEN\"");
  expect_error("NIL");
  expect_error("CHARSET UTF-8");  // no key
  EXPECT_FALSE(parse_search(command("a SEARCH").args, 0).ok());
}

TEST(SearchQuery, Modseq) {
  auto r = search("MODSEQ 620162338");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->uses_modseq);
  EXPECT_EQ(show_children(r->key), "MODSEQ:620162338");
  EXPECT_EQ(keys("MODSEQ \"/flags/\\\\draft\" all 620162338"), "MODSEQ:\\Draft:all:620162338");
  EXPECT_EQ(keys("MODSEQ \"/flags/$Junk\" PRIV 0"), "MODSEQ:$Junk:priv:0");
  EXPECT_EQ(keys("MODSEQ \"/FLAGS/\\\\Recent\" shared 5"), "MODSEQ:\\Recent:shared:5");
  EXPECT_FALSE(search("SEEN").value().uses_modseq);
  expect_error("MODSEQ");
  expect_error("MODSEQ x");
  expect_error("MODSEQ \"/flags/\\\\Seen\" 5");
  expect_error("MODSEQ \"/flags/\\\\Seen\" any 5");
  expect_error("MODSEQ \"/flags/\\\\Foo\" all 5");
  expect_error("MODSEQ \"/other/x\" all 5");
  expect_error("MODSEQ \"/flags/\\\\Seen\" all");
  expect_error("MODSEQ 9223372036854775808");
}

TEST(SearchQuery, ObjectIds) {
  EXPECT_EQ(keys("EMAILID M6d99ac3275bb4e THREADID \"T64b478a75b7ea9\""), "EMAILID:M6d99ac3275bb4e THREADID:T64b478a75b7ea9");
  EXPECT_TRUE(search("EMAILID " + std::string(255, 'a')).ok());
  expect_error("EMAILID " + std::string(256, 'a'));
  expect_error("EMAILID \"a b\"");
  expect_error("THREADID a.b");
  expect_error("THREADID \"\"");
}

TEST(SearchQuery, ReturnOptions) {
  auto r = search("RETURN (MIN MAX COUNT) SEEN");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->has_return);
  EXPECT_EQ(r->ret, (SearchReturn{true, true, false, true, false}));
  r = search("RETURN () SEEN");
  EXPECT_TRUE(r->has_return);
  EXPECT_EQ(r->ret, (SearchReturn{false, false, true, false, false}));
  r = search("return (save all) 1:*");
  EXPECT_EQ(r->ret, (SearchReturn{false, false, true, false, true}));
  r = search("SEEN");
  EXPECT_FALSE(r->has_return);
  expect_error("RETURN (FOO) SEEN");
  expect_error("RETURN SEEN");
  expect_error("RETURN");
  expect_error("RETURN (MIN)");
  expect_error("SEEN RETURN (MIN)");
}

TEST(SearchQuery, Charset) {
  auto r = search("CHARSET UTF-8 SUBJECT x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->charset, "UTF-8");
  EXPECT_EQ(search("charset us-ascii SEEN")->charset, "US-ASCII");
  EXPECT_EQ(search("SEEN")->charset, "UTF-8");
  // ISO-8859-1 strings are converted to UTF-8, non-string arguments are not touched.
  r = search("CHARSET ISO-8859-1 SUBJECT {3}\r\nf\xFCr HEADER X-A {1}\r\n\xE4 KEYWORD $Junk");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->charset, "ISO-8859-1");
  EXPECT_EQ(show_children(r->key), "SUBJECT:f\xC3\xBCr HEADER:X-A:\xC3\xA4 KEYWORD:$Junk");
  r = search("CHARSET \"KOI8-R\" TEXT {1}\r\n\xC1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(show_children(r->key), "TEXT:\xD0\xB0");
  // Invalid UTF-8 in a UTF-8 literal: replaced, not refused.
  r = search("TEXT {2}\r\na\xFF");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(show_children(r->key), "TEXT:a\xEF\xBF\xBD");
  // Unknown charset: the BADCHARSET error.
  r = search("CHARSET X-NOPE SEEN");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(is_bad_charset(r.error()));
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_FALSE(is_bad_charset(search("FOO").error()));
  expect_error("CHARSET");
  expect_error("CHARSET (UTF-8) SEEN");
  expect_error("SEEN CHARSET UTF-8");
}

TEST(SearchQuery, Limits) {
  SearchParseOptions l;
  l.max_depth = 4;
  EXPECT_TRUE(search("NOT NOT NOT SEEN", l).ok());
  EXPECT_EQ(search("NOT NOT NOT NOT SEEN", l).error().code, ErrorCode::too_big);
  EXPECT_EQ(search("(((SEEN)))", l).ok(), true);
  EXPECT_EQ(search("OR SEEN (((SEEN)))", l).error().code, ErrorCode::too_big);
  l = {};
  l.max_keys = 4;  // the root AND counts
  EXPECT_TRUE(search("SEEN DRAFT DELETED", l).ok());
  EXPECT_EQ(search("SEEN DRAFT DELETED FLAGGED", l).error().code, ErrorCode::too_big);
  EXPECT_EQ(search("OR SEEN OR DRAFT DELETED", l).error().code, ErrorCode::too_big);
  // Default depth 32: a long NOT chain is refused without deep recursion.
  std::string chain;
  for (int i = 0; i < 5000; ++i) chain += "NOT ";
  EXPECT_EQ(search(chain + "SEEN").error().code, ErrorCode::too_big);
  std::string ors;
  for (int i = 0; i < 5000; ++i) ors += "OR SEEN ";
  EXPECT_EQ(search(ors + "SEEN").error().code, ErrorCode::too_big);
  // Default key count 1000.
  std::string flat;
  for (int i = 0; i < 999; ++i) flat += "SEEN ";
  EXPECT_EQ(search(flat + "SEEN").error().code, ErrorCode::too_big);
  EXPECT_TRUE(search(flat.substr(0, flat.size() - 1)).ok());
}

TEST(SearchQuery, SplitAtEveryByte) {
  const std::string wire =
      "s1 UID SEARCH RETURN (COUNT MIN) CHARSET ISO-8859-1 OR (FROM {4}\r\nJ\xF6rg SINCE 1-Feb-1994) "
      "NOT HEADER {6+}\r\nX-Prio \"high\" UID 1:100 $ MODSEQ \"/flags/$Junk\" all 5\r\n";
  testing::for_each_split(wire, [](const Command& c) {
    ASSERT_EQ(c.name, "UID");
    auto r = parse_search(c.args, 1);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(show_children(r->key),
              "OR[(FROM:J\xC3\xB6rg SINCE:8797) NOT[HEADER:X-Prio:high]] UID:1:100 SEQ:$ MODSEQ:$Junk:all:5");
    EXPECT_EQ(r->ret, (SearchReturn{true, false, false, true, false}));
    EXPECT_TRUE(r->uses_modseq);
  });
}

TEST(SortQuery, Basics) {
  Command c = command("a SORT (REVERSE DATE subject DISPLAYFROM reverse displayto) UTF-8 SEEN FROM x");
  auto r = parse_sort(c.args, 0);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->criteria, (std::vector<SortCriterion>{{SortKey::date, true},
                                                    {SortKey::subject, false},
                                                    {SortKey::display_from, false},
                                                    {SortKey::display_to, true}}));
  EXPECT_EQ(show_children(r->search.key), "SEEN FROM:x");
  EXPECT_FALSE(r->search.has_return);
  c = command("a SORT (ARRIVAL CC FROM SIZE TO) US-ASCII ALL");
  r = parse_sort(c.args, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->criteria.size(), 5u);
  // ESORT: RETURN before the criteria.
  c = command("a UID SORT RETURN (MIN COUNT) (DATE) UTF-8 ALL");
  r = parse_sort(c.args, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->search.has_return);
  EXPECT_EQ(r->search.ret, (SearchReturn{true, false, false, true, false}));
  // The charset is mandatory and converts strings.
  c = command("a SORT (DATE) ISO-8859-1 SUBJECT {1}\r\n\xE9");
  r = parse_sort(c.args, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(show_children(r->search.key), "SUBJECT:\xC3\xA9");
  for (const char* bad : {"a SORT (DATE) SEEN", "a SORT (DATE)", "a SORT () UTF-8 ALL", "a SORT (REVERSE) UTF-8 ALL",
                          "a SORT (FOO) UTF-8 ALL", "a SORT DATE UTF-8 ALL", "a SORT (REVERSE REVERSE DATE) UTF-8 ALL",
                          "a SORT (DATE) UTF-8", "a SORT ((DATE)) UTF-8 ALL", "a SORT (DATE) CHARSET UTF-8 ALL"}) {
    EXPECT_FALSE(parse_sort(command(bad).args, 0).ok()) << bad;
  }
  auto bad_cs = parse_sort(command("a SORT (DATE) X-NOPE ALL").args, 0);
  ASSERT_FALSE(bad_cs.ok());
  EXPECT_TRUE(is_bad_charset(bad_cs.error()));
}

TEST(ThreadQuery, Basics) {
  auto r = parse_thread(command("a THREAD REFERENCES UTF-8 SINCE 1-Feb-1994").args, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->algorithm, ThreadAlgorithm::references);
  EXPECT_EQ(show_children(r->search.key), "SINCE:8797");
  r = parse_thread(command("a UID THREAD orderedsubject us-ascii ALL").args, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->algorithm, ThreadAlgorithm::orderedsubject);
  for (const char* bad : {"a THREAD REFS UTF-8 ALL", "a THREAD REFERENCES ALL", "a THREAD REFERENCES UTF-8",
                          "a THREAD", "a THREAD (REFERENCES) UTF-8 ALL"}) {
    EXPECT_FALSE(parse_thread(command(bad).args, 0).ok()) << bad;
  }
  auto bad_cs = parse_thread(command("a THREAD REFERENCES X-NOPE ALL").args, 0);
  ASSERT_FALSE(bad_cs.ok());
  EXPECT_TRUE(is_bad_charset(bad_cs.error()));
}

}  // namespace
}  // namespace postamt::proto::imap
