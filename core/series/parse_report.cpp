#include "series/parse_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

namespace weft::series {

namespace {

constexpr std::size_t kMaxIssues = 8;
// Distinct clock steps kept in the histogram. Real data has a handful; past this many the file is irregular
// throughout, and further step sizes are counted as irregular without a histogram entry (bounded memory).
constexpr std::size_t kMaxStepSizes = 4096;

void note(ParseReport& r, std::string text) {
  if (r.issues.size() < kMaxIssues) r.issues.push_back(std::move(text));
}

std::string delimiter_name(char d) {
  switch (d) {
    case '\t': return "tab";
    case ',': return "comma";
    case ';': return "semicolon";
    case '|': return "pipe";
    default: return std::string("'") + d + "'";
  }
}

// One row whose step may become an issue: kept for the first few rows of each step size only.
struct Occurrence {
  std::int64_t line;
  Timestamp time;
  std::int64_t dt;  // seconds since the previous row
};

struct Bucket {
  std::size_t count = 0;
  std::vector<Occurrence> first;
  void add(const Occurrence& o) {
    ++count;
    if (first.size() < kMaxIssues) first.push_back(o);
  }
};

std::int64_t month_index(const CivilTime& c) { return std::int64_t(c.year) * 12 + (c.month - 1); }

}  // namespace

struct ReportBuilder::State {
  ParseReport r;
  std::vector<double> sum;
  std::vector<std::size_t> present;
  bool have_prev = false;
  Timestamp prev = 0;
  std::int64_t prev_month = 0;
  std::map<std::int64_t, Bucket> by_seconds;  // positive steps in seconds
  Bucket overflow;                             // positive steps beyond kMaxStepSizes distinct sizes
  Bucket backwards;                            // repeated or decreasing timestamps
  // Calendar candidates: every row at the same time of day, on one day of the month (clamped to the month end
  // in shorter months: the 30th, Feb 28), or every row on a month end.
  bool calendar_possible = true;
  int exact_day = 0;                           // the day of rows that are not month ends (0: none yet)
  int max_end_day = 0;                         // the latest month end seen: the anchor day must reach it
  std::int64_t time_of_day = 0;
  std::map<std::int64_t, Bucket> by_months;    // positive steps in whole months, while a calendar step is possible
  Bucket* last_bucket = nullptr;               // the common case: the same step as the row before
  std::int64_t last_dt = 0;
};

ReportBuilder::ReportBuilder(const SeriesTable& t) : s_(std::make_unique<State>()) {
  ParseReport& r = s_->r;
  r.source = t.source;
  r.delimiter = t.delimiter;
  r.has_header = t.has_header;
  r.date_column = t.date_name;
  r.ignored_columns = t.ignored;
  r.columns.resize(t.cols());
  for (std::size_t c = 0; c < t.cols(); ++c) r.columns[c].name = t.columns[c];
  s_->sum.assign(t.cols(), 0.0);
  s_->present.assign(t.cols(), 0);
}

ReportBuilder::~ReportBuilder() = default;

void ReportBuilder::add(std::int64_t line, const Timestamp* time, const double* values) {
  State& s = *s_;
  ParseReport& r = s.r;
  ++r.rows;
  for (std::size_t c = 0; c < r.columns.size(); ++c) {
    const double v = values[c];
    ColumnSummary& col = r.columns[c];
    if (std::isnan(v)) {
      if (r.missing_values++ == 0)
        r.first_missing = r.source + " line " + std::to_string(line) + ", column \"" + col.name + "\"";
      ++col.missing;
      continue;
    }
    if (s.present[c]++ == 0) col.min = col.max = v;
    col.min = std::min(col.min, v);
    col.max = std::max(col.max, v);
    s.sum[c] += v;
  }
  if (!time || !r.has_time()) return;

  const Timestamp t = *time;
  const CivilTime civil = to_civil(t);
  const std::int64_t tod = civil.hour * 3600 + civil.minute * 60 + civil.second;
  const std::int64_t month = month_index(civil);
  if (!s.have_prev) {
    r.first = t;
    s.time_of_day = tod;
  }
  r.last = t;
  if (s.calendar_possible) {
    bool ok = tod == s.time_of_day;
    if (civil.day == days_in_month(civil.year, civil.month)) {
      s.max_end_day = std::max(s.max_end_day, civil.day);
    } else {
      ok = ok && (s.exact_day == 0 || s.exact_day == civil.day);
      s.exact_day = civil.day;
    }
    ok = ok && (s.exact_day == 0 || s.max_end_day <= s.exact_day);
    if (!ok) {
      s.calendar_possible = false;
      s.by_months.clear();  // clock-based data: the month histogram is moot
    }
  }
  if (s.have_prev) {
    const std::int64_t dt = t - s.prev;
    const Occurrence o{line, t, dt};
    if (dt <= 0) {
      s.backwards.add(o);
    } else {
      if (s.last_bucket && dt == s.last_dt) {
        s.last_bucket->add(o);
      } else if (s.by_seconds.size() < kMaxStepSizes || s.by_seconds.count(dt)) {
        s.last_bucket = &s.by_seconds[dt];
        s.last_dt = dt;
        s.last_bucket->add(o);
      } else {
        s.overflow.add(o);
      }
      if (s.calendar_possible) s.by_months[month - s.prev_month].add(o);
    }
  }
  s.have_prev = true;
  s.prev = t;
  s.prev_month = month;
}

ParseReport ReportBuilder::finish() {
  State& s = *s_;
  ParseReport r = s.r;
  for (std::size_t c = 0; c < r.columns.size(); ++c)
    r.columns[c].mean = s.present[c] ? s.sum[c] / double(s.present[c]) : 0.0;
  if (r.missing_values) note(r, std::to_string(r.missing_values) + " missing values, the first at " + r.first_missing);
  if (!r.has_time() || !s.have_prev) return r;

  // The step is the most common positive difference: robust to a few gaps or a daylight-saving jump.
  const bool calendar = s.calendar_possible && !s.by_months.empty();
  const auto& hist = calendar ? s.by_months : s.by_seconds;
  std::int64_t step = 0;
  std::size_t best = 0;
  for (const auto& [dt, b] : hist)
    if (b.count > best) step = dt, best = b.count;
  if (calendar) {
    r.time_step.months = static_cast<int>(step);
    r.time_step.month_end = s.exact_day == 0;
    r.time_step.day = s.exact_day;
  } else {
    r.time_step.seconds = step;
  }
  r.step = r.time_step.nominal_seconds();
  const auto size_name = [&](std::int64_t key) {
    return calendar ? format_step(TimeStep{0, static_cast<int>(key), false, 0})
                    : format_duration(key);
  };

  // Counts from the histogram; the issues are the first few problem rows in file order.
  std::vector<std::pair<std::int64_t, std::string>> problems;
  for (const auto& o : s.backwards.first)
    problems.emplace_back(o.line, r.source + " line " + std::to_string(o.line) + ": " + format_timestamp(o.time) +
                                      (o.dt == 0 ? " repeats the previous timestamp" : " is earlier than the previous row"));
  r.out_of_order = s.backwards.count;
  for (const auto& [key, b] : hist) {
    if (key == step) continue;
    for (const auto& o : b.first) {
      const std::string at = r.source + " line " + std::to_string(o.line) + ": ";
      if (key % step == 0)
        problems.emplace_back(o.line, at + "gap of " + size_name(key) + " before " + format_timestamp(o.time) + " (" +
                                          std::to_string(key / step - 1) + " missing steps)");
      else
        problems.emplace_back(o.line, at + "step of " + size_name(key) + " before " + format_timestamp(o.time) +
                                          ", expected " + size_name(step));
    }
    if (key % step == 0) {
      r.gaps += b.count;
      r.missing_steps += b.count * static_cast<std::size_t>(key / step - 1);
    } else {
      r.irregular += b.count;
    }
  }
  if (!calendar) {
    r.irregular += s.overflow.count;
    for (const auto& o : s.overflow.first)
      problems.emplace_back(o.line, r.source + " line " + std::to_string(o.line) + ": step of " + format_duration(o.dt) +
                                        " before " + format_timestamp(o.time) + ", expected " + format_duration(step));
  }
  std::stable_sort(problems.begin(), problems.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& p : problems) note(r, std::move(p.second));
  return r;
}

ParseReport make_report(const SeriesTable& t) {
  ReportBuilder builder(t);
  const bool dated = !t.date_name.empty() && t.time.size() == t.rows();
  for (std::size_t i = 0; i < t.rows(); ++i)
    builder.add(t.lines[i], dated ? &t.time[i] : nullptr, t.values.data() + i * t.cols());
  return builder.finish();
}

nlohmann::json ParseReport::to_json() const {
  nlohmann::json cols = nlohmann::json::array();
  for (const auto& c : columns)
    cols.push_back({{"name", c.name}, {"missing", c.missing}, {"min", c.min}, {"max", c.max}, {"mean", c.mean}});
  nlohmann::json j = {{"source", source},
                      {"delimiter", std::string(1, delimiter)},
                      {"header", has_header},
                      {"date_column", date_column},
                      {"ignored_columns", ignored_columns},
                      {"rows", rows},
                      {"columns", cols},
                      {"missing_values", missing_values},
                      {"issues", issues}};
  if (has_time()) {
    j["first"] = format_timestamp(first);
    j["last"] = format_timestamp(last);
    j["step_seconds"] = step;
    j["step_months"] = time_step.months;
    if (time_step.months > 0) j["month_end"] = time_step.month_end;
    j["frequency"] = step > 0 ? format_step(time_step) : "";
    j["gaps"] = gaps;
    j["missing_steps"] = missing_steps;
    j["irregular_steps"] = irregular;
    j["out_of_order"] = out_of_order;
  }
  return j;
}

std::string ParseReport::to_text() const {
  std::ostringstream o;
  o << source << ": " << rows << (rows == 1 ? " row, " : " rows, ") << columns.size()
    << (columns.size() == 1 ? " numeric column, " : " numeric columns, ") << delimiter_name(delimiter)
    << "-separated, " << (has_header ? "with header" : "no header") << "\n";
  if (has_time()) {
    o << "time: column \"" << date_column << "\", " << format_timestamp(first) << " to " << format_timestamp(last);
    if (step > 0) o << ", step " << format_step(time_step) << (time_step.month_end ? " (month ends)" : "");
    o << "\n";
    if (regular()) o << "regular: no gaps, no irregular or repeated timestamps\n";
    else
      o << "gaps: " << gaps << " (" << missing_steps << " missing steps), irregular steps: " << irregular
        << ", out of order: " << out_of_order << "\n";
  } else {
    o << "time: no date column (rows are taken as equally spaced)\n";
  }
  for (const auto& c : columns) {
    o << "  " << c.name << ": min " << c.min << ", max " << c.max << ", mean " << c.mean;
    if (c.missing) o << ", " << c.missing << " missing";
    o << "\n";
  }
  if (!ignored_columns.empty()) {
    o << "ignored text columns:";
    for (const auto& n : ignored_columns) o << " \"" << n << "\"";
    o << "\n";
  }
  o << "missing values: " << missing_values << "\n";
  for (const auto& i : issues) o << "  - " << i << "\n";
  return o.str();
}

}  // namespace weft::series
