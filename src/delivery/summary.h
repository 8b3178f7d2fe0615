// Computes, once at delivery/APPEND, what IMAP and webmail need from a message
// (DESIGN §5): ENVELOPE and BODYSTRUCTURE data with every part's byte offsets,
// preview text (RFC 8970) and SORT/SEARCH header fields.
// Handles untrusted input (the message) through the bounded MIME parser.
//
// summary_json layout (version 1); offsets are relative to the blob bytes, i.e.
// the stored message minus its per-recipient trace prefix:
//   {"v":1, "env":ENV, "body":PART}
//   ENV  = {"date","subject","in_reply_to","message_id": string|null,
//           "from","sender","reply_to","to","cc","bcc": [[name,adl,mailbox,host],...]|null}
//          (address members are string|null; group start/end as in RFC 9051 §7.5.2)
//   PART = {"t":type,"s":subtype,"p":[[k,v],...],"id","desc","md5","loc": string|null,
//           "enc":encoding,"disp":string|null,"dp":[[k,v],...],"lang":[...],
//           "o":offset,"hs":header_size,"bs":body_size,"hl":header_lines,"bl":body_lines,
//           "c":[PART,...], "env":ENV (message/rfc822 parts only)}
#pragma once

#include <string_view>

#include "store/store.h"

namespace postamt::delivery {

store::MessageSummary summarize(std::string_view message);

}  // namespace postamt::delivery
