// SMTP command line parsing: verb, arguments, MAIL/RCPT paths and ESMTP parameters.
// Handles unauthenticated input (every line a client sends before and after AUTH).
// RFC 5321 §4.1, RFC 1870, RFC 3030 (BDAT), RFC 4954 (AUTH), RFC 6531 (UTF-8 paths).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace postamt::proto::smtp {

enum class Verb { helo, ehlo, mail, rcpt, data, bdat, rset, noop, quit, vrfy, expn, help, starttls, auth, unknown };

// Upper-case name of a known verb ("MAIL"); "UNKNOWN" for Verb::unknown.
std::string_view verb_name(Verb verb);

struct Param {
  std::string keyword;  // upper-case
  std::string value;    // raw; empty if no '='
  bool has_value = false;
};

struct Command {
  Verb verb = Verb::unknown;
  std::string verb_text;  // as sent, for logs
  std::string argument;   // everything after the verb and one SP, raw
  // MAIL/RCPT: the address inside <> with source route dropped and a quoted local part kept
  // as sent; "" for MAIL FROM:<> (null sender). RCPT TO:<postmaster> (no domain) is
  // allowed (RFC 5321 §4.1.1.3) and kept as sent.
  std::string path;
  bool path_utf8 = false;    // path contains non-ASCII (RFC 6531); SMTPUTF8 checks are the session's
  std::vector<Param> params;  // MAIL/RCPT ESMTP parameters (RFC 5321 §4.1.2 esmtp-param)
  uint64_t bdat_size = 0;     // RFC 3030
  bool bdat_last = false;
  std::string auth_mechanism;               // upper-case; AUTH
  std::optional<std::string> auth_initial;  // RFC 4954 initial response as sent ("=" means empty)
  std::string domain;                       // HELO/EHLO argument (trimmed, not validated)
};

// A syntax problem with the reply the session should send.
struct SyntaxError {
  int code;
  std::string enhanced;
  std::string text;
};

// Parses one command line (without CRLF). Never fails on a well-formed line with an unknown
// verb: that comes back as Command{Verb::unknown} so the session can count it and reply
// "500 5.5.2". SyntaxError covers: empty line or control characters (500 5.5.2), bad or
// missing arguments (501 5.5.4), bad addresses (501 5.1.7 sender / 501 5.1.3 recipient),
// malformed AUTH initial response (501 5.5.2). Unknown or duplicate MAIL/RCPT parameters
// (555 5.5.4) are the session's job.
std::variant<Command, SyntaxError> parse_command(std::string_view line);

}  // namespace postamt::proto::smtp
