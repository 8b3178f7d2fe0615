// ENABLE and ID arguments. Handles untrusted (pre-login for ID) input.
// RFC 5161; RFC 9051 §6.3.1; RFC 2971.
#include "proto/imap/client_args.h"

#include "proto/imap/args_common.h"

namespace postamt::proto::imap {

Result<std::vector<std::string>> parse_enable(const std::vector<Token>& args, size_t i) {
  if (i >= args.size()) return syntax_error("Missing capability");
  std::vector<std::string> caps;
  for (; i < args.size(); ++i) {
    // RFC 9051 §9: capability = ("AUTH=" auth-type) / atom.
    if (!is_plain_atom(args[i]) || args[i].text.size() > kMaxCapabilityName) return syntax_error("Invalid capability");
    std::string c = ascii_upper(args[i].text);
    bool dup = false;
    for (const auto& x : caps) dup = dup || x == c;
    if (dup) continue;
    if (caps.size() >= kMaxEnableCapabilities) return syntax_error("Too many capabilities");
    caps.push_back(std::move(c));
  }
  return caps;
}

Result<std::vector<IdField>> parse_id(const std::vector<Token>& args, size_t i) {
  if (auto r = expect_arg(args, i, "ID parameters"); !r) return r.error();
  if (auto r = expect_end(args, i + 1); !r) return r.error();
  std::vector<IdField> out;
  const Token& t = args[i];
  if (t.kind == TokenKind::nil) return out;
  if (t.kind != TokenKind::list) return syntax_error("Invalid ID parameters");
  const auto& c = t.children;
  if (c.size() % 2 != 0) return syntax_error("Invalid ID parameters");
  if (c.size() / 2 > kMaxIdPairs) return syntax_error("Too many ID parameters");
  for (size_t k = 0; k < c.size(); k += 2) {
    // Field names are strings; bare atoms are accepted as well (some clients send them).
    if (!c[k].is_astring() || c[k].kind == TokenKind::nil) return syntax_error("Invalid ID field name");
    if (c[k].text.size() > kMaxIdField) return syntax_error("ID field name too long");
    IdField f;
    f.name = c[k].text;
    const Token& v = c[k + 1];
    if (v.kind == TokenKind::nil) {
      // NIL
    } else if (v.kind == TokenKind::quoted || v.kind == TokenKind::literal) {
      if (v.text.size() > kMaxIdValue) return syntax_error("ID value too long");
      f.value = v.text;
    } else {
      return syntax_error("Invalid ID value");
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace postamt::proto::imap
