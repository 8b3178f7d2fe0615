// Mailbox and domain syntax for SMTP paths (local@domain, address literals).
// Handles unauthenticated input (MAIL FROM / RCPT TO addresses, ORCPT values).
// RFC 5321 §4.1.2 (Mailbox, Local-part, Domain), §4.1.3 (address literals), RFC 6531 §3.3 (UTF-8).
#pragma once

#include "base/strings.h"

#include <optional>
#include <string>
#include <string_view>

namespace postamt::proto::smtp {

struct Mailbox {
  std::string local;   // as sent: a quoted local part keeps its quotes and backslashes
  std::string domain;  // a domain name, or an address literal with its brackets
};

// Validates "local@domain" (dot-string or quoted-string local part; domain name or address
// literal [1.2.3.4] / [IPv6:...]); UTF-8 is accepted when well-formed (RFC 6531).
std::optional<Mailbox> parse_mailbox(std::string_view address);

// The local part with quoting removed ("\"a b\"" -> "a b"); dot-strings come back unchanged.
// Assumes `local` passed parse_mailbox.
std::string unquote_local_part(std::string_view local);

// RFC 5321 §4.1.2 Domain with RFC 6531 U-labels: labels of letters, digits, hyphens (not at
// either end) or UTF-8; at most 63 octets a label, 255 in total.
bool is_valid_smtp_domain(std::string_view domain);

// RFC 5321 §4.1.3: "[1.2.3.4]" or "[IPv6:...]" including the brackets.
bool is_valid_address_literal(std::string_view literal);

// Well-formed UTF-8: the one implementation lives in base/.
using postamt::is_valid_utf8;

}  // namespace postamt::proto::smtp
