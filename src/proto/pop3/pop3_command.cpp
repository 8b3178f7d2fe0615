// POP3 command-line parsing: keyword lookup and per-verb argument checks.
// Handles untrusted input (any bytes a client sends, before authentication).
// RFCs: 1939 §3-§7, 2449 §4-§5 (CAPA, argument lengths), 2595 §4 (STLS), 5034 §4 (AUTH).
#include <array>
#include <utility>

#include "base/strings.h"
#include "proto/pop3/pop3_codec.h"

namespace postamt::proto::pop3 {
namespace {

// RFC 2449 §4: arguments up to 40 characters. USER and APOP names are exempt:
// login names are full e-mail addresses, which often exceed 40 characters; the line
// limit still bounds them.
constexpr size_t kMaxArg = 40;
// RFC 4422 §3.1: mechanism names are at most 20 characters.
constexpr size_t kMaxMechanism = 20;

struct VerbSpec {
  std::string_view name;
  Verb verb;
  size_t min_args;
  size_t max_args;
};

constexpr std::array<VerbSpec, 15> kVerbs{{
    {"USER", Verb::user, 1, 1},  // RFC 1939 §7
    {"PASS", Verb::pass, 1, 1},  // RFC 1939 §7 (rest of line)
    {"APOP", Verb::apop, 2, 2},  // RFC 1939 §7
    {"STAT", Verb::stat, 0, 0},  // RFC 1939 §5
    {"LIST", Verb::list, 0, 1},
    {"UIDL", Verb::uidl, 0, 1},  // RFC 1939 §7
    {"RETR", Verb::retr, 1, 1},
    {"TOP", Verb::top, 2, 2},    // RFC 1939 §7
    {"DELE", Verb::dele, 1, 1},
    {"RSET", Verb::rset, 0, 0},
    {"NOOP", Verb::noop, 0, 0},
    {"QUIT", Verb::quit, 0, 0},  // RFC 1939 §4, §6
    {"CAPA", Verb::capa, 0, 0},  // RFC 2449 §5
    {"STLS", Verb::stls, 0, 0},  // RFC 2595 §4
    // RFC 5034 §4: AUTH mechanism [initial-response]. A bare "AUTH" (RFC 1734 era
    // mechanism listing) is still sent by some clients; the session answers it.
    {"AUTH", Verb::auth, 0, 2},
}};

bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

bool has_ctl(std::string_view s) {
  for (char c : s)
    if (is_ctl(static_cast<unsigned char>(c))) return true;
  return false;
}

SyntaxError syntax(std::string text) { return SyntaxError{std::move(text)}; }

// Per-verb argument validation beyond the count.
std::optional<SyntaxError> check_args(Verb verb, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    bool exempt = verb == Verb::user || (verb == Verb::apop && i == 0) || (verb == Verb::auth && i == 1);
    if (!exempt && a.size() > kMaxArg) return syntax("Argument too long");
  }
  switch (verb) {
    case Verb::list:
    case Verb::uidl:
    case Verb::retr:
    case Verb::dele:
      if (!args.empty() && !parse_msg_number(args[0])) return syntax("Invalid message number");
      break;
    case Verb::top:
      if (!parse_msg_number(args[0])) return syntax("Invalid message number");
      if (!parse_u64(args[1])) return syntax("Invalid line count");  // 0 is allowed
      break;
    case Verb::apop:
      // RFC 1939 §7: the digest is 16 octets in hexadecimal.
      if (args[1].size() != 32) return syntax("Invalid digest");
      for (char c : args[1])
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
          return syntax("Invalid digest");
      break;
    case Verb::auth:
      if (!args.empty() && args[0].size() > kMaxMechanism) return syntax("Invalid mechanism");
      break;
    default:
      break;
  }
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> parse_msg_number(std::string_view s) {
  auto v = parse_u64(s);
  if (!v || *v == 0) return std::nullopt;
  return v;
}

std::variant<Command, SyntaxError> parse_command(std::string_view line) {
  size_t sp = line.find(' ');
  std::string_view keyword = line.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
  if (keyword.empty()) return syntax("Empty command");
  // verb_text ends up in logs: no control bytes there.
  if (has_ctl(keyword)) return syntax("Invalid characters in command");

  Command cmd;
  cmd.verb_text = std::string(keyword);
  const VerbSpec* spec = nullptr;
  for (const auto& v : kVerbs)
    if (iequals(keyword, v.name)) spec = &v;
  if (spec == nullptr) return cmd;  // Verb::unknown: the session says "-ERR unknown command"
  cmd.verb = spec->verb;

  if (cmd.verb == Verb::pass) {
    // RFC 1939 §7: the password is the rest of the line; it may contain spaces.
    // NUL, CR and LF would truncate or confuse password checks downstream.
    if (rest.empty()) return syntax("Missing password");
    for (char c : rest)
      if (c == '\0' || c == '\r' || c == '\n') return syntax("Invalid password characters");
    cmd.args.emplace_back(rest);
    return cmd;
  }

  if (has_ctl(line)) return syntax("Invalid characters in command");
  // RFC 1939 §3 separates arguments by a single space; runs of spaces and a trailing
  // space are tolerated because sloppy clients send them and they are unambiguous.
  size_t i = 0;
  while (i < rest.size()) {
    size_t j = rest.find(' ', i);
    if (j == std::string_view::npos) j = rest.size();
    if (j > i) {
      if (cmd.args.size() == spec->max_args) return syntax("Too many arguments");
      cmd.args.emplace_back(rest.substr(i, j - i));
    }
    i = j + 1;
  }
  if (cmd.args.size() < spec->min_args) return syntax("Missing argument");
  if (auto e = check_args(cmd.verb, cmd.args)) return std::move(*e);
  return cmd;
}

}  // namespace postamt::proto::pop3
