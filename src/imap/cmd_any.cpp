// Commands valid in every state: CAPABILITY, NOOP, LOGOUT, ID, and ENABLE
// (authenticated states), plus the capability list itself.
// Handles untrusted input: command arguments.
// RFCs: 9051 §6.1 (CAPABILITY, NOOP, LOGOUT), §6.3.1 (ENABLE), Appendix E;
// 5161 (ENABLE), 2971 (ID), 6855 (UTF8=ACCEPT), 7162 §3.2.3 (ENABLE QRESYNC).
#include <spdlog/spdlog.h>

#include "base/strings.h"
#include "imap/session.h"

namespace postamt::imap {

std::string Session::capabilities() const {
  // RFC 9051 Appendix E: one server speaks both revisions.
  std::string c = "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE";
  if (state_ == State::not_authenticated) {
    if (tls_available()) c += " STARTTLS";
    // RFC 9051 §6.2.3: LOGINDISABLED while passwords would travel in the clear.
    if (password_auth_allowed())
      c += " AUTH=PLAIN AUTH=SCRAM-SHA-256";
    else
      c += " LOGINDISABLED AUTH=SCRAM-SHA-256";
    return c;
  }
  c += " NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE"
       " STATUS=SIZE CONDSTORE QRESYNC ESEARCH SEARCHRES SORT ESORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES"
       " BINARY UNAUTHENTICATE MULTIAPPEND UTF8=ACCEPT PREVIEW OBJECTID SAVEDATE QUOTA QUOTA=RES-STORAGE"
       " WITHIN";
  c += " APPENDLIMIT=" + std::to_string(settings_->max_message_size);
  if (!compressed_) c += " COMPRESS=DEFLATE";
  return c;
}

asio::awaitable<void> Session::cmd_capability(Request& r) {
  if (!r.args.empty()) co_return bad("CAPABILITY takes no arguments");
  untagged("CAPABILITY " + capabilities());
  ok("Capability completed");
}

asio::awaitable<void> Session::cmd_noop(Request& r) {
  if (!r.args.empty()) co_return bad("NOOP takes no arguments");
  // The untagged updates are the point of NOOP (RFC 9051 §6.1.2); dispatch() adds them.
  ok("NOOP completed");
}

asio::awaitable<void> Session::cmd_check(Request& r) {
  if (!r.args.empty()) co_return bad("CHECK takes no arguments");
  ok("CHECK completed");  // everything is durable already (DESIGN §5)
}

asio::awaitable<void> Session::cmd_logout(Request& r) {
  if (!r.args.empty()) co_return bad("LOGOUT takes no arguments");
  send("* BYE Logging out\r\n");
  send(r.tag + " OK LOGOUT completed\r\n");
  state_ = State::logout;
  closing_ = true;
}

// RFC 2971 §3.1: ID ( "name" "value" ... ) or NIL; we answer with our own.
asio::awaitable<void> Session::cmd_id(Request& r) {
  if (r.args.size() != 1) co_return bad("ID takes one argument");
  const auto& a = r.args[0];
  if (a.kind == codec::TokenKind::list) {
    // RFC 2971 §3.3: at most 30 pairs, field names ≤ 30 octets, values ≤ 1024.
    if (a.children.size() % 2 != 0 || a.children.size() > 60) co_return bad("Invalid ID list");
    std::string logged;
    for (size_t i = 0; i < a.children.size(); i += 2) {
      const auto& k = a.children[i];
      const auto& v = a.children[i + 1];
      if (k.kind == codec::TokenKind::list || k.kind == codec::TokenKind::nil || k.text.size() > 30 ||
          v.kind == codec::TokenKind::list || v.text.size() > 1024)
        co_return bad("Invalid ID list");
      if (logged.size() < 512) {
        std::string val = v.kind == codec::TokenKind::nil ? "NIL" : v.text;
        for (auto& ch : val)
          if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
        logged += " " + k.text + "=" + val.substr(0, 64);
      }
    }
    spdlog::info("imap[{}] id{}", id_, logged);
  } else if (a.kind != codec::TokenKind::nil) {
    co_return bad("Invalid ID argument");
  }
  untagged("ID (\"name\" \"Postamt\" \"vendor\" \"Postamt\")");
  ok("ID completed");
}

// RFC 5161 §3.1: ENABLE lists what it enabled; unknown names are ignored.
asio::awaitable<void> Session::cmd_enable(Request& r) {
  if (r.args.empty()) co_return bad("ENABLE needs arguments");
  std::string enabled;
  for (const auto& a : r.args) {
    if (a.kind != codec::TokenKind::atom) co_return bad("Invalid ENABLE argument");
    std::string name = ascii_uppercase(a.text);
    bool newly = false;
    if (name == "IMAP4REV2") {
      newly = !rev2_;
      rev2_ = true;
    } else if (name == "UTF8=ACCEPT") {
      newly = !utf8_enabled_;
      utf8_enabled_ = true;
    } else if (name == "CONDSTORE") {
      newly = !condstore_;
      condstore_ = true;
    } else if (name == "QRESYNC") {
      // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
      newly = !qresync_;
      qresync_ = condstore_ = true;
    }
    if (newly) enabled += " " + name;
  }
  untagged("ENABLED" + enabled);
  ok("ENABLE completed");
}

asio::awaitable<void> Session::cmd_namespace(Request& r) {
  if (!r.args.empty()) co_return bad("NAMESPACE takes no arguments");
  // RFC 2342 / RFC 9051 §6.3.10: one personal namespace, delimiter "/".
  untagged("NAMESPACE ((\"\" \"/\")) NIL NIL");
  ok("NAMESPACE completed");
}

}  // namespace postamt::imap
