#pragma once
// Internal (for .cpp files that already use LibTorch): turning protocol windows into model inputs, shared by
// evaluation, training and interval calibration so that all three see exactly the same tensors.
#include <torch/torch.h>

#include <cstddef>
#include <vector>

#include "series/forecaster.h"
#include "series/protocol.h"

namespace weft::series::detail {

struct WindowBatch {
  torch::Tensor x;         // [B, L, N] normalised lookback
  torch::Tensor x_mark;    // [B, L, K] time features, undefined without dates
  torch::Tensor dec_mark;  // [B, label_len + H, K] decoder time features (Autoformer), undefined without dates
  torch::Tensor y;         // [B, H, N] normalised truth
};

// Windows start at rows `starts[i]` (absolute row of the first lookback value).
WindowBatch make_batch(const ProtocolData&, const std::vector<std::size_t>& starts, const ModelConfig&);

// Throws when the model's lookback, horizon or variate count differ from the data's.
void check_model_fits(const ModelConfig&, const ProtocolData&, const char* where);

torch::Tensor predict(Forecaster&, const WindowBatch&);

}  // namespace weft::series::detail
