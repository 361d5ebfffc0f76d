#include "series/csv_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "common/cancel_token.h"
#include "common/error.h"
#include "common/progress_sink.h"

namespace weft::series {

namespace {

// Reads lines through a fixed buffer so that a file without newlines cannot make one huge string.
class LineReader {
 public:
  LineReader(std::istream& in, std::size_t max_line, std::string origin)
      : in_(in), max_(max_line), origin_(std::move(origin)), buf_(1 << 16) {}

  bool next(std::string& line) {
    line.clear();
    bool any = false;
    for (;;) {
      if (pos_ == end_ && !refill()) break;
      const char* start = buf_.data() + pos_;
      const char* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - pos_));
      const std::size_t n = nl ? static_cast<std::size_t>(nl - start) : end_ - pos_;
      if (line.size() + n > max_)
        throw Error("a line is longer than " + std::to_string(max_) + " bytes; is this a CSV file?",
                    origin_ + " line " + std::to_string(number_ + 1));
      line.append(start, n);
      pos_ += n;
      any = true;
      if (nl) {
        ++pos_;
        break;
      }
    }
    if (!any) return false;
    ++number_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (number_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);  // UTF-8 byte-order mark
    return true;
  }
  std::int64_t number() const { return number_; }
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t consumed() const { return bytes_ - (end_ - pos_); }

 private:
  bool refill() {
    in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    end_ = static_cast<std::size_t>(in_.gcount());
    pos_ = 0;
    bytes_ += end_;
    return end_ > 0;
  }
  std::istream& in_;
  std::size_t max_;
  std::string origin_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, end_ = 0;
  std::int64_t number_ = 0;
  std::uint64_t bytes_ = 0;
};

bool blank(std::string_view s) { return s.find_first_not_of(" \t") == std::string_view::npos; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A cell as it appears in a message: quoted, cut short, control bytes escaped.
std::string quote_cell(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < 40; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > 40) out += "...";
  return out + "\"";
}

std::size_t count_fields(std::string_view line, char d, std::vector<std::string>& scratch) {
  return split_fields(line, d, scratch) ? scratch.size() : 0;
}

// The delimiter that splits every sample line into the same number (> 1) of fields; the most fields wins.
char detect_delimiter(const std::vector<std::string>& sample) {
  std::vector<std::string> scratch;
  char best = ',';
  std::size_t best_fields = 1;
  bool best_consistent = false;
  for (char d : {',', ';', '\t', '|'}) {
    const std::size_t first = count_fields(sample.front(), d, scratch);
    bool consistent = first > 1;
    for (const auto& l : sample) consistent = consistent && count_fields(l, d, scratch) == first;
    if ((consistent && !best_consistent) || (consistent == best_consistent && first > best_fields)) {
      best = d;
      best_fields = first;
      best_consistent = consistent;
    }
  }
  return best;
}

bool is_date_name(std::string name) {
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name == "date" || name == "time" || name == "timestamp" || name == "datetime" || name == "ds";
}

}  // namespace

CellKind parse_cell(std::string_view s, char delimiter, double& out) {
  s = trim(s);
  if (s.empty()) return CellKind::Missing;
  if (s.size() <= 4) {
    char low[5] = {0};
    for (std::size_t i = 0; i < s.size(); ++i) low[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    std::string_view l(low, s.size());
    if (l == "nan" || l == "na" || l == "null" || l == "none") return CellKind::Missing;
  }
  char buf[64];
  if (delimiter != ',' && s.size() < sizeof buf && std::count(s.begin(), s.end(), ',') == 1 &&
      s.find('.') == std::string_view::npos) {
    std::memcpy(buf, s.data(), s.size());
    buf[s.find(',')] = '.';
    s = std::string_view(buf, s.size());
  }
  if (s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return CellKind::Invalid;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::general);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(out)) return CellKind::Invalid;
  return CellKind::Number;
}

bool split_fields(std::string_view line, char d, std::vector<std::string>& fields) {
  std::size_t n = 0;
  std::size_t i = 0;
  for (;;) {
    if (fields.size() <= n) fields.emplace_back();
    std::string& f = fields[n++];
    f.clear();
    std::size_t j = i;
    while (j < line.size() && line[j] == ' ') ++j;
    if (j < line.size() && line[j] == '"') {
      // Quoted field: text up to the closing quote, "" being a literal quote; anything after it up to the
      // delimiter is kept too (lenient, as spreadsheets are).
      for (++j;; ++j) {
        if (j >= line.size()) return fields.resize(n), false;
        if (line[j] == '"') {
          if (j + 1 < line.size() && line[j + 1] == '"') {
            f += '"';
            ++j;
          } else {
            ++j;
            break;
          }
        } else {
          f += line[j];
        }
      }
      while (j < line.size() && line[j] != d) f += line[j++];
    } else {
      std::size_t e = line.find(d, i);
      if (e == std::string_view::npos) e = line.size();
      f.assign(line.data() + i, e - i);
      j = e;
    }
    if (j >= line.size()) break;
    i = j + 1;
  }
  fields.resize(n);
  return true;
}

std::string SeriesTable::where(std::size_t row, std::size_t col) const {
  std::string w = source;
  if (row < lines.size()) w += " line " + std::to_string(lines[row]);
  if (col < columns.size()) w += ", column \"" + columns[col] + "\"";
  return w;
}

namespace {

std::string megabytes(double bytes) {
  char buf[32];
  if (bytes >= 1e9) std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
  else if (bytes >= 1e6) std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
  else std::snprintf(buf, sizeof buf, "%.0f kB", bytes / 1e3);
  return buf;
}

// `budget`: the most bytes the caller's table may take (0: no limit), checked against the rows the whole file
// will have at the rate seen so far, so that a huge file is refused after its first rows, not at the end.
SeriesTable scan(std::istream& in, std::string_view origin, RowVisitor& visitor, const CsvOptions& opt,
                 ProgressSink* sink, const CancelToken* cancel, std::uint64_t total_bytes, std::uint64_t budget,
                 const std::string& budget_origin) {
  SeriesTable t;
  t.source = std::string(origin);
  LineReader reader(in, std::max<std::size_t>(opt.max_line_bytes, 16), t.source);

  // 1. A sample of non-blank lines decides delimiter, header, date column and text columns.
  std::vector<std::string> sample;
  std::vector<std::int64_t> sample_no;
  std::string line;
  while (sample.size() < std::max<std::size_t>(opt.sample_lines, 2) && reader.next(line)) {
    if (blank(line)) {
      ++t.blank_lines;
      continue;
    }
    sample.push_back(line);
    sample_no.push_back(reader.number());
  }
  if (sample.empty()) throw Error("the file is empty", t.source);
  t.delimiter = opt.delimiter ? opt.delimiter : detect_delimiter(sample);
  const char d = t.delimiter;

  std::vector<std::string> fields;
  auto split = [&](const std::string& l, std::int64_t no) {
    if (!split_fields(l, d, fields))
      throw Error("a quoted field is not closed (line breaks inside quotes are not supported)",
                  t.source + " line " + std::to_string(no));
  };
  split(sample[0], sample_no[0]);
  const std::size_t width = fields.size();
  std::vector<std::string> first = fields;

  double num = 0;
  auto data_like = [&](const std::string& f) {
    return parse_cell(f, d, num) != CellKind::Invalid || looks_like_timestamp(f);
  };
  if (opt.header == HeaderMode::Detect) {
    // A header is a first line with a text field where the next line has data: a text column in a headerless
    // file ("north", "south", ...) is not mistaken for column names.
    std::vector<std::string> second;
    if (sample.size() > 1) {
      split(sample[1], sample_no[1]);
      second = fields;
    }
    for (std::size_t c = 0; c < width && !t.has_header; ++c)
      t.has_header = !data_like(first[c]) && (second.empty() || (c < second.size() && data_like(second[c])));
  } else {
    t.has_header = opt.header == HeaderMode::Present;
  }
  std::vector<std::string> names(width);
  for (std::size_t c = 0; c < width; ++c) {
    std::string n = t.has_header ? std::string(trim(first[c])) : std::string();
    names[c] = n.empty() ? "column " + std::to_string(c + 1) : n;
  }
  const std::size_t data0 = t.has_header ? 1 : 0;
  if (data0 >= sample.size())
    throw Error("the file has a header but no data rows", t.source);

  // 2. Column roles from the sample: the date column, numeric columns, and text columns to skip.
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = data0; i < sample.size(); ++i) {
    split(sample[i], sample_no[i]);
    rows.push_back(fields);
  }
  int date_col = -1;
  if (!opt.date_column.empty()) {
    auto it = std::find(names.begin(), names.end(), opt.date_column);
    if (it == names.end()) throw Error("no column named \"" + opt.date_column + "\"", t.source);
    date_col = static_cast<int>(it - names.begin());
  } else {
    for (std::size_t c = 0; c < width && c < rows[0].size(); ++c) {
      if (!looks_like_timestamp(rows[0][c])) continue;
      if (date_col < 0 || (is_date_name(names[c]) && !is_date_name(names[static_cast<std::size_t>(date_col)])))
        date_col = static_cast<int>(c);
    }
  }
  // Slashed dates with the year last: day first when the sample shows a first field above 12, else month first.
  DayMonth day_month = DayMonth::MonthFirst;
  if (date_col >= 0) {
    std::vector<std::string_view> dates;
    for (const auto& r : rows)
      if (static_cast<std::size_t>(date_col) < r.size()) dates.push_back(r[static_cast<std::size_t>(date_col)]);
    day_month = guess_day_month(dates);
  }
  if (date_col < 0 && !opt.allow_no_date)
    throw Error("no date column found (expected dates like 2016-07-01 00:00:00, 1990/1/1 0:00, 13.01.2020 or 1949-01)", t.source);
  std::vector<int> role(width, 0);  // 0 numeric, 1 date, 2 ignored text
  for (std::size_t c = 0; c < width; ++c) {
    if (static_cast<int>(c) == date_col) {
      role[c] = 1;
      continue;
    }
    bool any_number = false, any_text = false;
    for (const auto& r : rows) {
      if (c >= r.size()) continue;
      CellKind k = parse_cell(r[c], d, num);
      any_number = any_number || k == CellKind::Number;
      any_text = any_text || k == CellKind::Invalid;
    }
    role[c] = any_text && !any_number ? 2 : 0;
  }
  for (std::size_t c = 0; c < width; ++c) {
    if (role[c] == 0) t.columns.push_back(names[c]);
    if (role[c] == 1) t.date_name = names[c];
    if (role[c] == 2) t.ignored.push_back(names[c]);
  }
  if (t.columns.empty()) throw Error("no numeric column found", t.source);

  // 3. Every data row, sample first, then the rest of the stream.
  visitor.layout(t);
  const bool dated = date_col >= 0;
  Timestamp stamp = 0;
  std::vector<double> values(t.columns.size());
  std::uint64_t done = 0;  // data rows handed to the visitor
  auto check_budget = [&](std::int64_t no) {
    // Data rows read so far (the sample's included) plus the rest of the file at the bytes per line so far.
    const std::uint64_t consumed = std::max<std::uint64_t>(reader.consumed(), 1);
    const double rest = total_bytes > consumed ? double(total_bytes - consumed) : 0.0;
    const double read = double(reader.number()) - double(data0) - double(t.blank_lines);
    const double expected = std::max(double(done), read) + rest * double(reader.number()) / double(consumed);
    const double need = expected * double(t.columns.size()) * 8.0;
    if (need <= double(budget)) return;
    char count[32];
    std::snprintf(count, sizeof count, "%.0f", expected);
    throw Error(std::string(total_bytes > consumed ? "about " : "") + count + " rows × " +
                    std::to_string(t.columns.size()) + " columns × 8 bytes = " + megabytes(need) +
                    " of values would not fit in memory: the limit is " + megabytes(double(budget)) + " (" +
                    budget_origin + "); keep fewer columns or cut the file (`weft forecast inspect` reads any size)",
                t.source + " line " + std::to_string(no));
  };
  auto add_row = [&](const std::string& l, std::int64_t no) {
    split(l, no);
    // Built only for a message: a string per row would cost more than parsing the row.
    const auto at_line = [&] { return t.source + " line " + std::to_string(no); };
    if (fields.size() != width)
      throw Error(std::to_string(fields.size()) + " fields, expected " + std::to_string(width) +
                      (t.has_header ? " (as in the header)" : " (as in the first line)"),
                  at_line());
    std::size_t k = 0;
    for (std::size_t c = 0; c < width; ++c) {
      if (role[c] == 1) {
        auto ts = parse_timestamp(fields[c], day_month);
        if (!ts)
          throw Error(quote_cell(fields[c]) + " is not a date (expected like 2016-07-01 00:00:00 or 1990/1/1 0:00)",
                      at_line() + ", column \"" + names[c] + "\"");
        stamp = *ts;
      } else if (role[c] == 0) {
        double& v = values[k++];
        switch (parse_cell(fields[c], d, v)) {
          case CellKind::Number: break;
          case CellKind::Missing: v = std::numeric_limits<double>::quiet_NaN(); break;
          case CellKind::Invalid:
            throw Error(quote_cell(fields[c]) + " is not a number", at_line() + ", column \"" + names[c] + "\"");
        }
      }
    }
    visitor.row(no, dated ? &stamp : nullptr, values.data());
    ++done;
    if (budget && (done == 1 || done == 1024 || (done & 0xffff) == 0)) check_budget(no);
  };
  for (std::size_t i = data0; i < sample.size(); ++i) add_row(sample[i], sample_no[i]);
  sample.clear();
  while (reader.next(line)) {
    if (blank(line)) {
      ++t.blank_lines;
      continue;
    }
    add_row(line, reader.number());
    if ((done & 0xffff) == 0) {
      if (cancel) cancel->throw_if_stopped();
      if (sink && total_bytes) sink->progress(std::min(1.0, double(reader.bytes()) / total_bytes), "reading CSV");
    }
  }
  return t;
}

// Keeps every row: the SeriesTable of parse_csv.
class TableBuilder : public RowVisitor {
 public:
  explicit TableBuilder(SeriesTable& t) : t_(t) {}
  void layout(const SeriesTable& l) override { t_ = l; }
  void row(std::int64_t line, const Timestamp* time, const double* values) override {
    t_.lines.push_back(line);
    if (time) t_.time.push_back(*time);
    t_.values.insert(t_.values.end(), values, values + t_.columns.size());
  }

 private:
  SeriesTable& t_;
};

std::uint64_t mem_available() {
  std::ifstream in("/proc/meminfo");
  unsigned long long kb = 0;
  for (std::string line; std::getline(in, line);)
    if (std::sscanf(line.c_str(), "MemAvailable: %llu kB", &kb) == 1) return kb * 1024;
  return 0;
}

}  // namespace

std::uint64_t table_budget(const CsvOptions& opt, std::string* origin) {
  std::string o;
  std::uint64_t b = 0;
  if (opt.max_table_bytes) {
    b = opt.max_table_bytes;
    o = "the configured cap";
  } else if (const char* env = std::getenv("WEFT_CSV_MAX_BYTES"); env && *env) {
    const char* end = env + std::strlen(env);
    if (std::from_chars(env, end, b).ptr != end || b == 0)
      throw Error(std::string("\"") + env + "\" is not a number of bytes", "WEFT_CSV_MAX_BYTES");
    o = "WEFT_CSV_MAX_BYTES";
  } else if (const std::uint64_t avail = mem_available()) {
    b = avail / 2;
    o = "half of MemAvailable " + megabytes(double(avail)) + " in /proc/meminfo";
  }
  if (origin) *origin = o;
  return b;
}

SeriesTable scan_csv(std::istream& in, std::string_view origin, RowVisitor& visitor, const CsvOptions& opt,
                     ProgressSink* sink, const CancelToken* cancel, std::uint64_t total_bytes) {
  return scan(in, origin, visitor, opt, sink, cancel, total_bytes, 0, "");
}

SeriesTable parse_csv(std::istream& in, std::string_view origin, const CsvOptions& opt, ProgressSink* sink,
                      const CancelToken* cancel, std::uint64_t total_bytes) {
  SeriesTable t;
  TableBuilder builder(t);
  std::string budget_origin;
  const std::uint64_t budget = table_budget(opt, &budget_origin);
  const SeriesTable layout = scan(in, origin, builder, opt, sink, cancel, total_bytes, budget, budget_origin);
  t.blank_lines = layout.blank_lines;
  return t;
}

SeriesTable read_csv(const std::string& path, const CsvOptions& opt, ProgressSink* sink, const CancelToken* cancel) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error("is a folder, not a CSV file", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open the file", path);
  const auto size = std::filesystem::file_size(path, ec);
  return parse_csv(in, std::filesystem::path(path).filename().string(), opt, sink, cancel, ec ? 0 : size);
}

SeriesTable scan_csv_file(const std::string& path, RowVisitor& visitor, const CsvOptions& opt, ProgressSink* sink,
                          const CancelToken* cancel) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error("is a folder, not a CSV file", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open the file", path);
  const auto size = std::filesystem::file_size(path, ec);
  return scan_csv(in, std::filesystem::path(path).filename().string(), visitor, opt, sink, cancel, ec ? 0 : size);
}

}  // namespace weft::series
