// SEARCH / SORT / THREAD argument parsing into a key tree. Handles untrusted input: every
// node counts against SearchParseOptions::max_keys, nesting against max_depth (recursion depth
// is therefore bounded).
// RFC 9051 §6.4.4, §9; RFC 3501 §6.4.4; RFC 4731; RFC 5182; RFC 7162 §3.1.5; RFC 8474 §6;
// RFC 8514; RFC 5032; RFC 5256; RFC 5267; RFC 5957.
#include "proto/imap/search_query.h"

#include "base/strings.h"
#include "mime/mime.h"
#include "proto/imap/args_common.h"
#include "proto/imap/datetime.h"
#include "proto/imap/store_args.h"

namespace postamt::proto::imap {
namespace {

constexpr size_t kMaxSortCriteria = 32;
constexpr size_t kMaxObjectId = 255;  // RFC 8474 §7 objectid = 1*255(...)
constexpr const char* kBadCharset = "Unsupported charset";

struct SimpleKey {
  const char* name;
  SearchKeyKind kind;
};

// RFC 9051 §9 / RFC 3501 §9 search keys without arguments.
constexpr SimpleKey kSimpleKeys[] = {
    {"ALL", SearchKeyKind::all},
    {"ANSWERED", SearchKeyKind::answered},
    {"DELETED", SearchKeyKind::deleted},
    {"DRAFT", SearchKeyKind::draft},
    {"FLAGGED", SearchKeyKind::flagged},
    {"SEEN", SearchKeyKind::seen},
    {"RECENT", SearchKeyKind::recent},
    {"NEW", SearchKeyKind::new_},
    {"OLD", SearchKeyKind::old},
    {"UNANSWERED", SearchKeyKind::unanswered},
    {"UNDELETED", SearchKeyKind::undeleted},
    {"UNDRAFT", SearchKeyKind::undraft},
    {"UNFLAGGED", SearchKeyKind::unflagged},
    {"UNSEEN", SearchKeyKind::unseen},
    {"SAVEDATESUPPORTED", SearchKeyKind::saved_date_supported},  // RFC 8514
};

// Keys whose argument is an astring searched as text.
constexpr SimpleKey kStringKeys[] = {
    {"BCC", SearchKeyKind::bcc},         {"BODY", SearchKeyKind::body}, {"CC", SearchKeyKind::cc},
    {"FROM", SearchKeyKind::from},       {"SUBJECT", SearchKeyKind::subject},
    {"TEXT", SearchKeyKind::text},       {"TO", SearchKeyKind::to},
};

// Keys whose argument is a date.
constexpr SimpleKey kDateKeys[] = {
    {"BEFORE", SearchKeyKind::before},
    {"ON", SearchKeyKind::on},
    {"SINCE", SearchKeyKind::since},
    {"SENTBEFORE", SearchKeyKind::sent_before},
    {"SENTON", SearchKeyKind::sent_on},
    {"SENTSINCE", SearchKeyKind::sent_since},
    {"SAVEDBEFORE", SearchKeyKind::saved_before},  // RFC 8514
    {"SAVEDON", SearchKeyKind::saved_on},
    {"SAVEDSINCE", SearchKeyKind::saved_since},
};

template <size_t N>
const SimpleKey* find_key(const SimpleKey (&table)[N], std::string_view upper) {
  for (const auto& k : table) {
    if (upper == k.name) return &k;
  }
  return nullptr;
}

Error too_big(const char* msg) { return Error::make(ErrorCode::too_big, msg); }

bool is_utf8_charset(std::string_view cs) {
  return iequals(cs, "UTF-8") || iequals(cs, "US-ASCII") || iequals(cs, "UTF8");
}

// RFC 8474 §7: objectid = 1*255(ALPHA / DIGIT / "_" / "-").
bool is_object_id(std::string_view s) {
  if (s.empty() || s.size() > kMaxObjectId) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

class SearchParser {
 public:
  SearchParser(const SearchParseOptions& limits, SearchQuery& q) : limits_(limits), q_(q) {}

  // RFC 9051 §9: search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP
  // search-return-opt)] ")"; RFC 4731 §3.1: an empty list means ALL.
  Result<void> return_opts(const Token& list) {
    if (list.kind != TokenKind::list) return syntax_error("RETURN options expected");
    q_.has_return = true;
    for (const Token& t : list.children) {
      if (!is_plain_atom(t)) return syntax_error("Invalid RETURN option");
      std::string o = ascii_upper(t.text);
      if (o == "MIN") {
        q_.ret.min = true;
      } else if (o == "MAX") {
        q_.ret.max = true;
      } else if (o == "ALL") {
        q_.ret.all = true;
      } else if (o == "COUNT") {
        q_.ret.count = true;
      } else if (o == "SAVE") {  // RFC 5182 §2.1
        q_.ret.save = true;
      } else {
        return syntax_error("Unknown RETURN option");
      }
    }
    if (list.children.empty()) q_.ret.all = true;
    return {};
  }

  // RFC 9051 §9 charset = atom / quoted. The charset must be known to ICU; strings are
  // converted to UTF-8 with it.
  Result<void> charset(const Token& t) {
    if (!t.is_astring() || t.kind == TokenKind::literal) return syntax_error("Charset expected");
    if (!is_utf8_charset(t.text) && !mime::to_utf8("", t.text)) {
      return Error::make(ErrorCode::not_found, kBadCharset, "charset " + t.text);
    }
    q_.charset = ascii_upper(t.text);
    return {};
  }

  // One or more search keys from args[i] to the end, as the children of the root AND.
  Result<void> keys(const std::vector<Token>& args, size_t i) {
    q_.key = SearchKey{};
    q_.key.kind = SearchKeyKind::and_;
    if (i >= args.size()) return syntax_error("Missing search key");
    if (auto r = count(); !r) return r.error();
    while (i < args.size()) {
      SearchKey k;
      if (auto r = key(args, i, 1, k); !r) return r.error();
      q_.key.children.push_back(std::move(k));
    }
    return {};
  }

 private:
  Result<void> count() {
    if (++keys_ > limits_.max_keys) return too_big("Too many search keys");
    return {};
  }

  Result<std::string> str(const Token& t) {
    if (!t.is_astring()) return syntax_error("String expected");
    if (is_utf8_charset(q_.charset)) {
      if (is_valid_utf8(t.text)) return t.text;
      // A literal with stray 8-bit bytes: search for what they most likely meant.
      auto fixed = mime::to_utf8(t.text, "UTF-8");
      if (fixed) return std::move(*fixed);
      return syntax_error("Invalid UTF-8 in search string");
    }
    auto converted = mime::to_utf8(t.text, q_.charset);
    if (!converted) return Error::make(ErrorCode::not_found, kBadCharset);
    return std::move(*converted);
  }

  Result<SequenceSet> set(const Token& t) {
    auto s = parse_sequence_arg(t, limits_.max_set_ranges);
    if (s && s->is_saved_result()) q_.uses_saved_result = true;
    return s;
  }

  // RFC 9051 §9 search-key (plus RFC 3501 and the extensions in the file header). Reads
  // toks[i...], advances i past the key and its arguments.
  Result<void> key(const std::vector<Token>& toks, size_t& i, size_t depth, SearchKey& out) {
    if (depth > limits_.max_depth) return too_big("Search keys nested too deeply");
    if (auto r = count(); !r) return r.error();
    const Token& t = toks[i++];
    if (t.kind == TokenKind::list) {
      // "(" search-key *(SP search-key) ")"
      if (t.children.empty()) return syntax_error("Empty search key list");
      out.kind = SearchKeyKind::and_;
      for (size_t k = 0; k < t.children.size();) {
        SearchKey child;
        if (auto r = key(t.children, k, depth + 1, child); !r) return r.error();
        out.children.push_back(std::move(child));
      }
      return {};
    }
    if (t.kind != TokenKind::atom) return syntax_error("Invalid search key");
    char c0 = t.text.empty() ? '\0' : t.text[0];
    if ((c0 >= '0' && c0 <= '9') || c0 == '*' || c0 == '$') {
      out.kind = SearchKeyKind::sequence_set;
      auto s = set(t);
      if (!s) return s.error();
      out.set = std::move(*s);
      return {};
    }
    std::string name = ascii_upper(t.text);
    if (const SimpleKey* k = find_key(kSimpleKeys, name)) {
      out.kind = k->kind;
      return {};
    }
    if (i >= toks.size()) return syntax_error("Missing argument for " + name);
    const Token& a = toks[i];
    if (const SimpleKey* k = find_key(kStringKeys, name)) {
      out.kind = k->kind;
      auto s = str(a);
      if (!s) return s.error();
      out.text = std::move(*s);
      ++i;
      return {};
    }
    if (const SimpleKey* k = find_key(kDateKeys, name)) {
      out.kind = k->kind;
      // RFC 9051 §9: date = date-text / DQUOTE date-text DQUOTE.
      if (a.kind != TokenKind::atom && a.kind != TokenKind::quoted) return syntax_error("Invalid date");
      auto d = parse_date(a.text);
      if (!d) return d.error();
      out.day = *d / 86400;
      ++i;
      return {};
    }
    if (name == "HEADER") {
      // "HEADER" SP header-fld-name SP astring
      out.kind = SearchKeyKind::header;
      if (!a.is_astring() || a.text.empty()) return syntax_error("Invalid header field name");
      out.field = a.text;
      if (++i >= toks.size()) return syntax_error("Missing argument for HEADER");
      auto s = str(toks[i]);
      if (!s) return s.error();
      out.text = std::move(*s);
      ++i;
      return {};
    }
    if (name == "KEYWORD" || name == "UNKEYWORD") {
      // RFC 9051 §9: "KEYWORD" SP flag-keyword
      out.kind = name == "KEYWORD" ? SearchKeyKind::keyword : SearchKeyKind::unkeyword;
      if (!a.is_astring() || !is_valid_keyword(a.text)) return syntax_error("Invalid keyword");
      out.text = a.text;
      ++i;
      return {};
    }
    if (name == "LARGER" || name == "SMALLER") {
      // "LARGER" SP number64
      out.kind = name == "LARGER" ? SearchKeyKind::larger : SearchKeyKind::smaller;
      if (!is_plain_atom(a)) return syntax_error("Number expected");
      auto n = parse_number64(a.text);
      if (!n) return n.error();
      out.number = *n;
      ++i;
      return {};
    }
    if (name == "OLDER" || name == "YOUNGER") {
      // RFC 5032 §4: "OLDER" SP nz-number / "YOUNGER" SP nz-number
      out.kind = name == "OLDER" ? SearchKeyKind::older : SearchKeyKind::younger;
      auto n = parse_number(a, true);
      if (!n) return n.error();
      out.number = *n;
      ++i;
      return {};
    }
    if (name == "UID") {
      out.kind = SearchKeyKind::uid;
      auto s = set(a);
      if (!s) return s.error();
      out.set = std::move(*s);
      ++i;
      return {};
    }
    if (name == "EMAILID" || name == "THREADID") {
      // RFC 8474 §6: "EMAILID" SP objectid / "THREADID" SP objectid
      out.kind = name == "EMAILID" ? SearchKeyKind::email_id : SearchKeyKind::thread_id;
      if (!a.is_astring() || !is_object_id(a.text)) return syntax_error("Invalid object id");
      out.text = a.text;
      ++i;
      return {};
    }
    if (name == "MODSEQ") return modseq(toks, i, out);
    if (name == "NOT") {
      out.kind = SearchKeyKind::not_;
      out.children.resize(1);
      return key(toks, i, depth + 1, out.children[0]);
    }
    if (name == "OR") {
      out.kind = SearchKeyKind::or_;
      out.children.resize(2);
      if (auto r = key(toks, i, depth + 1, out.children[0]); !r) return r.error();
      if (i >= toks.size()) return syntax_error("Missing argument for OR");
      return key(toks, i, depth + 1, out.children[1]);
    }
    return syntax_error("Unknown search key");
  }

  // RFC 7162 §3.1.5: search-modsequence = "MODSEQ" [search-modseq-ext] SP
  // mod-sequence-valzer; search-modseq-ext = SP entry-name SP entry-type-req;
  // entry-name = DQUOTE "/flags/" attr-flag DQUOTE; entry-type-req = "priv" / "shared" /
  // "all".
  Result<void> modseq(const std::vector<Token>& toks, size_t& i, SearchKey& out) {
    out.kind = SearchKeyKind::modseq;
    q_.uses_modseq = true;
    const Token& a = toks[i];
    if (!(a.kind == TokenKind::atom && !a.text.empty() && a.text[0] >= '0' && a.text[0] <= '9')) {
      if (!a.is_astring() || a.kind == TokenKind::atom || !istarts_with(a.text, "/flags/")) {
        return syntax_error("Invalid MODSEQ entry name");
      }
      std::string_view flag = std::string_view(a.text).substr(7);
      // attr-flag: a system flag (\Recent too: it has a modseq entry) or a keyword.
      if (iequals(flag, "\\Recent")) {
        out.text = "\\Recent";
      } else {
        auto f = parse_flag(flag);
        if (!f) return syntax_error("Invalid MODSEQ entry name");
        out.text = std::move(*f);
      }
      if (++i >= toks.size() || !is_plain_atom(toks[i])) return syntax_error("Missing MODSEQ entry type");
      std::string type = ascii_upper(toks[i].text);
      if (type == "PRIV") {
        out.entry_type = ModseqEntryType::priv;
      } else if (type == "SHARED") {
        out.entry_type = ModseqEntryType::shared;
      } else if (type == "ALL") {
        out.entry_type = ModseqEntryType::all;
      } else {
        return syntax_error("Invalid MODSEQ entry type");
      }
      if (++i >= toks.size()) return syntax_error("Missing argument for MODSEQ");
    }
    auto v = parse_mod_sequence(toks[i], true);
    if (!v) return v.error();
    out.number = *v;
    ++i;
    return {};
  }

  const SearchParseOptions& limits_;
  SearchQuery& q_;
  size_t keys_ = 0;
};

// Optional "RETURN (...)" at args[i]; advances i.
Result<void> maybe_return(SearchParser& p, const std::vector<Token>& args, size_t& i) {
  if (i < args.size() && args[i].is_atom("RETURN") && args[i].kind == TokenKind::atom) {
    if (i + 1 >= args.size()) return syntax_error("Missing RETURN options");
    if (auto r = p.return_opts(args[i + 1]); !r) return r.error();
    i += 2;
  }
  return {};
}

// RFC 5256 §5: search-criteria = charset 1*(SP search-key).
Result<void> criteria(SearchParser& p, const std::vector<Token>& args, size_t i) {
  if (i >= args.size()) return syntax_error("Missing charset");
  if (auto r = p.charset(args[i]); !r) return r.error();
  return p.keys(args, i + 1);
}

}  // namespace

bool is_bad_charset(const Error& e) { return e.code == ErrorCode::not_found && e.message == kBadCharset; }

Result<SearchQuery> parse_search(const std::vector<Token>& args, size_t i, const SearchParseOptions& limits) {
  SearchQuery q;
  SearchParser p(limits, q);
  if (auto r = maybe_return(p, args, i); !r) return r.error();
  // RFC 9051 §9: search-program = ["CHARSET" SP charset SP] search-key *(SP search-key).
  if (i < args.size() && args[i].kind == TokenKind::atom && args[i].is_atom("CHARSET")) {
    if (i + 1 >= args.size()) return syntax_error("Missing charset");
    if (auto r = p.charset(args[i + 1]); !r) return r.error();
    i += 2;
  }
  if (auto r = p.keys(args, i); !r) return r.error();
  return q;
}

Result<SortQuery> parse_sort(const std::vector<Token>& args, size_t i, const SearchParseOptions& limits) {
  SortQuery sq;
  SearchParser p(limits, sq.search);
  // RFC 5267 §3: ESORT return options come before the sort criteria.
  if (auto r = maybe_return(p, args, i); !r) return r.error();
  // RFC 5256 §5: sort-criteria = "(" sort-criterion *(SP sort-criterion) ")";
  // sort-criterion = ["REVERSE" SP] sort-key.
  if (i >= args.size() || args[i].kind != TokenKind::list) return syntax_error("Sort criteria expected");
  const auto& c = args[i].children;
  if (c.empty()) return syntax_error("Empty sort criteria");
  for (size_t k = 0; k < c.size(); ++k) {
    if (!is_plain_atom(c[k])) return syntax_error("Invalid sort criterion");
    SortCriterion sc;
    std::string name = ascii_upper(c[k].text);
    if (name == "REVERSE") {
      sc.reverse = true;
      if (++k >= c.size() || !is_plain_atom(c[k])) return syntax_error("Invalid sort criterion");
      name = ascii_upper(c[k].text);
    }
    if (name == "ARRIVAL") {
      sc.key = SortKey::arrival;
    } else if (name == "CC") {
      sc.key = SortKey::cc;
    } else if (name == "DATE") {
      sc.key = SortKey::date;
    } else if (name == "FROM") {
      sc.key = SortKey::from;
    } else if (name == "SIZE") {
      sc.key = SortKey::size;
    } else if (name == "SUBJECT") {
      sc.key = SortKey::subject;
    } else if (name == "TO") {
      sc.key = SortKey::to;
    } else if (name == "DISPLAYFROM") {  // RFC 5957
      sc.key = SortKey::display_from;
    } else if (name == "DISPLAYTO") {
      sc.key = SortKey::display_to;
    } else {
      return syntax_error("Unknown sort criterion");
    }
    if (sq.criteria.size() >= kMaxSortCriteria) return syntax_error("Too many sort criteria");
    sq.criteria.push_back(sc);
  }
  if (auto r = criteria(p, args, i + 1); !r) return r.error();
  return sq;
}

Result<ThreadQuery> parse_thread(const std::vector<Token>& args, size_t i, const SearchParseOptions& limits) {
  ThreadQuery tq;
  SearchParser p(limits, tq.search);
  // RFC 5256 §5: thread-alg = "ORDEREDSUBJECT" / "REFERENCES" / thread-alg-ext.
  if (i >= args.size() || !is_plain_atom(args[i])) return syntax_error("Thread algorithm expected");
  std::string alg = ascii_upper(args[i].text);
  if (alg == "ORDEREDSUBJECT") {
    tq.algorithm = ThreadAlgorithm::orderedsubject;
  } else if (alg == "REFERENCES") {
    tq.algorithm = ThreadAlgorithm::references;
  } else {
    return syntax_error("Unsupported thread algorithm");
  }
  if (auto r = criteria(p, args, i + 1); !r) return r.error();
  return tq;
}

}  // namespace postamt::proto::imap
