// The two Transformer-encoder forecasters, sharing one encoder layer:
//  - iTransformer (Liu et al., ICLR 2024): one token per variate (its whole lookback through a Linear), timestamp
//    features as extra tokens, post-LN encoder, Linear d_model → horizon.
//  - PatchTST (Nie et al., ICLR 2023, Time-Series-Library version): each variate cut into overlapping patches,
//    patches as tokens (channel-independent), BatchNorm after the encoder, a flatten head.
// Both normalise each window per variate (mean, population std + 1e-5) and undo it on the output.
// Module names follow the official state dicts, so their checkpoints load strictly.
#include <torch/torch.h>

#include <cmath>

#include "series/model_factories.h"

namespace weft::series::detail {

// Sinusoidal positions, kept as a persistent buffer `pe` [1, 5000, d_model] because the checkpoints carry it.
torch::Tensor sinusoid_table(int d_model, int length) {
  auto pe = torch::zeros({length, d_model});
  auto pos = torch::arange(0, length, torch::kFloat).unsqueeze(1);
  auto div = torch::exp(torch::arange(0, d_model, 2, torch::kFloat) * (-std::log(10000.0) / d_model));
  pe.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, torch::indexing::None, 2)}, torch::sin(pos * div));
  auto odd = torch::cos(pos * div).narrow(1, 0, d_model / 2);
  pe.index_put_({torch::indexing::Slice(), torch::indexing::Slice(1, torch::indexing::None, 2)}, odd);
  return pe.unsqueeze(0);
}

namespace {

namespace F = torch::nn::functional;

// Multi-head full attention with the official names (query/key/value/out_projection), no mask.
class AttentionLayerImpl : public torch::nn::Module {
 public:
  AttentionLayerImpl(int d_model, int heads, double dropout) : heads_(heads), dropout_(dropout) {
    q_ = register_module("query_projection", torch::nn::Linear(d_model, d_model));
    k_ = register_module("key_projection", torch::nn::Linear(d_model, d_model));
    v_ = register_module("value_projection", torch::nn::Linear(d_model, d_model));
    out_ = register_module("out_projection", torch::nn::Linear(d_model, d_model));
  }
  torch::Tensor forward(const torch::Tensor& x) {  // [B, T, D] self-attention
    const int64_t B = x.size(0), T = x.size(1), E = x.size(2) / heads_;
    auto q = q_->forward(x).view({B, T, heads_, E}).transpose(1, 2);
    auto k = k_->forward(x).view({B, T, heads_, E}).transpose(1, 2);
    auto v = v_->forward(x).view({B, T, heads_, E}).transpose(1, 2);
    auto scores = torch::matmul(q, k.transpose(-2, -1));
    auto a = torch::softmax(scores * (1.0 / std::sqrt(double(E))), -1);
    a = F::dropout(a, F::DropoutFuncOptions().p(dropout_).training(is_training()));
    auto o = torch::matmul(a, v).transpose(1, 2).reshape({B, T, heads_ * E});
    return out_->forward(o);
  }

 private:
  int64_t heads_;
  double dropout_;
  torch::nn::Linear q_{nullptr}, k_{nullptr}, v_{nullptr}, out_{nullptr};
};
TORCH_MODULE(AttentionLayer);

// Post-LN encoder layer; the feed-forward is a pair of kernel-1 Conv1d (as in the checkpoints), GELU between.
class EncoderLayerImpl : public torch::nn::Module {
 public:
  EncoderLayerImpl(int d_model, int heads, int d_ff, double dropout) : dropout_(dropout) {
    attention_ = register_module("attention", AttentionLayer(d_model, heads, dropout));
    conv1_ = register_module("conv1", torch::nn::Conv1d(torch::nn::Conv1dOptions(d_model, d_ff, 1)));
    conv2_ = register_module("conv2", torch::nn::Conv1d(torch::nn::Conv1dOptions(d_ff, d_model, 1)));
    norm1_ = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
    norm2_ = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  }
  torch::Tensor forward(const torch::Tensor& in) {
    auto x = norm1_->forward(in + drop(attention_->forward(in)));
    auto y = drop(F::gelu(conv1_->forward(x.transpose(-1, 1))));
    y = drop(conv2_->forward(y).transpose(-1, 1));
    return norm2_->forward(x + y);
  }

 private:
  torch::Tensor drop(const torch::Tensor& t) {
    return F::dropout(t, F::DropoutFuncOptions().p(dropout_).training(is_training()));
  }
  double dropout_;
  AttentionLayer attention_{nullptr};
  torch::nn::Conv1d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
};
TORCH_MODULE(EncoderLayer);

// PatchTST's final norm is Sequential(Transpose, BatchNorm1d, Transpose): only index 1 holds state.
class TransposedBatchNormImpl : public torch::nn::Module {
 public:
  explicit TransposedBatchNormImpl(int d_model) {
    bn_ = register_module("1", torch::nn::BatchNorm1d(d_model));
  }
  torch::Tensor forward(const torch::Tensor& x) { return bn_->forward(x.transpose(1, 2)).transpose(1, 2); }

 private:
  torch::nn::BatchNorm1d bn_{nullptr};
};
TORCH_MODULE(TransposedBatchNorm);

class EncoderImpl : public torch::nn::Module {
 public:
  EncoderImpl(const ModelConfig& c, bool batch_norm) {
    layers_ = register_module("attn_layers", torch::nn::ModuleList());
    for (int i = 0; i < c.e_layers; ++i) layers_->push_back(EncoderLayer(c.d_model, c.n_heads, c.d_ff, c.dropout));
    if (batch_norm) bn_ = register_module("norm", TransposedBatchNorm(c.d_model));
    else ln_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.d_model})));
  }
  torch::Tensor forward(torch::Tensor x) {
    for (const auto& l : *layers_) x = l->as<EncoderLayerImpl>()->forward(x);
    return bn_ ? bn_->forward(x) : ln_->forward(x);
  }

 private:
  torch::nn::ModuleList layers_{nullptr};
  torch::nn::LayerNorm ln_{nullptr};
  TransposedBatchNorm bn_{nullptr};
};
TORCH_MODULE(Encoder);

// Per-window, per-variate normalisation over time (dim 1); `undo` maps [B, H, N] back.
struct WindowNorm {
  torch::Tensor mean, std;
  torch::Tensor apply(const torch::Tensor& x) {
    mean = x.mean(1, true).detach();
    auto centred = x - mean;
    std = torch::sqrt(torch::var(centred, 1, /*unbiased=*/false, /*keepdim=*/true) + 1e-5);
    return centred / std;
  }
  torch::Tensor undo(const torch::Tensor& y) const { return y * std + mean; }
};

class ITransformerNet : public torch::nn::Module {
 public:
  explicit ITransformerNet(const ModelConfig& c) : c_(c) {
    auto emb = register_module("enc_embedding", std::make_shared<torch::nn::Module>());
    value_embedding_ = emb->register_module("value_embedding", torch::nn::Linear(c.seq_len, c.d_model));
    encoder_ = register_module("encoder", Encoder(c, /*batch_norm=*/false));
    projector_ = register_module("projector", torch::nn::Linear(c.d_model, c.pred_len));
  }
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& mark) {  // x [B, L, N], mark [B, L, K] or undefined
    WindowNorm norm;
    if (c_.use_norm) x = norm.apply(x);
    const int64_t N = x.size(2);
    auto tokens = x.permute({0, 2, 1});  // [B, N, L]: a variate's lookback is one token
    if (mark.defined()) tokens = torch::cat({tokens, mark.permute({0, 2, 1})}, 1);
    auto h = F::dropout(value_embedding_->forward(tokens), F::DropoutFuncOptions().p(c_.dropout).training(is_training()));
    h = encoder_->forward(h);
    auto y = projector_->forward(h).permute({0, 2, 1}).narrow(2, 0, N);  // drop the timestamp tokens
    return c_.use_norm ? norm.undo(y) : y;
  }

 private:
  ModelConfig c_;
  torch::nn::Linear value_embedding_{nullptr}, projector_{nullptr};
  Encoder encoder_{nullptr};
};

class PatchTSTNet : public torch::nn::Module {
 public:
  explicit PatchTSTNet(const ModelConfig& c) : c_(c) {
    patches_ = (c.seq_len - c.patch_len) / c.stride + 2;  // with `stride` values of end padding
    auto emb = register_module("patch_embedding", std::make_shared<torch::nn::Module>());
    value_embedding_ = emb->register_module(
        "value_embedding", torch::nn::Linear(torch::nn::LinearOptions(c.patch_len, c.d_model).bias(false)));
    auto pos = emb->register_module("position_embedding", std::make_shared<torch::nn::Module>());
    pe_ = pos->register_buffer("pe", sinusoid_table(c.d_model));
    encoder_ = register_module("encoder", Encoder(c, /*batch_norm=*/true));
    auto head = register_module("head", std::make_shared<torch::nn::Module>());
    head_ = head->register_module("linear", torch::nn::Linear(c.d_model * patches_, c.pred_len));
  }
  torch::Tensor forward(torch::Tensor x) {  // [B, L, N]
    WindowNorm norm;
    x = norm.apply(x);
    const int64_t B = x.size(0), N = x.size(2);
    auto series = x.permute({0, 2, 1});  // [B, N, L]
    // Replicate the last value `stride` times, then cut patches of patch_len every stride steps.
    auto padded = torch::cat({series, series.narrow(2, series.size(2) - 1, 1).expand({-1, -1, c_.stride})}, 2);
    auto p = padded.unfold(2, c_.patch_len, c_.stride).reshape({B * N, -1, c_.patch_len});
    auto h = value_embedding_->forward(p) + pe_.narrow(1, 0, p.size(1));
    h = F::dropout(h, F::DropoutFuncOptions().p(c_.dropout).training(is_training()));
    h = encoder_->forward(h);                                          // [B·N, P, D]
    h = h.reshape({B, N, h.size(1), h.size(2)}).permute({0, 1, 3, 2});  // [B, N, D, P]
    auto y = head_->forward(h.flatten(-2));                             // [B, N, H]
    y = F::dropout(y, F::DropoutFuncOptions().p(c_.dropout).training(is_training()));
    return norm.undo(y.permute({0, 2, 1}));
  }

 private:
  ModelConfig c_;
  int64_t patches_ = 0;
  torch::nn::Linear value_embedding_{nullptr}, head_{nullptr};
  torch::Tensor pe_;
  Encoder encoder_{nullptr};
};

template <typename Net, bool UsesMark>
class EncoderForecaster final : public Forecaster {
 public:
  explicit EncoderForecaster(const ModelConfig& c) : Forecaster(c), net_(std::make_shared<Net>(c)) {}
  using Forecaster::forward;
  at::Tensor forward(const at::Tensor& x, const at::Tensor& mark, const at::Tensor&) override {
    if constexpr (UsesMark) return net_->forward(x, mark);
    else return net_->forward(x);
  }
  torch::nn::Module& module() override { return *net_; }

 private:
  std::shared_ptr<Net> net_;
};

}  // namespace

std::unique_ptr<Forecaster> make_itransformer(const ModelConfig& c) {
  return std::make_unique<EncoderForecaster<ITransformerNet, true>>(c);
}
std::unique_ptr<Forecaster> make_patchtst(const ModelConfig& c) {
  return std::make_unique<EncoderForecaster<PatchTSTNet, false>>(c);
}

}  // namespace weft::series::detail
