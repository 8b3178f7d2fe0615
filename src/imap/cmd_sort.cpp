// SORT / UID SORT (with ESORT result options) and THREAD / UID THREAD. Sort and
// thread values come from the summary stored at delivery (envelope, dates); only
// THREAD=REFERENCES reads the References header.
// Handles untrusted input: the search program and criteria (bounded by the codec).
// RFCs: 5256 (SORT, THREAD, base subject, sent date), 5267 (ESORT), 5957
// (DISPLAYFROM, DISPLAYTO).
#include <ctime>

#include "imap/render/summary.h"
#include "imap/search_run.h"
#include "imap/session.h"
#include "proto/imap/base_subject.h"
#include "proto/imap/sort.h"
#include "proto/imap/thread.h"

namespace postamt::imap {

namespace {

std::vector<mime::Address> to_mime(const std::vector<render::Address>& in) {
  std::vector<mime::Address> out;
  out.reserve(in.size());
  for (const auto& a : in) out.push_back(mime::Address{a.name, a.adl, a.mailbox, a.host});
  return out;
}

SearchInput search_input(const MailboxView& view, const std::vector<uint32_t>& saved, int64_t mailbox_id) {
  SearchInput in;
  in.mailbox_id = mailbox_id;
  for (uint32_t s = 1; s <= view.exists(); ++s) in.view.push_back(*view.at(s));
  in.saved_uids = saved;
  in.have_saved = true;
  in.now = static_cast<int64_t>(std::time(nullptr));
  return in;
}

// What SORT and THREAD read of one matching message.
struct Values {
  uint32_t seq = 0, uid = 0;
  int64_t arrival = 0;
  std::optional<int64_t> sent;
  uint64_t size = 0;
  std::string subject_raw;
  std::optional<render::Envelope> envelope;
};

Result<std::vector<Values>> matching_values(store::Store& st, const SearchInput& in, const codec::SearchKey& key) {
  auto found = run_search(st, in, key);
  if (!found) return found.error();
  std::vector<Values> out;
  for (uint32_t seq : found->seqs) {
    const ViewMessage& v = in.view[seq - 1];
    auto m = st.get_message(in.mailbox_id, v.uid);
    if (!m) {
      if (m.error().code == ErrorCode::not_found) continue;
      return m.error();
    }
    Values x;
    x.seq = seq;
    x.uid = v.uid;
    x.arrival = m->internal_date;
    if (m->summary.sent_date != 0) x.sent = m->summary.sent_date;
    x.size = m->size;
    auto s = render::Summary::parse(m->summary.summary_json);
    if (s) x.envelope = s->envelope();
    out.push_back(std::move(x));
  }
  return out;
}

std::string folded_base_subject(const Values& v, bool* reply_or_forward = nullptr) {
  std::string raw = v.envelope && v.envelope->subject ? *v.envelope->subject : std::string();
  auto b = codec::extract_base_subject(mime::decode_encoded_words(raw));
  if (reply_or_forward) *reply_or_forward = b.reply_or_forward;
  return mime::unicode_casemap(b.text);  // RFC 5256 §2.1: i;unicode-casemap (RFC 5051)
}

// The References ids of a message, from the header text stored at delivery (or, for
// messages stored without it, from the header block).
std::vector<std::string> stored_references(store::Store& st, int64_t mailbox_id, uint32_t uid) {
  auto stored = st.get_search_headers(mailbox_id, uid);
  if (stored && !stored->empty()) {
    for (const auto& [name, value] : stored_header_fields(*stored))
      if (name == "references") return codec::parse_msg_ids(value);
    return {};
  }
  auto header = read_header_block(st, mailbox_id, uid);
  if (!header) return {};
  auto fields = mime::parse_header(*header);
  const auto* f = mime::find_field(fields, "References");
  return f ? codec::parse_msg_ids(mime::fold_case(mime::unfold(f->value))) : std::vector<std::string>{};
}

codec::SortField field_of(codec::SortKey k) { return static_cast<codec::SortField>(static_cast<uint8_t>(k)); }

}  // namespace

asio::awaitable<void> Session::cmd_sort(Request& r) {
  auto q = codec::parse_sort(r.args, 0);
  if (!q) {
    if (codec::is_bad_charset(q.error())) co_return no("Unsupported charset", "BADCHARSET (UTF-8 US-ASCII)");
    co_return bad(q.error().message);
  }
  if (q->search.uses_modseq) condstore_ = true;
  store::Store* st = &services_->store;
  SearchInput in = search_input(view_, saved_uids_, view_.mailbox_id());
  if (!rev2_) in.recent = recent_;
  codec::SortQuery query = *q;
  auto work = [st, in = std::move(in), query]() -> Result<std::vector<uint32_t>> {
    auto vals = matching_values(*st, in, query.search.key);
    if (!vals) return vals.error();
    std::vector<codec::SortMessage> msgs;
    msgs.reserve(vals->size());
    for (const auto& v : *vals) {
      codec::SortMessage m;
      m.seq = v.seq;
      m.arrival = v.arrival;
      m.sent_date = v.sent;
      m.size = v.size;
      m.subject = folded_base_subject(v);
      if (v.envelope) {
        m.from = mime::unicode_casemap(codec::address_sort_value(to_mime(v.envelope->from)));
        m.to = mime::unicode_casemap(codec::address_sort_value(to_mime(v.envelope->to)));
        m.cc = mime::unicode_casemap(codec::address_sort_value(to_mime(v.envelope->cc)));
        m.display_from = mime::unicode_casemap(codec::display_sort_value(to_mime(v.envelope->from)));
        m.display_to = mime::unicode_casemap(codec::display_sort_value(to_mime(v.envelope->to)));
      }
      msgs.push_back(std::move(m));
    }
    std::vector<codec::SortOrder> order;
    for (const auto& c : query.criteria) order.push_back({field_of(c.key), c.reverse});
    std::vector<uint32_t> seqs;
    for (size_t i : codec::sort_messages(msgs, order)) seqs.push_back(msgs[i].seq);
    return seqs;
  };
  auto res = co_await offload(std::move(work));
  if (!res) co_return fail(res.error());
  std::vector<uint32_t> numbers;
  for (uint32_t s : *res) numbers.push_back(r.uid ? view_.at(s)->uid : s);
  if (q->search.has_return) {
    // RFC 5267 §3: ESORT answers with ESEARCH; ALL keeps the sort order.
    untagged(esearch_response(r.tag, r.uid, q->search.ret, numbers, true, std::nullopt));
  } else {
    std::string line = "SORT";
    for (uint32_t n : numbers) line += " " + std::to_string(n);
    untagged(line);
  }
  ok(r.uid ? "UID SORT completed" : "SORT completed");
}

asio::awaitable<void> Session::cmd_thread(Request& r) {
  auto q = codec::parse_thread(r.args, 0);
  if (!q) {
    if (codec::is_bad_charset(q.error())) co_return no("Unsupported charset", "BADCHARSET (UTF-8 US-ASCII)");
    co_return bad(q.error().message);
  }
  store::Store* st = &services_->store;
  SearchInput in = search_input(view_, saved_uids_, view_.mailbox_id());
  if (!rev2_) in.recent = recent_;
  codec::ThreadQuery query = *q;
  bool uid = r.uid;
  auto work = [st, in = std::move(in), query, uid]() -> Result<std::string> {
    auto vals = matching_values(*st, in, query.search.key);
    if (!vals) return vals.error();
    std::vector<codec::ThreadMessage> msgs;
    msgs.reserve(vals->size());
    bool refs = query.algorithm == codec::ThreadAlgorithm::references;
    for (const auto& v : *vals) {
      codec::ThreadMessage m;
      m.id = uid ? v.uid : v.seq;
      m.date = v.sent ? *v.sent : v.arrival;  // RFC 5256 §2.2
      m.subject = folded_base_subject(v, &m.reply_or_forward);
      if (refs && v.envelope) {
        // Message ids are compared casefolded: References comes from the casefolded search
        // text stored at delivery (DESIGN §5), so the other ids are folded the same way.
        if (v.envelope->message_id) m.message_id = mime::fold_case(codec::first_msg_id(*v.envelope->message_id));
        if (v.envelope->in_reply_to) m.in_reply_to = mime::fold_case(codec::first_msg_id(*v.envelope->in_reply_to));
        m.references = stored_references(*st, in.mailbox_id, v.uid);
      }
      msgs.push_back(std::move(m));
    }
    auto forest = refs ? codec::thread_references(msgs) : codec::thread_orderedsubject(msgs);
    return codec::format_threads(forest);
  };
  auto res = co_await offload(std::move(work));
  if (!res) co_return fail(res.error());
  untagged(res->empty() ? std::string("THREAD") : "THREAD " + *res);
  ok(r.uid ? "UID THREAD completed" : "THREAD completed");
}

}  // namespace postamt::imap
