#include "series/evaluate.h"

#include <torch/torch.h>

#include "common/error.h"
#include "series/window_batches.h"

namespace weft::series {

EvalScore evaluate(Forecaster& model, const ProtocolData& p, const EvalOptions& o, ProgressSink& sink,
                   const CancelToken& cancel) {
  ErrorAccumulator acc;
  std::size_t windows = 0;
  detail::for_each_window_batch(model, p, o.split, o.batch_size, cancel, "evaluate",
                                [&](const torch::Tensor& pred, const detail::WindowBatch& batch, std::size_t done, std::size_t total) {
                                  acc.add(pred.data_ptr<float>(), batch.y.data_ptr<float>(), std::size_t(batch.y.numel()));
                                  windows = total;
                                  sink.progress(double(done) / double(total), "evaluating");
                                });
  return {acc.mse(), acc.mae(), windows};
}

}  // namespace weft::series
