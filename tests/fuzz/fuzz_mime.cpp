// libFuzzer target for the MIME layer (DESIGN §9): structure parser invariants, preview,
// and the header helpers on every header value of every part.
// Handles untrusted input by design: any byte sequence must be accepted without crash,
// UB, leak or timeout. RFCs exercised: 5322, 2045, 2046, 2047, 2231, 8970.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mime/mime.h"

namespace {

using postamt::mime::Part;

void check(bool ok) {
  if (!ok) std::abort();
}

// Offset invariants the IMAP layer relies on (see mime.h).
void walk(const Part& p, std::string_view msg, size_t depth, const std::string* parent_boundary) {
  check(depth <= postamt::mime::kMaxSupportedDepth + 1);
  check(p.body_offset == p.offset + p.header_size);
  check(p.body_offset <= msg.size() && p.body_size <= msg.size() - p.body_offset);
  std::string_view body = msg.substr(p.body_offset, p.body_size);
  if (parent_boundary && !parent_boundary->empty()) {
    // The part never contains a line the parser treats as the parent's delimiter
    // (RFC 2046 §5.1.1); lines claimed by an at-least-as-long boundary of a multipart
    // inside the part are fine (longest prefix wins, innermost on ties).
    std::vector<std::string> inner;
    std::vector<const Part*> stack{&p};
    while (!stack.empty()) {
      const Part* q = stack.back();
      stack.pop_back();
      if (q->is_multipart())
        for (const auto& prm : q->params)
          if (prm.name == "boundary") {
            inner.push_back("--" + prm.value);
            break;
          }
      for (const auto& c : q->children) stack.push_back(&c);
    }
    std::string delim = "--" + *parent_boundary;
    std::string_view part = msg.substr(p.offset, p.header_size + p.body_size);
    size_t at = 0;
    while (true) {
      std::string_view line = part.substr(at);
      if (line.substr(0, delim.size()) == delim) {
        bool claimed = false;
        for (const auto& b : inner)
          if (b.size() >= delim.size() && line.substr(0, b.size()) == b) claimed = true;
        check(claimed);
      }
      size_t nl = part.find('\n', at);
      if (nl == std::string_view::npos) break;
      at = nl + 1;
    }
  }
  size_t lines = 0;
  for (char c : body) lines += c == '\n';
  check(lines == p.body_lines);
  size_t prev_end = p.body_offset;
  const std::string* boundary = nullptr;
  if (p.is_multipart())
    for (const auto& prm : p.params)
      if (prm.name == "boundary") {
        boundary = &prm.value;
        break;
      }
  if (p.is_message() && !p.children.empty()) {
    check(p.children.size() == 1);
    const Part& c = p.children[0];
    check(c.offset == p.body_offset && c.header_size + c.body_size == p.body_size);
  }
  for (const auto& c : p.children) {
    check(c.offset >= prev_end);
    check(c.body_offset + c.body_size <= p.body_offset + p.body_size);
    prev_end = c.body_offset + c.body_size;
    walk(c, msg, depth + 1, p.is_multipart() ? boundary : nullptr);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view msg(reinterpret_cast<const char*>(data), size);
  postamt::mime::Limits limits;
  limits.max_depth = 20;
  limits.max_parts = 2000;
  auto parsed = postamt::mime::parse(msg, limits);
  check(parsed.root.offset == 0 && parsed.root.header_size + parsed.root.body_size == size);
  walk(parsed.root, msg, 0, nullptr);
  (void)postamt::mime::make_preview(parsed, msg, 200);

  auto fields = postamt::mime::parse_header(msg.substr(0, parsed.root.header_size), 200);
  for (const auto& f : fields) {
    std::string v = postamt::mime::unfold(f.value);
    (void)postamt::mime::parse_date(v);
    (void)postamt::mime::parse_address_list(v, 100);
    (void)postamt::mime::decode_encoded_words(v);
    (void)postamt::mime::parse_content_type(v);
  }
  (void)postamt::mime::decode_transfer_encoding(msg.substr(0, 4096), "quoted-printable");
  (void)postamt::mime::decode_transfer_encoding(msg.substr(0, 4096), "base64");
  return 0;
}
