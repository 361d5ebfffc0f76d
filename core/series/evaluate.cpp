#include "series/evaluate.h"

#include <torch/torch.h>

#include <algorithm>

#include "common/error.h"
#include "series/window_batches.h"

namespace weft::series {

EvalScore evaluate(Forecaster& model, const ProtocolData& p, const EvalOptions& o, ProgressSink& sink,
                   const CancelToken& cancel) {
  const ModelConfig& c = model.config();
  detail::check_model_fits(c, p, "evaluate");
  if (o.batch_size < 1) throw Error("batch size must be at least 1", "evaluate");
  const SplitRange& r = o.split == SplitName::Train ? p.splits.train : o.split == SplitName::Val ? p.splits.val : p.splits.test;
  const std::size_t windows = r.windows(p.seq_len, p.pred_len);

  torch::NoGradGuard no_grad;
  const bool was_training = model.module().is_training();
  model.module().eval();
  ErrorAccumulator acc;
  for (std::size_t w0 = 0; w0 < windows; w0 += static_cast<std::size_t>(o.batch_size)) {
    cancel.throw_if_stopped();
    const std::size_t b = std::min<std::size_t>(static_cast<std::size_t>(o.batch_size), windows - w0);
    std::vector<std::size_t> starts(b);
    for (std::size_t j = 0; j < b; ++j) starts[j] = r.begin + w0 + j;
    const detail::WindowBatch batch = detail::make_batch(p, starts, c);
    auto pred = detail::predict(model, batch).contiguous();
    const torch::Tensor& truth = batch.y;
    acc.add(pred.data_ptr<float>(), truth.data_ptr<float>(), static_cast<std::size_t>(truth.numel()));
    sink.progress(double(w0 + b) / double(windows), "evaluating");
  }
  if (was_training) model.module().train();
  return {acc.mse(), acc.mae(), windows};
}

}  // namespace weft::series
