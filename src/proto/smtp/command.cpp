// SMTP command line parsing: verb lookup and the arguments of every verb except MAIL/RCPT
// (see mail_rcpt.cpp). Handles unauthenticated input: total on any byte string.
// RFC 5321 §4.1.1 (commands), §4.2.2/§4.3 and RFC 3463 (reply codes for syntax errors),
// RFC 3030 §2/§3 (BDAT), RFC 4954 §4 (AUTH), RFC 3207 §4 (STARTTLS).
#include <array>

#include "base/strings.h"
#include "proto/smtp/command.h"
#include "proto/smtp/command_parse.h"

namespace postamt::proto::smtp {
namespace {

struct VerbEntry {
  std::string_view name;
  Verb verb;
};

constexpr std::array<VerbEntry, 14> kVerbs{{
    {"HELO", Verb::helo}, {"EHLO", Verb::ehlo}, {"MAIL", Verb::mail}, {"RCPT", Verb::rcpt},
    {"DATA", Verb::data}, {"BDAT", Verb::bdat}, {"RSET", Verb::rset}, {"NOOP", Verb::noop},
    {"QUIT", Verb::quit}, {"VRFY", Verb::vrfy}, {"EXPN", Verb::expn}, {"HELP", Verb::help},
    {"STARTTLS", Verb::starttls}, {"AUTH", Verb::auth},
}};

constexpr uint64_t kMaxBdatSize = uint64_t{1} << 63;  // the task's bound; fits every counter
constexpr size_t kMaxMechanism = 20;                  // RFC 4422 §3.1 sasl-mech

SyntaxError usage(std::string_view text) { return SyntaxError{501, "5.5.4", std::string(text)}; }

// RFC 5321 §2.3.8 / §4.1.2: no command or argument contains control characters; a bare CR
// inside a "line" is a smuggling attempt or garbage either way.
bool has_control(std::string_view line) {
  for (char ch : line) {
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7F) return true;
  }
  return false;
}

Verb lookup_verb(std::string_view text) {
  for (const auto& e : kVerbs)
    if (iequals(text, e.name)) return e.verb;
  return Verb::unknown;
}

// RFC 3030 §3: chunk-size = 1*DIGIT
std::optional<uint64_t> parse_chunk_size(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t zeros = 0;
  while (zeros + 1 < s.size() && s[zeros] == '0') ++zeros;  // leading zeros are still 1*DIGIT
  auto v = parse_u64(s.substr(zeros));
  if (!v || *v > kMaxBdatSize) return std::nullopt;
  return v;
}

std::optional<SyntaxError> parse_bdat(std::string_view arg, Command& cmd) {
  auto words = split_ws(arg);
  if (words.empty() || words.size() > 2) return usage("Syntax: BDAT size [LAST]");
  auto size = parse_chunk_size(words[0]);
  if (!size) return usage("Syntax: BDAT size [LAST]");
  if (words.size() == 2 && !iequals(words[1], "LAST")) return usage("Syntax: BDAT size [LAST]");
  cmd.bdat_size = *size;
  cmd.bdat_last = words.size() == 2;
  return std::nullopt;
}

bool is_mech_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// RFC 4954 §4: initial-response = base64 / "="; decoding is left to the SASL layer, but the
// shape is checked here so garbage is refused before any mechanism runs.
bool is_initial_response(std::string_view s) {
  if (s == "=") return true;
  if (s.empty() || s.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
  for (size_t i = 0; i + pad < s.size(); ++i)
    if (!is_base64_char(s[i])) return false;
  return true;
}

std::optional<SyntaxError> parse_auth(std::string_view arg, Command& cmd) {
  auto words = split_ws(arg);
  if (words.empty() || words.size() > 2) return usage("Syntax: AUTH mechanism [initial-response]");
  std::string mech;
  for (char c : words[0]) mech.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  if (mech.size() > kMaxMechanism) return usage("Syntax: AUTH mechanism [initial-response]");
  for (char c : mech)
    if (!is_mech_char(c)) return usage("Syntax: AUTH mechanism [initial-response]");
  cmd.auth_mechanism = std::move(mech);
  if (words.size() == 2) {
    // RFC 4954 §4: a response that is not base64 is answered 501 5.5.2.
    if (!is_initial_response(words[1])) return SyntaxError{501, "5.5.2", "Invalid base64 data in initial response"};
    cmd.auth_initial = std::string(words[1]);
  }
  return std::nullopt;
}

}  // namespace

std::string_view verb_name(Verb verb) {
  for (const auto& e : kVerbs)
    if (e.verb == verb) return e.name;
  return "UNKNOWN";
}

std::variant<Command, SyntaxError> parse_command(std::string_view line) {
  // RFC 5321 §4.2.2 / RFC 3463: 500 5.5.2 for a line that is not a command at all.
  if (has_control(line) || trim(line).empty()) return SyntaxError{500, "5.5.2", "Error: bad syntax"};

  Command cmd;
  size_t sep = line.find_first_of(" \t");
  cmd.verb_text = std::string(line.substr(0, sep));
  if (sep != std::string_view::npos) cmd.argument = std::string(line.substr(sep + 1));
  cmd.verb = lookup_verb(cmd.verb_text);
  std::string_view arg = trim(cmd.argument);

  std::optional<SyntaxError> err;
  switch (cmd.verb) {
    case Verb::helo:
    case Verb::ehlo:
      // RFC 5321 §4.1.1.1. Not validated here: many clients send junk, and policy on it
      // (Postfix's reject_invalid_helo_hostname) belongs to the session.
      if (arg.empty()) return usage(cmd.verb == Verb::helo ? "Syntax: HELO hostname" : "Syntax: EHLO hostname");
      cmd.domain = std::string(arg);
      break;
    case Verb::mail:
    case Verb::rcpt:
      err = detail::parse_mail_rcpt(cmd.argument, cmd.verb == Verb::mail, cmd);
      break;
    case Verb::data:
    case Verb::rset:
    case Verb::quit:
    case Verb::starttls:
      // RFC 5321 §4.1.1.4/.5/.10, RFC 3207 §4: no parameters.
      if (!arg.empty()) return usage("Syntax: " + std::string(verb_name(cmd.verb)));
      break;
    case Verb::vrfy:
    case Verb::expn:
      // RFC 5321 §4.1.1.6/.7: "VRFY" SP String
      if (arg.empty()) return usage("Syntax: " + std::string(verb_name(cmd.verb)) + " address");
      break;
    case Verb::noop:
    case Verb::help:
      // RFC 5321 §4.1.1.8/.9: an optional string, ignored.
      break;
    case Verb::bdat:
      err = parse_bdat(arg, cmd);
      break;
    case Verb::auth:
      err = parse_auth(arg, cmd);
      break;
    case Verb::unknown:
      break;
  }
  if (err) return *err;
  return cmd;
}

}  // namespace postamt::proto::smtp
