// Runs SEARCH (and the search part of SORT/THREAD) on the worker pool: translates
// the parsed key tree into the evaluator's form against this session's view,
// answers BODY/TEXT from the store's full-text index (FTS5 trigram, filled at
// delivery) and HEADER keys from the message header, and evaluates per message.
// Also reads header fields for SORT/THREAD. Blocking: call from the worker pool.
// Handles untrusted input: the parsed query (already bounded by the parser).
// RFCs: 9051 §6.4.4; 3501 §6.4.4; 7162 §3.1.5 (MODSEQ); 5182 (SEARCHRES).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "imap/mailbox_view.h"
#include "mime/mime.h"
#include "proto/imap/search_query.h"
#include "store/store.h"

namespace postamt::imap {

struct SearchInput {
  int64_t mailbox_id = 0;
  std::vector<ViewMessage> view;      // the session's view, index = seq - 1
  std::vector<uint32_t> saved_uids;   // RFC 5182 "$"
  bool have_saved = false;
  std::set<uint32_t> recent;          // \Recent in this session (IMAP4rev1)
  int64_t now = 0;                    // OLDER/YOUNGER (RFC 5032)
};

struct SearchOutput {
  std::vector<uint32_t> seqs;      // matching sequence numbers, ascending
  uint64_t highest_modseq = 0;     // of the matches (RFC 7162 §3.1.5)
  std::vector<store::Message> metadata;  // per view position (uid 0 = gone), for SORT/THREAD
};

Result<SearchOutput> run_search(store::Store& st, const SearchInput& in, const proto::imap::SearchKey& key);

// "ESEARCH (TAG "t") [UID] MIN.. MAX.. COUNT.. ALL.. [MODSEQ n]" without "* " (RFC 4731 §3.1,
// RFC 5267 for ESORT: ALL then keeps the sort order). numbers: results in answer order.
std::string esearch_response(const std::string& tag, bool uid, const proto::imap::SearchReturn& ret,
                             const std::vector<uint32_t>& numbers, bool sorted, std::optional<uint64_t> modseq);

// The message header's fields in the stored search text (store.h get_search_headers):
// (folded name, folded decoded value) pairs up to the blank line that starts the MIME
// part headers.
std::vector<std::pair<std::string, std::string>> stored_header_fields(std::string_view text);

// The header block of a stored message (prefix included), at most 256 KiB.
Result<std::string> read_header_block(store::Store& st, int64_t mailbox_id, uint32_t uid);

}  // namespace postamt::imap
