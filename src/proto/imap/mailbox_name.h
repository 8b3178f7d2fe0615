// Mailbox names between the wire and the store: decoding a client's name (modified UTF-7
// for IMAP4rev1 clients, UTF-8 once UTF8=ACCEPT or IMAP4rev2 is enabled), the INBOX
// special case, validation, and the reverse for responses. Handles untrusted input
// (authenticated clients).
// RFC 9051 §5.1 (Net-Unicode names, INBOX); RFC 3501 §5.1.3 (modified UTF-7);
// RFC 6855 §3 (UTF8=ACCEPT: names are UTF-8, no mUTF-7); RFC 5198 (Net-Unicode).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"
#include "proto/imap/command_parser.h"

namespace postamt::proto::imap {

// Longest mailbox name accepted, in UTF-8 bytes after decoding (the whole hierarchy path).
inline constexpr size_t kMaxMailboxNameBytes = 1024;

// The hierarchy delimiter of the store (DESIGN §5: "/" hierarchy).
inline constexpr char kMailboxDelimiter = '/';

// An astring token (atom, NIL-as-atom, quoted or literal) -> UTF-8 mailbox name.
// utf8_enabled == false: the text must be canonical modified UTF-7 (RFC 3501 §5.1.3);
// true: it must be UTF-8 and is taken as is (RFC 6855 §3). Afterwards: not empty, at most
// max_bytes, no C0/C1 control characters or DEL (RFC 5198). "INBOX" in any case becomes
// "INBOX" (RFC 9051 §5.1), and so does that prefix before the delimiter ("inbox/x" ->
// "INBOX/x"), so INBOX's children are named the same way whatever case the client uses.
// Errors: ErrorCode::params with a client-safe message.
Result<std::string> decode_mailbox_name(const Token& token, bool utf8_enabled, char delimiter = kMailboxDelimiter,
                                        size_t max_bytes = kMaxMailboxNameBytes);

// The same checks on a name already in UTF-8 text form (e.g. from RENAME targets built by
// the session); returns the normalized name.
Result<std::string> normalize_mailbox_name(std::string_view utf8, char delimiter = kMailboxDelimiter,
                                           size_t max_bytes = kMaxMailboxNameBytes);

// The wire text of a UTF-8 name: unchanged when utf8_enabled, else modified UTF-7.
std::string mailbox_wire_name(std::string_view utf8_name, bool utf8_enabled);

// Appends the name as an RFC 9051 §9 mailbox in a response: always a string (quoted, or a
// literal when it must be), never a bare atom, so names like "[Gmail]/Sent" or "NIL" are
// unambiguous for every client.
void format_mailbox_name(std::string& out, std::string_view utf8_name, bool utf8_enabled);

}  // namespace postamt::proto::imap
