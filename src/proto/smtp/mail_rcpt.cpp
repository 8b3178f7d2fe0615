// MAIL FROM / RCPT TO argument parsing: reverse-path / forward-path and ESMTP parameters.
// Handles unauthenticated input: total on any argument.
// RFC 5321 §4.1.1.2, §4.1.1.3, §4.1.2 (Path, esmtp-param), Appendix C (source routes);
// RFC 6531 §3.3 (UTF-8 paths, UTF-8 in esmtp-value).
#include "base/strings.h"
#include "proto/smtp/command_parse.h"
#include "proto/smtp/path_scan.h"

namespace postamt::proto::smtp::detail {
namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
bool is_keyword(std::string_view k) {
  if (k.empty() || !is_alnum(k[0])) return false;
  for (char c : k)
    if (!is_alnum(c) && c != '-') return false;
  return true;
}

// esmtp-value = 1*(%d33-60 / %d62-126 / UTF8-non-ascii). '=' (61) is tolerated: values such
// as base64 AUTH= identities occur in the wild and the session validates each known keyword.
bool is_value(std::string_view v) {
  if (v.empty()) return false;
  for (char ch : v) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 33 || c == 127) return false;
  }
  return true;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

}  // namespace

std::optional<SyntaxError> parse_mail_rcpt(std::string_view arg, bool is_mail, Command& cmd) {
  const SyntaxError usage{501, "5.5.4", is_mail ? "Syntax: MAIL FROM:<address>" : "Syntax: RCPT TO:<address>"};
  // RFC 3463: X.1.7 bad sender's mailbox syntax, X.1.3 bad destination mailbox syntax.
  const SyntaxError bad_address = is_mail ? SyntaxError{501, "5.1.7", "Bad sender address syntax"}
                                          : SyntaxError{501, "5.1.3", "Bad recipient address syntax"};
  const std::string_view keyword = is_mail ? "FROM:" : "TO:";

  arg = trim(arg);
  if (!istarts_with(arg, keyword)) return usage;
  arg.remove_prefix(keyword.size());
  // "MAIL FROM: <a@b>" is not RFC 5321 but common; Postfix accepts it too.
  while (!arg.empty() && (arg.front() == ' ' || arg.front() == '\t')) arg.remove_prefix(1);
  if (arg.empty() || arg.front() != '<') return usage;

  size_t pos = 1;
  std::string_view path;
  if (is_mail && arg.size() > 1 && arg[1] == '>') {
    pos = 2;  // RFC 5321 §4.1.1.2: MAIL FROM:<> is the null reverse-path
  } else {
    if (pos < arg.size() && arg[pos] == '@' && !scan_source_route(arg, pos)) return bad_address;
    size_t start = pos;
    if (!is_mail && istarts_with(arg.substr(pos), "postmaster>")) {
      pos += 10;  // RFC 5321 §4.1.1.3: <Postmaster> without a domain must be accepted
    } else if (!scan_mailbox(arg, pos, nullptr)) {
      return bad_address;
    }
    path = arg.substr(start, pos - start);
    if (pos >= arg.size() || arg[pos] != '>') return bad_address;
    ++pos;
  }

  std::string_view rest = arg.substr(pos);
  if (!rest.empty() && rest.front() != ' ' && rest.front() != '\t') return usage;
  std::vector<Param> params;
  for (std::string_view word : split_ws(rest)) {
    Param p;
    size_t eq = word.find('=');
    if (eq != std::string_view::npos) {
      if (!is_value(word.substr(eq + 1))) return SyntaxError{501, "5.5.4", "Bad parameter syntax"};
      p.value = std::string(word.substr(eq + 1));
      p.has_value = true;
    }
    std::string_view key = word.substr(0, eq);
    if (!is_keyword(key)) return SyntaxError{501, "5.5.4", "Bad parameter syntax"};
    p.keyword = upper(key);
    params.push_back(std::move(p));
  }

  cmd.path = std::string(path);
  cmd.path_utf8 = false;
  for (char c : path)
    if (static_cast<unsigned char>(c) >= 0x80) cmd.path_utf8 = true;
  cmd.params = std::move(params);
  return std::nullopt;
}

}  // namespace postamt::proto::smtp::detail
