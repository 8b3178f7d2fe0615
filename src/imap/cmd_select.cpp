// SELECT and EXAMINE, with CONDSTORE and QRESYNC parameters.
// Handles untrusted input: mailbox names, QRESYNC data.
// RFCs: 9051 §6.3.2-§6.3.3, §7.1 (PERMANENTFLAGS, UIDNEXT, UIDVALIDITY, READ-ONLY),
// 3501 §6.3.1 (RECENT, UNSEEN for IMAP4rev1 clients); 7162 §3.1.2 (HIGHESTMODSEQ),
// §3.2.5 (SELECT QRESYNC, VANISHED (EARLIER)), §3.2.11 (CLOSED); 8474 §4.1 (MAILBOXID).
#include <set>

#include "base/strings.h"
#include "imap/session.h"

namespace postamt::imap {

namespace {
// Keywords every account may use (issue 3 §2); used ones are added per mailbox.
const char* kSystemFlags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";
const char* kWellKnownKeywords[] = {"$Forwarded", "$MDNSent", "$Junk", "$NotJunk", "$Phishing"};

// Everything SELECT needs, computed on the worker: a big mailbox's per-message work
// (the view, keywords, first unseen) stays off the I/O thread.
struct Loaded {
  Result<store::Mailbox> mailbox = Error::make(ErrorCode::internal, "");
  Error failure = Error::make(ErrorCode::internal, "");
  bool ok = false;
  MailboxView view;
  std::set<std::string> keywords = std::set<std::string>(std::begin(kWellKnownKeywords), std::end(kWellKnownKeywords));
  uint32_t first_unseen = 0;
  std::vector<uint32_t> vanished;  // QRESYNC only
};
}  // namespace

asio::awaitable<void> Session::cmd_select(Request& r) {
  auto args = codec::parse_select(r.args, 0, utf8());
  if (!args) co_return bad(args.error().message);
  if (args->qresync && !qresync_) co_return bad("QRESYNC is not enabled");  // RFC 7162 §3.2.5
  bool examine = r.name == "EXAMINE";
  bool was_selected = state_ == State::selected;
  if (was_selected) leave_selected();
  // RFC 9051 §6.3.2 (IMAP4rev2) and RFC 7162 §3.2.11 (QRESYNC): the end of the previous
  // selection is announced, as the boundary between the two mailboxes' responses.
  if (was_selected && (qresync_ || rev2_)) send("* OK [CLOSED] Previous mailbox closed\r\n");
  if (args->condstore) condstore_ = true;  // RFC 7162 §3.1.8

  store::Store* st = &services_->store;
  int64_t account_id = account_->id;
  std::string name = args->mailbox;
  std::optional<codec::QresyncParams> qr = args->qresync;
  std::shared_ptr<Watcher> watcher = watcher_;
  // Changes of the previous mailbox are moot; one committed to the new mailbox after the
  // listing below must still wake the next sync, so the flag is cleared before, not after.
  watcher_->take_changed();
  auto load = [st, account_id, name, qr, watcher]() {
    Loaded l;
    l.mailbox = st->get_mailbox(account_id, name);
    if (!l.mailbox) return l;
    // Watch before listing: a change committed meanwhile is seen by the next sync.
    watcher->watch_mailbox(l.mailbox->id);
    auto messages = st->list_messages(l.mailbox->id);
    if (!messages) {
      l.failure = messages.error();
      return l;
    }
    l.view.load(*l.mailbox, *messages);
    for (size_t i = 0; i < messages->size(); ++i) {
      bool seen = false;
      for (const auto& f : (*messages)[i].flags) {
        if (!f.empty() && f[0] != '\\') l.keywords.insert(f);
        if (iequals(f, "\\Seen")) seen = true;
      }
      if (!seen && !l.first_unseen) l.first_unseen = static_cast<uint32_t>(i + 1);
    }
    l.ok = true;
    if (qr && qr->uidvalidity == l.mailbox->uidvalidity) {
      auto v = st->list_vanished(l.mailbox->id, qr->modseq);
      if (v) l.vanished = std::move(*v);
    }
    return l;
  };
  Loaded l = co_await offload(std::move(load));
  if (!l.mailbox || !l.ok) {
    watcher_->watch_mailbox(0);
    co_return fail(!l.mailbox ? l.mailbox.error() : l.failure);
  }
  view_ = std::move(l.view);
  mailbox_name_ = l.mailbox->name;
  read_only_ = examine;
  state_ = State::selected;

  uint32_t first_unseen = l.first_unseen;
  std::string kw;
  for (const auto& k : l.keywords) kw += " " + k;
  untagged(std::string("FLAGS (") + kSystemFlags + kw + ")");
  // RFC 9051 §7.1: "\*" — clients may create new keywords.
  untagged(std::string("OK [PERMANENTFLAGS (") + (examine ? "" : std::string(kSystemFlags) + kw + " \\*") +
           ")] Flags permitted");
  untagged(std::to_string(view_.exists()) + " EXISTS");
  claim_recent(0);
  if (!rev2_) {
    // RFC 3501 §6.3.1: RECENT and UNSEEN are IMAP4rev1 only.
    announced_recent_ = recent_count();
    untagged(std::to_string(announced_recent_) + " RECENT");
    if (first_unseen) untagged("OK [UNSEEN " + std::to_string(first_unseen) + "] First unseen");
  }
  untagged("OK [UIDVALIDITY " + std::to_string(view_.uidvalidity()) + "] UIDs valid");
  untagged("OK [UIDNEXT " + std::to_string(l.mailbox->uidnext) + "] Predicted next UID");
  untagged("OK [HIGHESTMODSEQ " + std::to_string(view_.known_modseq()) + "] Highest");
  untagged("OK [MAILBOXID (M" + std::to_string(l.mailbox->id) + ")] Ok");

  if (qr && qr->uidvalidity == view_.uidvalidity()) {
    // RFC 7162 §3.2.5.2: what the client missed since its modseq, VANISHED first.
    std::vector<uint32_t> gone;
    for (uint32_t u : l.vanished)
      if (!qr->known_uids || qr->known_uids->contains(u, UINT32_MAX)) gone.push_back(u);
    if (!gone.empty()) untagged("VANISHED (EARLIER) " + number_set(gone));
    for (uint32_t s = 1; s <= view_.exists(); ++s) {
      const ViewMessage& m = *view_.at(s);
      if (m.modseq <= qr->modseq) continue;
      untagged(std::to_string(s) + " FETCH (UID " + std::to_string(m.uid) + " FLAGS " + flag_list(m.flags, recent(m.uid)) +
               " MODSEQ (" + std::to_string(m.modseq) + "))");
    }
  }
  ok(std::string(examine ? "EXAMINE" : "SELECT") + " completed", examine ? "READ-ONLY" : "READ-WRITE");
}

}  // namespace postamt::imap
