#pragma once
// What was parsed, for the user to check before training: columns, time range, inferred step, gaps, irregular
// timestamps and missing values, each problem with the line where it first occurs.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "series/csv_reader.h"

namespace weft::series {

struct ColumnSummary {
  std::string name;
  std::size_t missing = 0;
  double min = 0, max = 0, mean = 0;  // over present values (0 when none)
};

struct ParseReport {
  std::string source;
  char delimiter = ',';
  bool has_header = false;
  std::string date_column;             // empty: no time axis
  std::vector<std::string> ignored_columns;
  std::size_t rows = 0;
  std::vector<ColumnSummary> columns;
  std::size_t missing_values = 0;
  std::string first_missing;           // where the first missing value is ("x.csv line 9, column \"OT\"")

  Timestamp first = 0, last = 0;
  // The most common positive step. Monthly, quarterly and yearly data (every row on the same day of the month
  // and time, or every row on a month end) get a calendar step of whole months.
  TimeStep time_step;
  std::int64_t step = 0;               // time_step.nominal_seconds(): seconds, or months × kMonthSeconds (0: unknown)
  std::size_t gaps = 0;                // steps that are a multiple (> 1) of `step`
  std::size_t missing_steps = 0;       // rows those gaps leave out
  std::size_t irregular = 0;           // positive steps that are not a multiple of `step`
  std::size_t out_of_order = 0;        // repeated or decreasing timestamps
  std::vector<std::string> issues;     // the first few problems, each naming its line

  bool has_time() const { return !date_column.empty(); }
  bool regular() const { return has_time() && step > 0 && gaps == 0 && irregular == 0 && out_of_order == 0; }
  nlohmann::json to_json() const;
  std::string to_text() const;         // what `weft forecast inspect` prints
};

ParseReport make_report(const SeriesTable&);

// The report built row by row, keeping per-column summaries and a histogram of steps (each step size with its
// count and first few lines) but no values, so that a file of any size is reported in bounded memory:
// run_csv_inspect streams a file through it, make_report feeds it a table.
class ReportBuilder {
 public:
  explicit ReportBuilder(const SeriesTable& layout);  // source, dialect and columns; rows are not read
  ~ReportBuilder();
  ReportBuilder(const ReportBuilder&) = delete;
  ReportBuilder& operator=(const ReportBuilder&) = delete;

  // `time` is null without a date column; `values` has one entry per numeric column, NaN when missing.
  void add(std::int64_t line, const Timestamp* time, const double* values);
  ParseReport finish();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace weft::series
