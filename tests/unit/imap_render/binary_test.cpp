// BINARY / BINARY.SIZE (RFC 3516): CTE classification, strict decoding (the cases were
// checked against Dovecot 2.3: it answers NO [PARSE] for the invalid ones, or drops the
// connection for data cut short), section lookup and response codes.
#include "imap/render/binary.h"

#include "render_test_util.h"

namespace postamt::imap::render {
namespace {

using testing::crlf;
using testing::summarize;

std::optional<std::string> b64(std::string_view s) {
  auto r = decode_binary(s, Cte::base64);
  if (!r) {
    EXPECT_EQ(binary_response_code(r.error()), "PARSE");
    return std::nullopt;
  }
  return *r;
}

std::optional<std::string> qp(std::string_view s) {
  auto r = decode_binary(s, Cte::quoted_printable);
  if (!r) {
    EXPECT_EQ(binary_response_code(r.error()), "PARSE");
    return std::nullopt;
  }
  return *r;
}

TEST(Binary, ClassifyCte) {
  EXPECT_EQ(classify_cte("7bit"), Cte::identity);
  EXPECT_EQ(classify_cte("8BIT"), Cte::identity);
  EXPECT_EQ(classify_cte("binary"), Cte::identity);
  EXPECT_EQ(classify_cte(""), Cte::identity);
  EXPECT_EQ(classify_cte("BASE64"), Cte::base64);
  EXPECT_EQ(classify_cte("Quoted-Printable"), Cte::quoted_printable);
  EXPECT_EQ(classify_cte("x-uuencode"), Cte::unknown);
  EXPECT_EQ(classify_cte("base64 junk"), Cte::unknown);
  EXPECT_EQ(classify_cte("8 bit"), Cte::unknown);
}

TEST(Binary, Base64Valid) {
  EXPECT_EQ(b64("SGVsbG8=\r\n"), "Hello");
  EXPECT_EQ(b64("SGVs bG8=\r\n"), "Hello");
  EXPECT_EQ(b64("SGVs\tbG8=\r\n"), "Hello");
  EXPECT_EQ(b64("  SGVsbG8=   \r\n\r\n"), "Hello");
  EXPECT_EQ(b64("SGVs\nbG8=\n"), "Hello");
  EXPECT_EQ(b64("SGVsbA==\r\n"), "Hell");
  EXPECT_EQ(b64("SGVsbA= =\r\n"), "Hell");
  EXPECT_EQ(b64("SGVsbG8gV29ybGQ=\r\n"), "Hello World");
  EXPECT_EQ(b64(""), "");
  EXPECT_EQ(b64("AAEC/w==\r\n"), std::string("\x00\x01\x02\xff", 4));
}

TEST(Binary, Base64Invalid) {
  EXPECT_EQ(b64("SGV!!sbG8\r\n=x=\r\n"), std::nullopt);   // junk
  EXPECT_EQ(b64("SG!Vs\r\n"), std::nullopt);
  EXPECT_EQ(b64("SGVs_bG8=\r\n"), std::nullopt);          // URL-safe alphabet
  EXPECT_EQ(b64("SGVsbG8.\r\n"), std::nullopt);
  EXPECT_EQ(b64("SGVsbG8=garbage\r\n"), std::nullopt);    // data after padding
  EXPECT_EQ(b64("SGVsbG8=\r\nSGVsbG8=\r\n"), std::nullopt);  // concatenated encodings
  EXPECT_EQ(b64("SGVsbG8=\r\n--\r\n"), std::nullopt);
  EXPECT_EQ(b64("SGVsbG8===\r\n"), std::nullopt);         // too much padding
  EXPECT_EQ(b64("=\r\n"), std::nullopt);
  EXPECT_EQ(b64(std::string_view("SGVsbG8=\r\n\0", 11)), std::nullopt);
  // Cut short (Dovecot: "Base64 data ends prematurely" and BYE; we say NO [PARSE]).
  EXPECT_EQ(b64("SGVsbG8"), std::nullopt);
  EXPECT_EQ(b64("SGVsbA"), std::nullopt);
  EXPECT_EQ(b64("SGVsbA=\r\n"), std::nullopt);
  EXPECT_EQ(b64("S\r\n"), std::nullopt);
}

TEST(Binary, QuotedPrintableValid) {
  EXPECT_EQ(qp("c=c3=a4"), "c\xc3\xa4");
  EXPECT_EQ(qp("c=C3=A4"), "c\xc3\xa4");
  EXPECT_EQ(qp("a \r\nb\t\r\nc"), "a\r\nb\r\nc");  // RFC 2045 §6.7 rule 3
  EXPECT_EQ(qp("a= \r\nb"), "ab");                // soft break with transport padding
  EXPECT_EQ(qp("a =\r\n b"), "a  b");
  EXPECT_EQ(qp("x=\r\n"), "x");
  EXPECT_EQ(qp("a=\nb\n"), "ab\n");
  EXPECT_EQ(qp("trailing  "), "trailing");
  EXPECT_EQ(qp("8bit \xe4 here=\r\n"), "8bit \xe4 here");
  EXPECT_EQ(qp("x\x01y"), "x\x01y");
  EXPECT_EQ(qp("caf=C3=A9 soft=\r\nbreak   \r\nend=3D\r\n"), "caf\xc3\xa9 softbreak\r\nend=\r\n");
}

TEST(Binary, QuotedPrintableInvalid) {
  EXPECT_EQ(qp("a=ZZb"), std::nullopt);
  EXPECT_EQ(qp("a==41"), std::nullopt);
  EXPECT_EQ(qp("a=\tb"), std::nullopt);
  EXPECT_EQ(qp("a= b"), std::nullopt);
  EXPECT_EQ(qp("a=0g"), std::nullopt);
  EXPECT_EQ(qp("end="), std::nullopt);  // Dovecot: BYE
  EXPECT_EQ(qp("=4"), std::nullopt);    // Dovecot: BYE
}

TEST(Binary, IdentityAndUnknown) {
  EXPECT_EQ(*decode_binary(std::string_view("a\r\nb\0c", 6), Cte::identity), std::string("a\r\nb\0c", 6));
  auto r = decode_binary("zz", Cte::unknown);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(binary_response_code(r.error()), "UNKNOWN-CTE");
  EXPECT_EQ(binary_response_code(Error::make(ErrorCode::temp, "x")), "");
}

const std::string kMsg = crlf(
    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\n\nplain part\n"
    "--XX\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nSGVsbG8=\n"
    "--XX\nContent-Type: message/rfc822\n\nSubject: inner\nContent-Type: multipart/alternative; boundary=YY\n\n"
    "--YY\nContent-Transfer-Encoding: quoted-printable\n\nx=3Dy\n--YY\nContent-Transfer-Encoding: x-uuencode\n\nabc\n"
    "--YY--\n--XX\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogaW4NCg0KYm9keQ0K\n"
    "--XX--\n");

std::string binary(const Summary& s, std::vector<uint32_t> part, uint64_t prefix = 0) {
  auto r = resolve_binary(s, part, prefix);
  if (!r) return "ERR " + std::string(binary_response_code(r.error()));
  if (!r->exists) return "NONE";
  std::string stored = std::string(prefix, 'P') + kMsg;
  auto d = decode_binary(std::string_view(stored).substr(r->range.offset, r->range.length), r->cte);
  return d ? *d : "ERR " + std::string(binary_response_code(d.error()));
}

TEST(Binary, Sections) {
  Summary s = summarize(kMsg);
  EXPECT_EQ(binary(s, {1}), "plain part");
  EXPECT_EQ(binary(s, {2}), "Hello");
  EXPECT_EQ(binary(s, {2}, 40), "Hello");
  EXPECT_EQ(binary(s, {3, 1}), "x=y");
  EXPECT_EQ(binary(s, {3, 2}), "ERR UNKNOWN-CTE");
  EXPECT_EQ(binary(s, {4}), "Subject: in\r\n\r\nbody\r\n");  // opaque message/rfc822, base64
  EXPECT_EQ(binary(s, {9}), "NONE");
  EXPECT_EQ(binary(s, {4, 1}), "NONE");
  EXPECT_EQ(binary(s, {0}), "ERR ");
  // Containers are sent as stored (their own encoding is an identity one).
  EXPECT_EQ(binary(s, {3}).substr(0, 15), "Subject: inner\r");
  EXPECT_EQ(binary(s, {}), kMsg);
  auto r = resolve_binary(s, {3}, 0);
  EXPECT_EQ(r->cte, Cte::identity);
}

}  // namespace
}  // namespace postamt::imap::render
