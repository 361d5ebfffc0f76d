#include "series/inspect_csv.h"

#include <memory>
#include <sstream>

namespace weft::series {

Json CsvInspectRequest::to_json() const {
  return {{"path", path},
          {"delimiter", delimiter ? std::string(1, delimiter) : std::string()},
          {"date_column", date_column},
          {"seq_len", seq_len},
          {"pred_len", pred_len}};
}

CsvInspectRequest CsvInspectRequest::from_json(const Json& j) {
  CsvInspectRequest r;
  const char* w = "forecast inspect request";
  r.path = json_require<std::string>(j, "path", w);
  const auto d = json_get<std::string>(j, "delimiter", "", w);
  if (d.size() > 1) throw Error("delimiter must be one character", w);
  r.delimiter = d.empty() ? 0 : d[0];
  r.date_column = json_get<std::string>(j, "date_column", "", w);
  r.seq_len = json_get<std::size_t>(j, "seq_len", 0, w);
  r.pred_len = json_get<std::size_t>(j, "pred_len", 0, w);
  r.validate();
  return r;
}

void CsvInspectRequest::validate() const {
  if (path.empty()) throw Error("no CSV file given", "forecast inspect");
  if ((seq_len == 0) != (pred_len == 0))
    throw Error("give both lookback and horizon, or neither", "forecast inspect");
  if (delimiter == '"' || delimiter == '\n' || delimiter == '\r')
    throw Error("the delimiter cannot be a quote or a line break", "forecast inspect");
}

Json CsvInspectResult::to_json() const {
  Json j = result_metadata("forecast-inspect", request.to_json());
  j["report"] = report.to_json();
  if (split_checked) {
    if (split_error.empty()) {
      const auto w = [&](const SplitRange& r) { return r.windows(request.seq_len, request.pred_len); };
      j["windows"] = {{"train", w(splits.train)}, {"val", w(splits.val)}, {"test", w(splits.test)}};
    } else {
      j["split_error"] = split_error;
    }
  }
  return j;
}

std::string CsvInspectResult::to_text() const {
  std::ostringstream o;
  o << report.to_text();
  if (split_checked) {
    o << "lookback " << request.seq_len << ", horizon " << request.pred_len << ": ";
    if (split_error.empty())
      o << splits.train.windows(request.seq_len, request.pred_len) << " train / "
        << splits.val.windows(request.seq_len, request.pred_len) << " val / "
        << splits.test.windows(request.seq_len, request.pred_len) << " test windows\n";
    else
      o << split_error << "\n";
  }
  return o.str();
}

namespace {

struct ReportStream : RowVisitor {
  std::unique_ptr<ReportBuilder> builder;
  void layout(const SeriesTable& t) override { builder = std::make_unique<ReportBuilder>(t); }
  void row(std::int64_t line, const Timestamp* time, const double* values) override { builder->add(line, time, values); }
};

}  // namespace

CsvInspectResult run_csv_inspect(const CsvInspectRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  req.validate();
  CsvInspectResult res;
  res.request = req;
  CsvOptions opt;
  opt.delimiter = req.delimiter;
  opt.date_column = req.date_column;
  // One streaming pass into the report: memory stays bounded whatever the file's size (no values table).
  ReportStream stream;
  const SeriesTable layout = scan_csv_file(req.path, stream, opt, &sink, &cancel);
  sink.progress(1.0, "reading CSV");
  res.report = stream.builder->finish();
  if (req.seq_len > 0) {
    res.split_checked = true;
    try {
      res.splits = standard_splits(res.report.rows, req.seq_len, req.pred_len, split_rule_for(layout.source),
                                   layout.source);
    } catch (const Error& e) {
      res.split_error = e.what_part();
    }
  }
  return res;
}

}  // namespace weft::series
