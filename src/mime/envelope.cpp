// ENVELOPE data of a header: the fields IMAP FETCH ENVELOPE returns.
// Handles untrusted input (headers of received messages).
// RFCs: 3501 §7.4.2 / 9051 §7.5.2 (ENVELOPE, sender/reply-to defaults), 5322 §3.6.
#include "mime/internal.h"
#include "mime/mime.h"

namespace postamt::mime {

namespace {

std::optional<std::string> raw_value(const std::vector<HeaderField>& fields, std::string_view name) {
  const HeaderField* f = find_field(fields, name);
  if (!f) return std::nullopt;
  return std::string(detail::trim_all(unfold(f->value)));
}

std::vector<Address> addresses(const std::vector<HeaderField>& fields, std::string_view name) {
  const HeaderField* f = find_field(fields, name);
  if (!f) return {};
  return parse_address_list(unfold(f->value));
}

}  // namespace

Envelope make_envelope(const std::vector<HeaderField>& fields) {
  Envelope e;
  e.date = raw_value(fields, "Date");
  e.subject = raw_value(fields, "Subject");
  e.in_reply_to = raw_value(fields, "In-Reply-To");
  e.message_id = raw_value(fields, "Message-ID");
  e.from = addresses(fields, "From");
  e.sender = addresses(fields, "Sender");
  e.reply_to = addresses(fields, "Reply-To");
  e.to = addresses(fields, "To");
  e.cc = addresses(fields, "Cc");
  e.bcc = addresses(fields, "Bcc");
  // RFC 3501 §7.4.2: the server fills sender and reply-to from "from" when absent.
  if (e.sender.empty()) e.sender = e.from;
  if (e.reply_to.empty()) e.reply_to = e.from;
  return e;
}

}  // namespace postamt::mime
