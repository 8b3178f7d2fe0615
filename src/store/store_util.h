// Backend-neutral helpers for store backends: address parsing and normalisation,
// random identifiers (RFC 8474 EMAILID, queue ids), UIDVALIDITY, flag encoding,
// the default mailbox set. Handles untrusted input (addresses from SMTP/CLI).
#pragma once

#include <cstdint>
#include <string>
#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/store.h"

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
bool is_inbox(std::string_view name);
// The stored spelling: "INBOX" for any case of it, other names unchanged.
std::string canonical_mailbox_name(std::string_view name);
// params unless the name is non-empty valid UTF-8 of at most kMaxMailboxName
// bytes, without control characters, not starting or ending with '/' and
// without empty levels ("//").
inline constexpr size_t kMaxMailboxName = 1000;
Result<void> check_mailbox_name(std::string_view name);
// The new name of `name` when `from` is renamed to `to` ('/' hierarchy): `to`
// for `from` itself, to + rest for "from/rest", nullopt for anything else.
std::optional<std::string> renamed_name(std::string_view name, std::string_view from, std::string_view to);

// Flags for storing (RFC 9051 §2.3.2): duplicates removed case-insensitively
// (first spelling kept), "\\Recent" and empty entries dropped; params if a flag
// contains whitespace, control characters or parentheses (it would not survive
// the space-joined storage or is no atom).
Result<std::vector<std::string>> normalize_flags(const std::vector<std::string>& flags);
// Applies a normalised update to a message's flags; true if the flag set
// changed (compared case-insensitively). Flags kept keep their stored spelling.
bool apply_flag_update(std::vector<std::string>& flags, FlagUpdate::Mode mode,
                       const std::vector<std::string>& update);

// Number of Unicode code points in valid UTF-8 (continuation bytes not counted).
size_t utf8_length(std::string_view s);

}  // namespace postamt::store
