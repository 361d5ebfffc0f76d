#pragma once
// Job: forecast with a trained model file, in the CSV's units and column names — what `weft forecast predict`
// writes and what the Forecast panel plots. Three parts, each with the model's conformal intervals:
//   history   the data as read (after gap filling), every column;
//   backtest  the test split cut into consecutive horizon-long blocks, each forecast from the lookback before it,
//             so the user sees how the model did on data it never trained on (with its measured coverage);
//   forecast  the horizon past the last row, timestamps continuing the series' step.
// LibTorch stays out of this header.
#include <cstdint>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/progress_sink.h"

namespace weft::series {

struct PredictRequest {
  std::string model;          // model.safetensors written by `weft forecast train`
  std::string csv;            // data to forecast from; empty: the CSV the model was trained on
  std::string fill;           // gaps: refuse | forward | linear; empty: as in training
  bool backtest = true;       // also forecast the test split
  std::string output;         // forecast CSV to write atomically (empty: none)
  int threads = 1;

  Json to_json() const;
  static PredictRequest from_json(const Json&);
  void validate() const;
};

// One stretch of forecasts: rows × columns values (row-major, real units) at `time`, with lower/upper bounds per
// interval level (levels × rows × columns).
struct ForecastBlock {
  std::vector<std::int64_t> time;    // seconds since 1970 (dated data) or row numbers (undated)
  std::vector<double> values;
  std::vector<std::vector<double>> lower, upper;
  std::size_t rows() const { return time.size(); }
};

struct PredictResult {
  PredictRequest request;
  std::string model_name;            // "itransformer", ...
  std::vector<std::string> columns;  // model order (target last)
  bool dated = false;
  std::int64_t step_seconds = 0;
  std::vector<double> levels;        // interval levels, e.g. {0.8, 0.95} (empty: the model has no calibration)
  ForecastBlock history;             // lower/upper empty
  ForecastBlock backtest;            // empty unless requested and the data has a test split
  std::vector<double> backtest_coverage;  // per level: share of backtest truths inside the band
  std::string interval_caveat;       // calibration_caveat() of the model's intervals (empty: none)
  double interval_adapt = 0;         // > 0: the bands adapt to earlier misses after the validation split
  double backtest_mse = 0, backtest_mae = 0;  // on normalised values, as the protocol scores
  ForecastBlock forecast;
  std::string output_path;           // the CSV written, if any

  Json to_json() const;              // summary + metadata (not every value)
};

PredictResult run_predict(const PredictRequest&, ProgressSink&, const CancelToken&);

// The forecast as CSV: date (or step), then per column value, lower_80, upper_80, lower_95, upper_95. Atomic.
void write_forecast_csv(const PredictResult&, const std::string& path);

}  // namespace weft::series
