// SMTP reply formatting. Output only, but reply text may echo client data, so it is sanitized.
// RFC 5321 §4.2 (reply lines), RFC 2034 / RFC 3463 (enhanced status codes).
#pragma once

#include <string>
#include <string_view>

namespace postamt::proto::smtp {

// Multi-line when text contains '\n': "250-a\r\n250 b\r\n"; a trailing '\n' adds no line.
// The enhanced code, when non-empty, prefixes every line (RFC 2034 §4). Control characters in
// text (a CR that could forge a reply line) become '?'; lines are cut to 512 octets
// (RFC 5321 §4.5.3.1.5). A code outside 200..599 is a caller bug and becomes 451 4.3.0.
std::string format_reply(int code, std::string_view enhanced, std::string_view text);

}  // namespace postamt::proto::smtp
