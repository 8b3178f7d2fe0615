// parse_command golden cases: every verb, valid and invalid arguments, MAIL/RCPT paths
// (null sender, postmaster, quoted local parts, source routes, UTF-8, address literals) and
// ESMTP parameters.
#include <gtest/gtest.h>

#include "proto/smtp/smtp_codec.h"

namespace postamt::proto::smtp {
namespace {

Command ok(std::string_view line) {
  auto r = parse_command(line);
  if (auto* e = std::get_if<SyntaxError>(&r)) {
    ADD_FAILURE() << "unexpected error for '" << line << "': " << e->code << " " << e->enhanced << " " << e->text;
    return {};
  }
  return std::get<Command>(r);
}

SyntaxError err(std::string_view line) {
  auto r = parse_command(line);
  if (!std::holds_alternative<SyntaxError>(r)) {
    ADD_FAILURE() << "expected a syntax error for '" << line << "'";
    return {0, "", ""};
  }
  return std::get<SyntaxError>(r);
}

void expect_err(std::string_view line, int code, std::string_view enhanced) {
  SyntaxError e = err(line);
  EXPECT_EQ(e.code, code) << line;
  EXPECT_EQ(e.enhanced, enhanced) << line;
  EXPECT_FALSE(e.text.empty()) << line;
}

TEST(SmtpCommand, VerbsAreCaseInsensitive) {
  struct Case {
    const char* line;
    Verb verb;
  };
  const Case cases[] = {
      {"HELO a.example", Verb::helo}, {"ehlo a.example", Verb::ehlo}, {"Mail FROM:<a@b.c>", Verb::mail},
      {"rCpT TO:<a@b.c>", Verb::rcpt}, {"data", Verb::data},        {"bdat 1", Verb::bdat},
      {"RSET", Verb::rset},           {"noop", Verb::noop},          {"Quit", Verb::quit},
      {"VRFY bob", Verb::vrfy},       {"expn list", Verb::expn},     {"HELP", Verb::help},
      {"StartTLS", Verb::starttls},   {"auth plain", Verb::auth},
  };
  for (const auto& c : cases) {
    Command cmd = ok(c.line);
    EXPECT_EQ(cmd.verb, c.verb) << c.line;
    EXPECT_EQ(cmd.verb_text, std::string_view(c.line).substr(0, std::string_view(c.line).find(' ')));
  }
  EXPECT_EQ(verb_name(Verb::starttls), "STARTTLS");
  EXPECT_EQ(verb_name(Verb::unknown), "UNKNOWN");
}

TEST(SmtpCommand, UnknownVerbIsACommandForTheSession) {
  Command cmd = ok("XCLIENT ADDR=1.2.3.4");
  EXPECT_EQ(cmd.verb, Verb::unknown);
  EXPECT_EQ(cmd.verb_text, "XCLIENT");
  EXPECT_EQ(cmd.argument, "ADDR=1.2.3.4");
  EXPECT_EQ(ok("MAILFROM:<a@b>").verb, Verb::unknown);
  EXPECT_EQ(ok("GET / HTTP/1.1").verb, Verb::unknown);
}

TEST(SmtpCommand, EmptyAndControlCharactersAre500) {
  expect_err("", 500, "5.5.2");
  expect_err("   ", 500, "5.5.2");
  expect_err("NOOP\rQUIT", 500, "5.5.2");
  expect_err(std::string_view("NOOP\0", 5), 500, "5.5.2");
  expect_err("MAIL FROM:<a@b\x7f>", 500, "5.5.2");
  expect_err("RCPT TO:<a@b>\x1b", 500, "5.5.2");
}

TEST(SmtpCommand, ArgumentIsRawAfterOneSpace) {
  Command cmd = ok("NOOP  spaced out ");
  EXPECT_EQ(cmd.argument, " spaced out ");
  EXPECT_EQ(ok("HELP").argument, "");
}

TEST(SmtpCommand, HeloEhlo) {
  EXPECT_EQ(ok("EHLO mail.example.org").domain, "mail.example.org");
  EXPECT_EQ(ok("HELO [192.0.2.1]").domain, "[192.0.2.1]");
  EXPECT_EQ(ok("EHLO  host  ").domain, "host");
  expect_err("EHLO", 501, "5.5.4");
  expect_err("HELO ", 501, "5.5.4");
}

TEST(SmtpCommand, MailWithParams) {
  Command cmd = ok("MAIL FROM:<a@b.example> SIZE=100 BODY=8BITMIME SMTPUTF8");
  EXPECT_EQ(cmd.verb, Verb::mail);
  EXPECT_EQ(cmd.path, "a@b.example");
  EXPECT_FALSE(cmd.path_utf8);
  ASSERT_EQ(cmd.params.size(), 3u);
  EXPECT_EQ(cmd.params[0].keyword, "SIZE");
  EXPECT_EQ(cmd.params[0].value, "100");
  EXPECT_TRUE(cmd.params[0].has_value);
  EXPECT_EQ(cmd.params[1].keyword, "BODY");
  EXPECT_EQ(cmd.params[1].value, "8BITMIME");
  EXPECT_EQ(cmd.params[2].keyword, "SMTPUTF8");
  EXPECT_EQ(cmd.params[2].value, "");
  EXPECT_FALSE(cmd.params[2].has_value);
}

TEST(SmtpCommand, ParamKeywordsUpperCasedValuesRaw) {
  Command cmd = ok("RCPT TO:<a@b.example>  notify=SUCCESS,FAILURE  orcpt=rfc822;a+2Bb@b.example");
  ASSERT_EQ(cmd.params.size(), 2u);
  EXPECT_EQ(cmd.params[0].keyword, "NOTIFY");
  EXPECT_EQ(cmd.params[0].value, "SUCCESS,FAILURE");
  EXPECT_EQ(cmd.params[1].keyword, "ORCPT");
  EXPECT_EQ(cmd.params[1].value, "rfc822;a+2Bb@b.example");
  // Duplicates are reported as sent; 555 for them is the session's decision.
  EXPECT_EQ(ok("MAIL FROM:<a@b.c> SIZE=1 SIZE=2").params.size(), 2u);
  EXPECT_EQ(ok("MAIL FROM:<a@b.c> AUTH=<>").params[0].value, "<>");
  EXPECT_EQ(ok("MAIL FROM:<a@b.c> X-FOO=a=b").params[0].value, "a=b");
}

TEST(SmtpCommand, BadParams) {
  expect_err("MAIL FROM:<a@b.c> SIZE=", 501, "5.5.4");
  expect_err("MAIL FROM:<a@b.c> =1", 501, "5.5.4");
  expect_err("MAIL FROM:<a@b.c> -X=1", 501, "5.5.4");
  expect_err("MAIL FROM:<a@b.c> X_Y=1", 501, "5.5.4");
  expect_err("MAIL FROM:<a@b.c>SIZE=1", 501, "5.5.4");
}

TEST(SmtpCommand, MailSyntaxTolerance) {
  EXPECT_EQ(ok("MAIL FROM: <a@b.example>").path, "a@b.example");  // like Postfix
  EXPECT_EQ(ok("mail from:<A@B.example>").path, "A@B.example");
  EXPECT_EQ(ok("MAIL  FROM:<a@b.example> ").path, "a@b.example");
  EXPECT_EQ(ok("RCPT TO: <a@b.example>").path, "a@b.example");
}

TEST(SmtpCommand, MailSyntaxErrors) {
  expect_err("MAIL", 501, "5.5.4");
  expect_err("MAIL FROM:", 501, "5.5.4");
  expect_err("MAIL FROM:a@b.example", 501, "5.5.4");  // missing brackets
  expect_err("MAIL TO:<a@b.example>", 501, "5.5.4");
  expect_err("MAIL FROM <a@b.example>", 501, "5.5.4");
  expect_err("MAIL FROM:<a@b.example>x", 501, "5.5.4");
  expect_err("MAIL FROM:<a@b.example", 501, "5.1.7");
  expect_err("MAIL FROM:<a>", 501, "5.1.7");
  expect_err("MAIL FROM:<a@>", 501, "5.1.7");
  expect_err("MAIL FROM:<@b.example>", 501, "5.1.7");
  expect_err("MAIL FROM:<a..b@c.example>", 501, "5.1.7");
  expect_err("MAIL FROM:<a b@c.example>", 501, "5.1.7");
  expect_err("MAIL FROM:<a@-b.example>", 501, "5.1.7");
  expect_err("MAIL FROM:<a@b.example.>", 501, "5.1.7");
  expect_err("MAIL FROM:<postmaster>", 501, "5.1.7");  // only RCPT may omit the domain
  expect_err("RCPT", 501, "5.5.4");
  expect_err("RCPT TO:a@b.example", 501, "5.5.4");
  expect_err("RCPT FROM:<a@b.example>", 501, "5.5.4");
  expect_err("RCPT TO:<>", 501, "5.1.3");
  expect_err("RCPT TO:<a@b@c>", 501, "5.1.3");
  expect_err("RCPT TO:<postmasterx>", 501, "5.1.3");
}

TEST(SmtpCommand, NullSenderAndPostmaster) {
  Command cmd = ok("MAIL FROM:<>");
  EXPECT_EQ(cmd.path, "");
  EXPECT_TRUE(cmd.params.empty());
  EXPECT_EQ(ok("MAIL FROM:<> BODY=7BIT").params.size(), 1u);
  EXPECT_EQ(ok("RCPT TO:<postmaster>").path, "postmaster");
  EXPECT_EQ(ok("RCPT TO:<Postmaster>").path, "Postmaster");
  EXPECT_EQ(ok("RCPT TO:<POSTMASTER> NOTIFY=NEVER").params.size(), 1u);
  EXPECT_EQ(ok("RCPT TO:<Postmaster@example.org>").path, "Postmaster@example.org");
}

TEST(SmtpCommand, QuotedLocalPartsKeptAsSent) {
  EXPECT_EQ(ok("MAIL FROM:<\"john doe\"@example.org>").path, "\"john doe\"@example.org");
  EXPECT_EQ(ok("RCPT TO:<\"a>b\"@example.org>").path, "\"a>b\"@example.org");
  EXPECT_EQ(ok("RCPT TO:<\"a\\\"b\"@example.org>").path, "\"a\\\"b\"@example.org");
  EXPECT_EQ(ok("RCPT TO:<\"\"@example.org>").path, "\"\"@example.org");
  expect_err("RCPT TO:<\"unterminated@example.org>", 501, "5.1.3");
  expect_err("RCPT TO:<\"a\"b@example.org>", 501, "5.1.3");
}

TEST(SmtpCommand, SourceRoutesDropped) {
  // RFC 5321 §4.1.1.3 / Appendix C: accepted, route ignored.
  EXPECT_EQ(ok("RCPT TO:<@a.example,@b.example:u@c.example>").path, "u@c.example");
  EXPECT_EQ(ok("MAIL FROM:<@a.example:u@c.example> SIZE=5").path, "u@c.example");
  expect_err("RCPT TO:<@:u@c.example>", 501, "5.1.3");
  expect_err("RCPT TO:<@a.example,u@c.example>", 501, "5.1.3");
  expect_err("RCPT TO:<@a.example>", 501, "5.1.3");
  expect_err("RCPT TO:<@a.example:>", 501, "5.1.3");
}

TEST(SmtpCommand, Utf8Paths) {
  Command cmd = ok("RCPT TO:<j\xC3\xB6rg@b\xC3\xBC" "cher.example> ");
  EXPECT_EQ(cmd.path, "j\xC3\xB6rg@b\xC3\xBC" "cher.example");
  EXPECT_TRUE(cmd.path_utf8);
  EXPECT_TRUE(ok("MAIL FROM:<\xE7\x94\xA8\xE6\x88\xB7@\xE4\xBE\x8B\xE5\xAD\x90.\xE5\xB9\xBF\xE5\x91\x8A> SMTPUTF8").path_utf8);
  expect_err("RCPT TO:<a\xFF@b.example>", 501, "5.1.3");          // not UTF-8
  expect_err("RCPT TO:<a\xC0\xAF@b.example>", 501, "5.1.3");      // overlong
  expect_err("RCPT TO:<a@b\xED\xA0\x80.example>", 501, "5.1.3");  // surrogate
  expect_err("MAIL FROM:<a\xC3@b.example>", 501, "5.1.7");        // truncated
}

TEST(SmtpCommand, AddressLiterals) {
  EXPECT_EQ(ok("RCPT TO:<u@[192.0.2.1]>").path, "u@[192.0.2.1]");
  EXPECT_EQ(ok("RCPT TO:<u@[IPv6:2001:db8::1]>").path, "u@[IPv6:2001:db8::1]");
  EXPECT_EQ(ok("RCPT TO:<u@[ipv6:::1]>").path, "u@[ipv6:::1]");
  EXPECT_EQ(ok("RCPT TO:<u@[IPv6:::ffff:192.0.2.1]>").path, "u@[IPv6:::ffff:192.0.2.1]");
  EXPECT_EQ(ok("RCPT TO:<u@[IPv6:1:2:3:4:5:6:7:8]>").path, "u@[IPv6:1:2:3:4:5:6:7:8]");
  expect_err("RCPT TO:<u@[192.0.2.256]>", 501, "5.1.3");
  expect_err("RCPT TO:<u@[192.0.2]>", 501, "5.1.3");
  expect_err("RCPT TO:<u@[IPv6:1:2:3:4:5:6:7:8:9]>", 501, "5.1.3");
  expect_err("RCPT TO:<u@[IPv6:1::2::3]>", 501, "5.1.3");
  expect_err("RCPT TO:<u@[2001:db8::1]>", 501, "5.1.3");  // IPv6 needs its tag
  expect_err("RCPT TO:<u@[x-foo:bar]>", 501, "5.1.3");
  expect_err("RCPT TO:<u@[192.0.2.1>", 501, "5.1.3");
  expect_err("RCPT TO:<@[192.0.2.1]:u@b.example>", 501, "5.1.3");  // At-domain is a Domain
}

TEST(SmtpCommand, NoArgumentVerbs) {
  for (const char* verb : {"DATA", "RSET", "QUIT", "STARTTLS"}) {
    EXPECT_TRUE(std::holds_alternative<Command>(parse_command(verb))) << verb;
    EXPECT_TRUE(std::holds_alternative<Command>(parse_command(std::string(verb) + " "))) << verb;
    expect_err(std::string(verb) + " now", 501, "5.5.4");
  }
  EXPECT_EQ(ok("NOOP whatever").verb, Verb::noop);
  EXPECT_EQ(ok("HELP MAIL").verb, Verb::help);
}

TEST(SmtpCommand, VrfyExpn) {
  EXPECT_EQ(ok("VRFY <bob@example.org>").argument, "<bob@example.org>");
  EXPECT_EQ(ok("EXPN staff").argument, "staff");
  expect_err("VRFY", 501, "5.5.4");
  expect_err("EXPN  ", 501, "5.5.4");
}

TEST(SmtpCommand, Bdat) {
  Command cmd = ok("BDAT 100");
  EXPECT_EQ(cmd.bdat_size, 100u);
  EXPECT_FALSE(cmd.bdat_last);
  cmd = ok("bdat 0 last");
  EXPECT_EQ(cmd.bdat_size, 0u);
  EXPECT_TRUE(cmd.bdat_last);
  EXPECT_EQ(ok("BDAT 9223372036854775808 LAST").bdat_size, uint64_t{1} << 63);
  EXPECT_EQ(ok("BDAT 0000000000000000000000012").bdat_size, 12u);
  expect_err("BDAT", 501, "5.5.4");
  expect_err("BDAT 9223372036854775809", 501, "5.5.4");
  expect_err("BDAT 99999999999999999999999", 501, "5.5.4");
  expect_err("BDAT -1", 501, "5.5.4");
  expect_err("BDAT +1", 501, "5.5.4");
  expect_err("BDAT 1x", 501, "5.5.4");
  expect_err("BDAT 1 FIRST", 501, "5.5.4");
  expect_err("BDAT 1 LAST x", 501, "5.5.4");
  expect_err("BDAT LAST", 501, "5.5.4");
}

TEST(SmtpCommand, Auth) {
  Command cmd = ok("AUTH PLAIN");
  EXPECT_EQ(cmd.auth_mechanism, "PLAIN");
  EXPECT_FALSE(cmd.auth_initial.has_value());
  cmd = ok("auth plain AHVzZXIAcGFzcw==");
  EXPECT_EQ(cmd.auth_mechanism, "PLAIN");
  ASSERT_TRUE(cmd.auth_initial.has_value());
  EXPECT_EQ(*cmd.auth_initial, "AHVzZXIAcGFzcw==");
  EXPECT_EQ(*ok("AUTH EXTERNAL =").auth_initial, "=");
  EXPECT_EQ(ok("AUTH SCRAM-SHA-256").auth_mechanism, "SCRAM-SHA-256");
  EXPECT_EQ(ok("AUTH x_oauth2").auth_mechanism, "X_OAUTH2");
  expect_err("AUTH", 501, "5.5.4");
  expect_err("AUTH PLAIN a b", 501, "5.5.4");
  expect_err("AUTH PL@IN", 501, "5.5.4");
  expect_err("AUTH ABCDEFGHIJKLMNOPQRSTU", 501, "5.5.4");  // 21 characters
  expect_err("AUTH PLAIN !!!!", 501, "5.5.2");
  expect_err("AUTH PLAIN abc", 501, "5.5.2");
  expect_err("AUTH PLAIN a===", 501, "5.5.2");
}

}  // namespace
}  // namespace postamt::proto::smtp
