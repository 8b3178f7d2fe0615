// Internal: pieces of parse_command that live in their own files.
// Handles unauthenticated input. RFC 5321 §4.1.1.2, §4.1.1.3, §4.1.2.
#pragma once

#include <optional>
#include <string_view>

#include "proto/smtp/command.h"

namespace postamt::proto::smtp::detail {

// Fills cmd.path, cmd.path_utf8 and cmd.params from a MAIL or RCPT argument.
std::optional<SyntaxError> parse_mail_rcpt(std::string_view argument, bool is_mail, Command& cmd);

}  // namespace postamt::proto::smtp::detail
