#include "series/parse_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

namespace weft::series {

namespace {

constexpr std::size_t kMaxIssues = 8;

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

}  // namespace

ParseReport make_report(const SeriesTable& t) {
  ParseReport r;
  r.source = t.source;
  r.delimiter = t.delimiter;
  r.has_header = t.has_header;
  r.date_column = t.date_name;
  r.ignored_columns = t.ignored;
  r.rows = t.rows();

  const std::size_t n = t.rows(), m = t.cols();
  r.columns.resize(m);
  std::vector<double> sum(m, 0.0);
  std::vector<std::size_t> present(m, 0);
  for (std::size_t c = 0; c < m; ++c) r.columns[c].name = t.columns[c];
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t c = 0; c < m; ++c) {
      const double v = t.at(i, c);
      ColumnSummary& s = r.columns[c];
      if (std::isnan(v)) {
        if (r.missing_values++ == 0) r.first_missing = t.where(i, c);
        ++s.missing;
        continue;
      }
      if (present[c]++ == 0) s.min = s.max = v;
      s.min = std::min(s.min, v);
      s.max = std::max(s.max, v);
      sum[c] += v;
    }
  }
  for (std::size_t c = 0; c < m; ++c) r.columns[c].mean = present[c] ? sum[c] / present[c] : 0.0;
  if (r.missing_values) note(r, std::to_string(r.missing_values) + " missing values, the first at " + r.first_missing);

  if (!r.has_time() || t.time.empty()) return r;
  r.first = t.time.front();
  r.last = t.time.back();
  // The step is the most common positive difference: robust to a few gaps or a daylight-saving jump.
  std::map<std::int64_t, std::size_t> counts;
  for (std::size_t i = 1; i < n; ++i) {
    const std::int64_t dt = t.time[i] - t.time[i - 1];
    if (dt > 0) ++counts[dt];
  }
  std::size_t best = 0;
  for (const auto& [dt, c] : counts)
    if (c > best) r.step = dt, best = c;
  for (std::size_t i = 1; i < n && r.step > 0; ++i) {
    const std::int64_t dt = t.time[i] - t.time[i - 1];
    const std::string at = t.source + " line " + std::to_string(t.lines[i]);
    if (dt <= 0) {
      ++r.out_of_order;
      note(r, at + ": " + format_timestamp(t.time[i]) + (dt == 0 ? " repeats the previous timestamp" : " is earlier than the previous row"));
    } else if (dt % r.step == 0 && dt != r.step) {
      ++r.gaps;
      r.missing_steps += static_cast<std::size_t>(dt / r.step - 1);
      note(r, at + ": gap of " + format_duration(dt) + " before " + format_timestamp(t.time[i]) + " (" +
                  std::to_string(dt / r.step - 1) + " missing steps)");
    } else if (dt != r.step) {
      ++r.irregular;
      note(r, at + ": step of " + format_duration(dt) + " before " + format_timestamp(t.time[i]) + ", expected " +
                  format_duration(r.step));
    }
  }
  return r;
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
    j["frequency"] = step > 0 ? format_duration(step) : "";
    j["gaps"] = gaps;
    j["missing_steps"] = missing_steps;
    j["irregular_steps"] = irregular;
    j["out_of_order"] = out_of_order;
  }
  return j;
}

std::string ParseReport::to_text() const {
  std::ostringstream o;
  o << source << ": " << rows << " rows, " << columns.size() << " numeric columns, " << delimiter_name(delimiter)
    << "-separated, " << (has_header ? "with header" : "no header") << "\n";
  if (has_time()) {
    o << "time: column \"" << date_column << "\", " << format_timestamp(first) << " to " << format_timestamp(last);
    if (step > 0) o << ", step " << format_duration(step);
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
