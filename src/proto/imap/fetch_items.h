// FETCH data items: the macros, every fetch-att of IMAP4rev1/rev2 and the extensions we
// serve, BODY[section]<partial> with HEADER.FIELDS lists (joined back together from the
// tokens the generic parser splits them into), the CHANGEDSINCE / VANISHED modifiers, and
// the item names echoed in FETCH responses. Handles untrusted input (authenticated
// clients): item count, part depth and header-field lists are bounded.
// RFC 9051 §6.4.5 (FETCH), §7.5.2 (FETCH response), §9 (fetch-att, section, partial);
// RFC 3501 §6.4.5 (RFC822.* items); RFC 3516 §4.1 (BINARY, BINARY.PEEK, BINARY.SIZE);
// RFC 7162 §3.1.4 (MODSEQ, CHANGEDSINCE), §3.2.6 (VANISHED); RFC 8970 §3 (PREVIEW, LAZY);
// RFC 8474 §5 (EMAILID, THREADID); RFC 8514 (SAVEDATE).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "proto/imap/command_parser.h"

namespace postamt::proto::imap {

struct FetchLimits {
  size_t max_items = 64;           // fetch-atts in one command, macros expanded
  size_t max_part_depth = 32;      // numbers in a section part path ("1.2.3")
  size_t max_header_fields = 128;  // names in one HEADER.FIELDS[.NOT] list
  size_t max_field_name = 256;     // bytes of one header field name
};

struct FetchOptions {
  bool uid = false;  // UID FETCH: VANISHED is only allowed there (RFC 7162 §3.2.6)
  FetchLimits limits;
};

enum class FetchAttr : uint8_t {
  envelope,
  flags,
  internaldate,
  rfc822,         // RFC 3501: BODY[], sets \Seen
  rfc822_header,  // RFC 3501: BODY.PEEK[HEADER]
  rfc822_size,
  rfc822_text,    // RFC 3501: BODY[TEXT], sets \Seen
  body,           // "BODY" without section: non-extensible BODYSTRUCTURE
  bodystructure,
  uid,
  body_section,   // BODY[...] / BODY.PEEK[...]
  binary,         // BINARY[...] / BINARY.PEEK[...] (RFC 3516)
  binary_size,    // BINARY.SIZE[...] (RFC 3516)
  preview,        // RFC 8970
  modseq,         // RFC 7162
  emailid,        // RFC 8474
  threadid,       // RFC 8474
  savedate,       // RFC 8514
};

// RFC 9051 §9 section-msgtext / section-text.
enum class SectionText : uint8_t {
  none,               // "BODY[]", "BODY[1.2]"
  header,             // HEADER
  header_fields,      // HEADER.FIELDS (list)
  header_fields_not,  // HEADER.FIELDS.NOT (list)
  text,               // TEXT
  mime,               // MIME (only after a part number)
};

struct Section {
  std::vector<uint32_t> part;       // section-part, nz-numbers; empty = the whole message
  SectionText text = SectionText::none;
  std::vector<std::string> fields;  // HEADER.FIELDS[.NOT] names as the client wrote them
  bool operator==(const Section&) const = default;
};

// RFC 9051 §9 partial = "<" number64 "." nz-number64 ">".
struct Partial {
  uint64_t offset = 0;
  uint64_t length = 0;  // >= 1
  bool operator==(const Partial&) const = default;
};

struct FetchItem {
  FetchAttr attr = FetchAttr::flags;
  bool peek = false;               // BODY.PEEK / BINARY.PEEK
  Section section;                 // body_section, binary, binary_size (part only for BINARY)
  std::optional<Partial> partial;  // body_section, binary
  bool lazy = false;               // PREVIEW (LAZY), RFC 8970 §3.1
  bool operator==(const FetchItem&) const = default;
};

struct FetchRequest {
  std::vector<FetchItem> items;            // macros expanded, in the client's order
  bool sets_seen = false;                  // some item sets \Seen (RFC 9051 §6.4.5)
  bool wants_modseq = false;               // MODSEQ item or CHANGEDSINCE: CONDSTORE enabling
                                           // and MODSEQ in every response (RFC 7162 §3.1.4)
  std::optional<uint64_t> changed_since;   // RFC 7162 §3.1.4.1
  bool vanished = false;                   // RFC 7162 §3.2.6 (with changed_since, UID only)
};

// RFC 9051 §9: fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
// "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]. args[first] is the token after the
// sequence set. Errors: ErrorCode::params with a client-safe message.
Result<FetchRequest> parse_fetch(const std::vector<Token>& args, size_t first, const FetchOptions& opts = {});

// The item name the server echoes in the FETCH response (RFC 9051 §7.5.2): "FLAGS",
// "BODY[1.2.HEADER.FIELDS (From To)]<0>" (the partial shows only the origin octet),
// "BINARY[1]<0>", "BINARY.SIZE[1]"; BODY.PEEK and BINARY.PEEK echo as BODY / BINARY, the
// RFC822.* items under their own names, PREVIEW (LAZY) as PREVIEW.
std::string section_response_name(const FetchItem& item);

// True when a FETCH of this item marks the message \Seen: BODY[...] and BINARY[...] without
// .PEEK, RFC822 and RFC822.TEXT.
bool sets_seen(const FetchItem& item);

}  // namespace postamt::proto::imap
