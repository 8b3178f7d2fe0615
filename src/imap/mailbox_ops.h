// Blocking mailbox helpers shared by CREATE, RENAME and APPEND/COPY (TRYCREATE
// targets): run on the worker pool, never on an I/O thread.
// No untrusted input beyond validated mailbox names.
#pragma once

#include <string>
#include <string_view>

#include "store/store.h"

namespace postamt::imap {

// RFC 9051 §6.3.4: creates the superior names a new name needs ("a/b/c" needs
// "a" and "a/b"); existing ones are fine.
Result<void> create_parents(store::Store& st, int64_t account_id, std::string_view name);

// The mailbox by id (names change under RENAME by other sessions).
Result<store::Mailbox> mailbox_by_id(store::Store& st, int64_t account_id, int64_t mailbox_id);

// True if some mailbox lives below name + "/".
bool has_children(const std::vector<store::Mailbox>& all, std::string_view name);

}  // namespace postamt::imap
