#include "series/date_time.h"

#include <algorithm>
#include <cstdio>

namespace weft::series {

namespace {

// Days since 1970-01-01 for a civil date; the era-based formulation is exact for every year without loops.
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(std::int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Reads 1..max_digits digits; advances `pos`.
bool read_int(std::string_view s, std::size_t& pos, int min_digits, int max_digits, int& out) {
  int n = 0, v = 0;
  while (pos < s.size() && n < max_digits && s[pos] >= '0' && s[pos] <= '9') {
    v = v * 10 + (s[pos] - '0');
    ++pos;
    ++n;
  }
  out = v;
  return n >= min_digits && !(pos < s.size() && s[pos] >= '0' && s[pos] <= '9');
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

bool is_month_end(Timestamp t) {
  const CivilTime c = to_civil(t);
  return c.day == days_in_month(c.year, c.month);
}

TimeStep TimeStep::from_seconds(std::int64_t s) {
  TimeStep step;
  if (s > 0 && s % kMonthSeconds == 0 && s / kMonthSeconds <= 120000)
    step.months = static_cast<int>(s / kMonthSeconds);
  else
    step.seconds = s;
  return step;
}

Timestamp advance(Timestamp t, const TimeStep& step, std::int64_t n) {
  if (step.months <= 0) return t + n * step.seconds;
  const CivilTime c = to_civil(t);
  const std::int64_t day_seconds = t - days_from_civil(c.year, c.month, c.day) * 86400;
  const std::int64_t index = std::int64_t(c.year) * 12 + (c.month - 1) + n * step.months;
  const std::int64_t year = index >= 0 ? index / 12 : -((-index + 11) / 12);
  const int month = static_cast<int>(index - year * 12) + 1;
  const int last = days_in_month(static_cast<int>(year), month);
  const int day = step.month_end ? last : std::min(step.day > 0 ? step.day : c.day, last);
  return days_from_civil(year, month, day) * 86400 + day_seconds;
}

TimeStep series_step(const std::vector<Timestamp>& time, std::int64_t step_seconds) {
  TimeStep step = TimeStep::from_seconds(step_seconds);
  if (!step.calendar() || time.empty()) return step;
  // A row that is not a month end gives the anchor day; rows that all are month ends anchor on month ends. The
  // last 24 rows of a calendar series always include a month longer than the anchor day unless it is the 31st
  // (then both readings agree) or the data is yearly in February (a Feb 28 in a leap year then tells).
  for (std::size_t i = time.size() > 24 ? time.size() - 24 : 0; i < time.size(); ++i)
    if (!is_month_end(time[i])) step.day = to_civil(time[i]).day;
  step.month_end = step.day == 0;
  return step;
}

std::string format_step(const TimeStep& s) {
  return s.months > 0 ? format_duration(s.months * kMonthSeconds) : format_duration(s.seconds);
}

Timestamp to_timestamp(const CivilTime& c) {
  return days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
}

CivilTime to_civil(Timestamp t) {
  std::int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  std::int64_t secs = t - days * 86400;
  CivilTime c;
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  return c;
}

int day_of_week(Timestamp t) {
  std::int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  return static_cast<int>(((days % 7) + 7 + 3) % 7);
}

int day_of_year(Timestamp t) {
  CivilTime c = to_civil(t);
  return static_cast<int>(days_from_civil(c.year, c.month, c.day) - days_from_civil(c.year, 1, 1)) + 1;
}

namespace {

// The time of day after a date ("[ |T]H:MM[:SS[.fff]][Z]"), or nothing; fills c's clock fields.
bool read_clock(std::string_view s, std::size_t pos, CivilTime& c) {
  if (pos == s.size()) return true;
  if (s[pos] != ' ' && s[pos] != 'T') return false;
  ++pos;
  if (!read_int(s, pos, 1, 2, c.hour) || !expect(s, pos, ':') || !read_int(s, pos, 2, 2, c.minute)) return false;
  if (expect(s, pos, ':')) {
    if (!read_int(s, pos, 2, 2, c.second)) return false;
    if (expect(s, pos, '.')) {  // fractions of a second are dropped: no benchmark runs below 1 s steps
      int ignored = 0;
      if (!read_int(s, pos, 1, 9, ignored)) return false;
    }
  }
  expect(s, pos, 'Z');
  return pos == s.size() && c.hour <= 23 && c.minute <= 59 && c.second <= 59;
}

bool valid_date(const CivilTime& c) {
  return c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= days_in_month(c.year, c.month);
}

std::string_view unquote(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"')) s.remove_suffix(1);
  return s;
}

// "a<sep>b<sep>YYYY": the two 1-2 digit fields before a 4-digit year, and the separator; pos after the year.
bool read_year_last(std::string_view s, std::size_t& pos, int& a, int& b, int& year, char& sep) {
  pos = 0;
  if (!read_int(s, pos, 1, 2, a) || pos >= s.size()) return false;
  sep = s[pos];
  if (sep != '/' && sep != '.' && sep != '-') return false;
  ++pos;
  return read_int(s, pos, 1, 2, b) && expect(s, pos, sep) && read_int(s, pos, 4, 4, year);
}

}  // namespace

std::optional<Timestamp> parse_timestamp(std::string_view s, DayMonth order) {
  s = unquote(s);
  CivilTime c;
  std::size_t pos = 0;
  if (read_int(s, pos, 4, 4, c.year)) {
    const char sep = pos < s.size() ? s[pos] : '\0';
    if (sep != '-' && sep != '/') return std::nullopt;
    ++pos;
    // ISO wants two-digit fields; the slashed spelling of the benchmark files uses 1-2 digits.
    const int min_digits = sep == '-' ? 2 : 1;
    if (!read_int(s, pos, min_digits, 2, c.month)) return std::nullopt;
    if (sep == '-' && pos == s.size()) {  // "1949-01": a month
      c.day = 1;
    } else if (!expect(s, pos, sep) || !read_int(s, pos, min_digits, 2, c.day)) {
      return std::nullopt;
    }
  } else {
    int a = 0, b = 0;
    char sep = 0;
    if (!read_year_last(s, pos, a, b, c.year, sep)) return std::nullopt;
    const bool day_first = sep != '/' || order == DayMonth::DayFirst;
    c.day = day_first ? a : b;
    c.month = day_first ? b : a;
  }
  if (!valid_date(c) || !read_clock(s, pos, c)) return std::nullopt;
  return to_timestamp(c);
}

bool looks_like_timestamp(std::string_view s) {
  return parse_timestamp(s, DayMonth::MonthFirst) || parse_timestamp(s, DayMonth::DayFirst);
}

DayMonth guess_day_month(const std::vector<std::string_view>& values) {
  for (auto v : values) {
    std::size_t pos = 0;
    int a = 0, b = 0, year = 0;
    char sep = 0;
    if (read_year_last(unquote(v), pos, a, b, year, sep) && sep == '/' && a > 12) return DayMonth::DayFirst;
  }
  return DayMonth::MonthFirst;
}

std::string format_timestamp(Timestamp t) {
  CivilTime c = to_civil(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.minute, c.second);
  return buf;
}

std::string format_duration(std::int64_t s) {
  if (s <= 0) return std::to_string(s) + " s";
  if (s % kMonthSeconds == 0 && s / kMonthSeconds <= 120000) {
    const std::int64_t months = s / kMonthSeconds;
    if (months % 12 == 0) return std::to_string(months / 12) + (months == 12 ? " year" : " years");
    return std::to_string(months) + (months == 1 ? " month" : " months");
  }
  std::string out;
  auto add = [&](std::int64_t v, const char* one, const char* many) {
    if (v == 0) return;
    if (!out.empty()) out += ' ';
    out += std::to_string(v) + (v == 1 ? one : many);
  };
  add(s / 86400, " day", " days");
  add(s / 3600 % 24, " h", " h");
  add(s / 60 % 60, " min", " min");
  add(s % 60, " s", " s");
  return out;
}

}  // namespace weft::series
