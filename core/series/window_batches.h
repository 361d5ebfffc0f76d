#pragma once
// Internal (for .cpp files that already use LibTorch): turning protocol windows into model inputs, shared by
// evaluation, training and interval calibration so that all three see exactly the same tensors.
#include <torch/torch.h>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "common/cancel_token.h"
#include "common/error.h"
#include "series/evaluate.h"
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

const SplitRange& split_range(const ProtocolData&, SplitName);

// Calls fn(pred, batch, windows_done, windows_total) — pred [B, H, N], batch.y the truth — for every window of `split`, in order
// and in batches, in eval mode without gradients; checks the model fits and cancel between batches. Evaluation
// and interval calibration both go through here, so they score exactly the same windows.
template <typename Fn>
void for_each_window_batch(Forecaster& model, const ProtocolData& p, SplitName split, int batch_size,
                           const CancelToken& cancel, const char* where, Fn&& fn) {
  check_model_fits(model.config(), p, where);
  if (batch_size < 1) throw Error("batch size must be at least 1", where);
  const SplitRange& r = split_range(p, split);
  const std::size_t windows = r.windows(p.seq_len, p.pred_len);
  torch::NoGradGuard no_grad;
  const bool was_training = model.module().is_training();
  model.module().eval();
  for (std::size_t w0 = 0; w0 < windows; w0 += std::size_t(batch_size)) {
    cancel.throw_if_stopped();
    const std::size_t b = std::min<std::size_t>(std::size_t(batch_size), windows - w0);
    std::vector<std::size_t> starts(b);
    for (std::size_t j = 0; j < b; ++j) starts[j] = r.begin + w0 + j;
    const WindowBatch batch = make_batch(p, starts, model.config());
    fn(predict(model, batch).contiguous(), batch, w0 + b, windows);
  }
  if (was_training) model.module().train();
}

}  // namespace weft::series::detail
