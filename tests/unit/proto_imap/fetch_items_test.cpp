// FETCH items through the real parser: macros, every item, sections with HEADER.FIELDS
// lists split by the generic tokenizer, partials, modifiers, response names, \Seen, limits
// and errors; a complex command split at every byte through the Tokenizer.
#include <gtest/gtest.h>

#include <string>

#include "grammar_test_util.h"
#include "proto/imap/fetch_items.h"

namespace postamt::proto::imap {
namespace {

using testing::command;

// "a FETCH 1 <rest>" -> parse_fetch from the token after the set.
Result<FetchRequest> fetch(std::string_view rest, FetchOptions opts = {}) {
  Command c = command("a FETCH 1 " + std::string(rest));
  return parse_fetch(c.args, 1, opts);
}

FetchRequest ok(std::string_view rest, FetchOptions opts = {}) {
  auto r = fetch(rest, opts);
  if (!r.ok()) {
    ADD_FAILURE() << "FETCH '" << rest << "': " << r.error().message;
    return {};
  }
  return *r;
}

// Response names of all items, space-separated.
std::string names(const FetchRequest& req) {
  std::string out;
  for (const auto& it : req.items) {
    if (!out.empty()) out += ' ';
    out += section_response_name(it);
  }
  return out;
}

std::string names_of(std::string_view rest) { return names(ok(rest)); }

void expect_error(std::string_view rest, FetchOptions opts = {}) {
  auto r = fetch(rest, opts);
  EXPECT_FALSE(r.ok()) << "expected an error for FETCH '" << rest << "'";
  if (!r.ok()) {
    EXPECT_EQ(r.error().code, ErrorCode::params) << rest;
  }
}

TEST(FetchItems, Macros) {
  EXPECT_EQ(names_of("ALL"), "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE");
  EXPECT_EQ(names_of("fast"), "FLAGS INTERNALDATE RFC822.SIZE");
  EXPECT_EQ(names_of("FULL"), "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY");
  expect_error("(ALL)");  // macros only alone
  expect_error("(FLAGS FAST)");
}

TEST(FetchItems, SimpleItems) {
  EXPECT_EQ(names_of("(envelope flags internaldate rfc822 rfc822.header rfc822.size rfc822.text body bodystructure "
                     "uid preview modseq emailid threadid savedate)"),
            "ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER RFC822.SIZE RFC822.TEXT BODY BODYSTRUCTURE UID "
            "PREVIEW MODSEQ EMAILID THREADID SAVEDATE");
  EXPECT_EQ(ok("UID").items.at(0).attr, FetchAttr::uid);
  EXPECT_EQ(ok("BODY").items.at(0).attr, FetchAttr::body);
  expect_error("FOO");
  expect_error("(FLAGS FOO)");
  expect_error("()");
  expect_error("\"FLAGS\"");
  expect_error("(\"FLAGS\")");
  expect_error("NIL");
  expect_error("(FLAGS (UID))");
}

TEST(FetchItems, BodySections) {
  FetchRequest r = ok("BODY[]");
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].attr, FetchAttr::body_section);
  EXPECT_FALSE(r.items[0].peek);
  EXPECT_TRUE(r.items[0].section.part.empty());
  EXPECT_EQ(r.items[0].section.text, SectionText::none);
  EXPECT_TRUE(r.sets_seen);

  r = ok("BODY.PEEK[1.2.3.MIME]");
  EXPECT_TRUE(r.items[0].peek);
  EXPECT_EQ(r.items[0].section.part, (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(r.items[0].section.text, SectionText::mime);
  EXPECT_FALSE(r.sets_seen);
  EXPECT_EQ(names(r), "BODY[1.2.3.MIME]");

  EXPECT_EQ(names_of("body[header]"), "BODY[HEADER]");
  EXPECT_EQ(names_of("BODY[text]"), "BODY[TEXT]");
  EXPECT_EQ(names_of("BODY[1]"), "BODY[1]");
  EXPECT_EQ(names_of("BODY[4294967295]"), "BODY[4294967295]");
  EXPECT_EQ(names_of("BODY[2.HEADER]"), "BODY[2.HEADER]");
  EXPECT_EQ(names_of("BODY[2.TEXT]"), "BODY[2.TEXT]");
  EXPECT_EQ(names_of("BODY.PEEK[HEADER.FIELDS (From To)]"), "BODY[HEADER.FIELDS (From To)]");
  EXPECT_EQ(names_of("BODY[1.2.HEADER.FIELDS.NOT (X-A \"Y B\")]"), "BODY[1.2.HEADER.FIELDS.NOT (X-A \"Y B\")]");

  for (const char* bad : {"BODY[MIME]", "BODY[0]", "BODY[01]", "BODY[1.]", "BODY[.1]", "BODY[1..2]", "BODY[1.FOO]",
                          "BODY[HEADER.FIELDS]", "BODY[HEADER (A)]", "BODY[TEXT.1]", "BODY[4294967296]",
                          "BODY[HEADER.FIELDS ()]", "BODY[HEADER.FIELDS (A ())]", "BODY[1", "BODY.PEEK",
                          "BODYX[]", "BODY[]]", "FLAGS[]", "BODY[HEADER.FIELDS (A) ]", "BODY[HEADER.FIELDS (A)]x",
                          "BODY[-1]", "BODY[1.2.MIME.TEXT]", "BODY[HEADER.FIELDS (\"\")]"}) {
    expect_error(bad);
  }
}

TEST(FetchItems, HeaderFieldsSplitByTokenizer) {
  // The generic parser gives atom "BODY[HEADER.FIELDS", list (A B), glued atom "]<0.9>".
  FetchRequest r = ok("(FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100> UID)");
  ASSERT_EQ(r.items.size(), 3u);
  const FetchItem& b = r.items[1];
  EXPECT_EQ(b.attr, FetchAttr::body_section);
  EXPECT_TRUE(b.peek);
  EXPECT_EQ(b.section.text, SectionText::header_fields);
  EXPECT_EQ(b.section.fields, (std::vector<std::string>{"From", "To"}));
  ASSERT_TRUE(b.partial.has_value());
  EXPECT_EQ(b.partial->offset, 0u);
  EXPECT_EQ(b.partial->length, 100u);
  EXPECT_EQ(names(r), "FLAGS BODY[HEADER.FIELDS (From To)]<0> UID");
  EXPECT_FALSE(r.sets_seen);
  // Field names are astrings: quoted and literal too.
  r = ok("BODY[HEADER.FIELDS ({7}\r\nSubject \"X-Y\")]");
  EXPECT_EQ(r.items.at(0).section.fields, (std::vector<std::string>{"Subject", "X-Y"}));
  // Top level, with a modifier list after it.
  r = ok("BODY[HEADER.FIELDS (A)] (CHANGEDSINCE 7)");
  EXPECT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.changed_since, 7u);
}

TEST(FetchItems, Partials) {
  FetchRequest r = ok("BODY[]<10.20>");
  EXPECT_EQ(r.items[0].partial, (Partial{10, 20}));
  EXPECT_EQ(names(r), "BODY[]<10>");
  EXPECT_EQ(ok("BODY[1]<9223372036854775807.1>").items[0].partial->offset, 9223372036854775807ull);
  EXPECT_EQ(names_of("BINARY[1]<0.5>"), "BINARY[1]<0>");
  for (const char* bad : {"BODY[]<0.0>", "BODY[]<1>", "BODY[]<.5>", "BODY[]<1.>", "BODY[]<a.5>", "BODY[]<1.5",
                          "BODY[]1.5>", "BODY[]<9223372036854775808.1>", "BODY[]<-1.5>", "BODY[]<1.5>>",
                          "BINARY.SIZE[1]<0.5>", "BODY[]<1.5><1.5>"}) {
    expect_error(bad);
  }
}

TEST(FetchItems, Binary) {
  FetchRequest r = ok("(BINARY[1.2] BINARY.PEEK[] BINARY.SIZE[3])");
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_EQ(r.items[0].attr, FetchAttr::binary);
  EXPECT_FALSE(r.items[0].peek);
  EXPECT_EQ(r.items[0].section.part, (std::vector<uint32_t>{1, 2}));
  EXPECT_TRUE(r.items[1].peek);
  EXPECT_EQ(r.items[2].attr, FetchAttr::binary_size);
  EXPECT_EQ(names(r), "BINARY[1.2] BINARY[] BINARY.SIZE[3]");
  EXPECT_TRUE(r.sets_seen);
  EXPECT_FALSE(ok("BINARY.PEEK[1]").sets_seen);
  EXPECT_FALSE(ok("BINARY.SIZE[1]").sets_seen);
  for (const char* bad : {"BINARY[HEADER]", "BINARY[1.MIME]", "BINARY[1.TEXT]", "BINARY[HEADER.FIELDS (A)]",
                          "BINARY.SIZE", "BINARY", "BINARY.FOO[1]"}) {
    expect_error(bad);
  }
}

TEST(FetchItems, SetsSeen) {
  EXPECT_TRUE(ok("RFC822").sets_seen);
  EXPECT_TRUE(ok("RFC822.TEXT").sets_seen);
  EXPECT_FALSE(ok("RFC822.HEADER").sets_seen);
  EXPECT_FALSE(ok("(RFC822.SIZE BODY BODYSTRUCTURE ENVELOPE)").sets_seen);
  EXPECT_TRUE(ok("(FLAGS BODY[TEXT])").sets_seen);
  EXPECT_FALSE(ok("(FLAGS BODY.PEEK[TEXT])").sets_seen);
}

TEST(FetchItems, Preview) {
  FetchRequest r = ok("(PREVIEW (LAZY) FLAGS)");
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_TRUE(r.items[0].lazy);
  EXPECT_EQ(names(r), "PREVIEW FLAGS");
  r = ok("PREVIEW (LAZY)");
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_TRUE(r.items[0].lazy);
  EXPECT_FALSE(ok("PREVIEW").items[0].lazy);
  // A list after a bare PREVIEW that is not a preview modifier is the FETCH modifier list.
  r = ok("PREVIEW (CHANGEDSINCE 3)");
  EXPECT_FALSE(r.items[0].lazy);
  EXPECT_EQ(r.changed_since, 3u);
  r = ok("PREVIEW (LAZY) (CHANGEDSINCE 3)");
  EXPECT_TRUE(r.items[0].lazy);
  EXPECT_EQ(r.changed_since, 3u);
  expect_error("(PREVIEW (LAZY FOO))");
  expect_error("(PREVIEW (FOO))");
}

TEST(FetchItems, Modifiers) {
  FetchRequest r = ok("(FLAGS) (CHANGEDSINCE 12345)");
  EXPECT_EQ(r.changed_since, 12345u);
  EXPECT_TRUE(r.wants_modseq);
  EXPECT_FALSE(r.vanished);
  EXPECT_TRUE(ok("(FLAGS MODSEQ)").wants_modseq);
  EXPECT_FALSE(ok("(FLAGS)").wants_modseq);
  EXPECT_EQ(ok("FLAGS (changedsince 0)").changed_since, 0u);
  FetchOptions uid;
  uid.uid = true;
  r = ok("(FLAGS) (CHANGEDSINCE 5 VANISHED)", uid);
  EXPECT_TRUE(r.vanished);
  r = ok("(FLAGS) (VANISHED CHANGEDSINCE 5)", uid);
  EXPECT_TRUE(r.vanished);
  expect_error("(FLAGS) (CHANGEDSINCE 5 VANISHED)");   // not UID FETCH
  expect_error("(FLAGS) (VANISHED)", uid);             // without CHANGEDSINCE
  expect_error("(FLAGS) (CHANGEDSINCE 5 CHANGEDSINCE 6)");
  expect_error("(FLAGS) (CHANGEDSINCE)");
  expect_error("(FLAGS) (CHANGEDSINCE x)");
  expect_error("(FLAGS) (CHANGEDSINCE 9223372036854775808)");
  expect_error("(FLAGS) (FOO 1)");
  expect_error("(FLAGS) ()");
  expect_error("(FLAGS) (CHANGEDSINCE 5) (CHANGEDSINCE 5)");
  expect_error("FLAGS UID");
  expect_error("ALL FLAGS");
  EXPECT_FALSE(parse_fetch(command("a FETCH 1").args, 1).ok());
}

TEST(FetchItems, Limits) {
  FetchOptions o;
  o.limits.max_items = 3;
  EXPECT_TRUE(fetch("(FLAGS UID ENVELOPE)", o).ok());
  EXPECT_FALSE(fetch("(FLAGS UID ENVELOPE BODY)", o).ok());
  o = {};
  o.limits.max_part_depth = 3;
  EXPECT_TRUE(fetch("BODY[1.2.3]", o).ok());
  EXPECT_FALSE(fetch("BODY[1.2.3.4]", o).ok());
  o = {};
  o.limits.max_header_fields = 2;
  EXPECT_TRUE(fetch("BODY[HEADER.FIELDS (A B)]", o).ok());
  EXPECT_FALSE(fetch("BODY[HEADER.FIELDS (A B C)]", o).ok());
  o = {};
  o.limits.max_field_name = 4;
  EXPECT_TRUE(fetch("BODY[HEADER.FIELDS (ABCD)]", o).ok());
  EXPECT_FALSE(fetch("BODY[HEADER.FIELDS (ABCDE)]", o).ok());
  // Default limit: 64 items.
  std::string many = "(";
  for (int i = 0; i < 65; ++i) many += i ? " UID" : "UID";
  many += ")";
  EXPECT_FALSE(fetch(many).ok());
}

TEST(FetchItems, SplitAtEveryByte) {
  const std::string wire =
      "a7 UID FETCH 1:* (FLAGS BODY.PEEK[1.2.HEADER.FIELDS.NOT ({4+}\r\nX-Ab \"To\")]<5.100> "
      "BINARY[3]<0.1> PREVIEW (LAZY) RFC822.SIZE) (CHANGEDSINCE 99 VANISHED)\r\n";
  testing::for_each_split(wire, [](const Command& c) {
    ASSERT_EQ(c.name, "UID");
    ASSERT_GE(c.args.size(), 3u);
    FetchOptions o;
    o.uid = true;
    auto r = parse_fetch(c.args, 2, o);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(names(*r), "FLAGS BODY[1.2.HEADER.FIELDS.NOT (X-Ab To)]<5> BINARY[3]<0> PREVIEW RFC822.SIZE");
    EXPECT_EQ(r->changed_since, 99u);
    EXPECT_TRUE(r->vanished);
    EXPECT_TRUE(r->sets_seen);
    EXPECT_TRUE(r->items[3].lazy);
  });
}

}  // namespace
}  // namespace postamt::proto::imap
