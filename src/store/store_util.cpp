// Backend-neutral store helpers; see store_util.h.
#include "store/store_util.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>

#include "base/strings.h"

namespace postamt::store {

namespace {

bool local_part_ok(std::string_view local) {
  if (local.empty() || local.size() > 64 * 4) return false;  // RFC 5321 §4.5.3.1.1, UTF-8 slack
  for (char c : local) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u == 0x7f) return false;  // no controls, spaces or NUL in a stored key
  }
  return true;
}

}  // namespace

Result<std::string> normalize_domain(std::string_view domain) {
  if (!is_valid_domain(domain)) return Error::make(ErrorCode::params, "invalid domain name", std::string(domain));
  return ascii_lowercase(domain);
}

Result<ParsedAddress> parse_address(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0)
    return Error::make(ErrorCode::params, "invalid address: expected local@domain", std::string(address));
  auto local = address.substr(0, at);
  if (!local_part_ok(local)) return Error::make(ErrorCode::params, "invalid local part", std::string(address));
  auto domain = normalize_domain(address.substr(at + 1));
  if (!domain) return domain.error();
  ParsedAddress out;
  out.local = std::string(local);
  out.domain = std::move(*domain);
  out.full = out.local + "@" + out.domain;
  return out;
}

Result<ParsedAddress> parse_alias_source(std::string_view source) {
  if (!source.empty() && source.front() == '@') {
    auto domain = normalize_domain(source.substr(1));
    if (!domain) return domain.error();
    ParsedAddress out;
    out.domain = std::move(*domain);
    out.full = "@" + out.domain;
    return out;
  }
  return parse_address(source);
}

std::string random_hex(size_t bytes, bool upper) {
  std::string raw(bytes, '\0');
  // RAND_bytes fails only without an entropy source, which OpenSSL treats as fatal
  // at init; fall back to the clock rather than returning zeros silently.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    auto t = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (size_t i = 0; i < bytes; ++i) raw[i] = static_cast<char>((t >> ((i % 8) * 8)) ^ (i * 131));
  }
  return hex_encode(raw, upper);
}

std::string new_email_id() { return "M" + random_hex(12, false); }

std::string new_queue_id() { return random_hex(6, true); }

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint32_t next_uidvalidity(uint32_t last_issued) {
  auto now = static_cast<uint32_t>(unix_now());
  return std::max(now, last_issued + 1);
}

std::string join_flags(const std::vector<std::string>& flags) {
  std::string out;
  for (const auto& f : flags) {
    if (f.empty()) continue;
    if (!out.empty()) out += ' ';
    out += f;
  }
  return out;
}

std::vector<std::string> split_flags(std::string_view joined) {
  std::vector<std::string> out;
  for (auto f : split_ws(joined)) out.emplace_back(f);
  return out;
}

bool mailbox_name_matches(std::string_view stored, std::string_view wanted) {
  if (iequals(wanted, "INBOX")) return iequals(stored, "INBOX");
  return stored == wanted;
}

bool is_inbox(std::string_view name) { return iequals(name, "INBOX"); }

std::string canonical_mailbox_name(std::string_view name) {
  return is_inbox(name) ? std::string("INBOX") : std::string(name);
}

Result<void> check_mailbox_name(std::string_view name) {
  auto bad = [&](const char* why) { return Error::make(ErrorCode::params, why, std::string(name)); };
  if (name.empty()) return bad("empty mailbox name");
  if (name.size() > kMaxMailboxName) return bad("mailbox name too long");
  if (!is_valid_utf8(name)) return bad("mailbox name is not UTF-8");
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return bad("control character in mailbox name");
  }
  if (name.front() == '/' || name.back() == '/' || name.find("//") != std::string_view::npos)
    return bad("empty hierarchy level in mailbox name");
  return ok_result();
}

std::optional<std::string> renamed_name(std::string_view name, std::string_view from, std::string_view to) {
  if (name == from) return std::string(to);
  if (name.size() > from.size() && name.substr(0, from.size()) == from && name[from.size()] == '/')
    return std::string(to) + std::string(name.substr(from.size()));
  return std::nullopt;
}

namespace {

bool contains_flag(const std::vector<std::string>& flags, std::string_view flag) {
  return std::any_of(flags.begin(), flags.end(), [&](const std::string& f) { return iequals(f, flag); });
}

}  // namespace

Result<std::vector<std::string>> normalize_flags(const std::vector<std::string>& flags) {
  std::vector<std::string> out;
  for (const auto& f : flags) {
    if (f.empty() || iequals(f, "\\Recent")) continue;  // RFC 9051 §2.3.2: \Recent is gone
    for (char c : f) {
      auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7f || c == '(' || c == ')')
        return Error::make(ErrorCode::params, "invalid flag", f);
    }
    if (!contains_flag(out, f)) out.push_back(f);
  }
  return out;
}

bool apply_flag_update(std::vector<std::string>& flags, FlagUpdate::Mode mode,
                       const std::vector<std::string>& update) {
  // What is stored is normalised already, except possibly for rows written
  // before normalisation existed; compare against the normalised form.
  std::vector<std::string> current;
  for (const auto& f : flags)
    if (!f.empty() && !iequals(f, "\\Recent") && !contains_flag(current, f)) current.push_back(f);
  std::vector<std::string> next;
  switch (mode) {
    case FlagUpdate::Mode::add:
      next = current;
      for (const auto& f : update)
        if (!contains_flag(next, f)) next.push_back(f);
      break;
    case FlagUpdate::Mode::remove:
      for (const auto& f : current)
        if (!contains_flag(update, f)) next.push_back(f);
      break;
    case FlagUpdate::Mode::replace:
      for (const auto& f : update) {
        auto it = std::find_if(current.begin(), current.end(), [&](const std::string& c) { return iequals(c, f); });
        next.push_back(it != current.end() ? *it : f);
      }
      break;
  }
  bool changed = next.size() != current.size() ||
                 !std::all_of(next.begin(), next.end(), [&](const std::string& f) { return contains_flag(current, f); });
  if (changed) flags = std::move(next);
  return changed;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace postamt::store
