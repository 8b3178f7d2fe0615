// BODY / BODYSTRUCTURE golden strings (RFC 9051 §7.5.2, §9). Checked against Dovecot 2.3:
// equal except where tests/e2e/test_imap_diff.py lists a difference (parameter name case,
// RFC 2231 re-encoding of decoded values, body line counts of parts before a delimiter).
#include "imap/render/bodystructure.h"

#include "render_test_util.h"

namespace postamt::imap::render {
namespace {

using testing::crlf;
using testing::summarize;

std::string bs(std::string_view msg, bool extended = true, bool utf8 = false) {
  std::string out;
  append_bodystructure(out, summarize(crlf(msg)).root(), extended, utf8);
  return out;
}

TEST(BodyStructure, DefaultTextPlain) {
  EXPECT_EQ(bs("Subject: x\n\nHi\nthere\n"),
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 11 2 NIL NIL NIL NIL)");
  EXPECT_EQ(bs("Subject: x\n\nHi\nthere\n", false), "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 11 2)");
  EXPECT_EQ(bs("Subject: nobody\n"), "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL)");
}

TEST(BodyStructure, ParamsKeepValuesCharsetAppended) {
  EXPECT_EQ(bs("Content-Type: text/plain; CharSet=\"ISO-8859-1\"; Format=Flowed; foo=\"a\\\"b\"\n\nHi\nthere\n"),
            "(\"text\" \"plain\" (\"charset\" \"ISO-8859-1\" \"format\" \"Flowed\" \"foo\" \"a\\\"b\") NIL NIL "
            "\"7bit\" 11 2 NIL NIL NIL NIL)");
  EXPECT_EQ(bs("Content-Type: text/html; name=\"a b\"; empty=\"\"\n\nx\n"),
            "(\"text\" \"html\" (\"name\" \"a b\" \"empty\" \"\" \"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 "
            "NIL NIL NIL NIL)");
  EXPECT_EQ(bs("MIME-Version: 1.0\nContent-Type: application/octet-stream\n\nx\n"),
            "(\"application\" \"octet-stream\" NIL NIL NIL \"7bit\" 3 NIL NIL NIL NIL)");
}

TEST(BodyStructure, ExtensionFields) {
  EXPECT_EQ(bs("MIME-Version: 1.0\nContent-Type: Application/PDF; NAME=Foo.PDF\nContent-Transfer-Encoding: BASE64\n"
               "Content-Disposition: ATTACHMENT; FileName=\"A.pdf\"; size=12\nContent-ID: <cid@x>\n"
               "Content-Description: desc\nContent-MD5: abc\nContent-Language: de, en-US\n"
               "Content-Location: http://x/y\n\nSGVsbG8=\n"),
            "(\"application\" \"pdf\" (\"name\" \"Foo.PDF\") \"<cid@x>\" \"desc\" \"base64\" 10 \"abc\" "
            "(\"attachment\" (\"filename\" \"A.pdf\" \"size\" \"12\")) (\"de\" \"en-US\") \"http://x/y\")");
  EXPECT_EQ(bs("Content-Disposition: inline\n\nx"),
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL (\"inline\" NIL) NIL NIL)");
}

TEST(BodyStructure, Rfc2231AndEncodedWordParameters) {
  std::string msg =
      "MIME-Version: 1.0\nContent-Type: application/pdf; name*0*=utf-8''%E2%82%AC; name*1=\"x.pdf\"\n"
      "Content-Disposition: attachment; filename*=iso-8859-1'de'%E4.pdf\n\nx\n";
  // Stored decoded; 8-bit values go out as RFC 2231 UTF-8 (7-bit clean) ...
  EXPECT_EQ(bs(msg), "(\"application\" \"pdf\" (\"name*\" \"utf-8''%E2%82%ACx.pdf\") NIL NIL \"7bit\" 3 NIL "
                     "(\"attachment\" (\"filename*\" \"utf-8''%C3%A4.pdf\")) NIL NIL)");
  // ... or as UTF-8 strings once the client enabled UTF8=ACCEPT.
  EXPECT_EQ(bs(msg, true, true), "(\"application\" \"pdf\" (\"name\" \"\xE2\x82\xAC" "x.pdf\") NIL NIL \"7bit\" 3 NIL "
                                 "(\"attachment\" (\"filename\" \"\xC3\xA4.pdf\")) NIL NIL)");
  EXPECT_EQ(bs("Content-Type: text/plain; name=\"=?utf-8?B?w6Q=?=.txt\"; a*=us-ascii''a%20b\n\nx\n"),
            "(\"text\" \"plain\" (\"name*\" \"utf-8''%C3%A4.txt\" \"a\" \"a b\" \"charset\" \"us-ascii\") NIL NIL "
            "\"7bit\" 3 1 NIL NIL NIL NIL)");
}

TEST(BodyStructure, MultipartWithNestedMessage) {
  std::string msg = testing::read_file(std::string(POSTAMT_SOURCE_DIR) + "/tests/data/mime-corpus/mimekit/rfc2060.txt");
  // Dovecot: the same, except the message/rfc822 sizes 320/489 and lines 17/26 (it counts
  // the CRLF before the next delimiter in, see test_imap_diff.py nested-multipart-delimiter-crlf).
  EXPECT_EQ(bs(msg, false),
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 34 1)"
            "(\"application\" \"octet-stream\" NIL NIL NIL \"7bit\" 34)"
            "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 318 (NIL \"This part specifier should be: 3\" "
            "((NIL NIL \"me\" \"myself.com\")) ((NIL NIL \"me\" \"myself.com\")) ((NIL NIL \"me\" \"myself.com\")) "
            "((NIL NIL \"me\" \"myself.com\")) NIL NIL NIL NIL) "
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 36 1)"
            "(\"application\" \"octet-stream\" NIL NIL NIL \"7bit\" 36) \"mixed\") 16)"
            "((\"image\" \"gif\" NIL NIL NIL \"7bit\" 36)"
            "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 487 (NIL \"This part specifier should be: 4.2\" "
            "((NIL NIL \"me\" \"myself.com\")) ((NIL NIL \"me\" \"myself.com\")) ((NIL NIL \"me\" \"myself.com\")) "
            "((NIL NIL \"me\" \"myself.com\")) NIL NIL NIL NIL) "
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 38 1)"
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 40 1)"
            "(\"text\" \"richtext\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 40 1) \"alternative\") \"mixed\") 25) "
            "\"mixed\") \"mixed\")");
  std::string ext = bs(msg, true);
  EXPECT_NE(ext.find("\"mixed\" (\"boundary\" \"3.x\") NIL NIL NIL) 16 NIL NIL NIL NIL)"), std::string::npos) << ext;
  EXPECT_EQ(ext.substr(ext.size() - 37), "\"mixed\" (\"boundary\" \"x\") NIL NIL NIL)");
}


TEST(BodyStructure, MultipartWithoutPartsGetsAnEmptyOne) {
  // RFC 9051 §9: body-type-mpart = 1*body ...; Dovecot writes the same empty text/plain.
  EXPECT_EQ(bs("MIME-Version: 1.0\nContent-Type: multipart/mixed\n\nx\n"),
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" NIL NIL NIL NIL)");
  EXPECT_EQ(bs("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\nno delimiter\n", false),
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")");
}

TEST(BodyStructure, EncodedMessageRfc822IsOpaque) {
  // RFC 2045 §6.4 forbids base64 for message/rfc822; the part is not parsed. The grammar
  // still needs an envelope and a body: all-NIL envelope and an empty text/plain.
  EXPECT_EQ(bs("MIME-Version: 1.0\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
               "U3ViamVjdDogaW4NCg0KYm9keQ0K\n"),
            "(\"message\" \"rfc822\" NIL NIL NIL \"base64\" 30 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) 1 NIL NIL NIL NIL)");
}

TEST(BodyStructure, TopLevelMessageRfc822) {
  EXPECT_EQ(bs("MIME-Version: 1.0\nContent-Type: message/rfc822\n\nSubject: in\n\nbody\n"),
            "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 21 (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) "
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)");
}

TEST(BodyStructure, DigestDefaultsToMessageRfc822) {
  std::string out = bs("MIME-Version: 1.0\nContent-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nx\n--d--\n",
                       false);
  EXPECT_EQ(out, "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 17 (NIL \"one\" NIL NIL NIL NIL NIL NIL NIL NIL) "
                 "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0) 2) \"digest\")");
}

}  // namespace
}  // namespace postamt::imap::render
