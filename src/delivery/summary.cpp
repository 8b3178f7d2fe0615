// Message summary computation; see summary.h for the JSON layout.
#include "delivery/summary.h"

#include <boost/json.hpp>

#include "base/strings.h"
#include "mime/mime.h"

namespace postamt::delivery {
namespace json = boost::json;

namespace {

json::value opt(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return json::string(*s);
}

json::value addresses(const std::vector<mime::Address>& list) {
  if (list.empty()) return nullptr;
  json::array a;
  for (const auto& ad : list) a.push_back(json::array{opt(ad.name), opt(ad.adl), opt(ad.mailbox), opt(ad.host)});
  return a;
}

json::object envelope(const mime::Envelope& e) {
  json::object o;
  o["date"] = opt(e.date);
  o["subject"] = opt(e.subject);
  o["in_reply_to"] = opt(e.in_reply_to);
  o["message_id"] = opt(e.message_id);
  o["from"] = addresses(e.from);
  o["sender"] = addresses(e.sender);
  o["reply_to"] = addresses(e.reply_to);
  o["to"] = addresses(e.to);
  o["cc"] = addresses(e.cc);
  o["bcc"] = addresses(e.bcc);
  return o;
}

json::array params(const std::vector<mime::Param>& ps) {
  json::array a;
  for (const auto& p : ps) a.push_back(json::array{json::string(p.name), json::string(p.value)});
  return a;
}

// The parser bounds depth (Limits::max_depth), so this recursion is bounded too.
json::object part(const mime::Part& p) {
  json::object o;
  o["t"] = p.type;
  o["s"] = p.subtype;
  o["p"] = params(p.params);
  o["id"] = opt(p.id);
  o["desc"] = opt(p.description);
  o["md5"] = opt(p.md5);
  o["loc"] = opt(p.location);
  o["enc"] = p.encoding;
  o["disp"] = opt(p.disposition);
  o["dp"] = params(p.disposition_params);
  json::array lang;
  for (const auto& l : p.language) lang.push_back(json::string(l));
  o["lang"] = std::move(lang);
  o["o"] = p.offset;
  o["hs"] = p.header_size;
  o["bs"] = p.body_size;
  o["hl"] = p.header_lines;
  o["bl"] = p.body_lines;
  json::array children;
  for (const auto& c : p.children) children.push_back(part(c));
  o["c"] = std::move(children);
  if (p.envelope) o["env"] = envelope(*p.envelope);
  return o;
}

std::string strip_angles(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

}  // namespace

store::MessageSummary summarize(std::string_view message) {
  mime::ParsedMessage parsed = mime::parse(message);
  store::MessageSummary s;
  json::object root;
  root["v"] = 1;
  root["env"] = envelope(parsed.envelope);
  root["body"] = part(parsed.root);
  s.summary_json = json::serialize(root);
  s.preview = mime::make_preview(parsed, message, 200);
  const auto& env = parsed.envelope;
  if (env.subject) s.subject = mime::decode_encoded_words(*env.subject);
  if (!env.from.empty() && env.from.front().mailbox && env.from.front().host)
    s.from = ascii_lowercase(*env.from.front().mailbox + "@" + *env.from.front().host);
  if (env.message_id) s.message_id = strip_angles(*env.message_id);
  if (env.date) s.sent_date = mime::parse_date(*env.date).value_or(0);
  return s;
}

}  // namespace postamt::delivery
