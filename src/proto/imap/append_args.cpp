// APPEND / MULTIAPPEND arguments. Handles untrusted input.
// RFC 9051 §6.3.12, §9; RFC 3502 §6; RFC 3516 §4.3; RFC 6855 §4.
#include "proto/imap/append_args.h"

#include "proto/imap/args_common.h"
#include "proto/imap/mailbox_name.h"
#include "proto/imap/store_args.h"

namespace postamt::proto::imap {

Result<AppendArgs> parse_append(const std::vector<Token>& args, size_t i, bool utf8_enabled, size_t max_messages) {
  AppendArgs ap;
  if (auto r = expect_arg(args, i, "mailbox name"); !r) return r.error();
  auto name = decode_mailbox_name(args[i], utf8_enabled);
  if (!name) return name.error();
  ap.mailbox = std::move(*name);
  ++i;
  if (i >= args.size()) return syntax_error("Missing message literal");
  while (i < args.size()) {
    if (ap.messages.size() >= max_messages) return syntax_error("Too many messages in APPEND");
    AppendMessage m;
    if (args[i].kind == TokenKind::list) {
      auto flags = parse_flag_list(args[i]);
      if (!flags) return flags.error();
      m.flags = std::move(*flags);
      ++i;
    }
    // RFC 9051 §9: date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time
    // SP zone DQUOTE.
    if (i < args.size() && args[i].kind == TokenKind::quoted) {
      auto dt = parse_date_time(args[i].text);
      if (!dt) return dt.error();
      m.internal_date = *dt;
      ++i;
    }
    if (i >= args.size()) return syntax_error("Missing message literal");
    const Token& d = args[i];
    if (d.kind == TokenKind::literal) {
      m.data = d.text;
      m.binary = d.binary;
      ++i;
    } else if (d.kind == TokenKind::atom && d.is_atom("UTF8")) {
      // RFC 6855 §4: "UTF8" SP "(" literal8 ")".
      if (!utf8_enabled) return syntax_error("UTF8 APPEND needs ENABLE UTF8=ACCEPT");
      if (i + 1 >= args.size() || args[i + 1].kind != TokenKind::list || args[i + 1].children.size() != 1 ||
          args[i + 1].children[0].kind != TokenKind::literal) {
        return syntax_error("Invalid UTF8 APPEND data");
      }
      const Token& lit = args[i + 1].children[0];
      m.data = lit.text;
      m.binary = lit.binary;
      m.utf8 = true;
      i += 2;
    } else {
      return syntax_error("Message literal expected");
    }
    ap.messages.push_back(std::move(m));
  }
  return ap;
}

}  // namespace postamt::proto::imap
