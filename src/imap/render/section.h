// FETCH BODY[section] resolution: which bytes of a stored message a section means,
// computed from the summary's part offsets (no re-parsing, DESIGN §5), plus the
// HEADER.FIELDS[.NOT] filter and <partial> clipping.
// Input: section numbers and header names from untrusted clients; header bytes of
// untrusted messages. Every function is total and bounded.
// RFCs: 9051 §6.4.5 (section specification, part numbering, MIME/HEADER/TEXT,
// HEADER.FIELDS[.NOT] semantics, partial), 3501 §6.4.5.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "imap/render/summary.h"

namespace postamt::imap::render {

// Bytes of the stored message as clients see it: trace prefix + blob.
struct ByteRange {
  uint64_t offset = 0, length = 0;
  bool operator==(const ByteRange&) const = default;
};

enum class SectionKind { none, header, header_fields, header_fields_not, text, mime };

struct SectionSpec {
  std::vector<uint32_t> part;  // "1.2.3" -> {1,2,3}; empty = the message itself
  SectionKind kind = SectionKind::none;
};

struct ResolvedSection {
  // false: the part does not exist, or HEADER/TEXT was asked of a part that is not
  // message/rfc822. The answer is then an empty string (Dovecot sends "" / {0}).
  bool exists = false;
  // The data (none, text, mime, header) or the header block to filter
  // (header_fields, header_fields_not: read it, then filter_header()).
  ByteRange range;
  const BodyPart* part = nullptr;  // the part whose header/body the range covers
};

// Resolves `spec` against the summary of a message stored with `prefix_size` bytes of
// trace header in front of the blob (0 for APPENDed messages). The top-level header as
// clients see it is prefix + blob header.
// Part numbering (RFC 9051 §6.4.5), with Dovecot's choices where the RFC is silent:
// - a multipart's parts are numbered from 1;
// - a non-multipart message or part has only part 1 (itself: "1" of a single-part
//   message is its body, "2.1" of a leaf part 2 is part 2 again);
// - a message/rfc822 part's own number gives its body (the encapsulated message);
//   further numbers continue inside the encapsulated message;
// - N.MIME is the MIME header of part N (for the single part of a non-multipart
//   message: the message header); N.HEADER/N.TEXT only for message/rfc822 parts.
// Errors: params for specs the grammar forbids (part number 0, MIME without a part).
Result<ResolvedSection> resolve_section(const Summary& summary, const SectionSpec& spec, uint64_t prefix_size);

// HEADER.FIELDS (names) / HEADER.FIELDS.NOT (names) of a header block (RFC 9051 §6.4.5):
// the fields whose name matches (not_: does not match) one of `names`,
// ASCII-case-insensitively and otherwise exactly ("Subject :" is named "Subject"), in
// their original order with their continuation lines; every line ends in CRLF
// (bare-LF lines are converted, a last line without newline gets one). The block's
// terminating blank line is appended if the block has one: "the blank line is included
// in all header fetches, except in the case of a message that has no body and no blank
// line". Lines after the blank line are ignored. A line that is no field (no colon)
// has no name and only survives HEADER.FIELDS.NOT.
std::string filter_header(std::string_view header_block, const std::vector<std::string>& names, bool not_);

// <offset.count> partial fetch (RFC 9051 §6.4.5): the sub-range starting `offset` bytes
// in, at most `count` bytes long (nullopt: to the end); empty when offset is past the end.
ByteRange apply_partial(ByteRange range, uint64_t offset, std::optional<uint64_t> count);
std::string_view apply_partial(std::string_view data, uint64_t offset, std::optional<uint64_t> count);

}  // namespace postamt::imap::render
