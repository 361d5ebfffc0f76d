#include "series/intervals.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "series/window_batches.h"

namespace weft::series {


IntervalCalibration calibrate_intervals(Forecaster& model, const ProtocolData& p, const std::vector<double>& levels,
                                        int batch_size, const CancelToken& cancel) {
  for (double level : levels)
    if (!(level > 0 && level < 1)) throw Error("interval levels must lie between 0 and 1", "prediction intervals");
  const std::size_t H = p.pred_len, N = p.cols();
  std::vector<torch::Tensor> errors;  // [B, H, N] absolute residuals
  detail::for_each_window_batch(model, p, SplitName::Val, batch_size, cancel, "prediction intervals",
                                [&](const torch::Tensor& pred, const torch::Tensor& truth, std::size_t, std::size_t) {
                                  errors.push_back((pred - truth).abs());
                                });
  if (errors.empty()) throw Error("the validation split has no windows to calibrate intervals on", "prediction intervals");
  const torch::Tensor all = std::get<0>(torch::cat(errors).sort(0));  // sorted over windows, per (step, variate)
  const std::size_t n = std::size_t(all.size(0));
  IntervalCalibration c;
  c.levels = levels;
  c.horizon = H;
  c.cols = N;
  c.windows = n;
  c.radius.resize(levels.size() * H * N);
  const torch::Tensor flat = all.reshape({int64_t(n), int64_t(H * N)});
  for (std::size_t l = 0; l < levels.size(); ++l) {
    // The ⌈(n+1)·level⌉-th smallest error: the finite-sample rank that guarantees coverage ≥ level.
    const std::size_t rank = std::min(n, std::size_t(std::ceil((double(n) + 1.0) * levels[l])));
    const torch::Tensor row = flat[int64_t(rank - 1)];
    const float* v = row.data_ptr<float>();
    std::copy(v, v + H * N, c.radius.begin() + std::ptrdiff_t(l * H * N));
  }
  return c;
}

std::vector<double> interval_coverage(Forecaster& model, const ProtocolData& p, const IntervalCalibration& c,
                                      SplitName split, int batch_size, const CancelToken& cancel) {
  if (c.horizon != p.pred_len || c.cols != p.cols())
    throw Error("the interval calibration was made for another horizon or variate count", "prediction intervals");
  std::vector<double> inside(c.levels.size(), 0.0);
  double total = 0;
  detail::for_each_window_batch(model, p, split, batch_size, cancel, "prediction intervals",
                                [&](const torch::Tensor& pred, const torch::Tensor& truth, std::size_t, std::size_t) {
    const torch::Tensor err = (pred - truth).abs();
    for (std::size_t l = 0; l < c.levels.size(); ++l) {
      const torch::Tensor radius = torch::from_blob(const_cast<double*>(c.radius.data() + l * c.horizon * c.cols),
                                                    {int64_t(c.horizon), int64_t(c.cols)}, torch::kDouble)
                                       .to(torch::kFloat);
      inside[l] += (err <= radius).sum().item<double>();
    }
    total += double(err.numel());
  });
  for (double& v : inside) v = total > 0 ? v / total : 0.0;
  return inside;
}

Json IntervalCalibration::to_json() const {
  return {{"levels", levels}, {"horizon", horizon}, {"cols", cols}, {"radius", radius}, {"windows", windows}};
}

IntervalCalibration IntervalCalibration::from_json(const Json& j) {
  IntervalCalibration c;
  try {
    c.levels = j.at("levels").get<std::vector<double>>();
    c.horizon = j.at("horizon").get<std::size_t>();
    c.cols = j.at("cols").get<std::size_t>();
    c.radius = j.at("radius").get<std::vector<double>>();
    c.windows = j.value("windows", std::size_t{0});
  } catch (const nlohmann::json::exception&) {
    throw Error("interval calibration is incomplete", "model metadata");
  }
  if (c.radius.size() != c.levels.size() * c.horizon * c.cols)
    throw Error("interval calibration has the wrong number of radii", "model metadata");
  return c;
}

}  // namespace weft::series
