#include "image/clip_motion.h"

namespace weft::image {

double frame_change(const torch::Tensor& clips_u8) {
  auto x = clips_u8.to(torch::kFloat).div(255);
  return (x.slice(1, 1) - x.slice(1, 0, -1)).abs().mean().item<double>();
}

double step_ratio(const torch::Tensor& clips_u8, int group) {
  const int64_t frames = clips_u8.size(1);
  if (group < 2 || frames <= group) return -1;
  auto x = clips_u8.to(torch::kFloat).div(255);
  const auto per_step = (x.slice(1, 1) - x.slice(1, 0, -1)).abs().mean({0, 2, 3, 4});
  double across = 0, within = 0;
  int n_across = 0, n_within = 0;
  for (int64_t t = 0; t + 1 < frames; ++t) {
    const double v = per_step[t].item<double>();
    if ((t + 1) % group == 0) across += v, ++n_across;
    else within += v, ++n_within;
  }
  if (n_within == 0 || within <= 0) return -1;
  return (across / n_across) / (within / n_within);
}

}  // namespace weft::image
