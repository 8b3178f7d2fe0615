// Address list parsing into IMAP ENVELOPE address structures.
// Handles untrusted input (From/To/Cc/... of every received message); best effort on
// garbage, linear time, bounded output.
// RFCs: 5322 §3.4 (address-list, groups), §4.4 (obsolete: routes, CFWS between
// local-part atoms, empty list elements), 3501 §7.4.2 / 9051 §7.5.2 (group markers).
#include "mime/internal.h"
#include "mime/mime.h"

namespace postamt::mime {

namespace {

enum class Kind { word, quoted, literal, comment, special };

struct Token {
  Kind kind;
  std::string text;  // word/quoted: content; literal: "[...]"; special: the character
  bool space_before = false;  // whitespace or a comment preceded it
};

// RFC 5322 §3.2.3 atext plus '.' (dot-atoms and obs-phrase dots come out as one word);
// 8-bit bytes are accepted (RFC 6532 UTF-8 headers).
bool is_atom_char(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x80) return true;
  if (u <= 32 || u == 127) return false;
  switch (c) {
    case '(': case ')': case '<': case '>': case '[': case ']': case ':': case ';':
    case '@': case '\\': case ',': case '"':
      return false;
    default:
      return true;
  }
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> toks;
  bool space = false;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (detail::is_space(c)) {
      space = true;
      ++i;
    } else if (c == '(') {
      // Comment: kept as a token (its text may become the display name).
      size_t depth = 0;
      std::string text;
      for (; i < s.size(); ++i) {
        char d = s[i];
        if (d == '\\' && i + 1 < s.size()) {
          text.push_back(s[++i]);
          continue;
        }
        if (d == '(' && depth++ == 0) continue;
        if (d == ')' && --depth == 0) {
          ++i;
          break;
        }
        if (d != '\r' && d != '\n') text.push_back(d);
      }
      toks.push_back({Kind::comment, std::move(text), space});
      space = true;
    } else if (c == '"' || c == '[') {
      char close = c == '"' ? '"' : ']';
      std::string text;
      if (c == '[') text.push_back('[');
      ++i;
      while (i < s.size() && s[i] != close) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        if (s[i] != '\r' && s[i] != '\n') text.push_back(s[i]);
        ++i;
      }
      if (i < s.size()) ++i;
      if (c == '[') text.push_back(']');
      toks.push_back({c == '"' ? Kind::quoted : Kind::literal, std::move(text), space});
      space = false;
    } else if (is_atom_char(c)) {
      size_t j = i;
      while (j < s.size() && is_atom_char(s[j])) ++j;
      toks.push_back({Kind::word, std::string(s.substr(i, j - i)), space});
      space = false;
      i = j;
    } else {
      toks.push_back({Kind::special, std::string(1, c), space});
      space = false;
      ++i;
    }
  }
  return toks;
}

bool is_special(const Token& t, char c) { return t.kind == Kind::special && t.text[0] == c; }

class AddressParser {
 public:
  AddressParser(std::vector<Token> toks, size_t max) : toks_(std::move(toks)), max_(max) {}

  std::vector<Address> run() {
    while (i_ < toks_.size() && out_.size() < max_) parse_one();
    if (in_group_) out_.push_back(Address{});  // close a group left open
    return std::move(out_);
  }

 private:
  // Display name: words joined with one space where the source had whitespace; quotes removed.
  static std::string phrase_text(const std::vector<const Token*>& words) {
    std::string s;
    for (const Token* t : words) {
      if (!s.empty() && t->space_before) s.push_back(' ');
      s += t->text;
    }
    return s;
  }

  // Local part: obs-local-part allows CFWS between the atoms; it is dropped (§4.4).
  static std::string concat(const std::vector<const Token*>& words) {
    std::string s;
    for (const Token* t : words) s += t->text;
    return s;
  }

  // Domain after '@' up to a delimiter; comments skipped, the last one remembered.
  std::string read_domain(std::string* comment) {
    std::string d;
    while (i_ < toks_.size()) {
      const Token& t = toks_[i_];
      if (t.kind == Kind::comment) {
        if (comment) *comment = t.text;
      } else if (t.kind == Kind::word || t.kind == Kind::literal || t.kind == Kind::quoted) {
        if (!d.empty() && t.space_before && d.back() != '.' && t.text.front() != '.') break;  // next address glued on
        d += t.text;
      } else {
        break;
      }
      ++i_;
    }
    return d;
  }

  void emit(Address a) {
    if (out_.size() < max_) out_.push_back(std::move(a));
  }

  // RFC 5322 §3.4 angle-addr with obs-route (§4.4); i_ just after '<'.
  void parse_angle(std::optional<std::string> name) {
    Address a;
    a.name = std::move(name);
    // obs-route: "@a,@b:" before the addr-spec.
    size_t save = i_;
    std::string route;
    while (i_ < toks_.size() && (is_special(toks_[i_], '@') || is_special(toks_[i_], ','))) {
      if (is_special(toks_[i_], ',')) {
        ++i_;
        continue;
      }
      ++i_;
      std::string d = read_domain(nullptr);
      if (!route.empty()) route.push_back(',');
      route += "@" + d;
    }
    if (!route.empty() && i_ < toks_.size() && is_special(toks_[i_], ':')) {
      a.adl = route;
      ++i_;
    } else {
      i_ = save;
    }
    std::vector<const Token*> local;
    while (i_ < toks_.size() && (toks_[i_].kind == Kind::word || toks_[i_].kind == Kind::quoted ||
                                  toks_[i_].kind == Kind::comment)) {
      if (toks_[i_].kind != Kind::comment) local.push_back(&toks_[i_]);
      ++i_;
    }
    bool has_at = i_ < toks_.size() && is_special(toks_[i_], '@');
    std::string host;
    if (has_at) {
      ++i_;
      host = read_domain(nullptr);
    }
    // Skip junk up to '>' (but never past a list separator of the outer syntax).
    while (i_ < toks_.size() && !is_special(toks_[i_], '>') && !is_special(toks_[i_], ',') &&
           !is_special(toks_[i_], ';'))
      ++i_;
    if (i_ < toks_.size() && is_special(toks_[i_], '>')) ++i_;
    if (local.empty() && !has_at) {
      if (!a.name) return;  // "<>" alone: nothing to report
      a.mailbox = std::string();
    } else {
      a.mailbox = concat(local);
    }
    a.host = std::move(host);
    emit(std::move(a));
  }

  // A comment is not a display-name (RFC 5322 §3.4), but in an addr-spec without one it
  // is the only name there is: "nsb@x (Nathaniel Borenstein)" (RFC 822 era style, still
  // sent by some mailers). Like Dovecot, UW-IMAP and Cyrus, ENVELOPE then uses the last
  // comment that follows the first word of the address (local part, domain, or right
  // after it); comments before the address and comments of a name-addr are ignored.
  void parse_one() {
    std::vector<const Token*> phrase;
    std::string last_comment;
    while (i_ < toks_.size()) {
      const Token& t = toks_[i_];
      if (t.kind == Kind::comment) {
        if (!phrase.empty()) last_comment = t.text;
        ++i_;
        continue;
      }
      if (t.kind == Kind::word || t.kind == Kind::quoted || t.kind == Kind::literal) {
        phrase.push_back(&t);
        ++i_;
        continue;
      }
      char c = t.text[0];
      ++i_;
      switch (c) {
        case '<': {
          std::optional<std::string> name;
          if (!phrase.empty()) name = phrase_text(phrase);
          parse_angle(std::move(name));
          skip_to_separator();
          return;
        }
        case ':':
          if (!in_group_) {
            // RFC 5322 §3.4 group: display-name ":" [group-list] ";"
            Address g;
            g.mailbox = phrase_text(phrase);
            emit(std::move(g));
            in_group_ = true;
            return;
          }
          continue;  // stray ':' inside a group: ignored
        case '@': {
          Address a;
          a.mailbox = concat(phrase);
          std::string comment = std::move(last_comment);
          a.host = read_domain(&comment);
          if (i_ < toks_.size() && toks_[i_].kind == Kind::comment) comment = toks_[i_].text;
          if (!comment.empty()) a.name = comment;
          emit(std::move(a));
          skip_to_separator();
          return;
        }
        case ',':
          flush_bare(phrase, last_comment);
          return;
        case ';':
          flush_bare(phrase, last_comment);
          if (in_group_) {
            emit(Address{});
            in_group_ = false;
          }
          return;
        default:
          continue;  // junk ('>', stray specials): ignored
      }
    }
    flush_bare(phrase, last_comment);
  }

  // A list element without '@' or '<': a bare local part ("undisclosed-recipients"),
  // named by a comment after it like an addr-spec.
  void flush_bare(const std::vector<const Token*>& phrase, const std::string& comment) {
    if (phrase.empty()) return;
    Address a;
    if (!comment.empty()) a.name = comment;
    a.mailbox = concat(phrase);
    a.host = std::string();
    emit(std::move(a));
  }

  void skip_to_separator() {
    while (i_ < toks_.size()) {
      const Token& t = toks_[i_];
      if (is_special(t, ',')) {
        ++i_;
        return;
      }
      if (is_special(t, ';')) {
        if (in_group_) {
          emit(Address{});
          in_group_ = false;
        }
        ++i_;
        return;
      }
      // A following address glued on without a comma (seen in the wild): parse it next.
      if (t.kind != Kind::comment && !is_special(t, '>')) return;
      ++i_;
    }
  }

  std::vector<Token> toks_;
  size_t max_;
  size_t i_ = 0;
  bool in_group_ = false;
  std::vector<Address> out_;
};

}  // namespace

std::vector<Address> parse_address_list(std::string_view value, size_t max_addresses) {
  if (max_addresses == 0) return {};
  return AddressParser(tokenize(value), max_addresses).run();
}

}  // namespace postamt::mime
