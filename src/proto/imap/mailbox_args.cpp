// STATUS, SELECT/EXAMINE, CREATE, COPY/MOVE and UID EXPUNGE arguments. Handles untrusted
// input. RFC 9051 §6.3, §6.4.7-9, §9; RFC 7162 §3.1.7, §3.1.8, §3.2.5; RFC 6154 §4;
// RFC 7889; RFC 8474 §4; RFC 4315; RFC 6851.
#include "proto/imap/mailbox_args.h"

#include "base/strings.h"
#include "proto/imap/args_common.h"
#include "proto/imap/mailbox_name.h"

namespace postamt::proto::imap {
namespace {

struct StatusName {
  const char* name;
  StatusItem item;
};

constexpr StatusName kStatusNames[] = {
    {"MESSAGES", StatusItem::messages},
    {"UIDNEXT", StatusItem::uidnext},
    {"UIDVALIDITY", StatusItem::uidvalidity},
    {"UNSEEN", StatusItem::unseen},
    {"DELETED", StatusItem::deleted},          // RFC 9051
    {"SIZE", StatusItem::size},                // RFC 9051 (STATUS=SIZE, RFC 8438)
    {"HIGHESTMODSEQ", StatusItem::highestmodseq},  // RFC 7162 §3.1.7
    {"APPENDLIMIT", StatusItem::appendlimit},  // RFC 7889
    {"RECENT", StatusItem::recent},            // RFC 3501 only
    {"MAILBOXID", StatusItem::mailboxid},      // RFC 8474 §4
};

// RFC 6154 §2 special-use attributes a mailbox can be created with.
constexpr size_t kMaxUseAttrs = 16;

constexpr const char* kSpecialUse[] = {"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"};

Result<std::string> mailbox_at(const std::vector<Token>& args, size_t i, bool utf8_enabled) {
  if (auto r = expect_arg(args, i, "mailbox name"); !r) return r.error();
  return decode_mailbox_name(args[i], utf8_enabled);
}

// A set of UIDs or message numbers a client claims to know: no "*" (it has no meaning
// there) and no "$" (RFC 7162 §3.2.5).
Result<SequenceSet> known_set(const Token& t, size_t max_ranges) {
  auto s = parse_sequence_arg(t, max_ranges);
  if (!s) return s.error();
  if (s->is_saved_result()) return syntax_error("Invalid QRESYNC parameter");
  for (const SeqRange& r : s->ranges()) {
    if (r.first == 0 || r.last == 0) return syntax_error("\"*\" is not allowed in QRESYNC");
  }
  return s;
}

// RFC 7162 §7: "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
// [SP seq-match-data] ")"; seq-match-data = "(" known-sequence-set SP known-uid-set ")".
Result<QresyncParams> qresync(const Token& list, size_t max_ranges) {
  if (list.kind != TokenKind::list) return syntax_error("QRESYNC parameters expected");
  const auto& c = list.children;
  if (c.size() < 2 || c.size() > 4) return syntax_error("Invalid QRESYNC parameters");
  QresyncParams q;
  auto uv = parse_number(c[0], true);
  if (!uv) return uv.error();
  q.uidvalidity = *uv;
  auto ms = parse_mod_sequence(c[1], true);
  if (!ms) return ms.error();
  q.modseq = *ms;
  size_t k = 2;
  if (k < c.size() && c[k].kind == TokenKind::atom) {
    auto s = known_set(c[k], max_ranges);
    if (!s) return s.error();
    q.known_uids = std::move(*s);
    ++k;
  }
  if (k < c.size()) {
    if (c[k].kind != TokenKind::list || c[k].children.size() != 2) return syntax_error("Invalid QRESYNC parameters");
    auto seqs = known_set(c[k].children[0], max_ranges);
    if (!seqs) return seqs.error();
    auto uids = known_set(c[k].children[1], max_ranges);
    if (!uids) return uids.error();
    q.known_seqs = std::move(*seqs);
    q.known_seq_uids = std::move(*uids);
    ++k;
  }
  if (k != c.size()) return syntax_error("Invalid QRESYNC parameters");
  return q;
}

}  // namespace

const char* status_item_name(StatusItem item) {
  for (const auto& s : kStatusNames) {
    if (s.item == item) return s.name;
  }
  return "";
}

Result<std::vector<StatusItem>> parse_status_items(const Token& list) {
  if (list.kind != TokenKind::list) return syntax_error("Status items expected");
  if (list.children.empty()) return syntax_error("Empty status item list");
  std::vector<StatusItem> items;
  for (const Token& t : list.children) {
    if (!is_plain_atom(t)) return syntax_error("Invalid status item");
    const StatusName* found = nullptr;
    for (const auto& s : kStatusNames) {
      if (iequals(t.text, s.name)) found = &s;
    }
    if (!found) return syntax_error("Unknown status item");
    bool dup = false;
    for (StatusItem it : items) dup = dup || it == found->item;
    if (!dup) items.push_back(found->item);
  }
  return items;
}

Result<StatusArgs> parse_status(const std::vector<Token>& args, size_t i, bool utf8_enabled) {
  StatusArgs st;
  auto name = mailbox_at(args, i, utf8_enabled);
  if (!name) return name.error();
  st.mailbox = std::move(*name);
  if (auto r = expect_arg(args, i + 1, "status items"); !r) return r.error();
  auto items = parse_status_items(args[i + 1]);
  if (!items) return items.error();
  st.items = std::move(*items);
  if (auto r = expect_end(args, i + 2); !r) return r.error();
  return st;
}

Result<SelectArgs> parse_select(const std::vector<Token>& args, size_t i, bool utf8_enabled, size_t max_ranges) {
  SelectArgs sel;
  auto name = mailbox_at(args, i, utf8_enabled);
  if (!name) return name.error();
  sel.mailbox = std::move(*name);
  if (i + 1 >= args.size()) return sel;
  const Token& params = args[i + 1];
  if (params.kind != TokenKind::list || params.children.empty()) return syntax_error("Invalid SELECT parameters");
  const auto& c = params.children;
  bool seen_condstore = false;
  for (size_t k = 0; k < c.size(); ++k) {
    if (c[k].kind == TokenKind::atom && c[k].is_atom("CONDSTORE") && !seen_condstore) {
      seen_condstore = true;  // RFC 7162 §3.1.8
      sel.condstore = true;
    } else if (c[k].kind == TokenKind::atom && c[k].is_atom("QRESYNC") && !sel.qresync && k + 1 < c.size()) {
      auto q = qresync(c[k + 1], max_ranges);  // RFC 7162 §3.2.5
      if (!q) return q.error();
      sel.qresync = std::move(*q);
      sel.condstore = true;
      ++k;
    } else {
      return syntax_error("Unknown SELECT parameter");
    }
  }
  if (auto r = expect_end(args, i + 2); !r) return r.error();
  return sel;
}

std::string canonical_special_use(std::string_view attr) {
  for (const char* s : kSpecialUse) {
    if (iequals(attr, s)) return s;
  }
  return {};
}

Result<CreateArgs> parse_create(const std::vector<Token>& args, size_t i, bool utf8_enabled) {
  CreateArgs cr;
  auto name = mailbox_at(args, i, utf8_enabled);
  if (!name) return name.error();
  cr.mailbox = std::move(*name);
  if (i + 1 >= args.size()) return cr;
  // RFC 4466 §2.2: create-params = SP "(" create-param *(SP create-param) ")".
  const Token& params = args[i + 1];
  if (params.kind != TokenKind::list || params.children.empty()) return syntax_error("Invalid CREATE parameters");
  const auto& c = params.children;
  for (size_t k = 0; k < c.size(); ++k) {
    if (!(c[k].kind == TokenKind::atom && c[k].is_atom("USE")) || cr.has_use || k + 1 >= c.size() ||
        c[k + 1].kind != TokenKind::list) {
      return syntax_error("Unknown CREATE parameter");
    }
    cr.has_use = true;
    // RFC 6154 §6: use-attr = "\All" / "\Archive" / "\Drafts" / "\Flagged" / "\Junk" /
    // "\Sent" / "\Trash" / use-attr-ext; use-attr-ext = "\" atom.
    for (const Token& a : c[k + 1].children) {
      if (!is_plain_atom(a) || a.text.size() < 2 || a.text[0] != '\\') return syntax_error("Invalid USE attribute");
      std::string canon = canonical_special_use(a.text);
      std::string attr = canon.empty() ? a.text : canon;
      bool dup = false;
      for (const auto& x : cr.special_use) dup = dup || iequals(x, attr);
      if (!dup) cr.special_use.push_back(std::move(attr));
      if (cr.special_use.size() > kMaxUseAttrs) return syntax_error("Too many USE attributes");
    }
    ++k;
  }
  if (auto r = expect_end(args, i + 2); !r) return r.error();
  return cr;
}

Result<CopyArgs> parse_copy(const std::vector<Token>& args, size_t i, bool utf8_enabled, size_t max_ranges) {
  if (auto r = expect_arg(args, i, "sequence set"); !r) return r.error();
  auto set = parse_sequence_arg(args[i], max_ranges);
  if (!set) return set.error();
  auto name = mailbox_at(args, i + 1, utf8_enabled);
  if (!name) return name.error();
  if (auto r = expect_end(args, i + 2); !r) return r.error();
  return CopyArgs{std::move(*set), std::move(*name)};
}

Result<SequenceSet> parse_uid_expunge(const std::vector<Token>& args, size_t i, size_t max_ranges) {
  if (auto r = expect_arg(args, i, "sequence set"); !r) return r.error();
  auto set = parse_sequence_arg(args[i], max_ranges);
  if (!set) return set.error();
  if (auto r = expect_end(args, i + 1); !r) return r.error();
  return set;
}

}  // namespace postamt::proto::imap
