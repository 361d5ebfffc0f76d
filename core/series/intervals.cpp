#include "series/intervals.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "series/adaptive_intervals.h"
#include "series/window_batches.h"

namespace weft::series {

namespace {

constexpr const char* kWhere = "prediction intervals";

// The noise level of each lookback, per window and variate: [B, L, N] → [B, 1, N]. Mean absolute second
// difference: a smooth cycle or trend contributes little to it (a daily sine's second differences are ~4 % of its
// amplitude) while noise and random-walk steps do, so it tracks the part of the series a forecast cannot know.
// The floor keeps a flat lookback (a constant sensor) from giving a zero-width band; normalised data has unit
// variance.
torch::Tensor lookback_volatility(const torch::Tensor& x) {
  if (x.size(1) < 3) return torch::ones({x.size(0), 1, x.size(2)});
  const torch::Tensor d1 = x.slice(1, 1) - x.slice(1, 0, x.size(1) - 1);
  const torch::Tensor d2 = (d1.slice(1, 1) - d1.slice(1, 0, d1.size(1) - 1)).abs();
  return d2.mean(1, /*keepdim=*/true).clamp_min(1e-3);
}

torch::Tensor scale_of(IntervalScaling s, const torch::Tensor& x) {
  return s == IntervalScaling::LookbackVolatility ? lookback_volatility(x) : torch::ones({x.size(0), 1, x.size(2)});
}

}  // namespace

const char* interval_scaling_name(IntervalScaling s) {
  return s == IntervalScaling::LookbackVolatility ? "lookback-volatility" : "none";
}

IntervalScaling interval_scaling_from_name(const std::string& name) {
  if (name == "none") return IntervalScaling::None;
  if (name == "lookback-volatility") return IntervalScaling::LookbackVolatility;
  throw Error("unknown interval scaling \"" + name + "\" (none | lookback-volatility)", kWhere);
}

IntervalCalibration calibrate_intervals(Forecaster& model, const ProtocolData& p, const std::vector<double>& levels,
                                        int batch_size, const CancelToken& cancel, IntervalScaling scaling,
                                        double adapt_rate) {
  if (!(adapt_rate >= 0 && adapt_rate < 1)) throw Error("the interval adaptation rate must lie in [0, 1)", kWhere);
  for (double level : levels)
    if (!(level > 0 && level < 1)) throw Error("interval levels must lie between 0 and 1", kWhere);
  const std::size_t H = p.pred_len, N = p.cols();
  std::vector<torch::Tensor> scores;  // [B, H, N] absolute residuals, in units of the window's scale
  detail::for_each_window_batch(model, p, SplitName::Val, batch_size, cancel, kWhere,
                                [&](const torch::Tensor& pred, const detail::WindowBatch& batch, std::size_t, std::size_t) {
                                  scores.push_back((pred - batch.y).abs() / scale_of(scaling, batch.x));
                                });
  if (scores.empty()) throw Error("the validation split has no windows to calibrate intervals on", kWhere);
  const torch::Tensor sorted = std::get<0>(torch::cat(scores).sort(0));  // over windows, per (step, variate)
  const std::size_t n = std::size_t(sorted.size(0));
  IntervalCalibration c;
  c.levels = levels;
  c.horizon = H;
  c.cols = N;
  c.scaling = scaling;
  c.windows = n;
  c.adapt_rate = adapt_rate;
  c.radius.resize(levels.size() * H * N);
  const torch::Tensor flat = sorted.reshape({int64_t(n), int64_t(H * N)});
  for (std::size_t l = 0; l < levels.size(); ++l) {
    // The ⌈(n+1)·level⌉-th smallest score: the finite-sample rank that guarantees coverage ≥ level.
    const std::size_t rank = std::min(n, std::size_t(std::ceil((double(n) + 1.0) * levels[l])));
    const torch::Tensor row = flat[int64_t(rank - 1)];
    const float* v = row.data_ptr<float>();
    std::copy(v, v + H * N, c.radius.begin() + std::ptrdiff_t(l * H * N));
  }
  return c;
}

std::string calibration_caveat(const IntervalCalibration& c) {
  if (c.horizon == 0 || c.windows >= 2 * c.horizon) return "";
  return "the intervals were calibrated on only " + std::to_string(c.windows) + " validation windows for a horizon of " +
         std::to_string(c.horizon) + " steps: they overlap, so the band's widths rest on one stretch of the series and " +
         "its coverage on other data can be far from the nominal level (a longer validation split or a shorter " +
         "horizon helps)";
}

torch::Tensor interval_scale(const IntervalCalibration& c, const torch::Tensor& x) { return scale_of(c.scaling, x); }

torch::Tensor interval_radius(const IntervalCalibration& c, const torch::Tensor& x) {
  if (x.dim() != 3 || std::size_t(x.size(2)) != c.cols)
    throw Error("the intervals were calibrated for " + std::to_string(c.cols) + " variates", kWhere);
  const auto L = int64_t(c.levels.size()), H = int64_t(c.horizon), N = int64_t(c.cols);
  const torch::Tensor base = torch::tensor(c.radius, torch::kDouble).to(torch::kFloat).reshape({L, 1, H, N});
  return base * scale_of(c.scaling, x).unsqueeze(0);
}

std::vector<double> interval_coverage(Forecaster& model, const ProtocolData& p, const IntervalCalibration& c,
                                      SplitName split, int batch_size, const CancelToken& cancel) {
  if (c.horizon != p.pred_len || c.cols != p.cols())
    throw Error("the interval calibration was made for another horizon or variate count", kWhere);
  if (c.adapt_rate > 0 && split == SplitName::Test) return detail::adaptive_coverage(model, p, c, cancel);
  std::vector<double> inside(c.levels.size(), 0.0);
  double total = 0;
  detail::for_each_window_batch(model, p, split, batch_size, cancel, kWhere,
                                [&](const torch::Tensor& pred, const detail::WindowBatch& batch, std::size_t, std::size_t) {
    const torch::Tensor err = (pred - batch.y).abs();
    const torch::Tensor radius = interval_radius(c, batch.x);
    for (std::size_t l = 0; l < c.levels.size(); ++l) inside[l] += (err <= radius[int64_t(l)]).sum().item<double>();
    total += double(err.numel());
  });
  for (double& v : inside) v = total > 0 ? v / total : 0.0;
  return inside;
}

Json IntervalCalibration::to_json() const {
  return {{"levels", levels}, {"horizon", horizon}, {"cols", cols}, {"scaling", interval_scaling_name(scaling)},
          {"radius", radius}, {"windows", windows}, {"adapt_rate", adapt_rate}};
}

IntervalCalibration IntervalCalibration::from_json(const Json& j) {
  IntervalCalibration c;
  try {
    c.levels = j.at("levels").get<std::vector<double>>();
    c.horizon = j.at("horizon").get<std::size_t>();
    c.cols = j.at("cols").get<std::size_t>();
    c.radius = j.at("radius").get<std::vector<double>>();
    c.windows = j.value("windows", std::size_t{0});
    c.adapt_rate = j.value("adapt_rate", 0.0);  // files before adaptation: fixed radii
    c.scaling = interval_scaling_from_name(j.value("scaling", std::string("none")));  // files before scaling: none
  } catch (const nlohmann::json::exception&) {
    throw Error("interval calibration is incomplete", "model metadata");
  }
  if (c.radius.size() != c.levels.size() * c.horizon * c.cols)
    throw Error("interval calibration has the wrong number of radii", "model metadata");
  if (!(c.adapt_rate >= 0 && c.adapt_rate < 1))
    throw Error("interval calibration has an adaptation rate outside [0, 1)", "model metadata");
  return c;
}

}  // namespace weft::series
