// BODY and BODYSTRUCTURE (RFC 9051 §7.5.2 / RFC 3501 §7.4.2) from the stored summary.
// Input: the parsed summary of an untrusted message; output is always syntactically
// valid (every body has the fields the grammar requires, also for malformed MIME).
// RFCs: 9051 §7.5.2 and §9 (body, body-type-1part, body-type-mpart, body-ext-*),
// 2045 §5.2 (text/plain; charset=us-ascii default), 2231 (parameter value encoding).
#pragma once

#include <string>

#include "imap/render/summary.h"

namespace postamt::imap::render {

// Appends the parenthesized body structure of `root`: BODYSTRUCTURE when extended, else
// BODY. Rules (Dovecot 2.3, the differential-test oracle, unless an RFC decides):
// - text/* parts without a charset parameter get ("charset" "us-ascii") appended.
// - non-text parts without parameters: NIL.
// - text/*: body size and line count; message/rfc822 and message/global: size,
//   envelope, body structure of the encapsulated message, line count.
// - a message/rfc822 part whose content was not parsed (non-identity transfer
//   encoding, or a parser limit) gets an all-NIL envelope and an empty text/plain body,
//   like Dovecot; a multipart without parts gets one empty text/plain part (the
//   grammar requires at least one body).
// - type, subtype, encoding, disposition and parameter names are lower-case (as
//   stored; MIME says they are case-insensitive: RFC 2045 §5.1, §6.1, RFC 2183 §2).
// - parameter values are stored decoded (RFC 2231/2047); a value with 8-bit bytes is
//   sent as RFC 2231 `name*` = utf-8''%XX.. unless utf8_ok (then as UTF-8 text).
// - extension data: body-fld-md5, disposition ("type" params|NIL), language list,
//   location (single parts); params, disposition, language, location (multipart).
void append_bodystructure(std::string& out, const BodyPart& root, bool extended, bool utf8_ok);

}  // namespace postamt::imap::render
