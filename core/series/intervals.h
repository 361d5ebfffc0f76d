#pragma once
// Prediction intervals by split conformal prediction: the errors of the trained model on the validation windows
// (data it never trained on) give, per horizon step and variate, the radius that held the truth in a `level` share
// of them; forecast ± radius is then an interval with that coverage on exchangeable data.
//
// Series are rarely exchangeable across months: a calmer or wilder stretch after the validation split makes fixed
// radii over- or under-cover. With `LookbackVolatility` each error is first divided by the noise level of its own
// lookback (mean absolute second difference of that variate), so the calibrated quantile is a multiple of the
// local noise level and the band widens and narrows with the data (normalised conformal prediction). What the
// noise level does not explain, a model doing better or worse than on the validation months, the adaptive radii
// follow (adapt_rate > 0, adaptive_intervals.h): after the validation split they widen and narrow with the misses
// of the forecasts whose truths have arrived. Coverage is measured on the test split, so the claim is checked, not assumed.
#include <cstddef>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "series/evaluate.h"
#include "series/forecaster.h"
#include "series/protocol.h"

namespace at {
class Tensor;
}

namespace weft::series {

enum class IntervalScaling { None, LookbackVolatility };
const char* interval_scaling_name(IntervalScaling);
IntervalScaling interval_scaling_from_name(const std::string&);  // throws on unknown names

struct IntervalCalibration {
  std::vector<double> levels;        // e.g. {0.8, 0.95}
  std::size_t horizon = 0, cols = 0;
  IntervalScaling scaling = IntervalScaling::None;
  std::vector<double> radius;        // levels × horizon × cols: normalised units, or multiples of the volatility
  std::size_t windows = 0;           // validation windows used
  // > 0: the radii adapt as the series goes on, from the misses of the forecasts whose truths are known
  // (adaptive_intervals.h); the test coverage and the band past the end then follow the latest truths.
  double adapt_rate = 0;

  double at(std::size_t level, std::size_t step, std::size_t col) const {
    return radius[(level * horizon + step) * cols + col];
  }
  Json to_json() const;
  static IntervalCalibration from_json(const Json&);
};

// adapt_rate: 0 = fixed radii; otherwise the radii adapt after the validation split (see IntervalCalibration).
IntervalCalibration calibrate_intervals(Forecaster&, const ProtocolData&, const std::vector<double>& levels,
                                        int batch_size, const CancelToken&,
                                        IntervalScaling = IntervalScaling::LookbackVolatility,
                                        double adapt_rate = 0);

// Empty, or a warning that the calibration rests on too little of the series to trust its coverage: windows are
// stride-1 and overlap, so fewer than two horizons' worth of them share one stretch of truths (measured: Exchange
// at H = 720 has 41 validation windows, and its test coverage came out 57–82 % for a nominal 80 %, 63–89 % for 95 %,
// depending on the model).
std::string calibration_caveat(const IntervalCalibration&);

// The scale of each window's scores: its lookback's noise level, or 1 (scaling none): x [B, L, N] → [B, 1, N].
at::Tensor interval_scale(const IntervalCalibration&, const at::Tensor& x);

// Half-widths of the intervals for a batch, in normalised units: lookback x [B, L, N] → [levels, B, H, N].
at::Tensor interval_radius(const IntervalCalibration&, const at::Tensor& x);

// Share of (window, step, variate) truths inside forecast ± radius, per level, over every window of `split`. With
// adaptive radii and split Test, each test window's radii come from the truths known before it.
std::vector<double> interval_coverage(Forecaster&, const ProtocolData&, const IntervalCalibration&, SplitName split,
                                      int batch_size, const CancelToken&);

}  // namespace weft::series
