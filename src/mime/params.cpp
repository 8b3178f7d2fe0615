// Content-Type / Content-Disposition values and their parameters.
// Handles untrusted input (every MIME header); total on any byte sequence.
// RFCs: 2045 §5.1 (Content-Type syntax), 2183 (Content-Disposition), 2231 §3-§5
// (parameter continuations, charsets, languages), 2047 (encoded-words, which many MUAs
// put into filename parameters although RFC 2047 §5 forbids it).
#include <algorithm>
#include <map>

#include "base/strings.h"
#include "mime/internal.h"
#include "mime/mime.h"

namespace postamt::mime {

using detail::is_token_char;
using detail::is_wsp;
using detail::skip_cfws;

namespace {

// Continuation indices above this are ignored; bounds the work on hostile input.
constexpr unsigned kMaxContinuation = 999;

std::string_view read_token(std::string_view s, size_t& i) {
  size_t start = i;
  while (i < s.size() && is_token_char(s[i])) ++i;
  return s.substr(start, i - start);
}

// RFC 5322 §3.2.4 quoted-string content with quoted-pairs resolved; `i` at the opening
// quote. An unterminated string runs to the end.
std::string read_quoted(std::string_view s, size_t& i) {
  std::string out;
  ++i;
  while (i < s.size() && s[i] != '"') {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    if (s[i] != '\r' && s[i] != '\n') out.push_back(s[i]);
    ++i;
  }
  if (i < s.size()) ++i;
  return out;
}

// RFC 2231 §4: %XX-decoding of extended values; invalid escapes kept literally.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = detail::hex_value(s[i + 1]);
      int lo = detail::hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

struct Segment {
  unsigned index = 0;
  bool extended = false;
  std::string value;
};

struct Pending {
  size_t order = 0;          // position of first appearance, to keep the written order
  std::string plain;         // value of "name=" (no asterisk), if any
  bool has_plain = false;
  std::vector<Segment> segments;  // "name*", "name*N", "name*N*"
};

std::string join_rfc2231(std::vector<Segment>& segs) {
  std::stable_sort(segs.begin(), segs.end(), [](const Segment& a, const Segment& b) { return a.index < b.index; });
  // RFC 2231 §3: segments are numbered from 0 without gaps; stop at the first gap.
  std::string bytes;
  std::string charset;
  unsigned expect = 0;
  for (size_t k = 0; k < segs.size(); ++k) {
    const Segment& seg = segs[k];
    if (seg.index != expect) {
      if (seg.index < expect) continue;  // duplicate index: first one wins
      break;
    }
    ++expect;
    std::string_view v = seg.value;
    if (seg.extended && k == 0) {
      // RFC 2231 §4: the first extended segment starts with charset'language'.
      size_t q1 = v.find('\'');
      size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
      if (q2 != std::string_view::npos) {
        charset = std::string(v.substr(0, q1));
        v.remove_prefix(q2 + 1);
      }
    }
    bytes += seg.extended ? percent_decode(v) : std::string(v);
  }
  if (charset.empty()) return bytes;
  if (auto u = to_utf8(bytes, charset)) return std::move(*u);
  return bytes;
}

}  // namespace

std::vector<Param> parse_params(std::string_view s) {
  std::map<std::string, Pending> pending;
  size_t order = 0;
  size_t i = 0;
  while (i < s.size()) {
    i = skip_cfws(s, i);
    if (i >= s.size()) break;
    if (s[i] == ';') {
      ++i;
      continue;
    }
    size_t name_start = i;
    while (i < s.size() && s[i] != '=' && s[i] != ';' && !detail::is_space(s[i])) ++i;
    std::string name = ascii_lowercase(s.substr(name_start, i - name_start));
    i = skip_cfws(s, i);
    if (i >= s.size() || s[i] != '=' || name.empty()) {
      while (i < s.size() && s[i] != ';') ++i;  // malformed parameter: skip it
      continue;
    }
    i = skip_cfws(s, i + 1);
    std::string value;
    if (i < s.size() && s[i] == '"') {
      value = read_quoted(s, i);
      while (i < s.size() && s[i] != ';') ++i;  // junk after the closing quote
    } else {
      // Lenient: unquoted values with spaces (Outlook's name=a b.pdf) run to ';';
      // comments inside are dropped (RFC 2045 allows CFWS around the value).
      size_t start = i;
      while (i < s.size() && s[i] != ';') ++i;
      value = detail::strip_comments(s.substr(start, i - start));
    }
    // RFC 2231 §3/§4: name*N / name*N* / name*
    std::string base = name;
    bool extended = false, continuation = false;
    unsigned index = 0;
    size_t star = name.find('*');
    if (star != std::string::npos && star > 0) {
      std::string_view rest = std::string_view(name).substr(star + 1);
      base = name.substr(0, star);
      if (rest.empty()) {
        extended = true;
      } else {
        if (!rest.empty() && rest.back() == '*') {
          extended = true;
          rest.remove_suffix(1);
        }
        auto n = parse_u64(rest);
        if (!n || *n > kMaxContinuation || (rest.size() > 1 && rest[0] == '0')) {
          base = name;  // not RFC 2231 syntax: keep the parameter as written
          extended = false;
        } else {
          index = static_cast<unsigned>(*n);
          continuation = true;
        }
      }
    }
    auto [it, inserted] = pending.try_emplace(base);
    if (inserted) it->second.order = order++;
    Pending& p = it->second;
    if (extended || continuation) {
      p.segments.push_back(Segment{index, extended, std::move(value)});
    } else if (!p.has_plain) {
      p.has_plain = true;
      p.plain = std::move(value);
    }
  }
  std::vector<std::pair<size_t, Param>> ordered;
  ordered.reserve(pending.size());
  for (auto& [name, p] : pending) {
    std::string value;
    if (!p.segments.empty()) {
      value = join_rfc2231(p.segments);  // RFC 2231 form wins over a plain duplicate
    } else {
      value = std::move(p.plain);
      if (value.find("=?") != std::string::npos) value = decode_encoded_words(value);
    }
    ordered.push_back({p.order, Param{name, std::move(value)}});
  }
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Param> out;
  out.reserve(ordered.size());
  for (auto& [o, prm] : ordered) out.push_back(std::move(prm));
  return out;
}

const std::string* find_param(const std::vector<Param>& params, std::string_view name) {
  for (const auto& p : params)
    if (p.name == name) return &p.value;
  return nullptr;
}

MediaType parse_content_type(std::string_view value) {
  MediaType mt;
  size_t i = skip_cfws(value, 0);
  std::string_view type = read_token(value, i);
  i = skip_cfws(value, i);
  if (type.empty() || i >= value.size() || value[i] != '/') return mt;
  i = skip_cfws(value, i + 1);
  std::string_view subtype = read_token(value, i);
  if (subtype.empty()) return mt;
  i = skip_cfws(value, i);
  // Anything but ';' after the subtype makes the value invalid (RFC 2045 §5.2: default).
  if (i < value.size() && value[i] != ';') return mt;
  mt.type = ascii_lowercase(type);
  mt.subtype = ascii_lowercase(subtype);
  mt.valid = true;
  if (i < value.size()) mt.params = parse_params(value.substr(i + 1));
  return mt;
}

Disposition parse_content_disposition(std::string_view value) {
  Disposition d;
  size_t i = skip_cfws(value, 0);
  std::string_view type = read_token(value, i);
  if (type.empty()) return d;
  d.type = ascii_lowercase(type);
  i = skip_cfws(value, i);
  size_t semi = value.find(';', i);
  if (semi != std::string_view::npos) d.params = parse_params(value.substr(semi + 1));
  return d;
}

}  // namespace postamt::mime
