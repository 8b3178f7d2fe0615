// Builds FETCH response data for one message on the worker pool (blocking reads
// of the store), leaving large body sections as ranges to stream afterwards, so a
// big BODY[] never sits in memory whole (issue 3 §5). Handles untrusted input:
// section specifications (bounded by the FETCH parser) and message bytes.
// RFCs: 9051 §6.4.5, §7.5.2; 3516 (BINARY); 8970 (PREVIEW); 8474 (EMAILID,
// THREADID); 8514 (SAVEDATE); 7162 (MODSEQ).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "imap/mailbox_view.h"
#include "proto/imap/fetch_items.h"
#include "store/store.h"

namespace postamt::imap {

// A piece of a FETCH response: text, or `length` message bytes from `offset`
// (prefix included) to be read and sent as they are.
struct FetchPiece {
  std::string text;
  uint64_t offset = 0;
  uint64_t length = 0;
  bool stream = false;
};

struct FetchJob {
  uint32_t seq = 0;
  ViewMessage meta;           // uid, modseq, flags as this session knows them
  bool add_uid = false;       // UID FETCH: UID always included (RFC 9051 §6.4.9)
  bool add_flags = false;     // \Seen was just set implicitly
  bool add_modseq = false;    // CHANGEDSINCE (RFC 7162 §3.1.4.1)
  bool recent = false;        // FLAGS shows \Recent (IMAP4rev1, RFC 3501 §2.3.2)
};

struct FetchContext {
  bool utf8 = false;
  uint64_t stream_threshold = 256 * 1024;  // sections above this are streamed
};

// The whole "* n FETCH (...)\r\n" for one message, as pieces. not_found if the
// message vanished from the store meanwhile.
Result<std::vector<FetchPiece>> build_fetch(store::Store& st, int64_t mailbox_id, const FetchJob& job,
                                            const proto::imap::FetchRequest& req, const FetchContext& ctx);

// Blocking reads from a MessageReader (sequential only): skip `n` bytes, or
// append up to `n` bytes to `out` (fewer only at the end of the message).
Result<void> skip_bytes(store::MessageReader& reader, uint64_t n);
Result<void> read_bytes(store::MessageReader& reader, uint64_t n, std::string& out);

// True if answering needs anything beyond the session's view (uid, flags, modseq).
bool needs_store(const proto::imap::FetchRequest& req);

}  // namespace postamt::imap
