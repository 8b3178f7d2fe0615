// Arguments of the mailbox commands: STATUS items, SELECT/EXAMINE parameters (CONDSTORE,
// QRESYNC), CREATE (USE special-use attributes), COPY/MOVE, UID EXPUNGE. Mailbox names go
// through decode_mailbox_name (mailbox_name.h). Handles untrusted input (authenticated
// clients).
// RFC 9051 §6.3.2-3 (SELECT, EXAMINE), §6.3.4 (CREATE), §6.3.11 (STATUS), §6.4.7-8 (COPY,
// MOVE), §6.4.9 (UID EXPUNGE), §9; RFC 3501 §6.3.10 (RECENT); RFC 7162 §3.1.7
// (HIGHESTMODSEQ status item), §3.1.8 and §3.2.5 (CONDSTORE / QRESYNC select parameters);
// RFC 6154 §4 (CREATE USE); RFC 7889 (APPENDLIMIT status item); RFC 8474 §4 (MAILBOXID);
// RFC 4315 (UID EXPUNGE); RFC 6851 (MOVE).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "proto/imap/command_parser.h"
#include "proto/imap/sequence_set.h"

namespace postamt::proto::imap {

// RFC 9051 §9 status-att, plus RECENT (RFC 3501), HIGHESTMODSEQ (RFC 7162), APPENDLIMIT
// (RFC 7889), MAILBOXID (RFC 8474).
enum class StatusItem : uint8_t {
  messages,
  uidnext,
  uidvalidity,
  unseen,
  deleted,
  size,
  highestmodseq,
  appendlimit,
  recent,
  mailboxid,
};

// The wire name ("MESSAGES", "HIGHESTMODSEQ", ...).
const char* status_item_name(StatusItem item);

// "(" status-att *(SP status-att) ")": at least one; duplicates dropped, order kept.
Result<std::vector<StatusItem>> parse_status_items(const Token& list);

struct StatusArgs {
  std::string mailbox;  // UTF-8, normalized
  std::vector<StatusItem> items;
};

// RFC 9051 §9: status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")".
Result<StatusArgs> parse_status(const std::vector<Token>& args, size_t first, bool utf8_enabled);

// RFC 7162 §3.2.5: QRESYNC SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
// [SP seq-match-data] ")".
struct QresyncParams {
  uint32_t uidvalidity = 0;
  uint64_t modseq = 0;                      // 0 accepted (lenient): the client knows nothing
  std::optional<SequenceSet> known_uids;    // no "*" or "$"
  std::optional<SequenceSet> known_seqs;    // seq-match-data: message numbers ...
  std::optional<SequenceSet> known_seq_uids;  // ... and their UIDs
};

struct SelectArgs {
  std::string mailbox;
  bool condstore = false;  // RFC 7162 §3.1.8 (implied by QRESYNC)
  std::optional<QresyncParams> qresync;
};

// RFC 9051 §9: select = "SELECT" SP mailbox [select-params] (also EXAMINE); RFC 4466 §2.1
// select-params = SP "(" select-param *(SP select-param) ")". Known params: CONDSTORE,
// QRESYNC; others are errors.
Result<SelectArgs> parse_select(const std::vector<Token>& args, size_t first, bool utf8_enabled,
                                size_t max_ranges = SequenceSet::kDefaultMaxRanges);

struct CreateArgs {
  std::string mailbox;
  // RFC 6154 §4 USE attributes: the known ones (\All \Archive \Drafts \Flagged \Junk \Sent
  // \Trash) in canonical spelling, others kept as sent ("\X..."): the session refuses those
  // with NO [USEATTR].
  std::vector<std::string> special_use;
  bool has_use = false;  // USE (...) was given (possibly empty)
};

// Known RFC 6154 §2 special-use attribute, in canonical spelling; "" if unknown.
std::string canonical_special_use(std::string_view attr);

// RFC 9051 §9: create = "CREATE" SP mailbox [create-params]; RFC 6154 §6: create-param =/
// "USE" SP "(" [use-attr *(SP use-attr)] ")".
Result<CreateArgs> parse_create(const std::vector<Token>& args, size_t first, bool utf8_enabled);

struct CopyArgs {
  SequenceSet set;
  std::string mailbox;
};

// RFC 9051 §9: copy = "COPY" SP sequence-set SP mailbox; RFC 6851 §4: move likewise.
// args[first] is the sequence set.
Result<CopyArgs> parse_copy(const std::vector<Token>& args, size_t first, bool utf8_enabled,
                            size_t max_ranges = SequenceSet::kDefaultMaxRanges);

// RFC 9051 §9 / RFC 4315 §3: uid-expunge = "UID" SP "EXPUNGE" SP sequence-set. args[first]
// is the set.
Result<SequenceSet> parse_uid_expunge(const std::vector<Token>& args, size_t first,
                                      size_t max_ranges = SequenceSet::kDefaultMaxRanges);

}  // namespace postamt::proto::imap
