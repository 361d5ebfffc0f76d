#pragma once
// Job: read a CSV and report what was parsed (the first thing the forecast panel and `weft forecast inspect`
// show). Optionally checks that a lookback/horizon fits the standard split, reporting the windows per split.
#include <cstddef>
#include <string>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/progress_sink.h"
#include "series/csv_reader.h"
#include "series/parse_report.h"
#include "series/protocol.h"

namespace weft::series {

struct CsvInspectRequest {
  std::string path;
  char delimiter = 0;        // 0: detect
  std::string date_column;   // empty: detect
  std::size_t seq_len = 0;   // with pred_len > 0: check the standard split for this lookback/horizon
  std::size_t pred_len = 0;

  Json to_json() const;
  static CsvInspectRequest from_json(const Json&);
  void validate() const;
};

struct CsvInspectResult {
  CsvInspectRequest request;
  ParseReport report;
  bool split_checked = false;
  Splits splits;             // when split_checked
  std::string split_error;   // why the split does not fit (empty when it does)

  Json to_json() const;      // includes result_metadata("forecast-inspect", request)
  std::string to_text() const;
};

CsvInspectResult run_csv_inspect(const CsvInspectRequest&, ProgressSink&, const CancelToken&);

}  // namespace weft::series
