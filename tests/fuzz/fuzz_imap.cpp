// libFuzzer target for the IMAP codecs (untrusted input): the command tokenizer (whole
// input vs. chunked feeds must give the same events, buffers stay bounded), the command
// parser on every complete line, every per-command grammar parser on the parsed Command
// (FETCH, SEARCH/SORT/THREAD, STORE, LIST/LSUB, STATUS, SELECT, CREATE, APPEND, COPY/MOVE,
// UID EXPUNGE, ENABLE, ID, mailbox names), sequence sets, modified UTF-7 (decode/encode
// round trip), dates (parse/format round trip), the LIST wildcard matcher and the response
// string encoders (what they emit parses back to the same bytes).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "proto/imap/append_args.h"
#include "proto/imap/client_args.h"
#include "proto/imap/command_parser.h"
#include "proto/imap/datetime.h"
#include "proto/imap/fetch_items.h"
#include "proto/imap/list_args.h"
#include "proto/imap/mailbox_args.h"
#include "proto/imap/mailbox_name.h"
#include "proto/imap/mutf7.h"
#include "proto/imap/response.h"
#include "proto/imap/search_query.h"
#include "proto/imap/sequence_set.h"
#include "proto/imap/store_args.h"
#include "proto/imap/tokenizer.h"

namespace imap = postamt::proto::imap;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Depth of the tree; every string argument must have been converted to valid UTF-8.
size_t depth(const imap::SearchKey& k) {
  check(postamt::is_valid_utf8(k.text));
  size_t d = 0;
  for (const auto& c : k.children) d = std::max(d, depth(c));
  return d + 1;
}

void check_search(const imap::SearchQuery& q, const imap::SearchParseOptions& limits) {
  // Root AND plus at most max_depth levels of keys.
  check(q.key.kind == imap::SearchKeyKind::and_ && !q.key.children.empty());
  check(depth(q.key) <= limits.max_depth + 1);
}

void check_fetch(const imap::FetchRequest& req) {
  check(!req.items.empty() && req.items.size() <= imap::FetchLimits{}.max_items);
  for (const auto& it : req.items) {
    for (uint32_t p : it.section.part) check(p != 0);
    if (it.partial) check(it.partial->length != 0);
    check(!imap::section_response_name(it).empty());
  }
  if (req.vanished) check(req.changed_since.has_value());
}

// Every grammar parser that could apply to this command, in both UTF-8 modes. Results are
// checked for their invariants; errors are fine.
void exercise(const imap::Command& c) {
  const auto& a = c.args;
  std::string name = c.name;
  size_t base = 0;
  bool uid = false;
  if (name == "UID" && !a.empty() && a[0].kind == imap::TokenKind::atom) {
    uid = true;
    name = a[0].text;
    for (char& ch : name) {
      if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    }
    base = 1;
  }
  imap::SearchParseOptions sl;
  for (bool utf8 : {false, true}) {
    if (!a.empty()) {
      auto mb = imap::decode_mailbox_name(a[0], utf8);
      if (mb) {
        check(postamt::is_valid_utf8(*mb) && !mb->empty() && mb->size() <= imap::kMaxMailboxNameBytes);
        std::string enc;
        imap::format_mailbox_name(enc, *mb, utf8);
        auto back = imap::parse_command("t X " + enc);
        check(std::holds_alternative<imap::Command>(back));
        auto again = imap::decode_mailbox_name(std::get<imap::Command>(back).args.at(0), utf8);
        check(again.ok() && *again == *mb);
      }
    }
    if (name == "FETCH") {
      imap::FetchOptions fo;
      fo.uid = uid;
      if (auto r = imap::parse_fetch(a, base + 1, fo)) check_fetch(*r);
    } else if (name == "SEARCH") {
      if (auto r = imap::parse_search(a, base, sl)) check_search(*r, sl);
    } else if (name == "SORT") {
      if (auto r = imap::parse_sort(a, base, sl)) {
        check(!r->criteria.empty());
        check_search(r->search, sl);
      }
    } else if (name == "THREAD") {
      if (auto r = imap::parse_thread(a, base, sl)) check_search(r->search, sl);
    } else if (name == "STORE") {
      if (auto r = imap::parse_store(a, base + 1)) {
        for (const auto& f : r->flags) check(imap::parse_flag(f).ok());
      }
    } else if (name == "COPY" || name == "MOVE") {
      (void)imap::parse_copy(a, base, utf8);
    } else if (name == "EXPUNGE" && uid) {
      (void)imap::parse_uid_expunge(a, base);
    } else if (name == "LIST") {
      if (auto r = imap::parse_list(a, 0, utf8)) {
        check(!r->patterns.empty());
        for (const auto& p : r->patterns) (void)imap::list_match(imap::list_join(r->reference, p, '/'), "INBOX/x", '/');
      }
    } else if (name == "LSUB") {
      (void)imap::parse_lsub(a, 0, utf8);
    } else if (name == "STATUS") {
      if (auto r = imap::parse_status(a, 0, utf8)) check(!r->items.empty());
    } else if (name == "SELECT" || name == "EXAMINE") {
      if (auto r = imap::parse_select(a, 0, utf8)) check(!r->qresync || r->condstore);
    } else if (name == "CREATE") {
      (void)imap::parse_create(a, 0, utf8);
    } else if (name == "APPEND") {
      if (auto r = imap::parse_append(a, 0, utf8)) check(!r->messages.empty());
    } else if (name == "ENABLE") {
      (void)imap::parse_enable(a, 0);
    } else if (name == "ID") {
      if (auto r = imap::parse_id(a, 0)) check(r->size() <= imap::kMaxIdPairs);
    }
  }
}

std::vector<std::string> run(std::string_view input, size_t step, bool grammar) {
  imap::TokenizerLimits limits;
  limits.max_line = 512;
  limits.max_literal = 256;
  limits.max_literals = 4;
  imap::Tokenizer tok(limits);
  std::vector<std::string> events;
  for (size_t pos = 0; pos < input.size(); pos += step) {
    tok.feed(input.substr(pos, step));
    for (;;) {
      auto ev = tok.next();
      if (std::holds_alternative<imap::NeedMore>(ev)) break;
      if (auto* line = std::get_if<imap::Line>(&ev)) {
        events.push_back("L" + line->text);
        auto parsed = imap::parse_command(line->text);
        if (auto* cmd = std::get_if<imap::Command>(&parsed); cmd && grammar) exercise(*cmd);
      } else if (auto* lit = std::get_if<imap::NeedLiteral>(&ev)) {
        events.push_back("N" + std::to_string(lit->size) + (lit->non_sync ? "+" : ""));
      } else if (auto* tl = std::get_if<imap::TooLong>(&ev)) {
        events.push_back("T" + std::to_string(static_cast<int>(tl->what)));
      }
    }
    check(tok.buffered() <= limits.max_line + limits.max_literal + step + 64);
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t step = 1 + data[0] % 17;
  auto whole = run(input, input.size() ? input.size() : 1, true);
  check(run(input, step, false) == whole);

  auto set = imap::SequenceSet::parse(input.substr(0, 256));
  if (set.ok() && !set->is_saved_result()) {
    auto again = imap::SequenceSet::parse(set->to_string());
    check(again.ok());
    // Canonical formatting keeps the meaning.
    check(imap::format_ranges(again->resolve(1000)) == imap::format_ranges(set->resolve(1000)));
  }
  auto decoded = imap::mutf7_to_utf8(input.substr(0, 256));
  if (decoded) check(imap::utf8_to_mutf7(*decoded) == input.substr(0, 256));

  std::string_view head = input.substr(0, 64);
  if (auto d = imap::parse_date(head)) check(*d % 86400 == 0);
  if (auto dt = imap::parse_date_time(head)) {
    std::string f = imap::format_date_time(dt->unix_seconds, dt->zone_minutes);
    auto back = imap::parse_date_time(f);
    check(back.ok() && *back == *dt);
  }
  // Bounded pattern work: at most 512 x 512 steps.
  std::string_view pat = input.substr(0, std::min<size_t>(512, input.size() / 2));
  std::string_view name = input.substr(pat.size(), 512);
  bool m = imap::list_match(pat, name, '/');
  if (pat.find_first_of("*%") == std::string_view::npos && name.substr(0, 5) != "INBOX") check(m == (pat == name));
  // What the encoders emit parses back to the same bytes (literals cannot carry NUL).
  std::string_view text = input.substr(0, 2048);
  if (text.find('\0') == std::string_view::npos) {
    for (int form = 0; form < 4; ++form) {
      std::string enc;
      if (form < 2) {
        imap::append_string(enc, text, form == 1);
      } else {
        imap::append_astring(enc, text, form == 3);
      }
      auto back = imap::parse_command("t X " + enc);
      check(std::holds_alternative<imap::Command>(back));
      const auto& args = std::get<imap::Command>(back).args;
      check(args.size() == 1 && args[0].text == text);
    }
  }
  return 0;
}
