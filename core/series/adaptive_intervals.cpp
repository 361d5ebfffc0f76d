#include "series/adaptive_intervals.h"

#include <algorithm>

#include "common/error.h"
#include "series/window_batches.h"

namespace weft::series::detail {

namespace {

constexpr const char* kWhere = "prediction intervals";
constexpr float kMaxLogFactor = 4;  // radii stay within e^±4 ≈ 55× of the validation ones

}  // namespace

AdaptiveRadius::AdaptiveRadius(const IntervalCalibration& cal, std::size_t first_start)
    : cal_(cal), first_(first_start), H_(cal.horizon), N_(cal.cols), capacity_(cal.horizon + 2 * kAdaptBlock) {
  if (!(cal.adapt_rate > 0)) throw Error("adaptive intervals need a positive rate", kWhere);
  const auto L = int64_t(cal.levels.size()), H = int64_t(H_), N = int64_t(N_);
  radius_ = torch::tensor(cal.radius, torch::kDouble).to(torch::kFloat).reshape({L, H, N}).clone();
  base_ = radius_.clone();
  log_factor_ = torch::zeros({L, 1, N});
  std::vector<float> miss;
  for (double level : cal.levels) miss.push_back(float(1.0 - level));
  target_miss_ = torch::tensor(miss).reshape({L, 1, 1});
  misses_ = torch::zeros({int64_t(capacity_), H, L, N});
}

void AdaptiveRadius::add(const torch::Tensor& scores) {
  const int64_t B = scores.size(0), H = int64_t(H_), N = int64_t(N_), L = radius_.size(0);
  const torch::Tensor miss = (scores.unsqueeze(0) > radius_.unsqueeze(1)).to(torch::kFloat);  // [L, B, H, N]
  // Window s = scored + j at step h is known from row u = s + h on: cell (u % capacity, h) of the ring.
  const torch::Tensor u = torch::arange(B).unsqueeze(1) + torch::arange(H).unsqueeze(0) + int64_t(scored_);
  const torch::Tensor cell = u.remainder(int64_t(capacity_)) * H + torch::arange(H).unsqueeze(0);  // [B, H]
  misses_.view({int64_t(capacity_) * H, L, N})
      .index_copy_(0, cell.reshape({-1}), miss.permute({1, 2, 0, 3}).reshape({B * H, L, N}));
  scored_ += std::size_t(B);
}

torch::Tensor AdaptiveRadius::feedback(std::size_t from, std::size_t to) const {
  // Rows u in [from, to); row u holds step h only when window u − h was forecast (0 ≤ u − h < scored).
  const int64_t H = int64_t(H_);
  const torch::Tensor u = torch::arange(int64_t(from), int64_t(to)).unsqueeze(1);  // [R, 1]
  const torch::Tensor h = torch::arange(H).unsqueeze(0);                           // [1, H]
  const torch::Tensor s = u - h;
  const torch::Tensor valid = ((s >= 0) & (s < int64_t(scored_))).to(torch::kFloat);  // [R, H]
  const torch::Tensor rows = misses_.index_select(0, u.squeeze(1).remainder(int64_t(capacity_)));  // [R, H, L, N]
  const torch::Tensor counted = (rows * valid.unsqueeze(2).unsqueeze(3)).sum(0).permute({1, 0, 2});  // [L, H, N]
  const torch::Tensor events = valid.sum(0).reshape({1, H, 1});
  // Pooled over the steps, one horizon's worth of truths weighing as much as one window.
  return (counted - target_miss_ * events).sum(1, true) * float(cal_.adapt_rate / double(H));
}

void AdaptiveRadius::update_to(std::size_t t) {
  if (t < first_) return;
  const std::size_t end = std::min(t - first_, scored_);  // rows u < end are complete: every step is known
  if (end <= applied_) return;
  if (end - applied_ > capacity_ - H_) throw Error("adaptive intervals fell behind their feedback", kWhere);
  log_factor_ = (log_factor_ + feedback(applied_, end)).clamp(-kMaxLogFactor, kMaxLogFactor);
  radius_ = base_ * log_factor_.exp();
  applied_ = end;
}

void AdaptiveRadius::run_until(Forecaster& model, const ProtocolData& p, std::size_t end, const CancelToken& cancel) {
  torch::NoGradGuard no_grad;
  while (next_start() < end) {
    cancel.throw_if_stopped();
    const std::size_t s0 = next_start(), into_block = (s0 - first_) % kAdaptBlock;
    if (into_block == 0) update_to(s0);
    std::vector<std::size_t> starts;
    for (std::size_t s = s0; s < std::min(end, s0 + kAdaptBlock - into_block); ++s) starts.push_back(s);
    const WindowBatch b = make_batch(p, starts, model.config());
    add((predict(model, b) - b.y).abs() / interval_scale(cal_, b.x));
  }
}

torch::Tensor AdaptiveRadius::radius_for_start(Forecaster& model, const ProtocolData& p, std::size_t t,
                                               const CancelToken& cancel) {
  if (t < next_start()) throw Error("adaptive intervals asked for a window already past", kWhere);
  run_until(model, p, t, cancel);
  if ((t - first_) % kAdaptBlock == 0) update_to(t);
  return radius_;
}

torch::Tensor AdaptiveRadius::radius_past_end(Forecaster& model, const ProtocolData& p, const CancelToken& cancel) {
  const std::size_t last_end = p.rows - p.seq_len - p.pred_len + 1;  // one past the last full window's start
  run_until(model, p, last_end, cancel);
  update_to(first_ + scored_);
  // The last windows' later steps are known too (rows scored … scored + H − 2, partly filled): counted once,
  // without changing the tracked state.
  return base_ * (log_factor_ + feedback(applied_, scored_ + H_ - 1)).clamp(-kMaxLogFactor, kMaxLogFactor).exp();
}

std::vector<double> adaptive_coverage(Forecaster& model, const ProtocolData& p, const IntervalCalibration& c,
                                      const CancelToken& cancel) {
  check_model_fits(model.config(), p, kWhere);
  if (c.horizon != p.pred_len || c.cols != p.cols())
    throw Error("the interval calibration was made for another horizon or variate count", kWhere);
  const std::size_t first = p.splits.test.begin, windows = p.splits.test.windows(p.seq_len, p.pred_len);
  AdaptiveRadius adaptive(c, first);
  std::vector<double> inside(c.levels.size(), 0.0);
  double total = 0;
  torch::NoGradGuard no_grad;
  const bool was_training = model.module().is_training();
  model.module().eval();
  for (std::size_t s0 = first; s0 < first + windows; s0 += kAdaptBlock) {
    cancel.throw_if_stopped();
    adaptive.update_to(s0);
    std::vector<std::size_t> starts;
    for (std::size_t s = s0; s < std::min(first + windows, s0 + kAdaptBlock); ++s) starts.push_back(s);
    const WindowBatch b = make_batch(p, starts, model.config());
    const torch::Tensor err = (predict(model, b) - b.y).abs();
    const torch::Tensor scale = interval_scale(c, b.x);  // [B, 1, N]
    const torch::Tensor radius = adaptive.radius().unsqueeze(1) * scale.unsqueeze(0);
    for (std::size_t l = 0; l < c.levels.size(); ++l) inside[l] += (err <= radius[int64_t(l)]).sum().item<double>();
    total += double(err.numel());
    adaptive.add(err / scale);
  }
  if (was_training) model.module().train();
  for (double& v : inside) v = total > 0 ? v / total : 0.0;
  return inside;
}

}  // namespace weft::series::detail
