// STATUS, and the status data LIST-STATUS reuses. Handles untrusted input:
// mailbox names, item lists.
// RFCs: 9051 §6.3.11, §7.3.2 (STATUS response); 3501 §6.3.10 (RECENT); 8438
// (STATUS=SIZE); 7162 §3.1.7 (HIGHESTMODSEQ); 7889 (APPENDLIMIT); 8474 (MAILBOXID).
#include "base/strings.h"
#include "imap/session.h"

namespace postamt::imap {

StatusCounts count_status(const std::vector<store::Message>& messages, uint32_t recent_claimed) {
  StatusCounts c;
  c.messages = static_cast<uint32_t>(messages.size());
  for (const auto& m : messages) {
    // RFC 3501 §6.3.10: RECENT counts messages nobody has seen with the mailbox selected.
    c.recent += m.uid > recent_claimed;
    bool seen = false, del = false;
    for (const auto& f : m.flags) {
      if (iequals(f, "\\Seen")) seen = true;
      if (iequals(f, "\\Deleted")) del = true;
    }
    c.unseen += !seen;
    c.deleted += del;
    c.size += m.size;
  }
  return c;
}

std::string Session::status_response(const store::Mailbox& mb, const StatusCounts& c,
                                     const std::vector<codec::StatusItem>& items) const {
  std::string s = "STATUS " + mailbox_out(mb.name) + " (";
  bool first = true;
  for (auto item : items) {
    if (!first) s += ' ';
    first = false;
    s += codec::status_item_name(item);
    s += ' ';
    switch (item) {
      case codec::StatusItem::messages: s += std::to_string(c.messages); break;
      case codec::StatusItem::uidnext: s += std::to_string(mb.uidnext); break;
      case codec::StatusItem::uidvalidity: s += std::to_string(mb.uidvalidity); break;
      case codec::StatusItem::unseen: s += std::to_string(c.unseen); break;
      case codec::StatusItem::deleted: s += std::to_string(c.deleted); break;
      case codec::StatusItem::size: s += std::to_string(c.size); break;
      case codec::StatusItem::highestmodseq: s += std::to_string(mb.highest_modseq); break;
      case codec::StatusItem::appendlimit: s += std::to_string(settings_->max_message_size); break;
      case codec::StatusItem::recent: s += std::to_string(c.recent); break;
      case codec::StatusItem::mailboxid: s += "(M" + std::to_string(mb.id) + ")"; break;
    }
  }
  s += ")";
  return s;
}

asio::awaitable<void> Session::cmd_status(Request& r) {
  auto args = codec::parse_status(r.args, 0, utf8());
  if (!args) co_return bad(args.error().message);
  for (auto item : args->items)
    if (item == codec::StatusItem::highestmodseq) condstore_ = true;  // RFC 7162 §3.1
  store::Store* st = &services_->store;
  int64_t account_id = account_->id;
  std::string name = args->mailbox;
  struct Loaded {
    Result<store::Mailbox> mailbox = Error::make(ErrorCode::internal, "");
    Result<std::vector<store::Message>> messages = Error::make(ErrorCode::internal, "");
    StatusCounts counts;
  };
  Notifier* notifier = &services_->notifier;
  auto load = [st, account_id, name, notifier]() {
    Loaded l;
    l.mailbox = st->get_mailbox(account_id, name);
    if (l.mailbox) l.messages = st->list_messages(l.mailbox->id);
    if (l.messages) l.counts = count_status(*l.messages, notifier->recent_boundary(l.mailbox->id));
    return l;
  };
  Loaded l = co_await offload(std::move(load));
  if (!l.mailbox) co_return fail(l.mailbox.error());
  if (!l.messages) co_return fail(l.messages.error());
  untagged(status_response(*l.mailbox, l.counts, args->items));
  ok("STATUS completed");
}

}  // namespace postamt::imap
