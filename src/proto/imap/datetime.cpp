// IMAP date / date-time parsing and INTERNALDATE formatting. Handles untrusted input.
// RFC 9051 §9; RFC 3501 §9.
#include "proto/imap/datetime.h"

#include "mime/mime.h"

#include <algorithm>

#include "base/strings.h"

namespace postamt::proto::imap {
namespace {

constexpr const char* kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr int64_t kSecondsPerDay = 86400;
constexpr int kMaxZoneMinutes = 23 * 60 + 59;

Error bad(const char* msg) { return Error::make(ErrorCode::params, msg); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int y, unsigned m) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Exactly n digits at s[pos...]; advances pos.
bool digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

// RFC 9051 §9 date-month, case-insensitive.
bool month(std::string_view s, size_t& pos, unsigned& out) {
  if (pos + 3 > s.size()) return false;
  for (unsigned m = 0; m < 12; ++m) {
    if (iequals(s.substr(pos, 3), kMonths[m])) {
      out = m + 1;
      pos += 3;
      return true;
    }
  }
  return false;
}

// "-Mon-yyyy" after the day; validates the day against the month.
bool month_year(std::string_view s, size_t& pos, int day, int& year, unsigned& mon) {
  if (pos >= s.size() || s[pos++] != '-') return false;
  if (!month(s, pos, mon)) return false;
  if (pos >= s.size() || s[pos++] != '-') return false;
  if (!digits(s, pos, 4, year)) return false;
  return day >= 1 && static_cast<unsigned>(day) <= days_in_month(year, mon);
}

// Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
void civil_from_days(int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yy + (m <= 2 ? 1 : 0));
}

void two(std::string& out, int v) {
  out += static_cast<char>('0' + v / 10);
  out += static_cast<char>('0' + v % 10);
}


}  // namespace

// RFC 9051 §9: date-text = date-day "-" date-month "-" date-year; date-day = 1*2DIGIT.
Result<int64_t> parse_date(std::string_view s) {
  size_t pos = 0;
  int day = 0;
  size_t n = 0;
  while (n < s.size() && n < 3 && is_digit(s[n])) ++n;
  if (n == 0 || n > 2 || !digits(s, pos, n, day)) return bad("Invalid date");
  int year = 0;
  unsigned mon = 0;
  if (!month_year(s, pos, day, year, mon) || pos != s.size()) return bad("Invalid date");
  return mime::days_from_civil(year, mon, static_cast<unsigned>(day)) * kSecondsPerDay;
}

// RFC 9051 §9: date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP
// zone DQUOTE; date-day-fixed = (SP DIGIT) / 2DIGIT; time = 2DIGIT ":" 2DIGIT ":" 2DIGIT;
// zone = ("+" / "-") 4DIGIT.
Result<DateTime> parse_date_time(std::string_view s) {
  size_t pos = 0;
  int day = 0;
  if (!s.empty() && s[0] == ' ') {
    pos = 1;
    if (!digits(s, pos, 1, day)) return bad("Invalid date-time");
  } else if (s.size() > 1 && is_digit(s[0]) && is_digit(s[1])) {
    (void)digits(s, pos, 2, day);
  } else if (!digits(s, pos, 1, day)) {  // lenient: unpadded single digit
    return bad("Invalid date-time");
  }
  int year = 0;
  unsigned mon = 0;
  if (!month_year(s, pos, day, year, mon)) return bad("Invalid date-time");
  int hh = 0, mm = 0, ss = 0, zh = 0, zm = 0;
  auto sep = [&](char c) { return pos < s.size() && s[pos++] == c; };
  if (!sep(' ') || !digits(s, pos, 2, hh) || !sep(':') || !digits(s, pos, 2, mm) || !sep(':') ||
      !digits(s, pos, 2, ss) || !sep(' ')) {
    return bad("Invalid date-time");
  }
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return bad("Invalid date-time zone");
  int sign = s[pos++] == '-' ? -1 : 1;
  if (!digits(s, pos, 2, zh) || !digits(s, pos, 2, zm) || pos != s.size()) return bad("Invalid date-time zone");
  if (hh > 23 || mm > 59 || ss > 60) return bad("Invalid time in date-time");
  if (zh > 23 || zm > 59) return bad("Invalid date-time zone");
  DateTime dt;
  dt.zone_minutes = sign * (zh * 60 + zm);
  int64_t local = mime::days_from_civil(year, mon, static_cast<unsigned>(day)) * kSecondsPerDay + hh * 3600 + mm * 60 + ss;
  dt.unix_seconds = local - static_cast<int64_t>(dt.zone_minutes) * 60;
  return dt;
}

std::string format_date_time(int64_t unix_seconds, int zone_minutes) {
  zone_minutes = std::clamp(zone_minutes, -kMaxZoneMinutes, kMaxZoneMinutes);
  static const int64_t kMin = mime::days_from_civil(0, 1, 1) * kSecondsPerDay;
  static const int64_t kMax = mime::days_from_civil(9999, 12, 31) * kSecondsPerDay + kSecondsPerDay - 1;
  // Clamp before adding the zone so nothing overflows; the local time must stay in 0..9999.
  int64_t local = std::clamp(unix_seconds, kMin - 86400, kMax + 86400) + static_cast<int64_t>(zone_minutes) * 60;
  local = std::clamp(local, kMin, kMax);
  int64_t days = local >= 0 ? local / kSecondsPerDay : -((-local + kSecondsPerDay - 1) / kSecondsPerDay);
  int64_t secs = local - days * kSecondsPerDay;
  int y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  std::string out;
  out.reserve(26);
  out += d < 10 ? ' ' : static_cast<char>('0' + d / 10);
  out += static_cast<char>('0' + d % 10);
  out += '-';
  out += kMonths[m - 1];
  out += '-';
  two(out, y / 100);
  two(out, y % 100);
  out += ' ';
  two(out, static_cast<int>(secs / 3600));
  out += ':';
  two(out, static_cast<int>(secs / 60 % 60));
  out += ':';
  two(out, static_cast<int>(secs % 60));
  out += ' ';
  out += zone_minutes < 0 ? '-' : '+';
  int z = zone_minutes < 0 ? -zone_minutes : zone_minutes;
  two(out, z / 60);
  two(out, z % 60);
  return out;
}

}  // namespace postamt::proto::imap
