// Summary JSON (delivery/summary.h, version 1) -> structs; see summary.h.
// Input: stored summary JSON; validated (types, ranges), bounded nesting, no exceptions
// (Boost.JSON is used through its error_code interface and the non-throwing accessors).
#include "imap/render/summary.h"

#include <boost/json.hpp>

namespace postamt::imap::render {

namespace json = boost::json;

namespace {

// The MIME parser nests at most mime::kMaxSupportedDepth (256) levels; each level costs
// two JSON levels (part object + "c" array) plus a few for the envelope inside.
constexpr size_t kMaxJsonDepth = 2 * 256 + 16;

Error bad(std::string detail) {
  return Error::make(ErrorCode::internal, "Internal error reading message structure", "summary: " + detail);
}

// Reads nullable strings; a missing key counts as null. False on a wrong type.
bool opt_string(const json::object& o, std::string_view key, std::optional<std::string>& out) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) {
    out.reset();
    return true;
  }
  const json::string* s = v->if_string();
  if (!s) return false;
  out.emplace(s->data(), s->size());
  return true;
}

bool req_string(const json::object& o, std::string_view key, std::string& out) {
  const json::value* v = o.if_contains(key);
  const json::string* s = v ? v->if_string() : nullptr;
  if (!s) return false;
  out.assign(s->data(), s->size());
  return true;
}

bool req_u64(const json::object& o, std::string_view key, uint64_t& out) {
  const json::value* v = o.if_contains(key);
  if (!v) return false;
  if (const auto* u = v->if_uint64()) {
    out = *u;
    return true;
  }
  if (const auto* i = v->if_int64()) {
    if (*i < 0) return false;
    out = static_cast<uint64_t>(*i);
    return true;
  }
  return false;
}

bool addresses(const json::object& o, std::string_view key, std::vector<Address>& out) {
  out.clear();
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  const json::array* a = v->if_array();
  if (!a) return false;
  out.reserve(a->size());
  for (const auto& e : *a) {
    const json::array* t = e.if_array();
    if (!t || t->size() != 4) return false;
    Address ad;
    std::optional<std::string>* fields[4] = {&ad.name, &ad.adl, &ad.mailbox, &ad.host};
    for (size_t k = 0; k < 4; ++k) {
      const json::value& f = (*t)[k];
      if (f.is_null()) continue;
      const json::string* s = f.if_string();
      if (!s) return false;
      fields[k]->emplace(s->data(), s->size());
    }
    out.push_back(std::move(ad));
  }
  return true;
}

Result<Envelope> parse_envelope(const json::value& v) {
  const json::object* o = v.if_object();
  if (!o) return bad("envelope is not an object");
  Envelope e;
  if (!opt_string(*o, "date", e.date) || !opt_string(*o, "subject", e.subject) ||
      !opt_string(*o, "in_reply_to", e.in_reply_to) || !opt_string(*o, "message_id", e.message_id))
    return bad("envelope string field");
  if (!addresses(*o, "from", e.from) || !addresses(*o, "sender", e.sender) ||
      !addresses(*o, "reply_to", e.reply_to) || !addresses(*o, "to", e.to) || !addresses(*o, "cc", e.cc) ||
      !addresses(*o, "bcc", e.bcc))
    return bad("envelope address field");
  return e;
}

bool params(const json::object& o, std::string_view key, std::vector<Param>& out) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  const json::array* a = v->if_array();
  if (!a) return false;
  for (const auto& e : *a) {
    const json::array* kv = e.if_array();
    if (!kv || kv->size() != 2 || !(*kv)[0].is_string() || !(*kv)[1].is_string()) return false;
    const json::string& n = (*kv)[0].get_string();
    const json::string& val = (*kv)[1].get_string();
    out.push_back(Param{std::string(n.data(), n.size()), std::string(val.data(), val.size())});
  }
  return true;
}

// Recursion depth is bounded by kMaxJsonDepth (enforced by the JSON parser).
Result<BodyPart> parse_part(const json::value& v) {
  const json::object* o = v.if_object();
  if (!o) return bad("part is not an object");
  BodyPart p;
  if (!req_string(*o, "t", p.type) || !req_string(*o, "s", p.subtype) || !req_string(*o, "enc", p.encoding))
    return bad("part type/subtype/encoding");
  if (!params(*o, "p", p.params) || !params(*o, "dp", p.disposition_params)) return bad("part params");
  if (!opt_string(*o, "id", p.id) || !opt_string(*o, "desc", p.description) || !opt_string(*o, "md5", p.md5) ||
      !opt_string(*o, "loc", p.location) || !opt_string(*o, "disp", p.disposition))
    return bad("part string field");
  if (const json::value* l = o->if_contains("lang"); l && !l->is_null()) {
    const json::array* a = l->if_array();
    if (!a) return bad("part lang");
    for (const auto& t : *a) {
      if (!t.is_string()) return bad("part lang tag");
      p.language.emplace_back(t.get_string().data(), t.get_string().size());
    }
  }
  if (!req_u64(*o, "o", p.offset) || !req_u64(*o, "hs", p.header_size) || !req_u64(*o, "bs", p.body_size) ||
      !req_u64(*o, "hl", p.header_lines) || !req_u64(*o, "bl", p.body_lines))
    return bad("part offsets");
  constexpr uint64_t kMax = uint64_t{1} << 62;  // keeps every sum below overflow
  if (p.offset > kMax || p.header_size > kMax || p.body_size > kMax) return bad("part size out of range");
  if (const json::value* c = o->if_contains("c"); c && !c->is_null()) {
    const json::array* a = c->if_array();
    if (!a) return bad("part children");
    p.children.reserve(a->size());
    for (const auto& cv : *a) {
      auto child = parse_part(cv);
      if (!child) return child.error();
      // Children lie inside the parent's body (RFC 2046 §5.1.1 / §5.2.1).
      if (child->offset < p.body_offset() || child->end() > p.end()) return bad("child outside its parent");
      p.children.push_back(std::move(*child));
    }
  }
  if (const json::value* e = o->if_contains("env"); e && !e->is_null()) {
    auto env = parse_envelope(*e);
    if (!env) return env.error();
    p.envelope = std::move(*env);
  }
  return p;
}

}  // namespace

Result<Summary> Summary::parse(std::string_view text) {
  json::parse_options opt;
  opt.max_depth = kMaxJsonDepth;
  opt.allow_invalid_utf8 = true;  // raw 8-bit header bytes in any charset
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec, {}, opt);
  if (ec) return bad("JSON: " + ec.message());
  const json::object* o = v.if_object();
  if (!o) return bad("root is not an object");
  const json::value* ver = o->if_contains("v");
  if (!ver || !ver->is_number() || !ver->is_int64() || ver->get_int64() != 1) return bad("unsupported version");
  const json::value* env = o->if_contains("env");
  const json::value* body = o->if_contains("body");
  if (!env || !body) return bad("missing env/body");
  Summary s;
  auto e = parse_envelope(*env);
  if (!e) return e.error();
  auto r = parse_part(*body);
  if (!r) return r.error();
  if (r->offset != 0) return bad("root offset is not 0");
  s.envelope_ = std::move(*e);
  s.root_ = std::move(*r);
  return s;
}

}  // namespace postamt::imap::render
