#pragma once
// Temporal measures of clips (N, T, C, H, W) as uint8, for video evaluation.
#include <torch/torch.h>

namespace weft::image {

// Mean absolute change between consecutive frames, in [0, 1] pixel units.
double frame_change(const torch::Tensor& clips_u8);

// Motion in steps: the mean change at steps t → t+1 that cross a group boundary ((t+1) % group == 0) over the
// mean change at steps inside a group. Evenly moving clips give ≈ 1; clips frozen within each group of frames
// and jumping between groups give a large ratio. −1 when there is no group structure to compare (group < 2,
// no more frames than one group, or no change inside groups).
double step_ratio(const torch::Tensor& clips_u8, int group);

}  // namespace weft::image
