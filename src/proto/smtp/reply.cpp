// SMTP reply formatting. Reply text can carry client-supplied data (addresses, HELO names),
// so control characters are neutralized: a CR or LF inside text must never forge a reply line.
// RFC 5321 §4.2 (Reply-line), §4.5.3.1.5 (512 octets a line); RFC 2034 §4 (enhanced codes on
// every line of a multi-line reply).
#include <algorithm>
#include <string>

#include "proto/smtp/reply.h"

namespace postamt::proto::smtp {
namespace {

constexpr size_t kMaxReplyLine = 512;  // octets incl. CRLF (RFC 5321 §4.5.3.1.5)

void append_line(std::string& out, std::string_view code, bool last, std::string_view enhanced,
                 std::string_view text) {
  size_t start = out.size();
  out.append(code);
  out.push_back(last ? ' ' : '-');
  if (!enhanced.empty()) {
    for (char c : enhanced) out.push_back(static_cast<unsigned char>(c) < 0x21 || c == 0x7F ? '?' : c);
    if (!text.empty()) out.push_back(' ');
  }
  size_t room = kMaxReplyLine - 2 - std::min(kMaxReplyLine - 2, out.size() - start);
  if (text.size() > room) {
    // Cut on a UTF-8 character boundary (SMTPUTF8 replies may carry UTF-8, RFC 6531 §3.7.4).
    size_t cut = room;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    // textstring = 1*(%d09 / %d32-126), UTF-8 allowed with SMTPUTF8.
    out.push_back((u < 0x20 && u != '\t') || u == 0x7F ? '?' : c);
  }
  // "250" CRLF, except 334: RFC 4954 §8 continue-req = "334" SP [base64] CRLF.
  if (last && enhanced.empty() && text.empty() && code != "334") out.pop_back();
  out.append("\r\n");
}

}  // namespace

std::string format_reply(int code, std::string_view enhanced, std::string_view text) {
  if (code < 200 || code > 599) {
    code = 451;
    enhanced = "4.3.0";
  }
  const std::string code_text = std::to_string(code);
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::string out;
  for (;;) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      append_line(out, code_text, true, enhanced, text);
      return out;
    }
    append_line(out, code_text, false, enhanced, text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
}

}  // namespace postamt::proto::smtp
