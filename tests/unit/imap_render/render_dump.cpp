// imap_render_dump: answers FETCH data items for message files with src/imap/render,
// the way the IMAP session will (summary computed once, sections from offsets), so
// tests/e2e/test_imap_diff_render.py can compare the renderer with Dovecot without a
// running postamt. Test tool only; input is trusted test data.
//
// stdin: one JSON object per line: {"file": "/path/msg.eml", "items": ["ENVELOPE",
//   "BODYSTRUCTURE", "BODY", "RFC822.SIZE", "BODY[1.MIME]", "BODY[HEADER.FIELDS (A B)]",
//   "BODY[]<0.100>", "BINARY[2]", "BINARY.SIZE[2]", ...]}
// stdout: one JSON object per input line: {"ITEM": {"data": base64} | {"error": code}}.
//   data is the IMAP text for ENVELOPE/BODYSTRUCTURE/BODY, the decimal number for the
//   sizes, and the raw bytes for sections. The message is rendered as APPENDed (no
//   trace prefix).
// RFCs: 9051 §6.4.5 (FETCH items), 3516 §4.2 (BINARY).
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include "base/base64.h"
#include "base/strings.h"
#include "delivery/summary.h"
#include "imap/render/binary.h"
#include "imap/render/bodystructure.h"
#include "imap/render/envelope.h"
#include "imap/render/imap_string.h"
#include "imap/render/section.h"
#include "imap/render/summary.h"

namespace json = boost::json;
using namespace postamt;
using namespace postamt::imap::render;

namespace {

struct Item {
  std::string kind;  // BODY[ / BINARY[ / BINARY.SIZE[
  SectionSpec spec;
  std::vector<std::string> fields;
  std::optional<uint64_t> p_off, p_len;
};

// Parses "BODY[1.2.HEADER.FIELDS (A B)]<0.10>" and friends; nullopt if malformed.
std::optional<Item> parse_item(std::string_view s) {
  Item it;
  for (std::string_view k : {"BINARY.SIZE[", "BINARY[", "BODY["}) {
    if (s.substr(0, k.size()) == k) {
      it.kind = std::string(k);
      s.remove_prefix(k.size());
      break;
    }
  }
  if (it.kind.empty()) return std::nullopt;
  size_t close = s.rfind(']');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view sec = s.substr(0, close), rest = s.substr(close + 1);
  while (!sec.empty() && (sec[0] >= '0' && sec[0] <= '9')) {
    size_t e = 0;
    while (e < sec.size() && sec[e] >= '0' && sec[e] <= '9') ++e;
    auto n = parse_u64(sec.substr(0, e));
    if (!n) return std::nullopt;
    it.spec.part.push_back(static_cast<uint32_t>(*n));
    sec.remove_prefix(e);
    if (!sec.empty() && sec[0] == '.') sec.remove_prefix(1);
  }
  std::string upper = ascii_uppercase(sec);
  if (upper.empty()) {
    it.spec.kind = SectionKind::none;
  } else if (upper == "HEADER") {
    it.spec.kind = SectionKind::header;
  } else if (upper == "TEXT") {
    it.spec.kind = SectionKind::text;
  } else if (upper == "MIME") {
    it.spec.kind = SectionKind::mime;
  } else if (upper.rfind("HEADER.FIELDS", 0) == 0) {
    bool is_not = upper.rfind("HEADER.FIELDS.NOT", 0) == 0;
    it.spec.kind = is_not ? SectionKind::header_fields_not : SectionKind::header_fields;
    size_t lp = sec.find('('), rp = sec.rfind(')');
    if (lp == std::string_view::npos || rp == std::string_view::npos || rp < lp) return std::nullopt;
    for (auto f : split_ws(sec.substr(lp + 1, rp - lp - 1))) it.fields.emplace_back(f);
  } else {
    return std::nullopt;
  }
  if (!rest.empty()) {  // <o.n>
    if (rest.front() != '<' || rest.back() != '>') return std::nullopt;
    rest = rest.substr(1, rest.size() - 2);
    size_t dot = rest.find('.');
    auto o = parse_u64(rest.substr(0, dot));
    if (!o) return std::nullopt;
    it.p_off = *o;
    if (dot != std::string_view::npos) {
      auto n = parse_u64(rest.substr(dot + 1));
      if (!n) return std::nullopt;
      it.p_len = *n;
    }
  }
  return it;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

json::object ok_data(std::string_view bytes) {
  json::object o;
  o["data"] = base64_encode(bytes);
  return o;
}

json::object error(std::string_view code) {
  json::object o;
  o["error"] = code;
  return o;
}

std::string bytes_of(std::string_view msg, ByteRange r) {
  if (r.offset > msg.size()) return {};
  return std::string(msg.substr(r.offset, r.length));
}

json::object answer(std::string_view msg, const Summary& s, std::string_view item) {
  std::string out;
  if (item == "ENVELOPE") {
    append_envelope(out, s.envelope(), false);
    return ok_data(out);
  }
  if (item == "BODYSTRUCTURE" || item == "BODY") {
    append_bodystructure(out, s.root(), item == "BODYSTRUCTURE", false);
    return ok_data(out);
  }
  if (item == "RFC822.SIZE") return ok_data(std::to_string(msg.size()));
  auto it = parse_item(item);
  if (!it) return error("BAD");
  std::optional<uint64_t> len = it->p_len;
  if (it->kind == "BODY[") {
    auto r = resolve_section(s, it->spec, 0);
    if (!r) return error("BAD");
    if (!r->exists) return ok_data("");
    std::string bytes = bytes_of(msg, r->range);
    if (it->spec.kind == SectionKind::header_fields || it->spec.kind == SectionKind::header_fields_not)
      bytes = filter_header(bytes, it->fields, it->spec.kind == SectionKind::header_fields_not);
    replace_nul_for_literal(bytes);
    return ok_data(apply_partial(bytes, it->p_off.value_or(0), len));
  }
  auto b = resolve_binary(s, it->spec.part, 0);
  if (!b) return error(binary_response_code(b.error()).empty() ? "BAD" : binary_response_code(b.error()));
  if (!b->exists) return ok_data(it->kind == "BINARY.SIZE[" ? "0" : "");
  auto decoded = decode_binary(bytes_of(msg, b->range), b->cte);
  if (!decoded) return error(binary_response_code(decoded.error()));
  if (it->kind == "BINARY.SIZE[") return ok_data(std::to_string(decoded->size()));
  return ok_data(apply_partial(*decoded, it->p_off.value_or(0), len));
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    boost::system::error_code ec;
    json::value req = json::parse(line, ec);
    json::object resp;
    if (ec || !req.is_object() || !req.as_object().contains("file")) {
      resp["error"] = "bad request";
    } else {
      const json::object& r = req.as_object();
      std::string msg = read_file(std::string(r.at("file").as_string()));
      auto s = Summary::parse(delivery::summarize(msg).summary_json);
      if (!s) {
        resp["error"] = s.error().describe();
      } else if (const json::array* items = r.at("items").if_array()) {
        for (const auto& v : *items) {
          if (!v.is_string()) continue;
          std::string item(v.as_string());
          resp[item] = answer(msg, *s, item);
        }
      }
    }
    std::cout << json::serialize(resp) << "\n" << std::flush;
  }
  return 0;
}
