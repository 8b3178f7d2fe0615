// Address literal syntax ([1.2.3.4], [IPv6:...]) for the domain part of SMTP mailboxes.
// Handles unauthenticated input. Written here rather than with inet_pton so the codec stays
// free of socket headers (DESIGN §2) and follows RFC 5321's grammar exactly.
// RFC 5321 §4.1.3.
#include "base/strings.h"
#include "proto/smtp/mailbox.h"

namespace postamt::proto::smtp {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// IPv4-address-literal = Snum 3("." Snum); Snum = 1*3DIGIT representing 0-255
bool is_ipv4(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (true) {
    size_t start = i;
    int value = 0;
    while (i < s.size() && is_digit(s[i]) && i - start < 3) value = value * 10 + (s[i++] - '0');
    if (i == start || value > 255) return false;
    ++parts;
    if (i == s.size()) return parts == 4;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
}

// Counts IPv6-hex groups of a ":"-separated run; -1 when malformed. An empty run has none.
int count_groups(std::string_view s) {
  if (s.empty()) return 0;
  int groups = 0;
  size_t i = 0;
  while (true) {
    size_t start = i;
    while (i < s.size() && is_hex(s[i]) && i - start < 4) ++i;
    if (i == start) return -1;  // also catches a fifth hex digit: it is not ':'
    ++groups;
    if (i == s.size()) return groups;
    if (s[i] != ':') return -1;
    ++i;
    if (i == s.size()) return -1;  // trailing ':'
  }
}

// IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp
bool is_ipv6(std::string_view s) {
  int v4_groups = 0;
  size_t dot = s.find('.');
  if (dot != std::string_view::npos) {
    size_t colon = s.rfind(':');
    if (colon == std::string_view::npos || colon > dot) return false;
    if (!is_ipv4(s.substr(colon + 1))) return false;
    // Keep the separator: "::1.2.3.4" leaves "::", "a:b:1.2.3.4" leaves "a:b:".
    s = s.substr(0, colon + 1);
    if (s.size() >= 2 && s.substr(s.size() - 2) == "::") {
      // handled below as a compressed form with nothing after "::"
    } else {
      s.remove_suffix(1);  // the ':' before the IPv4 part
      if (s.empty()) return false;
    }
    v4_groups = 2;
  }
  size_t comp = s.find("::");
  if (comp == std::string_view::npos) {
    int groups = count_groups(s);
    return groups >= 0 && groups + v4_groups == 8;
  }
  if (s.find("::", comp + 1) != std::string_view::npos) return false;
  int before = count_groups(s.substr(0, comp));
  int after = count_groups(s.substr(comp + 2));
  if (before < 0 || after < 0) return false;
  // RFC 5321 allows at most 6 explicit groups with "::"; RFC 5952 lets "::" stand for one
  // group, so up to 7 are accepted.
  return before + after + v4_groups <= 7;
}

}  // namespace

bool is_valid_address_literal(std::string_view lit) {
  if (lit.size() < 3 || lit.front() != '[' || lit.back() != ']') return false;
  std::string_view inner = lit.substr(1, lit.size() - 2);
  if (istarts_with(inner, "IPv6:")) return is_ipv6(inner.substr(5));
  // General-address-literal tags other than IPv6 are not registered; reject them.
  return is_ipv4(inner);
}

}  // namespace postamt::proto::smtp
