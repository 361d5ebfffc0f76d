#pragma once
// A trained forecaster on disk: one safetensors file with the weights (official state-dict names) and, in its
// metadata, everything needed to forecast from a CSV again — model config, columns, the train-split scaler and
// the training request.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/json_io.h"
#include "series/forecaster.h"

namespace weft::series {

struct ForecastModelInfo {
  ModelConfig config;
  std::vector<std::string> columns;  // in model order (target last under the 70/10/20 rule)
  std::vector<double> mean, scale;   // train-split scaler, per column
  std::int64_t step_seconds = 0;     // the series' step (0: no dates); calendar steps as months × kMonthSeconds,
                                     // stored as "step_seconds" plus "step_months" (absent in older files)
  Json request;                      // the training request
  Json intervals;                    // IntervalCalibration::to_json() (null until calibrated)
};

void save_forecast_model(const std::string& path, Forecaster&, const ForecastModelInfo&);  // atomic

struct LoadedForecastModel {
  std::unique_ptr<Forecaster> model;  // eval mode
  ForecastModelInfo info;
};
LoadedForecastModel load_forecast_model(const std::string& path);

}  // namespace weft::series
