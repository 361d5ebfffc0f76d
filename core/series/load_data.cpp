#include "series/load_data.h"

#include <algorithm>
#include <filesystem>

#include "common/error.h"
#include "series/csv_reader.h"
#include "series/gap_fill.h"

namespace weft::series {

void keep_columns(SeriesTable& t, const std::vector<std::string>& names) {
  if (names.empty()) return;
  std::vector<std::size_t> keep;
  for (std::size_t c = 0; c < t.cols(); ++c)
    if (std::find(names.begin(), names.end(), t.columns[c]) != names.end()) keep.push_back(c);
  for (const std::string& name : names)
    if (std::find(t.columns.begin(), t.columns.end(), name) == t.columns.end()) {
      std::string have;
      for (const std::string& c : t.columns) have += (have.empty() ? "" : ", ") + c;
      throw Error("no numeric column \"" + name + "\" (the file has: " + have + ")", t.source);
    }
  std::vector<double> values(t.rows() * keep.size());
  for (std::size_t r = 0; r < t.rows(); ++r)
    for (std::size_t j = 0; j < keep.size(); ++j) values[r * keep.size() + j] = t.at(r, keep[j]);
  std::vector<std::string> columns;
  for (std::size_t c : keep) columns.push_back(t.columns[c]);
  t.columns = std::move(columns);
  t.values = std::move(values);
}

LoadedData load_protocol_data(const DataSpec& spec, ProgressSink& sink, const CancelToken& cancel) {
  sink.progress(0.0, "reading " + std::filesystem::path(spec.csv).filename().string());
  SeriesTable table = read_csv(spec.csv, CsvOptions{}, nullptr, &cancel);
  if (!spec.columns.empty() && !spec.target.empty() &&
      std::find(table.columns.begin(), table.columns.end(), spec.target) != table.columns.end() &&
      std::find(spec.columns.begin(), spec.columns.end(), spec.target) == spec.columns.end())
    throw Error("the target column \"" + spec.target + "\" is not among the chosen columns", table.source);
  keep_columns(table, spec.columns);
  LoadedData out;
  out.report = make_report(table);
  if (out.report.has_time()) make_regular(table, out.report, fill_method_from_name(spec.fill));
  out.step_seconds = out.report.step;
  ProtocolOptions opt;
  opt.seq_len = spec.seq_len;
  opt.pred_len = spec.pred_len;
  opt.target = spec.target;
  opt.scaler = spec.scaler;
  out.protocol = prepare_protocol(table, opt);
  return out;
}

}  // namespace weft::series
