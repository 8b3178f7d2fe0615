// Mailbox management: CREATE (with CREATE-SPECIAL-USE), DELETE, RENAME,
// SUBSCRIBE/UNSUBSCRIBE. Handles untrusted input: mailbox names.
// RFCs: 9051 §6.3.4-§6.3.8; 6154 §3 (USE, USEATTR); 5530 (ALREADYEXISTS, INUSE).
#include "base/strings.h"
#include "imap/mailbox_ops.h"
#include "imap/session.h"

namespace postamt::imap {

namespace {
// The special uses the store keeps for real folders; \All and \Flagged are virtual.
const char* canonical_use(std::string_view s) {
  static const char* kUses[] = {"\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash"};
  for (const char* u : kUses)
    if (iequals(s, u)) return u;
  return nullptr;
}
}  // namespace

asio::awaitable<void> Session::cmd_create(Request& r) {
  if (r.args.empty() || r.args.size() > 2) co_return bad("CREATE needs a mailbox name");
  auto name = mailbox_arg(r.args[0]);
  if (!name) co_return bad(name.error().message);
  std::string n = *name;
  // RFC 9051 §6.3.4: a trailing delimiter only says children are intended.
  while (n.size() > 1 && n.back() == '/') n.pop_back();
  std::string use;
  if (r.args.size() == 2) {
    // RFC 6154 §3: CREATE name (USE (\Sent))
    const auto& opts = r.args[1];
    if (opts.kind != codec::TokenKind::list || opts.children.size() != 2 || !opts.children[0].is_atom("USE") ||
        opts.children[1].kind != codec::TokenKind::list)
      co_return bad("Invalid CREATE parameters");
    const auto& uses = opts.children[1].children;
    if (uses.size() > 1) co_return no("Only one special use per mailbox", "USEATTR");
    if (uses.size() == 1) {
      const char* u = uses[0].kind == codec::TokenKind::atom ? canonical_use(uses[0].text) : nullptr;
      if (!u) co_return no("Unsupported special use", "USEATTR");
      use = u;
    }
  }
  if (n == "INBOX") co_return no("INBOX always exists", "ALREADYEXISTS");
  store::Store* st = &services_->store;
  int64_t account_id = account_->id;
  auto work = [st, account_id, n, use]() -> Result<store::Mailbox> {
    if (auto p = create_parents(*st, account_id, n); !p) return p.error();
    return st->create_mailbox(account_id, n, use);
  };
  auto created = co_await offload(std::move(work));
  if (!created) co_return fail(created.error());
  ok("CREATE completed");
}

asio::awaitable<void> Session::cmd_delete(Request& r) {
  if (r.args.size() != 1) co_return bad("DELETE needs a mailbox name");
  auto name = mailbox_arg(r.args[0]);
  if (!name) co_return bad(name.error().message);
  if (*name == "INBOX") co_return no("INBOX cannot be deleted", "CANNOT");
  store::Store* st = &services_->store;
  int64_t account_id = account_->id;
  std::string n = *name;
  auto work = [st, account_id, n]() -> Result<int64_t> {
    auto all = st->list_mailboxes(account_id);
    if (!all) return all.error();
    // RFC 9051 §6.3.5 would leave a \Noselect parent; like Dovecot we ask for the children first.
    if (has_children(*all, n)) return Error::make(ErrorCode::in_use, "Mailbox has children, delete them first");
    auto mb = st->get_mailbox(account_id, n);
    if (!mb) return mb.error();
    if (auto d = st->delete_mailbox(account_id, n); !d) return d.error();
    return mb->id;
  };
  auto deleted = co_await offload(std::move(work));
  if (!deleted) {
    if (deleted.error().code == ErrorCode::in_use) co_return no(deleted.error().message, "INUSE");
    co_return fail(deleted.error());
  }
  if (state_ == State::selected && view_.mailbox_id() == *deleted) {
    send("* OK [CLOSED] Selected mailbox deleted\r\n");
    leave_selected();
  }
  ok("DELETE completed");
}

asio::awaitable<void> Session::cmd_rename(Request& r) {
  if (r.args.size() != 2) co_return bad("RENAME needs two mailbox names");
  auto from = mailbox_arg(r.args[0]);
  if (!from) co_return bad(from.error().message);
  auto to = mailbox_arg(r.args[1]);
  if (!to) co_return bad(to.error().message);
  std::string f = *from, t = *to;
  while (t.size() > 1 && t.back() == '/') t.pop_back();
  if (t == "INBOX") co_return no("INBOX exists", "ALREADYEXISTS");
  if (t.size() > f.size() && t.compare(0, f.size(), f) == 0 && t[f.size()] == '/' && f != "INBOX")
    co_return no("Cannot move a mailbox below itself", "CANNOT");
  store::Store* st = &services_->store;
  int64_t account_id = account_->id;
  auto work = [st, account_id, f, t]() -> Result<void> {
    if (auto p = create_parents(*st, account_id, t); !p) return p.error();
    return st->rename_mailbox(account_id, f, t);
  };
  auto renamed = co_await offload(std::move(work));
  if (!renamed) co_return fail(renamed.error());
  if (state_ == State::selected) {
    // The selected mailbox keeps its id; only its name may have moved.
    if (mailbox_name_ == f)
      mailbox_name_ = f == "INBOX" ? f : t;
    else if (f != "INBOX" && mailbox_name_.size() > f.size() && mailbox_name_.compare(0, f.size(), f) == 0 &&
             mailbox_name_[f.size()] == '/')
      mailbox_name_ = t + mailbox_name_.substr(f.size());
  }
  ok("RENAME completed");
}

asio::awaitable<void> Session::cmd_subscribe(Request& r) {
  if (r.args.size() != 1) co_return bad(r.name + " needs a mailbox name");
  auto name = mailbox_arg(r.args[0]);
  if (!name) co_return bad(name.error().message);
  bool on = r.name == "SUBSCRIBE";
  store::Store* st = &services_->store;
  int64_t account_id = account_->id;
  std::string n = *name;
  auto work = [st, account_id, n, on]() -> Result<void> {
    // RFC 9051 §6.3.7: subscribing to a name that does not exist is allowed but unusual;
    // like Dovecot we accept it (clients subscribe before CREATE completes elsewhere).
    return st->set_subscribed(account_id, n, on);
  };
  auto done = co_await offload(std::move(work));
  if (!done) co_return fail(done.error());
  ok(r.name + " completed");
}

}  // namespace postamt::imap
