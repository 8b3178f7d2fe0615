// APPEND arguments: target mailbox, then one or more messages (MULTIAPPEND), each with
// optional flags and INTERNALDATE and its bytes as a literal, a literal8 (BINARY) or the
// UTF8 (~{n}...) form. The message bytes are not copied: AppendMessage::data points into
// the Command's literal token. Handles untrusted input (authenticated clients).
// RFC 9051 §6.3.12 (APPEND), §9 (append, flag-list, date-time); RFC 3502 §6 (MULTIAPPEND);
// RFC 3516 §4.3 (literal8 in APPEND); RFC 6855 §4 (UTF8 append data).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "proto/imap/command_parser.h"
#include "proto/imap/datetime.h"

namespace postamt::proto::imap {

// The tokenizer already bounds literals per command (TokenizerLimits::max_literals).
inline constexpr size_t kMaxAppendMessages = 64;

struct AppendMessage {
  std::vector<std::string> flags;          // validated, canonical (store_args.h parse_flag)
  std::optional<DateTime> internal_date;   // absent: the server uses the current time
  std::string_view data;                   // the message bytes, inside the Command's token
  bool binary = false;                     // sent as literal8 (may contain NUL)
  bool utf8 = false;                       // sent as UTF8 (...) (RFC 6855 §4)
};

struct AppendArgs {
  std::string mailbox;  // UTF-8, normalized
  std::vector<AppendMessage> messages;  // at least one
};

// RFC 3502 §6: append = "APPEND" SP mailbox 1*append-message; append-message =
// append-opts SP append-data; append-opts = [SP flag-list] [SP date-time]; append-data =
// literal / literal8 (RFC 3516) / "UTF8" SP "(" literal8 ")" (RFC 6855, only when
// utf8_enabled; a plain literal is accepted inside too). args[first] is the mailbox. The
// returned views stay valid as long as `args` lives unchanged.
Result<AppendArgs> parse_append(const std::vector<Token>& args, size_t first, bool utf8_enabled,
                                size_t max_messages = kMaxAppendMessages);

}  // namespace postamt::proto::imap
