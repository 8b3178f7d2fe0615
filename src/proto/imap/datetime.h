// IMAP dates and date-times: SEARCH dates ("1-Feb-1994"), APPEND date-times and the
// INTERNALDATE wire form. Handles untrusted input (authenticated clients): every field is
// range-checked, nothing overflows.
// RFC 9051 §9 (date, date-day, date-day-fixed, date-month, date-year, date-time, time, zone);
// RFC 3501 §9 (same rules).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace postamt::proto::imap {

// A date-time as the client sent it: the instant plus the zone it was written in, so an
// APPEND's INTERNALDATE can be echoed with the client's offset.
struct DateTime {
  int64_t unix_seconds = 0;  // UTC
  int zone_minutes = 0;      // "+0200" -> 120, "-0730" -> -450
  bool operator==(const DateTime&) const = default;
};

// RFC 9051 §9 date-text: date-day "-" date-month "-" date-year; day 1 or 2 digits ("1" and
// "01"), month case-insensitive, 4-digit year, the day must exist in that month. The text
// is the token content (a quoted date arrives unquoted). Returns unix seconds of that
// day's UTC midnight (a multiple of 86400; divide for days since 1970-01-01).
// Errors: ErrorCode::params.
Result<int64_t> parse_date(std::string_view text);

// RFC 9051 §9 date-time content (without the DQUOTEs): date-day-fixed "-" date-month "-"
// date-year SP time SP zone. The day may be " 7", "07" or, leniently, "7". Seconds 0..60
// (a leap second counts as :59 + 1s), zone hours 00..23 and minutes 00..59.
Result<DateTime> parse_date_time(std::string_view text);

// INTERNALDATE wire text without DQUOTEs, always "dd-Mon-yyyy hh:mm:ss +zzzz" with a
// space-padded day (RFC 9051 §9 date-day-fixed), e.g. " 7-Jul-1996 02:44:25 -0700". The
// instant is shown in the given zone (minutes east of UTC, clamped to +-23:59); instants
// outside years 0000..9999 of that zone are clamped to the nearest representable one.
std::string format_date_time(int64_t unix_seconds, int zone_minutes = 0);

}  // namespace postamt::proto::imap
