#pragma once
// CSV ingest for the forecast studio: anything a user drops is either read into a numeric table or refused with
// an Error that names the file, the line and the column. Plain std (no LibTorch), so it can be fuzzed alone.
// The file is streamed line by line: memory grows with the parsed numbers only, never with line length (a line
// longer than max_line_bytes is refused) or the raw file size.
#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "series/date_time.h"

namespace weft {
class CancelToken;
class ProgressSink;
}  // namespace weft

namespace weft::series {

enum class HeaderMode { Detect, Present, Absent };

struct CsvOptions {
  char delimiter = 0;                  // 0: detect among , ; TAB |
  HeaderMode header = HeaderMode::Detect;
  std::string date_column;             // a column name; empty: detect (a column whose first value is a date)
  bool allow_no_date = true;           // false: a file without a date column is refused
  std::size_t max_line_bytes = 1 << 20;
  std::size_t sample_lines = 64;       // lines looked at to detect delimiter, header, date and text columns
  // parse_csv only: the most bytes the values table may take (rows × columns × 8). 0: the environment variable
  // WEFT_CSV_MAX_BYTES if set, else half of MemAvailable in /proc/meminfo (the pipeline copies the table once
  // or twice after reading), else no limit. A file past it is refused early, with the numbers, instead of the
  // process being killed for memory.
  std::uint64_t max_table_bytes = 0;
};

// The parsed file. Rows keep file order; the report (series/parse_report.h) checks order and regularity.
struct SeriesTable {
  std::string source;                  // file name used in messages ("ETTh1.csv")
  char delimiter = ',';
  bool has_header = false;
  std::string date_name;               // empty when the file has no date column
  std::vector<std::string> columns;    // numeric columns, in file order
  std::vector<std::string> ignored;    // text columns skipped (non-numeric throughout the sample)
  std::vector<Timestamp> time;         // one per row, or empty without a date column
  std::vector<double> values;          // row-major, rows() × columns.size(); NaN marks a missing value
  std::vector<std::int64_t> lines;     // 1-based file line of each row, for messages about rows
  std::size_t blank_lines = 0;

  std::size_t rows() const { return lines.size(); }
  std::size_t cols() const { return columns.size(); }
  double at(std::size_t row, std::size_t col) const { return values[row * columns.size() + col]; }
  // "ETTh1.csv line 812, column \"OT\"": the `where` of an Error about one cell.
  std::string where(std::size_t row, std::size_t col) const;
};

// Streaming ingest: what parse_csv does, without keeping rows. layout() comes once, before the first row, with
// the table's dialect and columns (no rows); row() gets each data row in file order.
class RowVisitor {
 public:
  virtual ~RowVisitor() = default;
  virtual void layout(const SeriesTable&) {}
  // `time` is null without a date column; `values` holds cols() numbers, NaN for a missing value.
  virtual void row(std::int64_t line, const Timestamp* time, const double* values) = 0;
};

// Memory stays bounded by the visitor's (a line is at most max_line_bytes). Returns the layout with the final
// blank_lines count and no rows. Same errors, progress and cancel as parse_csv.
SeriesTable scan_csv(std::istream& in, std::string_view origin, RowVisitor&, const CsvOptions& = {},
                     ProgressSink* sink = nullptr, const CancelToken* cancel = nullptr, std::uint64_t total_bytes = 0);
SeriesTable scan_csv_file(const std::string& path, RowVisitor&, const CsvOptions& = {}, ProgressSink* sink = nullptr,
                          const CancelToken* cancel = nullptr);

// The effective max_table_bytes of `opt` (0: no limit) and where it comes from, for messages.
std::uint64_t table_budget(const CsvOptions& opt, std::string* origin = nullptr);

// `origin` names the source in messages. sink/cancel are optional: progress is reported by bytes read when
// `total_bytes` is known, and cancelling stops between rows with weft::Cancelled.
SeriesTable parse_csv(std::istream& in, std::string_view origin, const CsvOptions& = {},
                      ProgressSink* sink = nullptr, const CancelToken* cancel = nullptr,
                      std::uint64_t total_bytes = 0);
SeriesTable read_csv(const std::string& path, const CsvOptions& = {}, ProgressSink* sink = nullptr,
                     const CancelToken* cancel = nullptr);

// Cell-level helpers, exposed for tests and the fuzz target.
enum class CellKind { Number, Missing, Invalid };
// Locale-independent: '.' is the decimal point; with a delimiter other than ',', a lone ',' is accepted as the
// decimal separator ("3,5" from European spreadsheets). Missing: empty, nan, na, null, none (any case).
CellKind parse_cell(std::string_view text, char delimiter, double& out);
// Splits one line; double quotes protect delimiters, "" inside quotes is a quote. Returns false when a quote is
// left open (line breaks inside quotes are not supported).
bool split_fields(std::string_view line, char delimiter, std::vector<std::string>& fields);

}  // namespace weft::series
