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

}  // namespace postamt::store
