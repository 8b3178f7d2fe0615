// Section resolution, header filtering and partial ranges; see section.h.
// Handles untrusted input (client section specs, message header bytes).
// RFCs: 9051 §6.4.5.
#include "imap/render/section.h"

#include <algorithm>

#include "base/strings.h"

namespace postamt::imap::render {

namespace {

// The root part's header is the only one the per-recipient trace prefix extends.
ByteRange header_range(const BodyPart& p, const BodyPart& root, uint64_t prefix) {
  if (&p == &root) return {0, prefix + p.header_size};
  return {prefix + p.offset, p.header_size};
}

ByteRange body_range(const BodyPart& p, uint64_t prefix) { return {prefix + p.body_offset(), p.body_size}; }

// RFC 9051 §6.4.5 part numbering (Dovecot's imap_msgpart_find() where the RFC is silent).
const BodyPart* find_part(const BodyPart& root, const std::vector<uint32_t>& path) {
  const BodyPart* cur = &root;
  for (size_t i = 0; i < path.size(); ++i) {
    const uint32_t num = path[i];
    const bool more = i + 1 < path.size();
    if (cur->is_multipart()) {
      if (num == 0 || num > cur->children.size()) return nullptr;
      cur = &cur->children[num - 1];
    } else {
      // "Non-[MIME-IMB] messages, and non-multipart [MIME-IMB] messages with no
      // encapsulated message, only have a part 1."
      if (num != 1) return nullptr;
      if (more && !cur->is_message()) return nullptr;
    }
    // A message/rfc822 part's sub-parts are the parts of the encapsulated message.
    if (more && cur->is_message()) {
      if (cur->children.empty()) return nullptr;
      cur = &cur->children.front();
    }
  }
  return cur;
}

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// Field name of a header line: up to the colon, trailing WSP removed (obsolete syntax,
// RFC 5322 §4.5); nullopt for a line without a colon.
std::optional<std::string_view> field_name(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view n = line.substr(0, colon);
  while (!n.empty() && is_wsp(n.back())) n.remove_suffix(1);
  return n;
}

}  // namespace

Result<ResolvedSection> resolve_section(const Summary& summary, const SectionSpec& spec, uint64_t prefix_size) {
  for (uint32_t n : spec.part)
    if (n == 0) return Error::make(ErrorCode::params, "Invalid section part number", "part number 0");
  if (spec.kind == SectionKind::mime && spec.part.empty())
    return Error::make(ErrorCode::params, "MIME needs a section part", "bare MIME section");
  const BodyPart& root = summary.root();
  ResolvedSection out;
  if (spec.part.empty()) {
    out.exists = true;
    out.part = &root;
    switch (spec.kind) {
      case SectionKind::none:
        out.range = {0, prefix_size + root.end()};
        break;
      case SectionKind::text:
        out.range = body_range(root, prefix_size);
        break;
      default:  // header, header_fields, header_fields_not
        out.range = header_range(root, root, prefix_size);
        break;
    }
    return out;
  }
  const BodyPart* p = find_part(root, spec.part);
  if (!p) return out;
  switch (spec.kind) {
    case SectionKind::none:
      out.range = body_range(*p, prefix_size);
      break;
    case SectionKind::mime:
      out.range = header_range(*p, root, prefix_size);
      break;
    case SectionKind::text:
    case SectionKind::header:
    case SectionKind::header_fields:
    case SectionKind::header_fields_not: {
      // RFC 9051 §6.4.5: HEADER/TEXT of a part refer to an encapsulated message.
      if (!p->is_message() || p->children.empty()) return out;
      p = &p->children.front();
      out.range = spec.kind == SectionKind::text ? body_range(*p, prefix_size) : header_range(*p, root, prefix_size);
      break;
    }
  }
  out.exists = true;
  out.part = p;
  return out;
}

std::string filter_header(std::string_view block, const std::vector<std::string>& names, bool not_) {
  std::string out;
  out.reserve(std::min<size_t>(block.size() + 2, 4096));
  bool keep = false;  // whether the current field (and its continuation lines) is kept
  size_t pos = 0;
  while (pos < block.size()) {
    size_t nl = block.find('\n', pos);
    size_t next = nl == std::string_view::npos ? block.size() : nl + 1;
    std::string_view line = block.substr(pos, (nl == std::string_view::npos ? block.size() : nl) - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = next;
    if (line.empty() && nl != std::string_view::npos) {
      out += "\r\n";  // RFC 9051 §6.4.5: the blank line is included in all header fetches
      break;
    }
    if (line.empty()) continue;  // a lone CR at the very end
    if (!is_wsp(line.front())) {  // a new field starts
      auto name = field_name(line);
      bool match = false;
      if (name)
        for (const auto& n : names)
          if (iequals(*name, n)) match = true;
      keep = not_ ? !match : match;
    }
    if (keep) {
      out += line;
      out += "\r\n";
    }
  }
  return out;
}

ByteRange apply_partial(ByteRange range, uint64_t offset, std::optional<uint64_t> count) {
  if (offset >= range.length) return {range.offset + range.length, 0};
  uint64_t left = range.length - offset;
  return {range.offset + offset, count ? std::min(*count, left) : left};
}

std::string_view apply_partial(std::string_view data, uint64_t offset, std::optional<uint64_t> count) {
  ByteRange r = apply_partial(ByteRange{0, data.size()}, offset, count);
  return data.substr(static_cast<size_t>(r.offset), static_cast<size_t>(r.length));
}

}  // namespace postamt::imap::render
