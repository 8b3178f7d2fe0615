// LIST / LSUB arguments and mailbox pattern matching. Handles untrusted input.
// RFC 9051 §6.3.9, §9; RFC 3501 §6.3.8-9; RFC 5258 §3; RFC 5819; RFC 6154 §3.
#include "proto/imap/list_args.h"

#include <algorithm>

#include "base/strings.h"
#include "proto/imap/args_common.h"
#include "proto/imap/mutf7.h"

namespace postamt::proto::imap {
namespace {

// Reference and patterns are mailbox names with wildcards: modified UTF-7 for IMAP4rev1
// clients (RFC 3501 §5.1.3; "*" and "%" are plain ASCII there). A pattern that does not
// decode is kept as sent: it then matches nothing, which is the right answer.
Result<std::string> pattern_text(const Token& t, bool utf8_enabled) {
  if (!t.is_astring()) return syntax_error("Mailbox pattern expected");
  if (!utf8_enabled) {
    if (auto d = mutf7_to_utf8(t.text)) return std::move(*d);
  }
  return t.text;
}

// RFC 5258 §3.1: list-select-opts; RFC 6154 §3: SPECIAL-USE.
Result<void> selection(const Token& list, ListArgs& la) {
  for (const Token& t : list.children) {
    if (!is_plain_atom(t)) return syntax_error("Invalid LIST selection option");
    std::string o = ascii_upper(t.text);
    if (o == "SUBSCRIBED") {
      la.select_subscribed = true;
    } else if (o == "REMOTE") {
      la.select_remote = true;
    } else if (o == "RECURSIVEMATCH") {
      la.select_recursive_match = true;
    } else if (o == "SPECIAL-USE") {
      la.select_special_use = true;
    } else {
      return syntax_error("Unknown LIST selection option");
    }
  }
  // RFC 5258 §3.1: RECURSIVEMATCH needs another selection option besides REMOTE.
  if (la.select_recursive_match && !la.select_subscribed && !la.select_special_use) {
    return syntax_error("RECURSIVEMATCH needs another selection option");
  }
  return {};
}

// RFC 5258 §3.2 / RFC 5819 §2 / RFC 6154 §3: list-return-opts = "RETURN" SP "(" [return-option
// *(SP return-option)] ")"; status-option = "STATUS" SP "(" status-att *(SP status-att) ")".
Result<void> return_options(const Token& list, ListArgs& la) {
  const auto& c = list.children;
  for (size_t k = 0; k < c.size(); ++k) {
    if (!is_plain_atom(c[k])) return syntax_error("Invalid LIST return option");
    std::string o = ascii_upper(c[k].text);
    if (o == "SUBSCRIBED") {
      la.return_subscribed = true;
    } else if (o == "CHILDREN") {
      la.return_children = true;
    } else if (o == "SPECIAL-USE") {
      la.return_special_use = true;
    } else if (o == "STATUS" && !la.return_status && k + 1 < c.size()) {
      auto items = parse_status_items(c[k + 1]);
      if (!items) return items.error();
      la.return_status = true;
      la.status_items = std::move(*items);
      ++k;
    } else {
      return syntax_error("Unknown LIST return option");
    }
  }
  return {};
}

}  // namespace

Result<ListArgs> parse_list(const std::vector<Token>& args, size_t i, bool utf8_enabled, size_t max_patterns) {
  ListArgs la;
  if (i < args.size() && args[i].kind == TokenKind::list) {
    la.extended = true;
    if (auto r = selection(args[i], la); !r) return r.error();
    ++i;
  }
  if (auto r = expect_arg(args, i + 1, "mailbox pattern"); !r) return r.error();
  auto ref = pattern_text(args[i], utf8_enabled);
  if (!ref) return ref.error();
  la.reference = std::move(*ref);
  ++i;
  // RFC 5258 §6: mbox-or-pat = list-mailbox / patterns; patterns = "(" list-mailbox
  // *(SP list-mailbox) ")".
  if (args[i].kind == TokenKind::list) {
    la.extended = true;
    if (args[i].children.empty()) return syntax_error("Empty pattern list");
    if (args[i].children.size() > max_patterns) return syntax_error("Too many patterns");
    for (const Token& t : args[i].children) {
      auto p = pattern_text(t, utf8_enabled);
      if (!p) return p.error();
      la.patterns.push_back(std::move(*p));
    }
  } else {
    auto p = pattern_text(args[i], utf8_enabled);
    if (!p) return p.error();
    la.patterns.push_back(std::move(*p));
  }
  ++i;
  if (i < args.size()) {
    if (!(args[i].kind == TokenKind::atom && args[i].is_atom("RETURN")) || i + 1 >= args.size() ||
        args[i + 1].kind != TokenKind::list) {
      return syntax_error("Invalid LIST arguments");
    }
    la.extended = true;
    if (auto r = return_options(args[i + 1], la); !r) return r.error();
    if (auto r = expect_end(args, i + 2); !r) return r.error();
  }
  return la;
}

Result<ListArgs> parse_lsub(const std::vector<Token>& args, size_t i, bool utf8_enabled) {
  ListArgs la;
  if (auto r = expect_arg(args, i + 1, "mailbox pattern"); !r) return r.error();
  auto ref = pattern_text(args[i], utf8_enabled);
  if (!ref) return ref.error();
  auto p = pattern_text(args[i + 1], utf8_enabled);
  if (!p) return p.error();
  la.reference = std::move(*ref);
  la.patterns.push_back(std::move(*p));
  if (auto r = expect_end(args, i + 2); !r) return r.error();
  return la;
}

std::string list_join(std::string_view reference, std::string_view pattern, char delimiter) {
  if (reference.empty() || (!pattern.empty() && pattern[0] == delimiter)) return std::string(pattern);
  std::string out(reference);
  out.append(pattern);
  return out;
}

bool list_match(std::string_view pattern_in, std::string_view name, char delimiter) {
  // Adjacent wildcards collapse ("**", "%*", "*%" -> "*"; "%%" -> "%"), so a pattern has
  // at most one more wildcard than literal characters.
  std::string p;
  p.reserve(pattern_in.size());
  size_t literals = 0;
  for (char c : pattern_in) {
    bool wild = c == '*' || c == '%';
    if (wild && !p.empty() && (p.back() == '*' || p.back() == '%')) {
      if (c == '*') p.back() = '*';
      continue;
    }
    if (!wild) ++literals;
    p += c;
  }
  if (literals > name.size()) return false;
  // RFC 9051 §5.1: "INBOX" is case-insensitive; names arrive normalized ("INBOX...").
  size_t inbox_len = name.starts_with("INBOX") && (name.size() == 5 || name[5] == delimiter) ? 5 : 0;
  auto same = [&](char pc, size_t ni) { return ni < inbox_len ? ascii_lower(pc) == ascii_lower(name[ni]) : pc == name[ni]; };
  // Set of pattern positions reachable after each name prefix (an NFA simulation).
  std::vector<char> cur(p.size() + 1, 0), next(p.size() + 1, 0);
  auto close = [&](std::vector<char>& s) {
    for (size_t j = 0; j < p.size(); ++j) {
      if (s[j] && (p[j] == '*' || p[j] == '%')) s[j + 1] = 1;
    }
  };
  cur[0] = 1;
  close(cur);
  for (size_t ni = 0; ni < name.size(); ++ni) {
    char c = name[ni];
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (size_t j = 0; j < p.size(); ++j) {
      if (!cur[j]) continue;
      if (p[j] == '*' || (p[j] == '%' && c != delimiter)) {
        next[j] = 1;
        any = true;
      } else if (p[j] != '*' && p[j] != '%' && same(p[j], ni)) {
        next[j + 1] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(next);
    cur.swap(next);
  }
  return cur[p.size()] != 0;
}

}  // namespace postamt::proto::imap
