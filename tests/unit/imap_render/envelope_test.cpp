// ENVELOPE golden strings (RFC 9051 §7.5.2). The expected strings are what Dovecot 2.3
// answers for the same messages (checked with tests/e2e/dovecot.py), byte for byte.
#include "imap/render/envelope.h"

#include "render_test_util.h"

namespace postamt::imap::render {
namespace {

using testing::crlf;
using testing::summarize;

std::string env(std::string_view msg, bool utf8 = false) {
  std::string out;
  append_envelope(out, summarize(crlf(msg)).envelope(), utf8);
  return out;
}

constexpr std::string_view kFromF = "((NIL NIL \"f\" \"x\"))";

std::string with_from(std::string_view rest) { return env(std::string("From: f@x\n") + std::string(rest)); }

TEST(Envelope, Rfc9051Example) {
  EXPECT_EQ(env("Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\n"
                "From: Terry Gray <gray@cac.washington.edu>\n"
                "Subject: IMAP4rev2 WG mtg summary and minutes\n"
                "To: imap@cac.washington.edu\n"
                "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\n"
                "Message-Id: <B27397-0100000@cac.washington.edu>\n\nbody\n"),
            "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev2 WG mtg summary and minutes\" "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((NIL NIL \"imap\" \"cac.washington.edu\")) "
            "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
            "\"<B27397-0100000@cac.washington.edu>\")");
}

TEST(Envelope, GroupsFoldedSubjectEncodedWordsEmptySender) {
  // Sender present but empty -> from (RFC 9051 §7.5.2); Cc empty -> NIL; subject normalized
  // for humans (literal, like Dovecot); encoded-words stay raw.
  EXPECT_EQ(env("From: \"Joe Q. Public\" <john@example.com>, =?utf-8?q?J=C3=B6rg?= <j@x.de>\n"
                "To: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, Undisclosed:;\n"
                "Cc:\nSender: \nSubject:   Hello  \n\tworld \nDate: Fri, 21 Nov 1997 09:55:06 -0600\n"
                "Message-ID: <1234@local.machine.example>\nIn-Reply-To: <x@y>\n\nHi\n"),
            "(\"Fri, 21 Nov 1997 09:55:06 -0600\" {11}\r\nHello world "
            "((\"Joe Q. Public\" NIL \"john\" \"example.com\")(\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x.de\")) "
            "((\"Joe Q. Public\" NIL \"john\" \"example.com\")(\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x.de\")) "
            "((\"Joe Q. Public\" NIL \"john\" \"example.com\")(\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x.de\")) "
            "((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")(NIL NIL \"joe\" \"where.test\")"
            "(\"John\" NIL \"jdoe\" \"one.test\")(NIL NIL NIL NIL)(NIL NIL \"Undisclosed\" NIL)(NIL NIL NIL NIL)) "
            "NIL NIL \"<x@y>\" \"<1234@local.machine.example>\")");
}

TEST(Envelope, EightBitHeaders) {
  std::string msg = "From: J\xC3\xB6rg <j@x.de>\nSubject: Gr\xC3\xBC\xC3\x9F" "e\nTo: undisclosed-recipients:;\n\nbody\n";
  EXPECT_EQ(env(msg),
            "(NIL {7}\r\nGr\xC3\xBC\xC3\x9F" "e (({5}\r\nJ\xC3\xB6rg NIL \"j\" \"x.de\")) (({5}\r\nJ\xC3\xB6rg NIL \"j\" "
            "\"x.de\")) (({5}\r\nJ\xC3\xB6rg NIL \"j\" \"x.de\")) ((NIL NIL \"undisclosed-recipients\" NIL)"
            "(NIL NIL NIL NIL)) NIL NIL NIL NIL)");
  EXPECT_EQ(env(msg, true),
            "(NIL \"Gr\xC3\xBC\xC3\x9F" "e\" ((\"J\xC3\xB6rg\" NIL \"j\" \"x.de\")) ((\"J\xC3\xB6rg\" NIL \"j\" \"x.de\")) "
            "((\"J\xC3\xB6rg\" NIL \"j\" \"x.de\")) ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) "
            "NIL NIL NIL NIL)");
}

TEST(Envelope, MissingHeaders) {
  EXPECT_EQ(env("Subject: nobody\n"), "(NIL \"nobody\" NIL NIL NIL NIL NIL NIL NIL NIL)");
  EXPECT_EQ(env(""), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
  EXPECT_EQ(env("\nbody only\n"), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(Envelope, EmptyFieldsAreEmptyStrings) {
  // Dovecot: empty Subject / Message-ID -> "", empty address fields -> NIL.
  EXPECT_EQ(with_from("Subject:\nMessage-ID: \nTo: \n\nb\n"),
            "(NIL \"\" " + std::string(kFromF) + " " + std::string(kFromF) + " " + std::string(kFromF) +
                " NIL NIL NIL NIL \"\")");
}

TEST(Envelope, SenderAndReplyToWhenPresent) {
  EXPECT_EQ(with_from("Sender: s@x\nReply-To: r@x\nBcc: b@x\nCc: c@x\n\nb\n"),
            "(NIL NIL " + std::string(kFromF) +
                " ((NIL NIL \"s\" \"x\")) ((NIL NIL \"r\" \"x\")) NIL ((NIL NIL \"c\" \"x\")) ((NIL NIL \"b\" \"x\")) "
                "NIL NIL)");
  // An empty group is not an empty field: Reply-To stays the group.
  EXPECT_EQ(with_from("Reply-To: Group:;\n\nb\n"),
            "(NIL NIL " + std::string(kFromF) + " " + std::string(kFromF) +
                " ((NIL NIL \"Group\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL NIL NIL)");
}

TEST(Envelope, AddressForms) {
  auto to = [](std::string_view addr) {
    std::string e = with_from("To: " + std::string(addr) + "\n\nb\n");
    size_t start = e.find(std::string(kFromF) + " " + std::string(kFromF) + " " + std::string(kFromF));
    e = e.substr(start + 3 * kFromF.size() + 3);
    return e.substr(0, e.find(" NIL NIL NIL NIL)"));
  };
  EXPECT_EQ(to("<@r1,@r2:a@b>"), "((NIL \"@r1,@r2\" \"a\" \"b\"))");
  EXPECT_EQ(to("\"Quoted \\\"x\\\"\" <a@b>"), "(({10}\r\nQuoted \"x\" NIL \"a\" \"b\"))");
  EXPECT_EQ(to("\"tab\there\" <a@b>"), "(({8}\r\ntab here NIL \"a\" \"b\"))");
  EXPECT_EQ(to("a.b@[1.2.3.4]"), "((NIL NIL \"a.b\" \"[1.2.3.4]\"))");
  EXPECT_EQ(to("\"local part\"@b.c"), "((NIL NIL \"local part\" \"b.c\"))");
  EXPECT_EQ(to("Name <a@b>,\n\tOther <c@d>"), "((\"Name\" NIL \"a\" \"b\")(\"Other\" NIL \"c\" \"d\"))");
  EXPECT_EQ(to("G1: a@b;, G2:;"),
            "((NIL NIL \"G1\" NIL)(NIL NIL \"a\" \"b\")(NIL NIL NIL NIL)(NIL NIL \"G2\" NIL)(NIL NIL NIL NIL))");
  // No domain: the host is "" (Dovecot invents "MISSING_DOMAIN"; no RFC asks for that).
  EXPECT_EQ(to("undisclosed"), "((NIL NIL \"undisclosed\" \"\"))");
}

TEST(Envelope, UnstructuredFieldsAsWritten) {
  EXPECT_EQ(with_from("Date: \"q\"\nIn-Reply-To: <a@b> <c@d>\n\t<e@f>\nMessage-ID:\n <folded@x>\n\nb\n"),
            "(\"\\\"q\\\"\" NIL " + std::string(kFromF) + " " + std::string(kFromF) + " " + std::string(kFromF) +
                " NIL NIL NIL \"<a@b> <c@d>\t<e@f>\" \"<folded@x>\")");
  EXPECT_EQ(with_from("Subject: =?utf-8?q?a?=\n =?utf-8?q?b?=\n\nb\n").substr(0, 40),
            std::string("(NIL \"=?utf-8?q?a?= =?utf-8?q?b?=\" ((NIL").substr(0, 40));
}

TEST(Envelope, DefaultsAppliedWhenSummaryLacksThem) {
  Envelope e;
  e.from.push_back(Address{std::string("N"), std::nullopt, std::string("m"), std::string("h")});
  std::string out;
  append_envelope(out, e, false);
  EXPECT_EQ(out,
            "(NIL NIL ((\"N\" NIL \"m\" \"h\")) ((\"N\" NIL \"m\" \"h\")) ((\"N\" NIL \"m\" \"h\")) NIL NIL NIL NIL NIL)");
}

}  // namespace
}  // namespace postamt::imap::render
