// RFC 2047 encoded-word decoding ("=?charset?B|Q?text?=") into UTF-8.
// Handles untrusted input (Subject, display names, parameters of any received message).
// RFCs: 2047 §2 (syntax), §4.1/§4.2 (B and Q), §6.2 (whitespace between adjacent words
// is ignored), 2231 §5 (charset*language).
#include "base/strings.h"
#include "mime/internal.h"
#include "mime/mime.h"

namespace postamt::mime {

namespace {

struct Word {
  size_t start = 0;  // the '=' of "=?"
  size_t end = 0;    // one past "?="
  std::string charset;
  std::string bytes;  // decoded octets in `charset`
};

// RFC 2047 §2 charset token; '.' is an especial there but harmless, so accepted.
bool is_word_token_char(char c) { return detail::is_token_char(c); }

std::string decode_q(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '_') {
      out.push_back(' ');  // RFC 2047 §4.2 (2)
    } else if (c == '=' && i + 2 < text.size()) {
      int hi = detail::hex_value(text[i + 1]), lo = detail::hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
      } else {
        out.push_back(c);
      }
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Parses an encoded-word starting at s[i] == '='; nullopt if there is none.
std::optional<Word> parse_word(std::string_view s, size_t i) {
  if (i + 1 >= s.size() || s[i] != '=' || s[i + 1] != '?') return std::nullopt;
  size_t p = i + 2;
  size_t cs_start = p;
  while (p < s.size() && s[p] != '?' && is_word_token_char(s[p]) && p - cs_start < 80) ++p;
  if (p >= s.size() || s[p] != '?' || p == cs_start) return std::nullopt;
  std::string_view charset = s.substr(cs_start, p - cs_start);
  // RFC 2231 §5: "charset*language".
  if (size_t star = charset.find('*'); star != std::string_view::npos) charset = charset.substr(0, star);
  ++p;
  if (p + 1 >= s.size() || s[p + 1] != '?') return std::nullopt;
  char enc = ascii_lower(s[p]);
  if (enc != 'b' && enc != 'q') return std::nullopt;
  p += 2;
  size_t text_start = p;
  // Encoded text has no SPACE or '?' (RFC 2047 §2), which also keeps the scan linear.
  while (p < s.size() && s[p] != '?' && !detail::is_space(s[p])) ++p;
  if (p + 1 >= s.size() || s[p] != '?' || s[p + 1] != '=') return std::nullopt;
  std::string_view text = s.substr(text_start, p - text_start);
  Word w;
  w.start = i;
  w.end = p + 2;
  w.charset = std::string(charset);
  w.bytes = enc == 'b' ? detail::decode_base64_lenient(text) : decode_q(text);
  return w;
}

}  // namespace

std::string decode_encoded_words(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  size_t i = 0;
  size_t copied = 0;  // raw[copied, ...) not yet emitted
  while (i < raw.size()) {
    size_t eq = raw.find("=?", i);
    if (eq == std::string_view::npos) break;
    auto first = parse_word(raw, eq);
    if (!first) {
      i = eq + 1;
      continue;
    }
    // The run of adjacent words (only whitespace between them). Bytes of consecutive
    // words in the same charset are joined before conversion so that a multi-byte
    // character split across words (common in practice) survives.
    std::vector<Word> run;
    run.push_back(std::move(*first));
    for (;;) {
      size_t j = run.back().end;
      while (j < raw.size() && detail::is_space(raw[j])) ++j;
      auto next = parse_word(raw, j);
      if (!next) break;
      if (iequals(next->charset, run.back().charset)) {
        run.back().bytes += next->bytes;
        run.back().end = next->end;
      } else {
        run.push_back(std::move(*next));
      }
    }
    out.append(raw.substr(copied, eq - copied));
    bool prev_ok = true;
    for (size_t k = 0; k < run.size(); ++k) {
      auto u = to_utf8(run[k].bytes, run[k].charset);
      // RFC 2047 §6.2: whitespace between two decoded words is dropped; next to a word we
      // could not decode (unknown charset) it stays, and so does that word's raw text.
      if (k > 0 && (!u || !prev_ok)) out.append(raw.substr(run[k - 1].end, run[k].start - run[k - 1].end));
      if (u) {
        out += *u;
      } else {
        out.append(raw.substr(run[k].start, run[k].end - run[k].start));
      }
      prev_ok = u.has_value();
    }
    i = copied = run.back().end;
  }
  out.append(raw.substr(copied));
  return out;
}

}  // namespace postamt::mime
