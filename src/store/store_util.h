// Backend-neutral helpers for store backends: address parsing and normalisation,
// random identifiers (RFC 8474 EMAILID, queue ids), UIDVALIDITY, flag encoding,
// the default mailbox set. Handles untrusted input (addresses from SMTP/CLI).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace postamt::store {

// An address split at its last '@'. The domain is lower-cased (domains are
// case-insensitive, RFC 5321 §2.4); the local part is kept as given.
struct ParsedAddress {
  std::string local;   // empty for a catch-all source "@domain"
  std::string domain;
  std::string full;    // local + "@" + domain
};

// "local@domain" with a non-empty local part and a plausible domain; params otherwise.
Result<ParsedAddress> parse_address(std::string_view address);
// An alias source: an address, or "@domain" for the domain's catch-all.
Result<ParsedAddress> parse_alias_source(std::string_view source);

// Lower-cases and validates a domain name; params if implausible.
Result<std::string> normalize_domain(std::string_view domain);

// Cryptographically random hex (OpenSSL RAND_bytes), 2 * bytes characters.
std::string random_hex(size_t bytes, bool upper);
// RFC 8474 EMAILID: "M" + 24 hex characters, unique per message copy.
std::string new_email_id();
// Outbound queue id: 12 upper-case hex characters.
std::string new_queue_id();

int64_t unix_now();

// RFC 3501 §2.3.1.1: UIDVALIDITY must change whenever UIDs may be reused; we
// never reuse UIDs, but a mailbox re-created under the same name needs a new
// value, so take the current time and stay above every value handed out before.
uint32_t next_uidvalidity(uint32_t last_issued);

// Flags are atoms (no spaces, RFC 9051 §9 flag-keyword), so a space-joined string
// stores them losslessly.
std::string join_flags(const std::vector<std::string>& flags);
std::vector<std::string> split_flags(std::string_view joined);

// The mailboxes every account gets (DESIGN §5), special-use per RFC 6154.
struct DefaultMailbox {
  const char* name;
  const char* special_use;
};
inline constexpr DefaultMailbox kDefaultMailboxes[] = {
    {"INBOX", ""},          {"Sent", "\\Sent"}, {"Drafts", "\\Drafts"},
    {"Trash", "\\Trash"},   {"Junk", "\\Junk"}, {"Archive", "\\Archive"},
};

// Mailbox names compare exactly, except INBOX which is case-insensitive
// (RFC 9051 §5.1).
bool mailbox_name_matches(std::string_view stored, std::string_view wanted);

}  // namespace postamt::store
