// MIME structure parser: one linear pass over the message that records the byte offsets,
// sizes and line counts of every part, containers included (IMAP FETCH BODY[section],
// BODYSTRUCTURE and RFC822.SIZE are answered from them without re-parsing).
// Handles untrusted input (every received or APPENDed message): never fails, bounded by
// Limits (depth, parts, header fields); recursion depth <= min(max_depth, 256).
// RFCs: 5322 §2.1 (header/body split), 2045 §5/§6 (Content-Type, CTE), 2046 §5.1
// (multipart, boundaries, digest), §5.2 (message/rfc822), 6532 §3.7 (message/global).
//
// Decisions for malformed input (documented in mime.h as well):
// - A line is a boundary delimiter if it starts with "--" + boundary of any enclosing
//   multipart (prefix match, longest boundary wins, innermost on ties; like Dovecot).
//   RFC 2046 §5.1.1 forbids the boundary as a line prefix inside parts, so this is safe,
//   and it covers trailing whitespace and junk after the delimiter.
// - An inner part also stops at an outer boundary; missing close delimiters end at the
//   next outer boundary or at the end of input.
// - The CRLF (or LF) before a delimiter line belongs to the delimiter (RFC 2046 §5.1.1):
//   every part ends before it. If a part has no body at all, the same rule may cut its
//   header short ("H: v\r\n\r\n--b": the blank line is the delimiter's CRLF).
//   Dovecot differs for containers: a nested multipart keeps the CRLF between its close
//   delimiter and the outer delimiter, and an encapsulated message without a body keeps
//   that CRLF as its blank line, so Dovecot's BODY[n] of such a part is 2 bytes longer
//   (and its message/rfc822 line count 1 higher; n.HEADER of the bodyless message ends
//   in that blank line). We keep the RFC reading, for every part alike: clients use
//   those sizes for display only and fetch the leaves, whose bytes are the same either
//   way, and one rule keeps the offsets of parents and children consistent.
// - A part whose first line is not a header field has no header (header_size 0), unless
//   a few junk lines are followed by fields (see field_after_junk): then the junk is part
//   of the header block and ignored like junk lines inside a header.
// - multipart/* without a usable boundary, or beyond a limit, is an opaque leaf (type kept,
//   no children); message/rfc822 with a base64/QP encoding is an opaque leaf too.
#include <algorithm>
#include <cstring>

#include "base/strings.h"
#include "mime/internal.h"
#include "mime/mime.h"

namespace postamt::mime {

namespace {

constexpr int kEof = -1;

class Parser {
 public:
  Parser(std::string_view msg, const Limits& limits)
      : msg_(msg), limits_(limits), max_depth_(std::min(limits.max_depth, kMaxSupportedDepth)) {}

  ParsedMessage run() {
    ParsedMessage out;
    parts_ = 1;
    parse_part(out.root, 0, false);
    auto fields = parse_header(msg_.substr(out.root.offset, out.root.header_size), limits_.max_header_fields);
    out.envelope = make_envelope(fields);
    out.limit_hit = limit_hit_;
    return out;
  }

 private:
  // Line-number bookkeeping: nl_ counts '\n' in msg_[0, pos_).
  size_t line_end(size_t p) const {
    const void* nl = std::memchr(msg_.data() + p, '\n', msg_.size() - p);
    return nl ? static_cast<size_t>(static_cast<const char*>(nl) - msg_.data()) + 1 : msg_.size();
  }

  void advance_line() {
    size_t e = line_end(pos_);
    if (e > pos_ && msg_[e - 1] == '\n') ++nl_;
    pos_ = e;
  }

  std::string_view line_content(size_t p) const {
    std::string_view l = msg_.substr(p, line_end(p) - p);
    if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    return l;
  }

  // Index into boundaries_ of the delimiter the line at p starts with, or kEof.
  int match_boundary(size_t p, bool& close) const {
    if (boundaries_.empty() || p + 2 > msg_.size() || msg_[p] != '-' || msg_[p + 1] != '-') return kEof;
    std::string_view line = line_content(p);
    int best = kEof;
    size_t best_len = 0;
    for (size_t k = boundaries_.size(); k-- > 0;) {
      const std::string& b = boundaries_[k];
      if (b.size() > best_len && line.size() >= b.size() && std::memcmp(line.data(), b.data(), b.size()) == 0) {
        best = static_cast<int>(k);
        best_len = b.size();
      }
    }
    if (best != kEof) close = line.substr(best_len).substr(0, 2) == "--";
    return best;
  }

  // Advances line by line to the next delimiter line of any active boundary (stop_ = its
  // index, pos_ at its start) or to the end of input (stop_ = kEof).
  void scan_to_boundary() {
    if (boundaries_.empty()) {
      nl_ += static_cast<size_t>(std::count(msg_.begin() + static_cast<ptrdiff_t>(pos_), msg_.end(), '\n'));
      pos_ = msg_.size();
      stop_ = kEof;
      return;
    }
    while (pos_ < msg_.size()) {
      bool close = false;
      int k = match_boundary(pos_, close);
      if (k != kEof) {
        stop_ = k;
        stop_close_ = close;
        return;
      }
      advance_line();
    }
    stop_ = kEof;
  }

  // Where a part that stops now ends: before the newline preceding the delimiter line
  // (RFC 2046 §5.1.1), or at the end of input. Never before `floor`.
  size_t current_end(size_t floor) const {
    if (stop_ == kEof) return msg_.size();
    size_t e = pos_;
    if (e > 0 && msg_[e - 1] == '\n') {
      --e;
      if (e > 0 && msg_[e - 1] == '\r') --e;
    }
    return std::max(e, floor);
  }

  // '\n' count before e, for e in [pos_ - 2, pos_] (all ends computed at the current stop).
  size_t nl_at(size_t e) const {
    if (e < pos_ && pos_ > 0 && msg_[pos_ - 1] == '\n') return nl_ - 1;
    return nl_;
  }

  // Lines of [a, b) = its LF count (nl_a, nl_b: '\n' before a and before b). A last line
  // without LF does not count: RFC 9051 §7.5.2 only says "size of the body in text lines",
  // and Dovecot, whose numbers clients have seen for years, counts LFs. Every part that a
  // delimiter ends has such a last line (its CRLF belongs to the delimiter, RFC 2046
  // §5.1.1): "one\r\ntwo\r\n--b" gives a body of 1 line, "one\r\n--b" one of 0.
  static size_t count_lines(size_t nl_a, size_t nl_b) { return nl_b - nl_a; }

  // RFC 5322 §2.1 wants a header to start with a field; real mail sometimes has a line
  // before it: an mbox "From " line, a tool's "Mail content:" caption, a UTF-8 BOM glued
  // to the first field (that field is lost, as in Dovecot). Dovecot keeps such lines in
  // the header and reads the fields after them, and so do we, for at most
  // kMaxLeadingJunk lines (continuations included) and only when a field line follows
  // before a blank line, a delimiter or the end. The skipped lines stay in the header
  // block (header_size covers them, parse_header() ignores them), so offsets stay
  // contiguous. Otherwise the part has no header and its first line is body text; Dovecot
  // makes such text a header, which hides the only content of a headerless part.
  static constexpr size_t kMaxLeadingJunk = 3;

  bool field_after_junk(size_t p) const {
    for (size_t n = 0; n <= kMaxLeadingJunk && p < msg_.size(); ++n) {
      bool close = false;
      if (match_boundary(p, close) != kEof) return false;
      std::string_view line = line_content(p);
      if (line.empty()) return false;
      size_t colon = 0;
      if (n > 0 && detail::field_name_length(line, colon) != 0) return true;
      p = line_end(p);
    }
    return false;
  }

  bool can_descend(size_t depth) {
    if (depth + 1 <= max_depth_ && parts_ < limits_.max_parts) return true;
    limit_hit_ = true;
    return false;
  }

  static bool identity_encoding(std::string_view enc) { return enc == "7bit" || enc == "8bit" || enc == "binary"; }

  void apply_fields(Part& part, const std::vector<HeaderField>& fields) {
    bool have_type = false, have_cte = false, have_disp = false;
    for (const auto& f : fields) {
      std::string_view n = f.name;
      if (!have_type && iequals(n, "Content-Type")) {
        have_type = true;
        MediaType mt = parse_content_type(unfold(f.value));
        if (mt.valid) {  // RFC 2045 §5.2: an invalid value means the default
          part.type = std::move(mt.type);
          part.subtype = std::move(mt.subtype);
          part.params = std::move(mt.params);
        }
      } else if (!have_cte && iequals(n, "Content-Transfer-Encoding")) {
        have_cte = true;
        std::string enc = ascii_lowercase(detail::strip_comments(unfold(f.value)));
        if (!enc.empty()) part.encoding = std::move(enc);
      } else if (!have_disp && iequals(n, "Content-Disposition")) {
        have_disp = true;
        Disposition d = parse_content_disposition(unfold(f.value));
        if (!d.type.empty()) {
          part.disposition = std::move(d.type);
          part.disposition_params = std::move(d.params);
        }
      } else if (!part.id && iequals(n, "Content-ID")) {
        part.id = std::string(detail::trim_all(unfold(f.value)));
      } else if (!part.description && iequals(n, "Content-Description")) {
        part.description = std::string(detail::trim_all(unfold(f.value)));
      } else if (!part.md5 && iequals(n, "Content-MD5")) {
        part.md5 = std::string(detail::trim_all(unfold(f.value)));
      } else if (!part.location && iequals(n, "Content-Location")) {
        part.location = std::string(detail::trim_all(unfold(f.value)));
      } else if (part.language.empty() && iequals(n, "Content-Language")) {
        // RFC 3282 §2: comma-separated language tags.
        std::string v = detail::strip_comments(unfold(f.value));
        std::string_view rest = v;
        while (!rest.empty()) {
          size_t c = rest.find(',');
          std::string_view tag = detail::trim_all(rest.substr(0, c));
          if (!tag.empty()) part.language.emplace_back(tag);
          rest = c == std::string_view::npos ? std::string_view() : rest.substr(c + 1);
        }
      }
    }
  }

  std::vector<HeaderField> header_fields(size_t offset, size_t size) {
    size_t max = limits_.max_header_fields;
    auto fields = parse_header(msg_.substr(offset, size), max == SIZE_MAX ? max : max + 1);
    if (fields.size() > max) {
      fields.resize(max);
      limit_hit_ = true;
    }
    return fields;
  }

  void parse_part(Part& part, size_t depth, bool digest_child) {
    part.offset = pos_;
    const size_t start_nl = nl_;
    if (digest_child) {  // RFC 2046 §5.1.5: the default in a digest is message/rfc822
      part.type = "message";
      part.subtype = "rfc822";
    }
    // Header: up to and including the blank line (RFC 5322 §2.1).
    stop_ = kEof;
    bool header_stopped = false;
    bool first = true;
    while (pos_ < msg_.size()) {
      bool close = false;
      int k = match_boundary(pos_, close);
      if (k != kEof) {  // malformed: a delimiter inside the header ends the part
        stop_ = k;
        stop_close_ = close;
        header_stopped = true;
        break;
      }
      std::string_view line = line_content(pos_);
      if (line.empty()) {
        advance_line();
        break;
      }
      size_t colon = 0;
      if (first && detail::field_name_length(line, colon) == 0 && !field_after_junk(pos_))
        break;  // no header at all
      first = false;
      advance_line();
    }
    const size_t header_end = pos_;
    const size_t header_nl = nl_;
    {
      auto fields = header_fields(part.offset, header_end - part.offset);
      apply_fields(part, fields);
    }
    const size_t body_nl = nl_;
    size_t end = 0;  // end of this part, computed when the body stops
    if (header_stopped || pos_ >= msg_.size()) {
      end = current_end(part.offset);
    } else if (part.is_multipart()) {
      const std::string* boundary = find_param(part.params, "boundary");
      if (boundary && !boundary->empty() && can_descend(depth)) {
        parse_multipart(part, depth);
      } else {
        scan_to_boundary();
      }
      end = current_end(part.offset);
      if (!part.children.empty()) {
        const Part& last = part.children.back();
        end = std::max(end, last.body_offset + last.body_size);
      }
    } else if (part.is_message() && identity_encoding(part.encoding) && can_descend(depth)) {
      // RFC 2046 §5.2.1: the body is a complete message.
      ++parts_;
      part.children.emplace_back();
      Part& child = part.children.back();
      parse_part(child, depth + 1, false);
      end = child.body_offset + child.body_size;
      auto fields = header_fields(child.offset, child.header_size);
      part.envelope = make_envelope(fields);
    } else {
      scan_to_boundary();
      end = current_end(part.offset);
    }
    // A part without a body can end before its natural header end (see file comment).
    const size_t hdr_end = std::min(header_end, end);
    part.header_size = hdr_end - part.offset;
    part.body_offset = hdr_end;
    part.body_size = end - hdr_end;
    // Line counts: ends are either the end of input or within 2 bytes before pos_.
    const size_t end_nl = stop_ == kEof ? nl_ : nl_at(end);
    const size_t hdr_end_nl = hdr_end == header_end ? header_nl : end_nl;
    part.header_lines = count_lines(start_nl, hdr_end_nl);
    part.body_lines = count_lines(hdr_end == header_end ? body_nl : end_nl, end_nl);
  }

  void parse_multipart(Part& part, size_t depth) {
    const bool digest = part.subtype == "digest";
    boundaries_.push_back("--" + *find_param(part.params, "boundary"));
    const int mine = static_cast<int>(boundaries_.size()) - 1;
    scan_to_boundary();  // preamble: ignored (RFC 2046 §5.1.1)
    while (stop_ == mine && !stop_close_) {
      advance_line();  // the delimiter line itself
      if (parts_ >= limits_.max_parts) {
        limit_hit_ = true;  // the rest of this multipart stays opaque
        scan_to_boundary();
        continue;
      }
      ++parts_;
      part.children.emplace_back();
      parse_part(part.children.back(), depth + 1, digest);
    }
    boundaries_.pop_back();
    if (stop_ == mine && stop_close_) {
      advance_line();      // the close delimiter
      scan_to_boundary();  // epilogue: ignored, runs to an outer boundary or the end
    }
  }

  std::string_view msg_;
  const Limits& limits_;
  size_t max_depth_;
  std::vector<std::string> boundaries_;  // "--" + boundary of every open multipart
  size_t pos_ = 0;                       // start of the current line
  size_t nl_ = 0;                        // '\n' count in msg_[0, pos_)
  int stop_ = kEof;                      // delimiter at pos_ that stopped the last scan
  bool stop_close_ = false;
  size_t parts_ = 0;
  bool limit_hit_ = false;
};

}  // namespace

ParsedMessage parse(std::string_view message, const Limits& limits) { return Parser(message, limits).run(); }

}  // namespace postamt::mime
