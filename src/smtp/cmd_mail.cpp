// SMTP MAIL and RCPT: envelope sender and recipients, local-recipient lookup,
// relay control and submission sender ownership.
// Handles untrusted input: addresses and ESMTP parameters.
// RFCs: 5321 §3.3 §4.1.1.2 §4.1.1.3 §4.5.3.1.8, 1870 (SIZE), 6152 (8BITMIME),
// 6531 (SMTPUTF8), 4954 §5 (AUTH=), 3463 (enhanced codes).
#include <spdlog/spdlog.h>

#include "base/strings.h"
#include "net/runtime.h"
#include "smtp/session.h"

namespace postamt::smtp {

namespace {

struct Verdict {
  int code = 250;
  std::string enhanced;
  std::string text;
  bool local = false;
  std::vector<int64_t> accounts;
};

Verdict verdict(int code, std::string enh, std::string text) {
  Verdict v;
  v.code = code;
  v.enhanced = std::move(enh);
  v.text = std::move(text);
  return v;
}

// May `account` send as `address`? Its own address, or an explicit alias that
// delivers to it (a catch-all does not grant the right to send as anyone).
bool owns_address(store::Store& st, const store::Account& account, const std::string& address) {
  if (iequals(address, account.address)) return true;
  auto at = address.rfind('@');
  if (at == std::string::npos) return false;
  auto aliases = st.list_aliases(address.substr(at + 1));
  if (!aliases) return false;
  for (const auto& a : *aliases) {
    if (!iequals(a.source, address)) continue;
    for (const auto& t : a.targets)
      if (iequals(t, account.address)) return true;
  }
  return false;
}

}  // namespace

asio::awaitable<void> Session::cmd_mail(const codec::Command& c) {
  if (mode_ != Mode::mx && !user_) {
    reply(530, "5.7.0", "Authentication required");  // RFC 4954 §6
    co_return;
  }
  if (state_ >= State::mail) {
    reply(503, "5.5.1", "Nested MAIL command");
    client_error();
    co_return;
  }
  bool smtputf8 = false, body_8bit = false;
  for (const auto& p : c.params) {
    if (p.keyword == "SIZE") {  // RFC 1870 §6
      auto n = parse_u64(p.value);
      if (!p.has_value || !n) {
        reply(501, "5.5.4", "Bad SIZE parameter");
        client_error();
        co_return;
      }
      if (*n > settings_->max_message_size) {
        reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
        co_return;
      }
    } else if (p.keyword == "BODY") {  // RFC 6152 §2
      if (iequals(p.value, "8BITMIME")) {
        body_8bit = true;
      } else if (!iequals(p.value, "7BIT")) {
        reply(555, "5.5.4", "Unsupported BODY type");
        co_return;
      }
    } else if (p.keyword == "SMTPUTF8" && !p.has_value && esmtp_) {  // RFC 6531 §3.4
      smtputf8 = true;
    } else if (p.keyword == "AUTH" && p.has_value && mode_ != Mode::mx) {
      // RFC 4954 §5: accepted and not trusted; the session's own login counts.
    } else {
      reply(555, "5.5.4", "Unsupported MAIL parameter " + p.keyword);
      co_return;
    }
  }
  if (c.path_utf8 && !smtputf8) {
    reply(553, "5.6.7", "Non-ASCII sender address requires SMTPUTF8");  // RFC 6531 §3.7.4
    co_return;
  }
  if (!c.path.empty() && !codec::parse_mailbox(c.path)) {
    reply(501, "5.1.7", "Bad sender address syntax");
    client_error();
    co_return;
  }
  if (user_) {
    store::Store* st = &services_->store;
    store::Account acct = *user_;
    std::string from = c.path;
    auto check = [st, acct, from]() { return !from.empty() && owns_address(*st, acct, from); };
    bool owned = co_await net::offload(services_->runtime.workers(), std::move(check));
    if (!owned) {
      reply(553, "5.7.1", "Sender address not owned by authenticated user");
      co_return;
    }
  }
  mail_from_ = c.path;
  smtputf8_ = smtputf8;
  body_8bit_ = body_8bit;
  state_ = State::mail;
  reply(250, "2.1.0", "OK");
}

asio::awaitable<void> Session::cmd_rcpt(const codec::Command& c) {
  if (state_ < State::mail || bdat_started_) {
    reply(503, "5.5.1", "Need MAIL command first");
    client_error();
    co_return;
  }
  if (local_.size() + remote_.size() >= settings_->max_recipients) {
    reply(452, "4.5.3", "Too many recipients");  // RFC 5321 §4.5.3.1.10
    co_return;
  }
  if (!c.params.empty()) {
    reply(555, "5.5.4", "Unsupported RCPT parameter " + c.params.front().keyword);
    co_return;
  }
  if (c.path_utf8 && !smtputf8_) {
    reply(553, "5.6.7", "Non-ASCII recipient address requires SMTPUTF8");
    co_return;
  }
  std::string address = c.path;
  bool postmaster = iequals(address, "postmaster");  // RFC 5321 §4.1.1.3
  if (!postmaster && !codec::parse_mailbox(address)) {
    reply(501, "5.1.3", "Bad recipient address syntax");
    client_error();
    co_return;
  }
  store::Store* st = &services_->store;
  auto lookup = [st, address, postmaster]() -> Verdict {
    std::string addr = address;
    if (postmaster) {
      auto domains = st->list_domains();
      if (!domains || domains->empty()) return verdict(550, "5.1.1", "User unknown");
      addr = "postmaster@" + domains->front();
    }
    auto mb = codec::parse_mailbox(addr);
    auto local = st->is_local_domain(mb->domain);
    if (!local) return verdict(451, "4.3.0", "Temporary lookup failure");
    if (!*local) {
      Verdict r = verdict(250, "2.1.5", "OK");
      r.local = false;
      return r;
    }
    auto accounts = st->resolve_recipient(addr);
    if (!accounts) {
      if (accounts.error().code == ErrorCode::not_found) return verdict(550, "5.1.1", "User unknown");
      return verdict(451, "4.3.0", "Temporary lookup failure");
    }
    for (int64_t id : *accounts) {
      auto a = st->get_account(id);
      if (a && a->quota_bytes > 0 && a->used_bytes >= a->quota_bytes)
        return verdict(452, "4.2.2", "Mailbox full");  // RFC 3463: 4.2.2 mailbox full
    }
    Verdict r = verdict(250, "2.1.5", "OK");
    r.local = true;
    r.accounts = *accounts;
    return r;
  };
  Verdict v = co_await net::offload(services_->runtime.workers(), std::move(lookup));
  if (v.code == 250 && !v.local) {
    // No open relay (DESIGN §7): only authenticated users reach remote domains.
    if (!user_) {
      spdlog::info("smtp[{}] relay denied rip={} to=<{}>", id_, stream_->remote_ip(), address);
      reply(554, "5.7.1", "Relay access denied");
      co_return;
    }
    store::OutboundRecipient r;
    r.address = address;
    remote_.push_back(std::move(r));
  } else if (v.code == 250) {
    delivery::LocalRecipient r;
    r.address = postmaster ? "postmaster" : address;
    r.accounts = std::move(v.accounts);
    local_.push_back(std::move(r));
  } else {
    if (v.code == 550) client_error();
    reply(v.code, v.enhanced, v.text);
    co_return;
  }
  state_ = State::rcpt;
  reply(250, "2.1.5", "OK");
}

}  // namespace postamt::smtp
