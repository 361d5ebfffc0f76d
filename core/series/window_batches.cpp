#include "series/window_batches.h"

#include <string>

#include "common/error.h"

namespace weft::series::detail {

namespace {

// Rows [begin, begin + count) of a row-major double matrix as floats.
void copy_rows(const std::vector<double>& v, std::size_t cols, std::size_t begin, std::size_t count, float* out) {
  const double* in = v.data() + begin * cols;
  for (std::size_t i = 0; i < count * cols; ++i) out[i] = static_cast<float>(in[i]);
}

void copy_marks(const std::vector<float>& m, std::size_t k, std::size_t begin, std::size_t count, float* out) {
  std::copy(m.begin() + std::ptrdiff_t(begin * k), m.begin() + std::ptrdiff_t((begin + count) * k), out);
}

}  // namespace

void check_model_fits(const ModelConfig& c, const ProtocolData& p, const char* where) {
  if (static_cast<std::size_t>(c.seq_len) != p.seq_len || static_cast<std::size_t>(c.pred_len) != p.pred_len ||
      static_cast<std::size_t>(c.enc_in) != p.cols())
    throw Error("the model expects lookback " + std::to_string(c.seq_len) + ", horizon " + std::to_string(c.pred_len) +
                    " and " + std::to_string(c.enc_in) + " variates; the data has " + std::to_string(p.seq_len) + ", " +
                    std::to_string(p.pred_len) + " and " + std::to_string(p.cols()),
                where);
}

WindowBatch make_batch(const ProtocolData& p, const std::vector<std::size_t>& starts, const ModelConfig& c) {
  const int64_t B = int64_t(starts.size()), L = int64_t(p.seq_len), H = int64_t(p.pred_len), N = int64_t(p.cols());
  const std::size_t K = p.marks.empty() ? 0 : p.marks.size() / p.rows;
  const bool decoder = c.model == "autoformer" || c.model == "informer";
  const std::size_t label = decoder ? static_cast<std::size_t>(c.label_len) : 0;
  WindowBatch b;
  b.x = torch::empty({B, L, N});
  b.y = torch::empty({B, H, N});
  if (K) {
    b.x_mark = torch::empty({B, L, int64_t(K)});
    b.dec_mark = torch::empty({B, int64_t(label) + H, int64_t(K)});
  }
  for (int64_t i = 0; i < B; ++i) {
    const std::size_t s = starts[std::size_t(i)];
    copy_rows(p.values, p.cols(), s, p.seq_len, b.x[i].data_ptr<float>());
    copy_rows(p.values, p.cols(), s + p.seq_len, p.pred_len, b.y[i].data_ptr<float>());
    if (K) {
      copy_marks(p.marks, K, s, p.seq_len, b.x_mark[i].data_ptr<float>());
      copy_marks(p.marks, K, s + p.seq_len - label, label + p.pred_len, b.dec_mark[i].data_ptr<float>());
    }
  }
  return b;
}

const SplitRange& split_range(const ProtocolData& p, SplitName s) {
  return s == SplitName::Train ? p.splits.train : s == SplitName::Val ? p.splits.val : p.splits.test;
}

torch::Tensor predict(Forecaster& model, const WindowBatch& b) { return model.forward(b.x, b.x_mark, b.dec_mark); }

}  // namespace weft::series::detail
