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
  // The re-gridded copy must fit too (wide files): the same budget as reading (CsvOptions::max_table_bytes).
  std::string budget_origin;
  const std::uint64_t budget = table_budget({}, &budget_origin);
  const double need = double(t.rows() + r.missing_steps) * double(t.cols()) * 8.0;
  if (budget && r.gaps && need > double(budget))
    throw Error("filling the gaps needs a copy of " + std::to_string(t.rows() + r.missing_steps) + " rows × " +
                    std::to_string(t.cols()) + " columns × 8 bytes = " +
                    std::to_string(static_cast<std::uint64_t>(need / 1e6)) + " MB, over the limit of " +
                    std::to_string(budget / 1000000) + " MB (" + budget_origin + ")",
                t.source);
  const std::size_t m = t.cols();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const TimeStep step = r.time_step.known() ? r.time_step : TimeStep::from_seconds(r.step);
  if (r.gaps && step.known()) {  // re-grid: a NaN row at every missing step, so the fill below covers both cases
    std::vector<double> values;
    std::vector<Timestamp> time;
    std::vector<std::int64_t> lines;
    values.reserve((t.rows() + r.missing_steps) * m);
    for (std::size_t i = 0; i < t.rows(); ++i) {
      if (i > 0) {
        // From the previous row, k steps at once: calendar steps clamp to month ends without drifting.
        for (std::int64_t k = 1;; ++k) {
          const Timestamp ts = advance(t.time[i - 1], step, k);
          if (ts >= t.time[i]) break;
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
