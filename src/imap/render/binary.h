// FETCH BINARY[part] / BINARY.SIZE[part]: section lookup and Content-Transfer-Encoding
// removal (IMAP BINARY extension).
// Input: client part numbers and body bytes of untrusted messages; total, linear time,
// no exceptions.
// RFCs: 3516 §4.2 (BINARY, BINARY.SIZE), §4.3 (literal8), §4.4 / 9051 §7.1
// (UNKNOWN-CTE), 2045 §6.7 (quoted-printable), §6.8 (base64), §6.4 (multipart and
// message/rfc822 only use identity encodings).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "imap/render/section.h"

namespace postamt::imap::render {

enum class Cte { identity, base64, quoted_printable, unknown };

// "7bit", "8bit", "binary" -> identity; "base64"; "quoted-printable" (ASCII case-
// insensitive, as stored by delivery: comments already removed); anything else unknown.
Cte classify_cte(std::string_view encoding);

struct BinarySection {
  bool exists = false;  // false: no such part; BINARY answers "" and BINARY.SIZE 0 (Dovecot)
  ByteRange range;      // the raw (still encoded) bytes, prefix included
  Cte cte = Cte::identity;
};

// BINARY[part] (RFC 3516 section-binary = "[" [section-part] "]"), numbered like
// resolve_section(). The empty part (BINARY[]) is the whole message; a multipart or
// message/rfc822 part, whose own encoding is an identity one (RFC 2045 §6.4), is sent as
// stored: nested parts keep their own encodings. (Dovecot instead re-encodes every
// nested part to binary for those; clients use BINARY on leaf parts.)
// Errors: params for part number 0; params with detail kUnknownCte when the part's
// Content-Transfer-Encoding is unknown (the session answers NO [UNKNOWN-CTE]).
Result<BinarySection> resolve_binary(const Summary& summary, const std::vector<uint32_t>& part,
                                     uint64_t prefix_size);

// Removes the transfer encoding from `raw` (the bytes of a BinarySection).
// Invalid encoded data is an error, like Dovecot 2.3 (which answers NO [PARSE]
// "Invalid data in MIME part"; the session should do the same): params with detail
// kInvalidData. Invalid means
// - base64: a byte outside the alphabet, SP, HTAB, CR, LF; '=' that does not complete the
//   last quantum; data after the padding; a last quantum cut short without padding
//   (Dovecot even drops the connection for that one).
// - quoted-printable: '=' not followed by two hex digits (either case) nor by optional
//   SP/HTAB and a line end; '=' or "=X" cut off by the end of the data.
// Valid data is decoded with mime::decode_transfer_encoding() (trailing whitespace
// of quoted-printable lines removed, RFC 2045 §6.7 rule 3).
Result<std::string> decode_binary(std::string_view raw, Cte cte);

// Error details (Error::detail) of the two BINARY failures, and the IMAP response code
// for an error from resolve_binary()/decode_binary(): "UNKNOWN-CTE" or "PARSE" ("" for
// other errors).
inline constexpr std::string_view kUnknownCte = "unknown-cte";
inline constexpr std::string_view kInvalidData = "invalid-data";
std::string_view binary_response_code(const Error& e);

}  // namespace postamt::imap::render
