// The stored message summary (delivery/summary.h, JSON version 1) parsed once into plain
// structs, so FETCH renders ENVELOPE, BODYSTRUCTURE and section ranges without JSON in
// public headers and without re-parsing the message (DESIGN §5).
// Input: summary JSON from the store. Written by our own delivery code but read back
// from disk, so it is validated: wrong types, offsets outside the parent part or
// overflowing sizes give an internal error, never a crash; nesting is bounded by the
// JSON parser's depth limit.
// RFCs: 9051 §7.5.2 (the ENVELOPE and BODYSTRUCTURE data the structs hold).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace postamt::imap::render {

// One ENVELOPE address (RFC 9051 §7.5.2): group start = (NIL NIL name NIL), group end =
// (NIL NIL NIL NIL). Strings are raw header text (not RFC 2047-decoded).
struct Address {
  std::optional<std::string> name, adl, mailbox, host;
};

struct Envelope {
  std::optional<std::string> date, subject, in_reply_to, message_id;
  std::vector<Address> from, sender, reply_to, to, cc, bcc;  // empty = NIL
};

struct Param {
  std::string name;   // lower-case
  std::string value;  // RFC 2231/2047 already decoded to UTF-8 by delivery
};

// One MIME part. Offsets are relative to the blob (the stored message minus the
// per-recipient trace prefix); `offset` is the first byte of the part's header.
struct BodyPart {
  std::string type = "text", subtype = "plain";  // lower-case
  std::vector<Param> params;
  std::optional<std::string> id, description, md5, location;
  std::string encoding = "7bit";  // lower-case
  std::optional<std::string> disposition;
  std::vector<Param> disposition_params;
  std::vector<std::string> language;
  uint64_t offset = 0, header_size = 0, body_size = 0;
  uint64_t header_lines = 0, body_lines = 0;
  std::vector<BodyPart> children;     // multipart: body parts; message/rfc822: the message
  std::optional<Envelope> envelope;   // message/rfc822 (and message/global) only

  bool is_multipart() const { return type == "multipart"; }
  bool is_message() const { return type == "message" && (subtype == "rfc822" || subtype == "global"); }
  bool is_text() const { return type == "text"; }
  uint64_t body_offset() const { return offset + header_size; }
  uint64_t end() const { return offset + header_size + body_size; }
};

class Summary {
 public:
  // Parses summary_json (version 1). Errors: internal (malformed or inconsistent JSON).
  static Result<Summary> parse(std::string_view json);

  const Envelope& envelope() const { return envelope_; }
  const BodyPart& root() const { return root_; }
  // Bytes the summary covers (root header + body) = the blob size.
  uint64_t blob_size() const { return root_.end(); }

 private:
  Envelope envelope_;
  BodyPart root_;
};

}  // namespace postamt::imap::render
