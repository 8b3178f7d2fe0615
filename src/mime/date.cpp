// Date-time parsing for Date:, Resent-Date: and IMAP SENTBEFORE/SENTSINCE.
// Handles untrusted input (Date: of any received message); total on any byte sequence.
// RFCs: 5322 §3.3 (date-time), §4.3 (obsolete: 2/3-digit years, alphabetic zones,
// comments, missing seconds and day-of-week); also asctime order seen in old mail.
#include <array>

#include "base/strings.h"
#include "mime/internal.h"
#include "mime/mime.h"

namespace postamt::mime {

namespace {

using detail::is_alpha;
using detail::is_digit;

constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int month_of(std::string_view tok) {
  if (tok.size() < 3) return 0;
  for (size_t m = 0; m < kMonths.size(); ++m)
    if (iequals(tok.substr(0, 3), kMonths[m])) return static_cast<int>(m) + 1;
  return 0;
}

bool is_day_name(std::string_view tok) {
  if (tok.size() < 3) return false;
  for (auto d : kDays)
    if (iequals(tok.substr(0, 3), d)) return true;
  return false;
}

std::optional<int> number(std::string_view tok, size_t max_digits) {
  if (tok.empty() || tok.size() > max_digits) return std::nullopt;
  int v = 0;
  for (char c : tok) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDaysIn[m - 1];
}

// RFC 5322 §4.3 obs-zone, in minutes east of UTC. Military zones are "-0000" per §4.3.
std::optional<int> zone_offset(std::string_view tok) {
  if (tok.size() == 5 && (tok[0] == '+' || tok[0] == '-')) {
    auto hh = number(tok.substr(1, 2), 2);
    auto mm = number(tok.substr(3, 2), 2);
    if (!hh || !mm || *mm > 59) return std::nullopt;
    int off = *hh * 60 + *mm;
    return tok[0] == '-' ? -off : off;
  }
  struct Z {
    std::string_view name;
    int minutes;
  };
  static constexpr Z kZones[] = {{"ut", 0},         {"utc", 0},        {"gmt", 0},       {"z", 0},
                                 {"est", -5 * 60},  {"edt", -4 * 60},  {"cst", -6 * 60}, {"cdt", -5 * 60},
                                 {"mst", -7 * 60},  {"mdt", -6 * 60},  {"pst", -8 * 60}, {"pdt", -7 * 60}};
  for (const auto& z : kZones)
    if (iequals(tok, z.name)) return z.minutes;
  if (tok.size() == 1 && is_alpha(tok[0])) return 0;
  return std::nullopt;
}

// "HH:MM" or "HH:MM:SS" (RFC 5322 §3.3 time-of-day; seconds optional per §4.3).
bool parse_time(std::string_view tok, int& h, int& m, int& s) {
  size_t c1 = tok.find(':');
  if (c1 == std::string_view::npos) return false;
  size_t c2 = tok.find(':', c1 + 1);
  auto hh = number(tok.substr(0, c1), 2);
  auto mm = number(tok.substr(c1 + 1, c2 == std::string_view::npos ? std::string_view::npos : c2 - c1 - 1), 2);
  std::optional<int> ss = 0;
  if (c2 != std::string_view::npos) ss = number(tok.substr(c2 + 1), 2);
  if (!hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss > 60) return false;
  h = *hh;
  m = *mm;
  s = *ss == 60 ? 59 : *ss;  // leap second: clamp, a timestamp cannot express it
  return true;
}

std::vector<std::string_view> tokenize(std::string_view v, std::string& storage) {
  // Comments become spaces (RFC 5322 §3.2.2); ',' separates the day-of-week.
  storage.clear();
  size_t i = 0;
  while (i < v.size()) {
    if (v[i] == '(') {
      i = detail::skip_cfws(v, i);
      storage.push_back(' ');
    } else {
      storage.push_back(v[i] == ',' ? ' ' : v[i]);
      ++i;
    }
  }
  std::vector<std::string_view> toks;
  std::string_view s = storage;
  size_t p = 0;
  while (p < s.size() && toks.size() < 16) {
    while (p < s.size() && detail::is_space(s[p])) ++p;
    size_t q = p;
    while (q < s.size() && !detail::is_space(s[q])) ++q;
    if (q > p) toks.push_back(s.substr(p, q - p));
    p = q;
  }
  return toks;
}

}  // namespace

// Howard Hinnant's algorithm; see mime.h.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}


std::optional<int64_t> parse_date(std::string_view value) {
  if (value.size() > 1000) value = value.substr(0, 1000);
  std::string storage;
  auto toks = tokenize(value, storage);
  size_t i = 0;
  if (i < toks.size() && is_day_name(toks[i]) && !month_of(toks[i])) ++i;
  int day = 0, month = 0, year = -1, h = 0, mi = 0, s = 0;
  bool have_time = false;
  std::optional<int> zone;
  // RFC 5322 order: day month year time zone.
  if (i < toks.size() && number(toks[i], 2)) {
    day = *number(toks[i], 2);
    if (i + 1 >= toks.size() || !(month = month_of(toks[i + 1]))) return std::nullopt;
    i += 2;
    if (i >= toks.size()) return std::nullopt;
    auto y = number(toks[i], 4);
    if (!y) return std::nullopt;
    year = *y;
    size_t ylen = toks[i].size();
    // RFC 5322 §4.3: 2-digit years < 50 are 20xx, other 2- and 3-digit years add 1900.
    if (ylen <= 2) year += year < 50 ? 2000 : 1900;
    else if (ylen == 3) year += 1900;
    ++i;
    if (i < toks.size() && parse_time(toks[i], h, mi, s)) {
      have_time = true;
      ++i;
    }
  } else if (i < toks.size() && (month = month_of(toks[i])) != 0) {
    // asctime: "Jan  2 15:04:05 2006 [zone]" (zone sometimes before the year)
    ++i;
    if (i >= toks.size() || !number(toks[i], 2)) return std::nullopt;
    day = *number(toks[i], 2);
    ++i;
    for (int k = 0; k < 3 && i < toks.size(); ++k) {
      if (!have_time && parse_time(toks[i], h, mi, s)) {
        have_time = true;
      } else if (year < 0 && number(toks[i], 4) && toks[i].size() == 4) {
        year = *number(toks[i], 4);
      } else if (!zone && (zone = zone_offset(toks[i]))) {
      } else {
        break;
      }
      ++i;
    }
    if (year < 0) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!have_time) return std::nullopt;
  if (!zone && i < toks.size()) {
    zone = zone_offset(toks[i]);
    // A malformed numeric zone is an error; unknown names are -0000 (RFC 5322 §4.3).
    if (!zone && (toks[i][0] == '+' || toks[i][0] == '-')) return std::nullopt;
  }
  // Missing or unknown zone: RFC 5322 §4.3 says treat unknown zones as -0000 (UTC).
  int off = zone.value_or(0);
  if (month < 1 || month > 12 || day < 1 || year < 1900 || year > 9999 || day > days_in_month(year, month))
    return std::nullopt;
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return days * 86400 + h * 3600 + mi * 60 + s - static_cast<int64_t>(off) * 60;
}

}  // namespace postamt::mime
