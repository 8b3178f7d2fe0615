// ENVELOPE rendering; see envelope.h.
// Handles untrusted input (header strings of received messages).
// RFCs: 9051 §7.5.2, 3501 §7.4.2.
#include "imap/render/envelope.h"

#include "imap/render/imap_string.h"

namespace postamt::imap::render {

namespace {

// RFC 9051 §7.5.2: a parenthesized list of addresses, or NIL when there are none.
void append_addresses(std::string& out, const std::vector<Address>& list, bool utf8_ok) {
  if (list.empty()) {
    out += "NIL";
    return;
  }
  out += '(';
  for (const auto& a : list) {
    out += '(';
    append_nstring_for_humans(out, a.name, utf8_ok);
    out += ' ';
    append_nstring(out, a.adl, utf8_ok);
    out += ' ';
    append_nstring(out, a.mailbox, utf8_ok);
    out += ' ';
    append_nstring(out, a.host, utf8_ok);
    out += ')';
  }
  out += ')';
}

}  // namespace

void append_envelope(std::string& out, const Envelope& env, bool utf8_ok) {
  out += '(';
  append_nstring(out, env.date, utf8_ok);
  out += ' ';
  append_nstring_for_humans(out, env.subject, utf8_ok);
  out += ' ';
  append_addresses(out, env.from, utf8_ok);
  out += ' ';
  // RFC 9051 §7.5.2: "If the Sender or Reply-To header lines are absent in the [RFC5322]
  // header, or are present but empty, the server sets the corresponding member of the
  // envelope to be the same value as the from member".
  append_addresses(out, env.sender.empty() ? env.from : env.sender, utf8_ok);
  out += ' ';
  append_addresses(out, env.reply_to.empty() ? env.from : env.reply_to, utf8_ok);
  out += ' ';
  append_addresses(out, env.to, utf8_ok);
  out += ' ';
  append_addresses(out, env.cc, utf8_ok);
  out += ' ';
  append_addresses(out, env.bcc, utf8_ok);
  out += ' ';
  append_nstring(out, env.in_reply_to, utf8_ok);
  out += ' ';
  append_nstring(out, env.message_id, utf8_ok);
  out += ')';
}

}  // namespace postamt::imap::render
