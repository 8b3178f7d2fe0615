// Public API of the MIME layer: a message structure parser that records exact byte
// offsets and line counts of every part (IMAP FETCH BODY[...] / BODYSTRUCTURE need them),
// plus header, address, date, encoded-word, charset and transfer-encoding helpers.
// Handles untrusted input (every message we receive): every function is total, never
// throws on the data path, and bounds recursion and memory.
// RFCs: 5322 (message format, incl. §4 obsolete syntax), 2045/2046 (MIME), 2047
// (encoded-words), 2231 (parameter continuations/charsets), 8970 (preview),
// 3501 §7.4.2 / 9051 §7.5.2 (ENVELOPE shape).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::mime {

struct Limits {
  size_t max_depth = 50;          // nesting levels below the root (multipart + message/rfc822)
  size_t max_parts = 10000;       // parts in the whole tree, root included
  size_t max_header_fields = 5000;  // fields parsed per header block
};

// Internally max_depth is additionally capped at this value so a caller-supplied huge
// limit can never exhaust the stack (the parser recurses once per nesting level).
inline constexpr size_t kMaxSupportedDepth = 256;

struct Param {
  std::string name;   // lower-case
  std::string value;  // RFC 2231 continuations joined and charset-decoded to UTF-8;
                      // RFC 2047 encoded-words in values decoded too
};

// ---- header.cpp ------------------------------------------------------------------------

struct HeaderField {
  std::string_view name;   // as written (case preserved)
  std::string_view value;  // raw, still folded, without the trailing CRLF; starts after the
                           // colon and the SP/HTAB directly following it
};

// Splits a header block (bytes up to and including the blank line, or up to the end) into
// fields. Tolerates LF-only, a missing blank line and junk lines (skipped, together with
// their continuation lines). At most max_fields fields are returned.
std::vector<HeaderField> parse_header(std::string_view header_block, size_t max_fields = 5000);

// First field named `name` (case-insensitive), or nullptr.
const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name);

// Removes CRLF/LF directly before WSP (RFC 5322 §2.2.3); the WSP itself is kept.
std::string unfold(std::string_view value);

// ---- rfc2047.cpp / charset.cpp -----------------------------------------------------------

// RFC 2047 encoded-words -> UTF-8 (B and Q, any ICU charset, whitespace between adjacent
// encoded-words dropped and their bytes joined before conversion; invalid or
// unknown-charset words are left as they are). Other text is passed through unchanged.
std::string decode_encoded_words(std::string_view raw);

// Converts bytes in `charset` to UTF-8 with ICU. Unknown charset -> nullopt; invalid
// byte sequences -> U+FFFD. The result is always valid UTF-8.
std::optional<std::string> to_utf8(std::string_view bytes, std::string_view charset);

// Unicode full case folding (ICU u_strFoldCase, U_FOLD_CASE_DEFAULT: "Straße" and
// "STRASSE" both become "strasse"), for case-insensitive matching such as IMAP
// SEARCH (RFC 9051 §6.4.4). Invalid UTF-8 bytes become U+FFFD; the result is
// always valid UTF-8.
std::string fold_case(std::string_view utf8);

// RFC 5051 i;unicode-casemap canonical form (titlecase, then NFKD): the collation
// RFC 5256 SORT and THREAD compare with ("Ärger" sorts as "A" + U+0308 + "RGER").
std::string unicode_casemap(std::string_view utf8);

// ---- transfer_encoding.cpp -----------------------------------------------------------------

// Content-Transfer-Encoding decoding: "base64" (lenient like common MUAs: whitespace and
// junk ignored, '=' ends a quantum), "quoted-printable" (RFC 2045 §6.7, soft line breaks,
// invalid escapes kept literally); every other encoding is returned unchanged.
std::string decode_transfer_encoding(std::string_view body, std::string_view encoding);

// ---- date.cpp -------------------------------------------------------------------------------

// RFC 5322 §3.3 date-time including the obsolete forms of §4.3 (2/3-digit years,
// alphabetic and military zones, missing seconds or day-of-week, comments) and the
// asctime order "Mon Jan  2 15:04:05 2006" -> unix seconds UTC. nullopt if unparsable.
std::optional<int64_t> parse_date(std::string_view value);

// Days since 1970-01-01 of a proleptic Gregorian date (negative before 1970); month
// 1..12, day 1..31, not validated. Shared by every date computation (RFC 5322 and IMAP).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);

// ---- address.cpp ----------------------------------------------------------------------------

struct Address {  // as IMAP's ENVELOPE wants it (RFC 3501 §7.4.2 / RFC 9051 §7.5.2)
  std::optional<std::string> name;     // display name, quotes removed, NOT RFC 2047-decoded
  std::optional<std::string> adl;      // source route ("@a,@b"), rarely set
  std::optional<std::string> mailbox;  // local part (unquoted); group start: group name;
                                       // group end: nullopt
  std::optional<std::string> host;     // domain; nullopt marks group start/end; "" when an
                                       // address has no domain at all
  bool operator==(const Address&) const = default;
};

// RFC 5322 §3.4 address-list incl. groups and obsolete syntax (§4.4), best effort on
// garbage. A group left open at the end is closed. At most max_addresses entries (plus one
// closing group marker if the limit is hit inside a group).
std::vector<Address> parse_address_list(std::string_view value, size_t max_addresses = 1000);

// ---- envelope.cpp ---------------------------------------------------------------------------

struct Envelope {  // raw (undecoded) field values, unfolded and trimmed; nullopt/empty = NIL
  std::optional<std::string> date, subject, in_reply_to, message_id;
  std::vector<Address> from, sender, reply_to, to, cc, bcc;  // sender and reply_to default to
                                                             // from when absent/empty
                                                             // (RFC 3501 §7.4.2)
};

// Envelope of one header (the first occurrence of every field is used).
Envelope make_envelope(const std::vector<HeaderField>& fields);

// ---- params.cpp -----------------------------------------------------------------------------

struct MediaType {
  std::string type = "text", subtype = "plain";  // lower-case
  std::vector<Param> params;
  bool valid = false;  // false: the value was absent or unparsable and defaults were used
};

// Content-Type value (RFC 2045 §5.1) with RFC 2231 parameters. Invalid -> text/plain, no
// params, valid == false.
MediaType parse_content_type(std::string_view value);

struct Disposition {
  std::string type;  // lower-case; empty if unparsable
  std::vector<Param> params;
};
// Content-Disposition value (RFC 2183) with RFC 2231 parameters.
Disposition parse_content_disposition(std::string_view value);

// Parameters after a ';' (RFC 2045 §5.1 + RFC 2231 §3-§5 + RFC 2047 in values).
std::vector<Param> parse_params(std::string_view text);

// Value of the first parameter `name` (lower-case), or nullptr.
const std::string* find_param(const std::vector<Param>& params, std::string_view name);

// ---- parser.cpp -----------------------------------------------------------------------------

struct Part {
  size_t offset = 0;       // first byte of this part's header (== body_offset of a
                           // message/rfc822 parent)
  size_t header_size = 0;  // header bytes incl. the blank separator line; 0 if the part
                           // starts with a line that is not a header field (unless at
                           // most 3 such lines are followed by fields: then they are
                           // part of the header, see parser.cpp)
  size_t body_offset = 0;  // offset + header_size
  size_t body_size = 0;    // for parts of a multipart: ends before the CRLF (or LF) that
                           // precedes the next boundary delimiter line (RFC 2046 §5.1.1)
  size_t header_lines = 0, body_lines = 0;  // LF count: a last line without LF does not
                                            // count (like Dovecot; RFC 9051 §7.5.2)
  std::string type = "text", subtype = "plain";  // lower-case; text/plain by default,
                                                 // message/rfc822 in multipart/digest
  std::vector<Param> params;  // Content-Type params (none added by default)
  std::optional<std::string> id, description, md5, location;  // raw, unfolded, trimmed
  std::string encoding = "7bit";  // Content-Transfer-Encoding lower-cased
  std::optional<std::string> disposition;  // lower-cased Content-Disposition type
  std::vector<Param> disposition_params;
  std::vector<std::string> language;  // Content-Language tags
  // multipart: the body parts (may be empty: no boundary parameter, no delimiter line, or a
  // limit hit; IMAP then shows the part as a basic body like Dovecot does).
  // message/rfc822 and message/global (identity transfer encoding only): exactly one child,
  // the encapsulated message (its header+body == this part's body), unless a limit was hit.
  std::vector<Part> children;
  std::optional<Envelope> envelope;  // set whenever the encapsulated message child exists

  bool is_multipart() const { return type == "multipart"; }
  bool is_message() const { return type == "message" && (subtype == "rfc822" || subtype == "global"); }
};

struct ParsedMessage {
  Part root;               // offset 0; covers the whole input
  Envelope envelope;       // of the root header
  bool limit_hit = false;  // depth/part/field limit reached: deeper structure left opaque
};

// Never fails; malformed input gets a best-effort structure (like Dovecot). Linear time.
ParsedMessage parse(std::string_view message, const Limits& limits = {});

// ---- preview.cpp ----------------------------------------------------------------------------

// RFC 8970 preview: the first text/plain part that is not an attachment (else the first
// such text/html part with tags, scripts and styles stripped and entities decoded),
// transfer-decoded, converted to UTF-8, whitespace runs collapsed to one space, trimmed,
// at most max_chars Unicode characters. Encapsulated messages are not searched.
std::string make_preview(const ParsedMessage& msg, std::string_view message, size_t max_chars = 200);

}  // namespace postamt::mime
