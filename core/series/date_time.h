#pragma once
// Calendar timestamps for series data, without <ctime> or time zones: a CSV's dates are wall-clock labels, and
// the protocol only needs their order, their steps and their calendar fields (hour, weekday, ...).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::series {

// Seconds since 1970-01-01 00:00:00 on the proleptic Gregorian calendar, no leap seconds, no zone.
using Timestamp = std::int64_t;

struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

// How a date with the year last reads its first two fields where the separator does not say: 1/13/2020 is
// month first (US spreadsheets), 13/1/2020 day first. Dots (13.1.2020) and dashes (13-01-2020) are always day first.
enum class DayMonth { MonthFirst, DayFirst };

// Accepts the spellings found in the benchmark files and in spreadsheet exports:
//   2016-07-01 00:00:00   2016-07-01T00:00   2016-07-01   (ISO, optional fraction and trailing Z)
//   1990/1/1 0:00         2002/01/08         (slashes, 1-2 digit fields)
//   1949-01                                  (ISO year and month: monthly data, the 1st of the month)
//   1/13/2020 0:00  13/1/2020  13.01.2020 08:30  13-01-2020   (year last; see DayMonth)
// Returns nothing for anything else (including impossible dates such as 2017-02-30).
std::optional<Timestamp> parse_timestamp(std::string_view text, DayMonth order = DayMonth::MonthFirst);
// True when the text reads as a date in either order.
bool looks_like_timestamp(std::string_view text);
// The order for a column of slashed year-last dates: day first when some first field is above 12 (no month is),
// else month first. Other spellings do not depend on it.
DayMonth guess_day_month(const std::vector<std::string_view>& values);

Timestamp to_timestamp(const CivilTime&);
CivilTime to_civil(Timestamp);
int day_of_week(Timestamp);  // Monday = 0 … Sunday = 6 (pandas' convention)
int day_of_year(Timestamp);  // 1 … 366

std::string format_timestamp(Timestamp);  // "2016-07-01 00:00:00"
// "1 h", "15 min", "7 days", "1 day 2 h"; a whole number of kMonthSeconds reads "1 month", "3 months", "1 year"
// (the nominal length a calendar step travels as, see TimeStep).
std::string format_duration(std::int64_t seconds);

bool is_month_end(Timestamp);
int days_in_month(int year, int month);

// Mean Gregorian month (365.2425 days / 12). Not a whole number of minutes (nor is any multiple below 10), so no
// clock-based step of real data equals it: second-based interfaces (ParseReport::step, model files'
// step_seconds, LoadedData::step_seconds) carry a calendar step as months × kMonthSeconds.
constexpr std::int64_t kMonthSeconds = 2629746;

// The step between rows: a clock step (seconds; hourly, daily, weekly) or a calendar one (months; monthly,
// quarterly, yearly data, whose steps of 28-31 days are regular on the calendar only).
struct TimeStep {
  std::int64_t seconds = 0;  // clock step when months == 0
  int months = 0;            // > 0: calendar step
  bool month_end = false;    // with months: rows sit on the last day of their month (Jan 31, Feb 28, Mar 31)
  int day = 0;               // with months: the day rows sit on, clamped in shorter months (the 30th, Feb 28);
                             // 0: the day of the timestamp advanced

  bool known() const { return months > 0 || seconds > 0; }
  bool calendar() const { return months > 0; }
  std::int64_t nominal_seconds() const { return months > 0 ? months * kMonthSeconds : seconds; }
  // Inverse of nominal_seconds(); month_end is not carried (see calendar_anchor in parse_report.h).
  static TimeStep from_seconds(std::int64_t);
};

// t moved by n steps. Calendar steps keep the day of month (or step.day), clamped to the month's end
// (Jan 31 + 1 month = Feb 28 or 29), or with month_end land on the last day of the month; the time of day is kept.
Timestamp advance(Timestamp t, const TimeStep& step, std::int64_t n = 1);
std::string format_step(const TimeStep&);  // "1 h", "1 month", "3 months", "1 year"
// A series' step from its nominal seconds and its timestamps (regular, as after make_regular): for a calendar
// step, the anchor (month_end, day) is read from the last rows, so forecasts past the end of month-end data stay
// on month ends and those of data on the 30th return to the 30th after February.
TimeStep series_step(const std::vector<Timestamp>& time, std::int64_t step_seconds);

}  // namespace weft::series
