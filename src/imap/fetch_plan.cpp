// FETCH data for one message; see fetch_plan.h.
#include "imap/fetch_plan.h"

#include <algorithm>

#include "imap/render/binary.h"
#include "imap/render/bodystructure.h"
#include "imap/render/envelope.h"
#include "imap/render/imap_string.h"
#include "imap/render/section.h"
#include "imap/render/summary.h"
#include "proto/imap/datetime.h"

namespace postamt::imap {

namespace codec = proto::imap;

namespace {

constexpr uint64_t kWholeMessageInMemory = 1 << 20;  // read small messages once, slice after

render::SectionKind kind_of(codec::SectionText t) {
  switch (t) {
    case codec::SectionText::none: return render::SectionKind::none;
    case codec::SectionText::header: return render::SectionKind::header;
    case codec::SectionText::header_fields: return render::SectionKind::header_fields;
    case codec::SectionText::header_fields_not: return render::SectionKind::header_fields_not;
    case codec::SectionText::text: return render::SectionKind::text;
    case codec::SectionText::mime: return render::SectionKind::mime;
  }
  return render::SectionKind::none;
}

// Lazily loaded pieces of one message.
class Source {
 public:
  Source(store::Store& st, int64_t mailbox_id, uint32_t uid) : st_(st), mailbox_id_(mailbox_id), uid_(uid) {}

  Result<const store::Message*> message() {
    if (!msg_) {
      auto m = st_.get_message(mailbox_id_, uid_);
      if (!m) return m.error();
      msg_ = std::move(*m);
    }
    return &*msg_;
  }
  Result<const render::Summary*> summary() {
    if (!summary_) {
      auto m = message();
      if (!m) return m.error();
      auto s = render::Summary::parse((*m)->summary.summary_json);
      if (!s) return s.error();
      summary_ = std::move(*s);
    }
    return &*summary_;
  }
  // Bytes [offset, offset+length) of the stored message.
  Result<std::string> bytes(uint64_t offset, uint64_t length) {
    auto m = message();
    if (!m) return m.error();
    uint64_t size = (*m)->size;
    if (offset >= size) return std::string();
    length = std::min(length, size - offset);
    if (size <= kWholeMessageInMemory) {
      if (!whole_) {
        auto r = st_.open_message(mailbox_id_, uid_);
        if (!r) return r.error();
        std::string all;
        if (auto rd = read_bytes(**r, size, all); !rd) return rd.error();
        whole_ = std::move(all);
      }
      return whole_->substr(std::min<uint64_t>(offset, whole_->size()), length);
    }
    auto r = st_.open_message(mailbox_id_, uid_);
    if (!r) return r.error();
    if (auto sk = skip_bytes(**r, offset); !sk) return sk.error();
    std::string out;
    if (auto rd = read_bytes(**r, length, out); !rd) return rd.error();
    return out;
  }

 private:
  store::Store& st_;
  int64_t mailbox_id_;
  uint32_t uid_;
  std::optional<store::Message> msg_;
  std::optional<render::Summary> summary_;
  std::optional<std::string> whole_;
};

void literal_header(std::string& out, uint64_t n, bool binary) {
  out += binary ? "~{" : "{";
  out += std::to_string(n);
  out += "}\r\n";
}

}  // namespace

Result<void> skip_bytes(store::MessageReader& reader, uint64_t n) {
  char buf[16384];
  while (n > 0) {
    auto got = reader.read(buf, static_cast<size_t>(std::min<uint64_t>(n, sizeof buf)));
    if (!got) return got.error();
    if (*got == 0) break;
    n -= *got;
  }
  return ok_result();
}

Result<void> read_bytes(store::MessageReader& reader, uint64_t n, std::string& out) {
  char buf[65536];
  while (n > 0) {
    auto got = reader.read(buf, static_cast<size_t>(std::min<uint64_t>(n, sizeof buf)));
    if (!got) return got.error();
    if (*got == 0) break;
    out.append(buf, *got);
    n -= *got;
  }
  return ok_result();
}

bool needs_store(const codec::FetchRequest& req) {
  for (const auto& it : req.items)
    if (it.attr != codec::FetchAttr::flags && it.attr != codec::FetchAttr::uid && it.attr != codec::FetchAttr::modseq)
      return true;
  return false;
}

Result<std::vector<FetchPiece>> build_fetch(store::Store& st, int64_t mailbox_id, const FetchJob& job,
                                            const codec::FetchRequest& req, const FetchContext& ctx) {
  Source src(st, mailbox_id, job.meta.uid);
  std::vector<FetchPiece> pieces(1);
  std::string* out = &pieces.back().text;
  *out = "* " + std::to_string(job.seq) + " FETCH (";
  bool first = true;
  auto sep = [&]() {
    if (!first) *out += ' ';
    first = false;
  };
  bool has_uid = false, has_flags = false, has_modseq = false;
  for (const auto& it : req.items) {
    has_uid |= it.attr == codec::FetchAttr::uid;
    has_flags |= it.attr == codec::FetchAttr::flags;
    has_modseq |= it.attr == codec::FetchAttr::modseq;
  }
  if (job.add_uid && !has_uid) {
    sep();
    *out += "UID " + std::to_string(job.meta.uid);
  }
  // Data as a literal: small ones inline, big ones as a streamed piece.
  auto emit_range = [&](uint64_t offset, uint64_t length) -> Result<void> {
    if (length > ctx.stream_threshold) {
      literal_header(*out, length, false);
      FetchPiece p;
      p.stream = true;
      p.offset = offset;
      p.length = length;
      pieces.push_back(std::move(p));
      pieces.emplace_back();
      out = &pieces.back().text;
      return ok_result();
    }
    auto data = src.bytes(offset, length);
    if (!data) return data.error();
    render::replace_nul_for_literal(*data);  // RFC 9051 §4.3: no NUL in a literal (as Dovecot: 0x80)
    literal_header(*out, data->size(), false);
    *out += *data;
    return ok_result();
  };

  for (const auto& it : req.items) {
    switch (it.attr) {
      case codec::FetchAttr::uid:
        sep();
        *out += "UID " + std::to_string(job.meta.uid);
        break;
      case codec::FetchAttr::flags:
        sep();
        *out += "FLAGS " + flag_list(job.meta.flags, job.recent);
        break;
      case codec::FetchAttr::modseq:
        sep();
        *out += "MODSEQ (" + std::to_string(job.meta.modseq) + ")";
        break;
      case codec::FetchAttr::internaldate: {
        auto m = src.message();
        if (!m) return m.error();
        sep();
        *out += "INTERNALDATE \"" + codec::format_date_time((*m)->internal_date, 0) + "\"";
        break;
      }
      case codec::FetchAttr::savedate: {
        auto m = src.message();
        if (!m) return m.error();
        sep();
        // RFC 8514 §4.3: the date the message was saved in this mailbox.
        *out += "SAVEDATE \"" + codec::format_date_time((*m)->save_date, 0) + "\"";
        break;
      }
      case codec::FetchAttr::rfc822_size: {
        auto m = src.message();
        if (!m) return m.error();
        sep();
        *out += "RFC822.SIZE " + std::to_string((*m)->size);
        break;
      }
      case codec::FetchAttr::emailid: {
        auto m = src.message();
        if (!m) return m.error();
        sep();
        *out += "EMAILID (" + (*m)->email_id + ")";
        break;
      }
      case codec::FetchAttr::threadid:
        sep();
        *out += "THREADID NIL";  // RFC 8474 §5.2: NIL when threads are not tracked (README)
        break;
      case codec::FetchAttr::preview: {
        auto m = src.message();
        if (!m) return m.error();
        sep();
        // RFC 8970 §3: computed at delivery; "" is a valid empty preview.
        *out += "PREVIEW ";
        render::append_string(*out, (*m)->summary.preview, ctx.utf8);
        break;
      }
      case codec::FetchAttr::envelope: {
        auto s = src.summary();
        if (!s) return s.error();
        sep();
        *out += "ENVELOPE ";
        render::append_envelope(*out, (*s)->envelope(), ctx.utf8);
        break;
      }
      case codec::FetchAttr::body:
      case codec::FetchAttr::bodystructure: {
        auto s = src.summary();
        if (!s) return s.error();
        sep();
        bool ext = it.attr == codec::FetchAttr::bodystructure;
        *out += ext ? "BODYSTRUCTURE " : "BODY ";
        render::append_bodystructure(*out, (*s)->root(), ext, ctx.utf8);
        break;
      }
      case codec::FetchAttr::rfc822:
      case codec::FetchAttr::rfc822_header:
      case codec::FetchAttr::rfc822_text:
      case codec::FetchAttr::body_section: {
        auto s = src.summary();
        if (!s) return s.error();
        auto m = src.message();
        if (!m) return m.error();
        render::SectionSpec spec;
        const char* name = nullptr;
        if (it.attr == codec::FetchAttr::rfc822) {
          name = "RFC822";
        } else if (it.attr == codec::FetchAttr::rfc822_header) {
          name = "RFC822.HEADER";
          spec.kind = render::SectionKind::header;
        } else if (it.attr == codec::FetchAttr::rfc822_text) {
          name = "RFC822.TEXT";
          spec.kind = render::SectionKind::text;
        } else {
          spec.part = it.section.part;
          spec.kind = kind_of(it.section.text);
        }
        auto res = render::resolve_section(**s, spec, (*m)->prefix_size);
        if (!res) return res.error();
        sep();
        *out += name ? std::string(name) : codec::section_response_name(it);
        *out += ' ';
        if (!res->exists) {
          *out += "\"\"";  // like Dovecot: an absent part is the empty string
          break;
        }
        if (spec.kind == render::SectionKind::header_fields || spec.kind == render::SectionKind::header_fields_not) {
          auto hdr = src.bytes(res->range.offset, res->range.length);
          if (!hdr) return hdr.error();
          std::string filtered = render::filter_header(*hdr, it.section.fields,
                                                       spec.kind == render::SectionKind::header_fields_not);
          render::replace_nul_for_literal(filtered);
          std::string_view part = filtered;
          if (it.partial) part = render::apply_partial(part, it.partial->offset, it.partial->length);
          literal_header(*out, part.size(), false);
          *out += part;
          break;
        }
        render::ByteRange range = res->range;
        if (it.partial) range = render::apply_partial(range, it.partial->offset, it.partial->length);
        if (auto e = emit_range(range.offset, range.length); !e) return e.error();
        break;
      }
      case codec::FetchAttr::binary:
      case codec::FetchAttr::binary_size: {
        auto s = src.summary();
        if (!s) return s.error();
        auto m = src.message();
        if (!m) return m.error();
        auto bin = render::resolve_binary(**s, it.section.part, (*m)->prefix_size);
        if (!bin) return bin.error();
        std::string decoded;
        if (bin->exists) {
          auto raw = src.bytes(bin->range.offset, bin->range.length);
          if (!raw) return raw.error();
          auto d = render::decode_binary(*raw, bin->cte);
          if (!d) return d.error();
          decoded = std::move(*d);
        }
        sep();
        *out += codec::section_response_name(it);
        *out += ' ';
        if (it.attr == codec::FetchAttr::binary_size) {
          *out += std::to_string(decoded.size());
          break;
        }
        std::string_view data = decoded;
        if (it.partial) data = render::apply_partial(data, it.partial->offset, it.partial->length);
        // RFC 3516 §4.3: literal8 only when the data holds NUL.
        literal_header(*out, data.size(), data.find('\0') != std::string_view::npos);
        *out += data;
        break;
      }
    }
  }
  if (job.add_flags && !has_flags) {
    sep();
    *out += "FLAGS " + flag_list(job.meta.flags, job.recent);
  }
  if (job.add_modseq && !has_modseq) {
    sep();
    *out += "MODSEQ (" + std::to_string(job.meta.modseq) + ")";
  }
  *out += ")\r\n";
  return pieces;
}

}  // namespace postamt::imap
