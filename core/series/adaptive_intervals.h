#pragma once
// Adaptive re-calibration of the conformal intervals as the series goes on (internal; for .cpp files that already
// use LibTorch).
//
// Radii calibrated once on the validation split stay fixed while the series moves on, and a calmer or wilder
// stretch after it makes them over- or under-cover (measured: Exchange, iTransformer H = 96, 74 % for a nominal
// 80 %). Here the validation radii — per level, horizon step and variate, in units of the lookback's noise
// level — are scaled by a factor per level and variate that follows the misses of the forecasts already made
// (online quantile tracking, as in adaptive conformal inference, on the log scale): each truth that becomes known
// moves log(factor) by rate/H · (miss − (1 − level)), so a horizon of truths moves it by at most `rate`, and over a
// long run the share of misses is pulled to 1 − level whatever the series does. A truth at step h is known h + 1
// rows after its forecast was made, so a backtest never uses a truth it has not yet reached.
//
// Why one factor over all steps: far steps learn late (step 719 waits 719 rows for each truth), and the near
// steps' truths say early when the series turns wilder. Measured on Exchange, DLinear (test coverage 80 % / 95 %;
// fixed radii H = 96 81.3 / 92.9, H = 336 84.4 / 90.5, H = 720 81.7 / 84.2):
//   one factor, rate 0.02:                   81.0 / 94.9,   81.5 / 92.9,   77.1 / 87.2
//   a radius per step (additive, rate 0.02): 80.4 / 94.2,   77.2 / 90.4,   72.4 / 85.3
//   a sliding quantile over the latest 425 known windows: 78.9 / 92.0, 75.8 / 87.4 (H = 720: 41 windows, 60.2 / 64.6)
// Larger rates track faster but overshoot at long horizons (one factor, 0.1: 80.6 / 94.4, 75.4 / 90.9, 72.0 / 89.1).

#include <torch/torch.h>

#include <cstddef>

#include "common/cancel_token.h"
#include "series/forecaster.h"
#include "series/intervals.h"
#include "series/protocol.h"

namespace weft::series::detail {

// Windows forecast with one radius before it is updated again: updates in blocks keep the cost at a few tensor
// operations per 24 windows.
constexpr std::size_t kAdaptBlock = 24;

class AdaptiveRadius {
 public:
  // Forecasts from lookbacks starting at rows first_start, first_start + 1, …; radii start at `cal`'s.
  AdaptiveRadius(const IntervalCalibration& cal, std::size_t first_start);

  // Forecasts and scores every window from next_start() up to, not including, `end`, each with the radius in
  // effect at its start, updating at every block start as truths arrive.
  void run_until(Forecaster&, const ProtocolData&, std::size_t end, const CancelToken&);
  std::size_t next_start() const { return first_ + scored_; }

  // Radii [levels, H, N] (units of the window's scale) for the forecast from the lookback starting at row t, which
  // must not lie before next_start(); every earlier window is forecast first.
  torch::Tensor radius_for_start(Forecaster&, const ProtocolData&, std::size_t t, const CancelToken&);
  // Radii past the end of the data: after every known truth.
  torch::Tensor radius_past_end(Forecaster&, const ProtocolData&, const CancelToken&);

  // Scores [B, H, N] of the windows starting at next_start()…: their misses under the current radii are recorded
  // and counted once known. (run_until calls this; public for tests.)
  void add(const torch::Tensor& scores);
  // Applies the misses known to a forecast from lookback t (those at rows s + h < t).
  void update_to(std::size_t t);
  const torch::Tensor& radius() const { return radius_; }

 private:
  IntervalCalibration cal_;
  std::size_t first_, H_, N_, capacity_;
  std::size_t scored_ = 0, applied_ = 0;  // windows scored; rows of feedback applied (relative to first_)
  torch::Tensor target_miss_;  // [levels, 1, 1]: 1 − level
  torch::Tensor base_;         // [levels, H, N]: the validation radii
  torch::Tensor log_factor_;   // [levels, 1, N]: log of the factor they are scaled by now
  torch::Tensor radius_;       // [levels, H, N]: base_ · exp(log_factor_)
  torch::Tensor feedback(std::size_t from, std::size_t to) const;  // the log-factor change rows [from, to) call for

  torch::Tensor misses_;       // ring [capacity, H, levels, N]: misses_[u % capacity][h] of window u − h at step h
};

// Test coverage per level (every test window, step and variate) with adaptive radii starting at the first test
// window.
std::vector<double> adaptive_coverage(Forecaster&, const ProtocolData&, const IntervalCalibration&,
                                      const CancelToken&);

}  // namespace weft::series::detail
