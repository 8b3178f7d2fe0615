// STORE arguments and flag validation. Handles untrusted input.
// RFC 9051 §2.3.2, §6.4.6, §9; RFC 7162 §3.1.3, §7.
#include "proto/imap/store_args.h"

#include "base/strings.h"
#include "proto/imap/args_common.h"

namespace postamt::proto::imap {
namespace {

// RFC 9051 §2.3.2 system flags a client may set, in canonical spelling.
constexpr const char* kSystemFlags[] = {"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"};

// RFC 9051 §9: ATOM-CHAR = <any CHAR except atom-specials>.
bool is_atom_char(unsigned char c) {
  if (c <= 0x20 || c >= 0x7F) return false;
  switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']':
      return false;
    default:
      return true;
  }
}

bool contains_flag(const std::vector<std::string>& flags, std::string_view f) {
  for (const auto& x : flags) {
    if (iequals(x, f)) return true;
  }
  return false;
}

Result<void> add_flag(std::vector<std::string>& out, const Token& t, size_t max_flags) {
  // "NIL" is a valid keyword atom; the generic parser marks it as nil.
  if (t.kind != TokenKind::atom && t.kind != TokenKind::nil) return syntax_error("Invalid flag");
  auto f = parse_flag(t.text);
  if (!f) return f.error();
  if (contains_flag(out, *f)) return {};
  if (out.size() >= max_flags) return syntax_error("Too many flags");
  out.push_back(std::move(*f));
  return {};
}

}  // namespace

bool is_valid_keyword(std::string_view s) {
  if (s.empty() || s.size() > kMaxKeywordBytes) return false;
  for (unsigned char c : s) {
    if (!is_atom_char(c)) return false;
  }
  return true;
}

// RFC 9051 §9: flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" /
// flag-keyword / flag-extension. Flag extensions name nothing we support.
Result<std::string> parse_flag(std::string_view text) {
  if (!text.empty() && text[0] == '\\') {
    for (const char* f : kSystemFlags) {
      if (iequals(text, f)) return std::string(f);
    }
    if (iequals(text, "\\Recent")) return syntax_error("\\Recent cannot be set");
    return syntax_error("Unknown system flag");
  }
  if (!is_valid_keyword(text)) return syntax_error("Invalid keyword");
  return std::string(text);
}

Result<std::vector<std::string>> parse_flag_list(const Token& list, size_t max_flags) {
  if (list.kind != TokenKind::list) return syntax_error("Flag list expected");
  std::vector<std::string> out;
  for (const Token& t : list.children) {
    if (auto r = add_flag(out, t, max_flags); !r) return r.error();
  }
  return out;
}

Result<StoreArgs> parse_store(const std::vector<Token>& args, size_t i, size_t max_flags) {
  StoreArgs st;
  if (auto r = expect_arg(args, i, "STORE data item"); !r) return r.error();
  // RFC 7162 §7: store-modifiers = SP "(" store-modifier *(SP store-modifier) ")";
  // store-modifier =/ "UNCHANGEDSINCE" SP mod-sequence-valzer.
  if (args[i].kind == TokenKind::list) {
    const auto& mods = args[i].children;
    if (mods.empty()) return syntax_error("Empty STORE modifier list");
    for (size_t k = 0; k < mods.size(); ++k) {
      if (mods[k].is_atom("UNCHANGEDSINCE") && !st.unchanged_since && k + 1 < mods.size()) {
        auto v = parse_mod_sequence(mods[k + 1], true);
        if (!v) return v.error();
        st.unchanged_since = *v;
        ++k;
      } else {
        return syntax_error("Invalid STORE modifier");
      }
    }
    ++i;
    if (auto r = expect_arg(args, i, "STORE data item"); !r) return r.error();
  }
  // RFC 9051 §9: store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list /
  // (flag *(SP flag))).
  if (!is_plain_atom(args[i])) return syntax_error("Invalid STORE data item");
  std::string_view item = args[i].text;
  if (!item.empty() && (item[0] == '+' || item[0] == '-')) {
    st.mode = item[0] == '+' ? StoreMode::add : StoreMode::remove;
    item.remove_prefix(1);
  }
  if (iequals(item, "FLAGS.SILENT")) {
    st.silent = true;
  } else if (!iequals(item, "FLAGS")) {
    return syntax_error("Invalid STORE data item");
  }
  ++i;
  if (auto r = expect_arg(args, i, "flags"); !r) return r.error();
  if (args[i].kind == TokenKind::list) {
    auto flags = parse_flag_list(args[i], max_flags);
    if (!flags) return flags.error();
    st.flags = std::move(*flags);
    if (auto r = expect_end(args, i + 1); !r) return r.error();
    return st;
  }
  for (; i < args.size(); ++i) {
    if (auto r = add_flag(st.flags, args[i], max_flags); !r) return r.error();
  }
  return st;
}

}  // namespace postamt::proto::imap
