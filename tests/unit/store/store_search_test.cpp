// Full-text search (IMAP SEARCH BODY/TEXT, RFC 9051 §6.4.4): mime::fold_case,
// the search text delivery::summarize() computes, and Store::search_text()
// against every backend — substrings of any length, characters that are
// special to LIKE/GLOB/FTS5, non-ASCII text under full case folding, text
// stored once per blob.
#include <gtest/gtest.h>

#include "base/strings.h"
#include "delivery/summary.h"
#include "mime/mime.h"
#include "store_test_support.h"

namespace postamt::store::test {

namespace {

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// Quoted-printable Latin-1 body, encoded-word subject, characters that mean
// something to LIKE, GLOB and FTS5.
constexpr const char* kGerman =
    "From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.org>\r\n"
    "To: bob@example.com\r\n"
    "Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_der_Stra=DFe?=\r\n"
    "X-Long: folded\r\n"
    " continuation\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Die Stra=DFe ist 100% nass_heute. \"Zitat\" *Stern* Frage? [Klammer] O'Brien\r\n";

// KOI8-R base64 text, HTML with markup to strip, a binary attachment.
constexpr const char* kRussian =
    "Subject: Russian\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=koi8-r\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "8PLp9+X0IO3p8iwgy8HLIMTFzME/\r\n"
    "--b1\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<html><head><style>p{color:red}</style></head><body><p>Hallo <b>Welt</b> &amp; more</p>"
    "<script>var secret=\"hidden\";</script></body></html>\r\n"
    "--b1\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "YXR0YWNobWVudHdvcmQgaW5zaWRl\r\n"
    "--b1--\r\n";

// An encapsulated message: its header and text are body text here.
constexpr const char* kForward =
    "Subject: Fwd\r\n"
    "Content-Type: multipart/mixed; boundary=\"m\"\r\n"
    "\r\n"
    "--m\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "see below\r\n"
    "--m\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: Inner subject zebra\r\n"
    "From: x@y\r\n"
    "\r\n"
    "inner body giraffe\r\n"
    "--m--\r\n";

constexpr const char* kShort = "Subject: qj\r\n\r\nzq\r\n";

}  // namespace

TEST(FoldCase, FullCaseFolding) {
  using mime::fold_case;
  EXPECT_EQ(fold_case(""), "");
  EXPECT_EQ(fold_case("Hello, World! 123"), "hello, world! 123");
  EXPECT_EQ(fold_case("Straße"), "strasse");  // full folding: ß -> ss
  EXPECT_EQ(fold_case("STRASSE"), "strasse");
  EXPECT_EQ(fold_case("ẞ"), "ss");  // capital sharp s
  EXPECT_EQ(fold_case("ПРИВЕТ Мир"), "привет мир");
  EXPECT_EQ(fold_case("ΣΊΣΥΦΟΣ"), "σίσυφοσ");  // no final-sigma context in folding
  EXPECT_EQ(fold_case("ﬁ"), "fi");              // ligature
  EXPECT_EQ(fold_case("İ"), "i\xcc\x87");       // default (non-Turkic) folding
  EXPECT_EQ(fold_case("Ǆ"), "ǆ");
  EXPECT_EQ(fold_case("\xf0\x90\x90\x80"), "\xf0\x90\x90\xa8");  // Deseret, outside the BMP
  EXPECT_EQ(fold_case(std::string("A\0B", 3)), std::string("a\0b", 3));
  // Invalid UTF-8 becomes U+FFFD; the result is valid UTF-8.
  EXPECT_EQ(fold_case("a\xff" "B"), "a\xef\xbf\xbd" "b");
  EXPECT_EQ(fold_case("\xc3"), "\xef\xbf\xbd");
  EXPECT_TRUE(is_valid_utf8(fold_case("\xed\xa0\x80 \xc0\xaf X")));
  // Long input is folded in pieces; a multi-byte character across a piece
  // boundary survives.
  std::string big;
  for (int i = 0; i < 50000; ++i) big += "Ä";  // 2 bytes each: 100000 bytes
  std::string want;
  for (int i = 0; i < 50000; ++i) want += "ä";
  EXPECT_EQ(fold_case("x" + big), "x" + want);
  EXPECT_EQ(fold_case(std::string(200000, 'Q')), std::string(200000, 'q'));
}

TEST(SearchText, SummarizeFillsFoldedHeadersAndBody) {
  auto german = delivery::summarize(kGerman);
  EXPECT_TRUE(contains(german.search_headers, "subject: grüsse aus der strasse\n")) << german.search_headers;
  EXPECT_TRUE(contains(german.search_headers, "from: jürgen <j@example.org>\n")) << german.search_headers;
  EXPECT_TRUE(contains(german.search_headers, "x-long: folded continuation\n")) << german.search_headers;
  EXPECT_TRUE(contains(german.search_body, "die strasse ist 100% nass_heute. \"zitat\" *stern* frage? [klammer] o'brien"))
      << german.search_body;
  EXPECT_FALSE(contains(german.search_body, "=df"));

  auto russian = delivery::summarize(kRussian);
  EXPECT_TRUE(contains(russian.search_body, "привет мир, как дела?")) << russian.search_body;
  EXPECT_TRUE(contains(russian.search_body, "hallo welt & more")) << russian.search_body;
  EXPECT_FALSE(contains(russian.search_body, "color"));
  EXPECT_FALSE(contains(russian.search_body, "hidden"));
  EXPECT_FALSE(contains(russian.search_body, "<p>"));
  EXPECT_FALSE(contains(russian.search_body, "attachmentword"));
  EXPECT_TRUE(contains(russian.search_headers, "subject: russian\n"));

  auto forward = delivery::summarize(kForward);
  EXPECT_TRUE(contains(forward.search_body, "see below"));
  EXPECT_TRUE(contains(forward.search_body, "subject: inner subject zebra"));
  EXPECT_TRUE(contains(forward.search_body, "inner body giraffe"));
  EXPECT_FALSE(contains(forward.search_headers, "zebra"));

  // Bounded: a huge text part gives at most 2 MiB, cut at a character boundary.
  std::string huge = "Subject: big\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  for (int i = 0; i < 400000; ++i) huge += "Grüß\r\n";  // 8 bytes a line, 3.2 MB
  auto big = delivery::summarize(huge);
  EXPECT_LE(big.search_body.size(), 2u * 1024 * 1024);
  EXPECT_GT(big.search_body.size(), 2u * 1024 * 1024 - 16);
  EXPECT_TRUE(is_valid_utf8(big.search_body));
  EXPECT_TRUE(big.search_body.find('\0') == std::string::npos);

  // NUL in a text part is not kept (the store's SQL functions stop at NUL).
  auto nul = delivery::summarize(std::string("Subject: n\r\n\r\nab\0cd\r\n", 21));
  EXPECT_TRUE(contains(nul.search_body, "ab cd")) << nul.search_body;
}

TEST_P(StoreTest, SearchTextFindsSubstrings) {
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  ASSERT_EQ(deliver_parsed(bob.id, "INBOX", kGerman), 1u);
  ASSERT_EQ(deliver_parsed(bob.id, "INBOX", kRussian), 2u);
  ASSERT_EQ(deliver_parsed(bob.id, "INBOX", kForward), 3u);
  ASSERT_EQ(deliver_parsed(bob.id, "INBOX", kShort), 4u);
  ASSERT_TRUE(store_->deliver(message("no summary, no search text", {target(bob.id)})).ok());  // uid 5

  auto search = [&](std::string_view raw, TextField field) {
    auto r = store_->search_text(inbox.id, mime::fold_case(raw), field);
    EXPECT_TRUE(r.ok()) << r.error().describe();
    return r ? *r : std::vector<uint32_t>{99};
  };
  using U = std::vector<uint32_t>;
  const auto body = TextField::body;
  const auto text = TextField::text;

  EXPECT_EQ(search("", body), (U{1, 2, 3, 4, 5}));  // empty needle: everything
  EXPECT_EQ(search("STRASSE", body), U{1});
  EXPECT_EQ(search("Straße", body), U{1});  // ß and SS fold alike
  EXPECT_EQ(search("strasse", text), U{1});
  EXPECT_EQ(search("GRÜSSE aus", body), U{});  // only in the subject
  EXPECT_EQ(search("grüße AUS", text), U{1});
  EXPECT_EQ(search("jürgen", text), U{1});
  EXPECT_EQ(search("folded continuation", text), U{1});

  // Characters with a meaning in LIKE, GLOB or FTS5 queries are literal.
  EXPECT_EQ(search("100% nass_heute", body), U{1});
  EXPECT_EQ(search("%", body), U{1});
  EXPECT_EQ(search("_", body), U{1});
  EXPECT_EQ(search("%%", body), U{});
  EXPECT_EQ(search("s_r", body), U{});
  EXPECT_EQ(search("s%e", body), U{});
  EXPECT_EQ(search("s*e", body), U{});
  EXPECT_EQ(search("s?r", body), U{});
  EXPECT_EQ(search("[k]lammer", body), U{});
  EXPECT_EQ(search("[klammer]", body), U{1});
  EXPECT_EQ(search("frage? [klammer] o'brien", body), U{1});
  EXPECT_EQ(search("\"zitat\"", body), U{1});
  EXPECT_EQ(search("\"", body), U{1});
  EXPECT_EQ(search("\"\"", body), U{});
  EXPECT_EQ(search("*stern*", body), U{1});
  EXPECT_EQ(search("stern* OR nass", body), U{});
  EXPECT_EQ(search("NEAR(", body), U{});
  EXPECT_EQ(search("o'b", body), U{1});

  // Cyrillic (converted from KOI8-R), HTML text without markup.
  EXPECT_EQ(search("ПРИВЕТ", body), U{2});
  EXPECT_EQ(search("мир", body), U{2});  // 3 characters: the trigram index
  EXPECT_EQ(search("МИ", body), U{2});   // 2 characters: the scan
  EXPECT_EQ(search("к", body), U{2});
  EXPECT_EQ(search("hallo welt & more", body), U{2});
  EXPECT_EQ(search("hidden", text), U{});
  EXPECT_EQ(search("color", text), U{});
  EXPECT_EQ(search("attachmentword", text), U{});

  EXPECT_EQ(search("giraffe", body), U{3});
  EXPECT_EQ(search("zebra", body), U{3});  // the encapsulated header is body
  EXPECT_EQ(search("zq", body), U{4});
  EXPECT_EQ(search("qj", body), U{});
  EXPECT_EQ(search("qj", text), U{4});
  EXPECT_EQ(search("no summary", text), U{});
  EXPECT_EQ(search(std::string("st\0r", 4), text), U{});

  EXPECT_EQ(store_->search_text(999999, "x", body).error().code, ErrorCode::not_found);
}

// SEARCH HEADER reads the stored header text: the message header first, then a blank
// line, then the MIME part headers (TEXT covers those, HEADER does not).
TEST_P(StoreTest, SearchHeadersAreStoredPerMessage) {
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  ASSERT_EQ(deliver_parsed(bob.id, "INBOX", kGerman), 1u);
  ASSERT_EQ(deliver_parsed(bob.id, "INBOX", kRussian), 2u);
  ASSERT_TRUE(store_->deliver(message("no summary, no search text", {target(bob.id)})).ok());  // uid 3
  auto german = store_->get_search_headers(inbox.id, 1);
  ASSERT_TRUE(german.ok()) << german.error().describe();
  EXPECT_TRUE(contains(*german, "subject: grüsse aus der strasse\n")) << *german;
  EXPECT_TRUE(contains(*german, "x-long: folded continuation\n")) << *german;
  auto russian = store_->get_search_headers(inbox.id, 2);
  ASSERT_TRUE(russian.ok());
  size_t blank = russian->find("\n\n");
  ASSERT_NE(blank, std::string::npos) << *russian;
  EXPECT_LT(russian->find("subject: russian\n"), blank);
  EXPECT_GT(russian->find("content-type: text/html"), blank);  // a part header, after the blank line
  auto none = store_->get_search_headers(inbox.id, 3);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");
  EXPECT_EQ(store_->get_search_headers(inbox.id, 99).error().code, ErrorCode::not_found);
}

TEST_P(StoreTest, SearchTextIsStoredOncePerBlob) {
  auto bob = make_account("bob@example.com");
  auto carol = make_account("carol@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  auto archive = mailbox(bob.id, "Archive");
  auto msg = message(kGerman, {target(bob.id, "INBOX", "Delivered-To: bob\r\n"), target(carol.id)});
  msg.summary = delivery::summarize(kGerman);
  ASSERT_TRUE(store_->deliver(msg).ok());
  ASSERT_EQ(deliver_parsed(bob.id, "INBOX", kRussian), 2u);
  // APPEND of the same bytes, and a copy: still one text per blob.
  AppendMessage again;
  again.bytes = kGerman;
  again.summary = delivery::summarize(kGerman);
  ASSERT_TRUE(store_->append(bob.id, archive.id, {again}).ok());
  ASSERT_TRUE(store_->copy_messages(inbox.id, {1, 2}, archive.id).ok());
  auto needle = mime::fold_case("Straße");
  EXPECT_EQ(*store_->search_text(archive.id, needle, TextField::body), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(*store_->search_text(archive.id, "привет", TextField::body), std::vector<uint32_t>{3});
  EXPECT_EQ(*store_->search_text(mailbox(carol.id, "INBOX").id, needle, TextField::text), std::vector<uint32_t>{1});
  if (persistent()) {
    EXPECT_EQ(sql_count("SELECT count(*) FROM blob_text"), 2);
    EXPECT_EQ(sql_count("SELECT count(*) FROM blob_fts"), 2);
  }
  // Moved messages stay searchable.
  ASSERT_TRUE(store_->move_messages(archive.id, {3}, mailbox(bob.id, "Trash").id).ok());
  EXPECT_EQ(*store_->search_text(mailbox(bob.id, "Trash").id, "ми", TextField::body), std::vector<uint32_t>{1});

  // The text goes with the last reference to the blob.
  ASSERT_TRUE(store_->expunge(inbox.id, {1, 2}).ok());
  ASSERT_TRUE(store_->expunge(archive.id, {1, 2}).ok());
  if (persistent()) {
    EXPECT_EQ(sql_count("SELECT count(*) FROM blob_text"), 2);  // carol's copy, the moved one
  }
  ASSERT_TRUE(store_->remove_account("carol@example.com").ok());
  if (persistent()) {
    EXPECT_EQ(sql_count("SELECT count(*) FROM blob_text"), 1);
    EXPECT_EQ(sql_count("SELECT count(*) FROM blob_fts"), 1);
  }
  ASSERT_TRUE(store_->delete_mailbox(bob.id, "Trash").ok());
  if (persistent()) {
    EXPECT_EQ(sql_count("SELECT count(*) FROM blob_text"), 0);
    EXPECT_EQ(sql_count("SELECT count(*) FROM blob_fts"), 0);
    EXPECT_EQ(blob_file_count(), 0);
  }
  // Delivered again after collection: indexed again.
  ASSERT_EQ(deliver_parsed(bob.id, "INBOX", kGerman), 3u);
  EXPECT_EQ(*store_->search_text(inbox.id, needle, TextField::body), std::vector<uint32_t>{3});
}

TEST_P(StoreTest, SearchTextInLargeBodies) {
  auto bob = make_account("bob@example.com");
  auto inbox = mailbox(bob.id, "INBOX");
  std::string big = "Subject: big\r\n\r\n";
  for (int i = 0; big.size() < 1500 * 1024; ++i) big += "line " + std::to_string(i) + " of filler text\r\n";
  big += "the needle-at-the-end is here\r\n";
  ASSERT_EQ(deliver_parsed(bob.id, "INBOX", big), 1u);
  ASSERT_EQ(deliver_parsed(bob.id, "INBOX", kShort), 2u);
  EXPECT_EQ(*store_->search_text(inbox.id, "needle-at-the-end", TextField::body), std::vector<uint32_t>{1});
  EXPECT_EQ(*store_->search_text(inbox.id, "line 55555 of", TextField::body), std::vector<uint32_t>{1});
  EXPECT_EQ(*store_->search_text(inbox.id, "line 9999999", TextField::body), std::vector<uint32_t>{});
  EXPECT_EQ(*store_->search_text(inbox.id, "e", TextField::text), (std::vector<uint32_t>{1, 2}));
}

}  // namespace postamt::store::test
