#include "series/gap_fill.h"

#include <cmath>
#include <limits>
#include <string>

#include "common/error.h"

namespace weft::series {

FillMethod fill_method_from_name(std::string_view s) {
  if (s == "refuse" || s == "none") return FillMethod::Refuse;
  if (s == "forward" || s == "ffill") return FillMethod::Forward;
  if (s == "linear") return FillMethod::Linear;
  throw Error("unknown fill method \"" + std::string(s) + "\" (refuse, forward or linear)", "fill");
}

std::string_view fill_method_name(FillMethod m) {
  switch (m) {
    case FillMethod::Refuse: return "refuse";
    case FillMethod::Forward: return "forward";
    case FillMethod::Linear: return "linear";
  }
  return "?";
}

FillSummary make_regular(SeriesTable& t, const ParseReport& r, FillMethod method) {
  FillSummary s;
  if (r.out_of_order || r.irregular)
    throw Error(std::to_string(r.out_of_order) + " repeated or decreasing and " + std::to_string(r.irregular) +
                    " irregular timestamps (first: " + (r.issues.empty() ? std::string("?") : r.issues.front()) +
                    "); sort or resample the file first",
                t.source);
  if (method == FillMethod::Refuse) {
    if (r.gaps)
      throw Error(std::to_string(r.gaps) + " gaps in time (" + std::to_string(r.missing_steps) +
                      " missing steps); choose a fill method (forward or linear)",
                  t.source);
    if (r.missing_values)
      throw Error(std::to_string(r.missing_values) + " missing values (the first at " + r.first_missing +
                      "); choose a fill method (forward or linear)",
                  t.source);
    return s;
  }
  // A single absurd jump (a typo in a year) must not turn into billions of inserted rows.
  const std::size_t limit = 10 * t.rows() + 1000000;
  if (r.missing_steps > limit)
    throw Error("filling the gaps would insert " + std::to_string(r.missing_steps) + " rows into " +
                    std::to_string(t.rows()) + " (first: " + (r.issues.empty() ? std::string("?") : r.issues.front()) +
                    "); check the dates",
                t.source);
  const std::size_t m = t.cols();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (r.gaps) {  // re-grid: a NaN row at every missing step, so the fill below covers both cases
    std::vector<double> values;
    std::vector<Timestamp> time;
    std::vector<std::int64_t> lines;
    values.reserve((t.rows() + r.missing_steps) * m);
    for (std::size_t i = 0; i < t.rows(); ++i) {
      if (i > 0) {
        for (Timestamp ts = t.time[i - 1] + r.step; ts < t.time[i]; ts += r.step) {
          time.push_back(ts);
          lines.push_back(t.lines[i]);
          values.insert(values.end(), m, nan);
          ++s.inserted_rows;
        }
      }
      time.push_back(t.time[i]);
      lines.push_back(t.lines[i]);
      values.insert(values.end(), t.values.begin() + i * m, t.values.begin() + (i + 1) * m);
    }
    t.values.swap(values);
    t.time.swap(time);
    t.lines.swap(lines);
  }
  const std::size_t n = t.rows();
  for (std::size_t c = 0; c < m; ++c) {
    auto v = [&](std::size_t i) -> double& { return t.values[i * m + c]; };
    std::size_t first = 0;
    while (first < n && std::isnan(v(first))) ++first;
    if (first == n) throw Error("column \"" + t.columns[c] + "\" has no values at all", t.source);
    for (std::size_t i = 0; i < first; ++i, ++s.filled_values) v(i) = v(first);
    std::size_t last_known = first;
    for (std::size_t i = first + 1; i < n; ++i) {
      if (!std::isnan(v(i))) {
        if (method == FillMethod::Linear && i > last_known + 1) {
          const double a = v(last_known), b = v(i);
          for (std::size_t k = last_known + 1; k < i; ++k)
            v(k) = a + (b - a) * double(k - last_known) / double(i - last_known);
        }
        last_known = i;
        continue;
      }
      ++s.filled_values;
      v(i) = v(last_known);  // Forward, and the tail for Linear; interior Linear holes are overwritten above
    }
  }
  return s;
}

}  // namespace weft::series
