#pragma once
// Prediction intervals by split conformal prediction: the absolute errors of the trained model on the validation
// windows (data it never trained on) give, per horizon step and variate, the radius that held the truth in a
// `level` share of them; forecast ± radius is then an interval with that coverage on exchangeable data.
// Coverage is measured on the test split, so the claim is checked, not assumed.
#include <cstddef>
#include <vector>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "series/evaluate.h"
#include "series/forecaster.h"
#include "series/protocol.h"

namespace weft::series {

struct IntervalCalibration {
  std::vector<double> levels;        // e.g. {0.8, 0.95}
  std::size_t horizon = 0, cols = 0;
  std::vector<double> radius;        // levels × horizon × cols, in normalised units
  std::size_t windows = 0;           // validation windows used

  double at(std::size_t level, std::size_t step, std::size_t col) const {
    return radius[(level * horizon + step) * cols + col];
  }
  Json to_json() const;
  static IntervalCalibration from_json(const Json&);
};

IntervalCalibration calibrate_intervals(Forecaster&, const ProtocolData&, const std::vector<double>& levels,
                                        int batch_size, const CancelToken&);

// Share of (window, step, variate) truths inside forecast ± radius, per level, over every window of `split`.
std::vector<double> interval_coverage(Forecaster&, const ProtocolData&, const IntervalCalibration&, SplitName split,
                                      int batch_size, const CancelToken&);

}  // namespace weft::series
