#pragma once
// Forecasting past the last row of the user's data, in real units: the last seq_len rows (normalised with the
// train scaler, as in training) go through the model, the output is de-normalised, and the future timestamps
// continue the series' step (their time features feed models that read them).
#include <cstdint>
#include <string>
#include <vector>

#include "series/date_time.h"
#include "series/forecaster.h"
#include "series/protocol.h"

namespace weft::series {

struct FutureForecast {
  std::vector<std::string> columns;
  std::vector<Timestamp> time;   // pred_len future timestamps (empty when the data has no dates)
  std::vector<double> values;    // pred_len × columns, row-major, in the CSV's units
  double at(std::size_t step, std::size_t col) const { return values[step * columns.size() + col]; }
};

// `step` is the series' step (ParseReport::time_step); ignored without dates. Future timestamps are
// advance(last, step, h): calendar steps continue by months (month ends stay month ends).
FutureForecast forecast_future(Forecaster&, const ProtocolData&, const TimeStep& step);
// `step_seconds` is ParseReport::step (a calendar step as months × kMonthSeconds, see series_step).
FutureForecast forecast_future(Forecaster&, const ProtocolData&, std::int64_t step_seconds);

}  // namespace weft::series
