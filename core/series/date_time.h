#pragma once
// Calendar timestamps for series data, without <ctime> or time zones: a CSV's dates are wall-clock labels, and
// the protocol only needs their order, their steps and their calendar fields (hour, weekday, ...).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::series {

// Seconds since 1970-01-01 00:00:00 on the proleptic Gregorian calendar, no leap seconds, no zone.
using Timestamp = std::int64_t;

struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

// Accepts the spellings found in the benchmark files and in spreadsheet exports:
//   2016-07-01 00:00:00   2016-07-01T00:00   2016-07-01   (ISO, optional fraction and trailing Z)
//   1990/1/1 0:00         2002/01/08         (slashes, 1-2 digit fields)
// Returns nothing for anything else (including impossible dates such as 2017-02-30).
std::optional<Timestamp> parse_timestamp(std::string_view text);

Timestamp to_timestamp(const CivilTime&);
CivilTime to_civil(Timestamp);
int day_of_week(Timestamp);  // Monday = 0 … Sunday = 6 (pandas' convention)
int day_of_year(Timestamp);  // 1 … 366

std::string format_timestamp(Timestamp);  // "2016-07-01 00:00:00"
std::string format_duration(std::int64_t seconds);  // "1 h", "15 min", "7 days", "1 day 2 h"

}  // namespace weft::series
