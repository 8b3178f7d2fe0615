// FETCH section resolution (RFC 9051 §6.4.5 part numbering, MIME/HEADER/TEXT on nested
// structures, trace prefix), HEADER.FIELDS[.NOT] filtering and partial ranges.
// Expected answers follow Dovecot 2.3 where the RFC is silent (checked with
// tests/e2e/dovecot.py).
#include "imap/render/section.h"

#include "render_test_util.h"

namespace postamt::imap::render {
namespace {

using testing::crlf;
using testing::summarize;

struct Msg {
  explicit Msg(std::string text, uint64_t prefix_size = 0) : prefix(prefix_size, 'P'), blob(std::move(text)), s(summarize(blob)) {
    if (prefix_size) prefix.replace(prefix_size - 2, 2, "\r\n");
  }
  std::string prefix;
  std::string blob;
  Summary s;

  std::string stored() const { return prefix + blob; }
  std::optional<std::string> get(std::vector<uint32_t> part, SectionKind kind = SectionKind::none) const {
    auto r = resolve_section(s, SectionSpec{std::move(part), kind}, prefix.size());
    EXPECT_TRUE(r.ok());
    if (!r || !r->exists) return std::nullopt;
    std::string all = stored();
    EXPECT_LE(r->range.offset + r->range.length, all.size());
    return all.substr(r->range.offset, r->range.length);
  }
};

const Msg& rfc2060() {
  static const Msg m(crlf(testing::read_file(std::string(POSTAMT_SOURCE_DIR) +
                                             "/tests/data/mime-corpus/mimekit/rfc2060.txt")));
  return m;
}

std::string spec(std::string_view p) { return "This part specifier should be: " + std::string(p) + "\r\n"; }

TEST(Section, Rfc9051PartNumberingExample) {
  const Msg& m = rfc2060();
  // RFC 9051 §6.4.5's example message: every leaf says its own part specifier.
  EXPECT_EQ(m.get({1}), spec("1"));
  EXPECT_EQ(m.get({2}), spec("2"));
  EXPECT_EQ(m.get({3, 1}), spec("3.1"));
  EXPECT_EQ(m.get({3, 2}), spec("3.2"));
  EXPECT_EQ(m.get({4, 1}), spec("4.1"));
  EXPECT_EQ(m.get({4, 2, 1}), spec("4.2.1"));
  EXPECT_EQ(m.get({4, 2, 2, 1}), spec("4.2.2.1"));
  EXPECT_EQ(m.get({4, 2, 2, 2}), spec("4.2.2.2"));
}

TEST(Section, HeaderTextMimeOnNestedMessages) {
  const Msg& m = rfc2060();
  auto h3 = m.get({3}, SectionKind::header);
  ASSERT_TRUE(h3);
  EXPECT_EQ(h3->substr(0, 21), "From: me@myself.com\r\n");
  EXPECT_NE(h3->find("Subject: This part specifier should be: 3\r\n"), std::string::npos);
  EXPECT_EQ(h3->substr(h3->size() - 4), "\r\n\r\n");
  auto t3 = m.get({3}, SectionKind::text);
  ASSERT_TRUE(t3);
  EXPECT_EQ(t3->substr(0, 7), "--3.x\r\n");
  EXPECT_EQ(t3->substr(t3->size() - 7), "--3.x--");
  EXPECT_EQ(m.get({3}), *h3 + *t3);  // BODY[3] = the encapsulated message
  EXPECT_EQ(m.get({3}, SectionKind::mime), "Content-Type: MESSAGE/RFC822\r\n\r\n");
  EXPECT_EQ(m.get({4, 1}, SectionKind::mime), "Content-Type: IMAGE/GIF\r\n\r\n");
  EXPECT_NE(m.get({4, 2}, SectionKind::header)->find("Subject: This part specifier should be: 4.2\r\n"),
            std::string::npos);
  EXPECT_EQ(m.get({4, 2}, SectionKind::text)->substr(0, 9), "--4.2.x\r\n");
  EXPECT_EQ(m.get({4, 2, 2})->substr(0, 11), "--4.2.2.x\r\n");
  EXPECT_EQ(m.get({4, 2, 1}, SectionKind::mime), "Content-Type: TEXT/PLAIN\r\n\r\n");
  // The top level: HEADER, TEXT, BODY[] (the whole message).
  EXPECT_EQ(m.get({}, SectionKind::header)->substr(0, 21), "From: me@myself.com\r\n");
  EXPECT_EQ(m.get({}, SectionKind::text)->substr(0, 5), "--x\r\n");
  EXPECT_EQ(m.get({}), m.blob);
  EXPECT_EQ(m.get({}, SectionKind::header_fields), m.get({}, SectionKind::header));
}

TEST(Section, NonexistentParts) {
  const Msg& m = rfc2060();
  // Dovecot answers "" for all of these.
  EXPECT_EQ(m.get({5}), std::nullopt);
  EXPECT_EQ(m.get({3, 3}), std::nullopt);
  EXPECT_EQ(m.get({4, 2, 2, 3}), std::nullopt);
  EXPECT_EQ(m.get({4, 1, 1, 1}), std::nullopt);
  EXPECT_EQ(m.get({1}, SectionKind::header), std::nullopt);     // not message/rfc822
  EXPECT_EQ(m.get({4}, SectionKind::text), std::nullopt);       // multipart
  EXPECT_EQ(m.get({4, 1}, SectionKind::header_fields_not), std::nullopt);
  EXPECT_EQ(m.get({99, 1}, SectionKind::mime), std::nullopt);
  // A leaf's only sub-part is itself (Dovecot): 4.1.1 == 4.1.
  EXPECT_EQ(m.get({4, 1, 1}), spec("4.1"));
}

TEST(Section, InvalidSpecs) {
  const Msg& m = rfc2060();
  EXPECT_FALSE(resolve_section(m.s, SectionSpec{{0}, SectionKind::none}, 0).ok());
  EXPECT_FALSE(resolve_section(m.s, SectionSpec{{1, 0}, SectionKind::none}, 0).ok());
  auto r = resolve_section(m.s, SectionSpec{{}, SectionKind::mime}, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::params);
}

TEST(Section, SinglePartMessage) {
  Msg m(crlf("Subject: single\nContent-Transfer-Encoding: base64\n\nSGVs\nbG8=\n"));
  EXPECT_EQ(m.get({1}), "SGVs\r\nbG8=\r\n");
  EXPECT_EQ(m.get({1}, SectionKind::mime), "Subject: single\r\nContent-Transfer-Encoding: base64\r\n\r\n");
  EXPECT_EQ(m.get({1, 1}), std::nullopt);
  EXPECT_EQ(m.get({2}), std::nullopt);
  EXPECT_EQ(m.get({1}, SectionKind::header), std::nullopt);
}

TEST(Section, TopLevelMessageRfc822) {
  Msg m(crlf("MIME-Version: 1.0\nContent-Type: message/rfc822\n\nSubject: in\nContent-Type: text/plain\n\nbody\n"));
  EXPECT_EQ(m.get({1}), "Subject: in\r\nContent-Type: text/plain\r\n\r\nbody\r\n");
  EXPECT_EQ(m.get({1, 1}), "body\r\n");
  EXPECT_EQ(m.get({1}, SectionKind::header), "Subject: in\r\nContent-Type: text/plain\r\n\r\n");
  EXPECT_EQ(m.get({1}, SectionKind::mime), "MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n");
  EXPECT_EQ(m.get({1, 1}, SectionKind::mime), "Subject: in\r\nContent-Type: text/plain\r\n\r\n");
  EXPECT_EQ(m.get({}, SectionKind::text), m.get({1}));
}

TEST(Section, MultipartWithoutPartsHasNone) {
  Msg m(crlf("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\nnothing\n"));
  EXPECT_EQ(m.get({1}), std::nullopt);
  EXPECT_EQ(m.get({1}, SectionKind::mime), std::nullopt);
  EXPECT_EQ(m.get({}, SectionKind::text), "nothing\r\n");
}

TEST(Section, PartsWithoutHeaderOrBody) {
  // The CRLF before a delimiter belongs to it (RFC 2046 §5.1.1), also for a header cut short.
  Msg m(crlf("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\nplain part\n--B\n"
             "Content-Type: text/plain\n--B\nX: y\n\n\n--B--\n"));
  EXPECT_EQ(m.get({1}, SectionKind::mime), "\r\n");
  EXPECT_EQ(m.get({1}), "plain part");
  EXPECT_EQ(m.get({2}, SectionKind::mime), "Content-Type: text/plain");
  EXPECT_EQ(m.get({2}), "");
  EXPECT_EQ(m.get({3}, SectionKind::mime), "X: y\r\n\r\n");
  EXPECT_EQ(m.get({3}), "");
}

TEST(Section, TracePrefixBelongsToTheTopLevelHeader) {
  const std::string blob = crlf(testing::read_file(std::string(POSTAMT_SOURCE_DIR) +
                                                   "/tests/data/mime-corpus/mimekit/rfc2060.txt"));
  Msg m(blob, 57);
  Msg plain(blob);
  EXPECT_EQ(m.get({}), m.stored());
  EXPECT_EQ(m.get({}, SectionKind::header), m.prefix + *plain.get({}, SectionKind::header));
  EXPECT_EQ(m.get({}, SectionKind::text), plain.get({}, SectionKind::text));
  EXPECT_EQ(m.get({4, 2, 2, 1}), spec("4.2.2.1"));
  EXPECT_EQ(m.get({3}, SectionKind::header), plain.get({3}, SectionKind::header));
  EXPECT_EQ(m.get({4, 1}, SectionKind::mime), "Content-Type: IMAGE/GIF\r\n\r\n");
  Msg single(crlf("Subject: s\n\nbody\n"), 30);
  EXPECT_EQ(single.get({1}, SectionKind::mime), single.prefix + "Subject: s\r\n\r\n");
  EXPECT_EQ(single.get({1}), "body\r\n");
  auto r = resolve_section(single.s, SectionSpec{{}, SectionKind::text}, 30);
  EXPECT_EQ(r->range, (ByteRange{30 + 14, 6}));
}

// ---- HEADER.FIELDS / HEADER.FIELDS.NOT -----------------------------------------------------

const std::string kHeader = crlf(
    "From: a@b\nTo: x@y,\n z@w\nSubject: hi\n\tthere\nX-Other: 1\nsubject: second\nSubject : spaced\n\nbody\n");

TEST(FilterHeader, FieldsKeepOrderFoldingAndBlankLine) {
  EXPECT_EQ(filter_header(kHeader, {"SUBJECT", "to"}, false),
            "To: x@y,\r\n z@w\r\nSubject: hi\r\n\tthere\r\nsubject: second\r\nSubject : spaced\r\n\r\n");
}

TEST(FilterHeader, NotFields) {
  EXPECT_EQ(filter_header(kHeader, {"Subject"}, true), "From: a@b\r\nTo: x@y,\r\n z@w\r\nX-Other: 1\r\n\r\n");
  EXPECT_EQ(filter_header(kHeader, {}, true), kHeader.substr(0, kHeader.find("body")));
}

TEST(FilterHeader, AbsentFieldsLeaveTheBlankLine) {
  EXPECT_EQ(filter_header(kHeader, {"Nothing"}, false), "\r\n");
  EXPECT_EQ(filter_header(kHeader, {}, false), "\r\n");
  EXPECT_EQ(filter_header("\r\n", {"Subject"}, true), "\r\n");
}

TEST(FilterHeader, NoBlankLineWithoutOne) {
  // RFC 9051 §6.4.5: no blank line "in the case of a message that has no body and no blank
  // line" (Dovecot adds one to HEADER.FIELDS anyway).
  EXPECT_EQ(filter_header("Subject: only\r\n", {"Subject"}, false), "Subject: only\r\n");
  EXPECT_EQ(filter_header("Subject: only\r\n", {"Subject"}, true), "");
  EXPECT_EQ(filter_header("Subject: only-no-crlf", {"subject"}, false), "Subject: only-no-crlf\r\n");
}

TEST(FilterHeader, LineEndingsBecomeCrlf) {
  EXPECT_EQ(filter_header("From: a@b\nSubject: lf\n folded\n\nbody\n", {"subject"}, false),
            "Subject: lf\r\n folded\r\n\r\n");
}

TEST(FilterHeader, JunkLinesHaveNoName) {
  std::string h = "From x  Tue\r\nSubject: s\r\nno colon here\r\n\r\n";
  EXPECT_EQ(filter_header(h, {"From", "no colon here"}, false), "\r\n");
  EXPECT_EQ(filter_header(h, {"Subject"}, true), "From x  Tue\r\nno colon here\r\n\r\n");
}

TEST(FilterHeader, ExactNameMatchOnly) {
  std::string h = "X-Subject: a\r\nSubject-X: b\r\nSubject: c\r\n\r\n";
  EXPECT_EQ(filter_header(h, {"subject"}, false), "Subject: c\r\n\r\n");
}

TEST(Partial, Ranges) {
  ByteRange r{100, 50};
  EXPECT_EQ(apply_partial(r, 0, 10), (ByteRange{100, 10}));
  EXPECT_EQ(apply_partial(r, 7, 13), (ByteRange{107, 13}));
  EXPECT_EQ(apply_partial(r, 45, 13), (ByteRange{145, 5}));
  EXPECT_EQ(apply_partial(r, 50, 1).length, 0u);
  EXPECT_EQ(apply_partial(r, 1000, std::nullopt).length, 0u);
  EXPECT_EQ(apply_partial(r, 10, std::nullopt), (ByteRange{110, 40}));
  EXPECT_EQ(apply_partial(std::string_view("Subject: hi\r\n"), 3, 5), "ject:");
  EXPECT_EQ(apply_partial(std::string_view("abc"), 5, 5), "");
}

}  // namespace
}  // namespace postamt::imap::render
