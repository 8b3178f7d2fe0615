// LIST (with LIST-EXTENDED selection/return options, LIST-STATUS, SPECIAL-USE)
// and LSUB. Handles untrusted input: references and patterns (list_match does
// bounded work per name).
// RFCs: 9051 §6.3.9, §7.3.1; 3501 §6.3.8-§6.3.9 (LSUB); 5258 (LIST-EXTENDED,
// CHILDINFO, \NonExistent); 5819 (LIST-STATUS); 6154 §2 (special-use attributes);
// 3348 (CHILDREN).
#include <map>

#include "imap/mailbox_ops.h"
#include "imap/session.h"
#include "proto/imap/list_args.h"

namespace postamt::imap {

namespace {
struct Loaded {
  Result<std::vector<store::Mailbox>> mailboxes = Error::make(ErrorCode::internal, "");
  Result<std::vector<std::string>> subscriptions = Error::make(ErrorCode::internal, "");
  std::map<int64_t, StatusCounts> counts;  // LIST-STATUS only
};

bool matches_any(const codec::ListArgs& a, std::string_view name) {
  for (const auto& p : a.patterns)
    if (codec::list_match(codec::list_join(a.reference, p, '/'), name, '/')) return true;
  return false;
}
}  // namespace

asio::awaitable<void> Session::cmd_list(Request& r) {
  bool lsub = r.name == "LSUB";
  auto parsed = lsub ? codec::parse_lsub(r.args, 0, utf8()) : codec::parse_list(r.args, 0, utf8());
  if (!parsed) co_return bad(parsed.error().message);
  codec::ListArgs a = std::move(*parsed);
  if (!lsub && a.patterns.size() == 1 && a.patterns[0].empty()) {
    // RFC 9051 §6.3.9: an empty pattern asks for the delimiter and the root.
    untagged("LIST (\\Noselect) \"/\" \"\"");
    co_return ok("LIST completed");
  }
  store::Store* st = &services_->store;
  int64_t account_id = account_->id;
  bool want_status = a.return_status;
  Notifier* notifier = &services_->notifier;
  auto load = [st, account_id, want_status, a, notifier]() {
    Loaded l;
    l.mailboxes = st->list_mailboxes(account_id);
    l.subscriptions = st->list_subscriptions(account_id);
    if (want_status && l.mailboxes) {
      for (const auto& m : *l.mailboxes) {
        if (!matches_any(a, m.name)) continue;
        auto msgs = st->list_messages(m.id);
        if (msgs) l.counts.emplace(m.id, count_status(*msgs, notifier->recent_boundary(m.id)));
      }
    }
    return l;
  };
  Loaded l = co_await offload(std::move(load));
  if (!l.mailboxes) co_return fail(l.mailboxes.error());
  if (!l.subscriptions) co_return fail(l.subscriptions.error());
  std::set<std::string> subscribed(l.subscriptions->begin(), l.subscriptions->end());
  std::map<std::string, const store::Mailbox*> by_name;
  for (const auto& m : *l.mailboxes) by_name.emplace(m.name, &m);

  bool only_subscribed = lsub || a.select_subscribed;
  bool recursive = a.select_subscribed && a.select_recursive_match;
  auto subscribed_below = [&subscribed](const std::string& n) {
    for (const auto& s : subscribed)
      if (s.size() > n.size() + 1 && s.compare(0, n.size(), n) == 0 && s[n.size()] == '/') return true;
    return false;
  };
  std::set<std::string> base;
  if (only_subscribed) {
    base = subscribed;
  } else {
    for (const auto& m : *l.mailboxes) base.insert(m.name);
  }
  // Names listed only because of what lies below them.
  std::set<std::string> parents;
  if (lsub) {
    // RFC 3501 §6.3.9: with "%", an unsubscribed parent of a subscribed name stands for it,
    // flagged \Noselect (when the pattern cannot reach the subscribed name itself).
    for (const auto& s : subscribed) {
      if (matches_any(a, s)) continue;
      for (size_t p = s.find('/'); p != std::string::npos; p = s.find('/', p + 1)) {
        std::string parent = s.substr(0, p);
        if (!subscribed.count(parent) && matches_any(a, parent)) parents.insert(parent);
      }
    }
  }
  if (recursive) {
    // RFC 5258 §3.5: a matching parent that is not itself subscribed, with subscribed
    // children, is listed with CHILDINFO ("SUBSCRIBED").
    for (const auto& m : *l.mailboxes)
      if (!base.count(m.name) && matches_any(a, m.name) && subscribed_below(m.name)) parents.insert(m.name);
  }
  std::vector<std::string> names(base.begin(), base.end());
  names.insert(names.end(), parents.begin(), parents.end());
  std::sort(names.begin(), names.end(), [](const std::string& x, const std::string& y) {
    // INBOX first, as clients expect; then bytewise.
    if ((x == "INBOX") != (y == "INBOX")) return x == "INBOX";
    return x < y;
  });
  for (const auto& name : names) {
    if (!matches_any(a, name)) continue;
    bool parent_only = !base.count(name);
    auto it = by_name.find(name);
    const store::Mailbox* mb = it == by_name.end() ? nullptr : it->second;
    if (!parent_only && a.select_special_use && (!mb || mb->special_use.empty())) continue;
    std::string attrs;
    auto add = [&attrs](std::string_view s) {
      if (!attrs.empty()) attrs += ' ';
      attrs += s;
    };
    if (lsub && parent_only) {
      add("\\Noselect");
    } else if (!mb) {
      // RFC 5258 §3: a subscribed name that does not exist.
      add(lsub ? "\\Noselect" : "\\NonExistent");
    } else if (!lsub) {
      add(has_children(*l.mailboxes, name) ? "\\HasChildren" : "\\HasNoChildren");
    }
    if (!lsub && (a.select_subscribed || a.return_subscribed) && subscribed.count(name)) add("\\Subscribed");
    // RFC 6154 §2: special-use attributes in every LIST (not LSUB).
    if (!lsub && mb && !mb->special_use.empty()) add(mb->special_use);
    std::string line = std::string(lsub ? "LSUB" : "LIST") + " (" + attrs + ") \"/\" " + mailbox_out(name);
    // RFC 5258 §3.5: CHILDINFO on every listed name with subscribed descendants, itself
    // subscribed or not.
    if (recursive && subscribed_below(name)) line += " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
    untagged(line);
    if (a.return_status && mb && !parent_only) {
      auto ci = l.counts.find(mb->id);
      untagged(status_response(*mb, ci == l.counts.end() ? StatusCounts{} : ci->second, a.status_items));
    }
  }
  ok(std::string(lsub ? "LSUB" : "LIST") + " completed");
}

}  // namespace postamt::imap
