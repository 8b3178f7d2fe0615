// Header block splitting and unfolding.
// Handles untrusted input (every received header); total on any byte sequence.
// RFCs: 5322 §2.2 (header fields), §2.2.3 (folding), §4.5 (obsolete WSP before the colon).
#include <cstring>

#include "base/strings.h"
#include "mime/internal.h"
#include "mime/mime.h"

namespace postamt::mime {

using detail::is_wsp;

std::vector<HeaderField> parse_header(std::string_view block, size_t max_fields) {
  std::vector<HeaderField> fields;
  size_t pos = 0;
  bool in_field = false;  // the previous line started a field, continuations extend it
  size_t value_start = 0;
  while (pos < block.size()) {
    const void* nl = std::memchr(block.data() + pos, '\n', block.size() - pos);
    size_t next = nl ? static_cast<size_t>(static_cast<const char*>(nl) - block.data()) + 1 : block.size();
    std::string_view line = block.substr(pos, next - pos);
    std::string_view content = line;
    if (!content.empty() && content.back() == '\n') content.remove_suffix(1);
    if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
    if (content.empty()) break;  // blank line: end of header (RFC 5322 §2.1)
    if (is_wsp(line[0])) {
      // Continuation of the current field (or of a skipped junk line).
      if (in_field) {
        HeaderField& f = fields.back();
        f.value = block.substr(value_start, pos + content.size() - value_start);
      }
    } else {
      size_t colon = 0;
      size_t name_len = detail::field_name_length(content, colon);
      if (name_len == 0) {
        in_field = false;  // junk line: skipped
      } else if (fields.size() >= max_fields) {
        break;
      } else {
        size_t v = colon + 1;
        while (v < content.size() && is_wsp(content[v])) ++v;
        value_start = pos + v;
        fields.push_back(HeaderField{block.substr(pos, name_len), block.substr(value_start, content.size() - v)});
        in_field = true;
      }
    }
    pos = next;
  }
  return fields;
}

const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name) {
  for (const auto& f : fields)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

std::string unfold(std::string_view value) {
  // RFC 5322 §2.2.3: unfolding removes the CRLF that precedes WSP.
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\r' && i + 2 < value.size() && value[i + 1] == '\n' && is_wsp(value[i + 2])) {
      ++i;
      continue;
    }
    if (c == '\n' && i + 1 < value.size() && is_wsp(value[i + 1])) continue;
    out.push_back(c);
  }
  return out;
}

namespace detail {

std::string strip_comments(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '(') {
      i = skip_cfws(s, i);
      out.push_back(' ');
    } else if (c == '"') {
      size_t j = i + 1;
      while (j < s.size() && s[j] != '"') j += (s[j] == '\\') ? 2 : 1;
      j = std::min(j + 1, s.size());
      out.append(s.substr(i, j - i));
      i = j;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return std::string(trim_all(out));
}

}  // namespace detail
}  // namespace postamt::mime
