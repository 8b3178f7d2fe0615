// SEARCH execution; see search_run.h.
#include "imap/search_run.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "base/strings.h"
#include "imap/fetch_plan.h"
#include "proto/imap/search_eval.h"

namespace postamt::imap {

namespace codec = proto::imap;

namespace {

using K = codec::SearchKeyKind;
using T = codec::EvalKey::Type;

constexpr uint64_t kMaxHeaderRead = 256 * 1024;

struct Translator {
  const SearchInput& in;

  std::vector<codec::NumberRange> seq_ranges(const codec::SequenceSet& set, bool uid) const {
    std::vector<uint32_t> nums;
    if (set.is_saved_result()) {
      for (uint32_t u : in.saved_uids) nums.push_back(u);
      if (!uid) {
        std::vector<uint32_t> seqs;
        for (uint32_t u : nums) {
          auto it = std::lower_bound(in.view.begin(), in.view.end(), u,
                                     [](const ViewMessage& m, uint32_t x) { return m.uid < x; });
          if (it != in.view.end() && it->uid == u) seqs.push_back(static_cast<uint32_t>(it - in.view.begin()) + 1);
        }
        nums.swap(seqs);
      }
      std::sort(nums.begin(), nums.end());
      std::vector<codec::NumberRange> r;
      for (uint32_t n : nums) {
        if (!r.empty() && r.back().hi + 1 >= n)
          r.back().hi = std::max(r.back().hi, n);
        else
          r.push_back({n, n});
      }
      return r;
    }
    uint32_t max = uid ? (in.view.empty() ? 0 : in.view.back().uid) : static_cast<uint32_t>(in.view.size());
    return set.resolve(max);
  }

  codec::EvalKey flag(T t, const char* name) const {
    codec::EvalKey k = codec::EvalKey::leaf(t);
    k.name = name;
    return k;
  }

  codec::EvalKey header(std::string field, const std::string& value) const {
    codec::EvalKey k = codec::EvalKey::leaf(T::header);
    k.name = std::move(field);
    k.value = mime::fold_case(value);
    return k;
  }

  codec::EvalKey operator()(const codec::SearchKey& s) const {
    codec::EvalKey k;
    switch (s.kind) {
      case K::and_: k.type = T::and_; break;
      case K::or_: k.type = T::or_; break;
      case K::not_: k.type = T::not_; break;
      case K::all: k.type = T::all; break;
      case K::answered: return flag(T::flag_set, "\\Answered");
      case K::deleted: return flag(T::flag_set, "\\Deleted");
      case K::draft: return flag(T::flag_set, "\\Draft");
      case K::flagged: return flag(T::flag_set, "\\Flagged");
      case K::seen: return flag(T::flag_set, "\\Seen");
      case K::unanswered: return flag(T::flag_unset, "\\Answered");
      case K::undeleted: return flag(T::flag_unset, "\\Deleted");
      case K::undraft: return flag(T::flag_unset, "\\Draft");
      case K::unflagged: return flag(T::flag_unset, "\\Flagged");
      case K::unseen: return flag(T::flag_unset, "\\Seen");
      case K::recent: k.type = T::recent; break;
      case K::new_: k.type = T::new_; break;
      case K::old: k.type = T::old; break;
      case K::keyword: k.type = T::flag_set; k.name = s.text; break;
      case K::unkeyword: k.type = T::flag_unset; k.name = s.text; break;
      case K::bcc: return header("Bcc", s.text);
      case K::cc: return header("Cc", s.text);
      case K::from: return header("From", s.text);
      case K::subject: return header("Subject", s.text);
      case K::to: return header("To", s.text);
      case K::header: return header(s.field, s.text);
      case K::body: k.type = T::body; k.value = mime::fold_case(s.text); break;
      case K::text: k.type = T::text; k.value = mime::fold_case(s.text); break;
      case K::before: k.type = T::before; k.day = s.day; break;
      case K::on: k.type = T::on; k.day = s.day; break;
      case K::since: k.type = T::since; k.day = s.day; break;
      case K::sent_before: k.type = T::sent_before; k.day = s.day; break;
      case K::sent_on: k.type = T::sent_on; k.day = s.day; break;
      case K::sent_since: k.type = T::sent_since; k.day = s.day; break;
      case K::saved_before: k.type = T::saved_before; k.day = s.day; break;
      case K::saved_on: k.type = T::saved_on; k.day = s.day; break;
      case K::saved_since: k.type = T::saved_since; k.day = s.day; break;
      case K::saved_date_supported: k.type = T::savedate_supported; break;
      case K::larger: k.type = T::larger; k.number = s.number; break;
      case K::smaller: k.type = T::smaller; k.number = s.number; break;
      case K::older: k.type = T::older; k.number = s.number; break;
      case K::younger: k.type = T::younger; k.number = s.number; break;
      case K::uid:
        if (s.set.is_saved_result() && !in.have_saved) return codec::EvalKey::leaf(T::none);
        k.type = T::uid_set;
        k.ranges = seq_ranges(s.set, true);
        break;
      case K::sequence_set:
        if (s.set.is_saved_result() && !in.have_saved) return codec::EvalKey::leaf(T::none);
        k.type = T::seq_set;
        k.ranges = seq_ranges(s.set, false);
        break;
      case K::modseq: k.type = T::modseq_ge; k.number = s.number; break;
      case K::email_id: k.type = T::emailid; k.value = s.text; break;
      case K::thread_id: k.type = T::threadid; k.value = s.text; break;
    }
    for (const auto& c : s.children) k.children.push_back((*this)(c));
    return k;
  }
};

class Source final : public codec::EvalSource {
 public:
  Source(store::Store& st, int64_t mailbox_id) : st_(st), mailbox_id_(mailbox_id) {}

  bool header_contains(uint32_t uid, std::string_view field, std::string_view needle) override {
    if (uid != cached_uid_) {
      cached_uid_ = uid;
      load_fields(uid);
    }
    std::string name = mime::fold_case(field);
    for (const auto& [n, value] : fields_) {
      if (n != name) continue;
      // RFC 9051 §6.4.4: substring match, case-insensitive, on the decoded value.
      if (needle.empty() || value.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  bool text_match(uint32_t uid, const codec::EvalKey& key) override {
    auto it = text_hits_.find(&key);
    return it != text_hits_.end() && it->second.count(uid) != 0;
  }

  Result<void> prepare_text(const codec::EvalKey& root) {
    for (const codec::EvalKey* k : codec::text_keys(root)) {
      auto field = k->type == T::body ? store::TextField::body : store::TextField::text;
      auto hits = st_.search_text(mailbox_id_, k->value, field);
      if (!hits) return hits.error();
      text_hits_[k] = std::set<uint32_t>(hits->begin(), hits->end());
    }
    return ok_result();
  }

  std::optional<Error> error_;

 private:
  // The message header's fields as (folded name, folded decoded value): from the
  // search text stored at delivery (DESIGN §5), or for messages stored without it,
  // from the message's header block.
  void load_fields(uint32_t uid) {
    fields_.clear();
    auto stored = st_.get_search_headers(mailbox_id_, uid);
    if (!stored) {
      if (stored.error().code != ErrorCode::not_found) error_ = stored.error();
      return;
    }
    if (!stored->empty()) {
      fields_ = stored_header_fields(*stored);
      return;
    }
    auto h = read_header_block(st_, mailbox_id_, uid);
    if (!h) {
      if (h.error().code != ErrorCode::not_found) error_ = h.error();
      return;
    }
    for (const auto& f : mime::parse_header(*h))
      fields_.emplace_back(mime::fold_case(f.name),
                           mime::fold_case(mime::decode_encoded_words(mime::unfold(f.value))));
  }

  store::Store& st_;
  int64_t mailbox_id_;
  uint32_t cached_uid_ = 0;
  std::vector<std::pair<std::string, std::string>> fields_;
  std::unordered_map<const codec::EvalKey*, std::set<uint32_t>> text_hits_;
};

}  // namespace

std::vector<std::pair<std::string, std::string>> stored_header_fields(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (line.empty()) break;  // the MIME part headers follow: not the message header
    size_t colon = line.find(": ");
    if (colon != std::string_view::npos)
      out.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 2)));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

Result<std::string> read_header_block(store::Store& st, int64_t mailbox_id, uint32_t uid) {
  auto r = st.open_message(mailbox_id, uid);
  if (!r) return r.error();
  std::string out;
  while (out.size() < kMaxHeaderRead) {
    size_t before = out.size();
    if (auto rd = read_bytes(**r, 8192, out); !rd) return rd.error();
    if (out.size() == before) break;
    // The header ends at the first empty line (CRLF CRLF, or LF LF for sloppy input).
    size_t from = before >= 3 ? before - 3 : 0;
    size_t end = out.find("\r\n\r\n", from);
    if (end != std::string::npos) return out.substr(0, end + 4);
    end = out.find("\n\n", from);
    if (end != std::string::npos) return out.substr(0, end + 2);
  }
  return out;
}

Result<SearchOutput> run_search(store::Store& st, const SearchInput& in, const codec::SearchKey& key) {
  Translator tr{in};
  codec::EvalKey root = tr(key);
  auto info = codec::inspect(root);
  if (!info) return info.error();
  codec::order_by_cost(root);

  SearchOutput out;
  auto listed = st.list_messages(in.mailbox_id);
  if (!listed) return listed.error();
  // Align the store's rows with the view (both ascending UID).
  out.metadata.resize(in.view.size());
  size_t j = 0;
  for (size_t i = 0; i < in.view.size(); ++i) {
    while (j < listed->size() && (*listed)[j].uid < in.view[i].uid) ++j;
    if (j < listed->size() && (*listed)[j].uid == in.view[i].uid) out.metadata[i] = std::move((*listed)[j]);
  }
  // SENT* keys need the Date: header, which only get_message() carries.
  bool need_sent = false;
  std::vector<const codec::EvalKey*> stack{&root};
  while (!stack.empty()) {
    const codec::EvalKey* k = stack.back();
    stack.pop_back();
    if (k->type == T::sent_before || k->type == T::sent_on || k->type == T::sent_since) need_sent = true;
    for (const auto& c : k->children) stack.push_back(&c);
  }
  Source source(st, in.mailbox_id);
  if (info->needs_text)
    if (auto p = source.prepare_text(root); !p) return p.error();
  codec::EvalContext ctx;
  ctx.now = in.now;
  for (size_t i = 0; i < in.view.size(); ++i) {
    const store::Message& m = out.metadata[i];
    if (m.uid == 0) continue;  // expunged meanwhile: matches nothing
    const ViewMessage& v = in.view[i];
    codec::EvalMessage em;
    em.seq = static_cast<uint32_t>(i + 1);
    em.uid = v.uid;
    em.size = m.size;
    em.modseq = v.modseq;
    em.internal_date = m.internal_date;
    em.save_date = m.save_date;
    em.flags = v.flags;
    em.email_id = m.email_id;
    em.recent = in.recent.count(v.uid) != 0;
    if (need_sent) {
      auto full = st.get_message(in.mailbox_id, v.uid);
      if (full && full->summary.sent_date != 0) em.sent_date = full->summary.sent_date;
    }
    if (codec::evaluate(root, em, source, ctx)) {
      out.seqs.push_back(em.seq);
      out.highest_modseq = std::max(out.highest_modseq, v.modseq);
    }
    if (source.error_) return *source.error_;
  }
  return out;
}

}  // namespace postamt::imap
