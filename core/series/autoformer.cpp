// Autoformer (Wu et al., NeurIPS 2021, Time-Series-Library version): series decomposition inside every layer,
// and auto-correlation instead of attention: the period-based similarity of queries and keys is computed with
// FFTs, the top int(factor · ln L) delays are picked, and the values rolled by those delays are averaged with
// softmax weights. The decoder starts from the last label_len steps of the decomposed input (seasonal part, and
// the trend extended by the input mean) and accumulates trend corrections layer by layer.
// Module names follow the official state dict (tokenConv, temporal_embedding.embed, my_Layernorm's `layernorm`).
#include <torch/torch.h>

#include <cmath>

#include "common/error.h"
#include "series/model_factories.h"

namespace weft::series::detail {

namespace {

namespace F = torch::nn::functional;

torch::Tensor drop(const torch::Tensor& t, double p, bool training) {
  return F::dropout(t, F::DropoutFuncOptions().p(p).training(training));
}

// Values [B, H, E, L] mixed over delays: each chosen delay d contributes the values shifted left by d (wrapping).
// Inference picks delays per sample; training picks them once per batch (cheaper, as the reference does).
torch::Tensor aggregate_delays(const torch::Tensor& values, const torch::Tensor& corr, double factor, bool training) {
  const int64_t B = values.size(0), L = values.size(3);
  const int64_t k = static_cast<int64_t>(factor * std::log(double(L)));
  auto score = corr.mean(1).mean(1);  // [B, L'] mean over heads and channels
  auto out = torch::zeros_like(values);
  if (k <= 0) return out;
  if (training) {
    auto delays = std::get<1>(torch::topk(score.mean(0), k, -1));
    std::vector<torch::Tensor> picked;
    for (int64_t i = 0; i < k; ++i) picked.push_back(score.select(1, delays[i].item<int64_t>()));
    auto w = torch::softmax(torch::stack(picked, -1), -1);  // [B, k]
    for (int64_t i = 0; i < k; ++i)
      out = out + torch::roll(values, {-delays[i].item<int64_t>()}, {-1}) * w.select(1, i).view({B, 1, 1, 1});
    return out;
  }
  auto [weights, delays] = torch::topk(score, k, -1);
  auto w = torch::softmax(weights, -1);
  auto doubled = values.repeat({1, 1, 1, 2});  // so that t + d never leaves the tensor
  auto base = torch::arange(L, torch::kLong).view({1, 1, 1, L});
  for (int64_t i = 0; i < k; ++i) {
    auto index = (base + delays.select(1, i).view({B, 1, 1, 1})).expand_as(values);
    out = out + torch::gather(doubled, -1, index) * w.select(1, i).view({B, 1, 1, 1});
  }
  return out;
}

class AutoCorrelationLayerImpl : public torch::nn::Module {
 public:
  AutoCorrelationLayerImpl(int d_model, int heads, double factor) : heads_(heads), factor_(factor) {
    q_ = register_module("query_projection", torch::nn::Linear(d_model, d_model));
    k_ = register_module("key_projection", torch::nn::Linear(d_model, d_model));
    v_ = register_module("value_projection", torch::nn::Linear(d_model, d_model));
    out_ = register_module("out_projection", torch::nn::Linear(d_model, d_model));
  }
  torch::Tensor forward(const torch::Tensor& queries, const torch::Tensor& keys_values) {
    const int64_t B = queries.size(0), L = queries.size(1), S = keys_values.size(1);
    auto q = q_->forward(queries).view({B, L, heads_, -1});
    auto k = k_->forward(keys_values).view({B, S, heads_, -1});
    auto v = v_->forward(keys_values).view({B, S, heads_, -1});
    if (L > S) {  // pad keys/values with zeros to the query length, or cut them to it
      auto zeros = torch::zeros_like(q.narrow(1, 0, L - S));
      k = torch::cat({k, zeros}, 1);
      v = torch::cat({v, zeros}, 1);
    } else {
      k = k.narrow(1, 0, L);
      v = v.narrow(1, 0, L);
    }
    // Correlation at every lag through the Wiener–Khinchin theorem: irfft(Q · conj(K)).
    auto qf = torch::fft::rfft(q.permute({0, 2, 3, 1}).contiguous(), c10::nullopt, -1);
    auto kf = torch::fft::rfft(k.permute({0, 2, 3, 1}).contiguous(), c10::nullopt, -1);
    auto corr = torch::fft::irfft(qf * torch::conj(kf), c10::nullopt, -1);
    auto agg = aggregate_delays(v.permute({0, 2, 3, 1}).contiguous(), corr, factor_, is_training());
    return out_->forward(agg.permute({0, 3, 1, 2}).contiguous().view({B, L, -1}));
  }

 private:
  int64_t heads_;
  double factor_;
  torch::nn::Linear q_{nullptr}, k_{nullptr}, v_{nullptr}, out_{nullptr};
};
TORCH_MODULE(AutoCorrelationLayer);

// LayerNorm, then the mean over time removed: the seasonal part should stay zero-mean.
class SeasonalNormImpl : public torch::nn::Module {
 public:
  explicit SeasonalNormImpl(int d_model) {
    ln_ = register_module("layernorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto h = ln_->forward(x);
    return h - h.mean(1, true);
  }

 private:
  torch::nn::LayerNorm ln_{nullptr};
};
TORCH_MODULE(SeasonalNorm);

// Circular kernel-3 convolution of the values plus a bias-free Linear of the time features (no positions:
// the `pe` buffer exists only because the checkpoints carry it).
class DataEmbeddingImpl : public torch::nn::Module {
 public:
  DataEmbeddingImpl(int c_in, int d_model, int marks) {
    auto value = register_module("value_embedding", std::make_shared<torch::nn::Module>());
    conv_ = value->register_module(
        "tokenConv", torch::nn::Conv1d(torch::nn::Conv1dOptions(c_in, d_model, 3).padding(1).padding_mode(torch::kCircular).bias(false)));
    auto pos = register_module("position_embedding", std::make_shared<torch::nn::Module>());
    pos->register_buffer("pe", sinusoid_table(d_model));
    auto temporal = register_module("temporal_embedding", std::make_shared<torch::nn::Module>());
    mark_ = temporal->register_module("embed", torch::nn::Linear(torch::nn::LinearOptions(marks, d_model).bias(false)));
  }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mark) {
    auto h = conv_->forward(x.permute({0, 2, 1})).transpose(1, 2);
    return mark.defined() ? h + mark_->forward(mark) : h;
  }

 private:
  torch::nn::Conv1d conv_{nullptr};
  torch::nn::Linear mark_{nullptr};
};
TORCH_MODULE(DataEmbedding);

torch::nn::Conv1d pointwise(int in, int out) {
  return torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, 1).bias(false));
}

class EncoderLayerImpl : public torch::nn::Module {
 public:
  explicit EncoderLayerImpl(const ModelConfig& c) : kernel_(c.moving_avg), p_(c.dropout) {
    attention_ = register_module("attention", AutoCorrelationLayer(c.d_model, c.n_heads, c.factor));
    conv1_ = register_module("conv1", pointwise(c.d_model, c.d_ff));
    conv2_ = register_module("conv2", pointwise(c.d_ff, c.d_model));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = x + drop(attention_->forward(x, x), p_, is_training());
    x = x - moving_average(x, kernel_);  // keep the seasonal part
    auto y = drop(F::gelu(conv1_->forward(x.transpose(-1, 1))), p_, is_training());
    y = drop(conv2_->forward(y).transpose(-1, 1), p_, is_training());
    auto s = x + y;
    return s - moving_average(s, kernel_);
  }

 private:
  int kernel_;
  double p_;
  AutoCorrelationLayer attention_{nullptr};
  torch::nn::Conv1d conv1_{nullptr}, conv2_{nullptr};
};
TORCH_MODULE(EncoderLayer);

class DecoderLayerImpl : public torch::nn::Module {
 public:
  explicit DecoderLayerImpl(const ModelConfig& c) : kernel_(c.moving_avg), p_(c.dropout) {
    self_ = register_module("self_attention", AutoCorrelationLayer(c.d_model, c.n_heads, c.factor));
    cross_ = register_module("cross_attention", AutoCorrelationLayer(c.d_model, c.n_heads, c.factor));
    conv1_ = register_module("conv1", pointwise(c.d_model, c.d_ff));
    conv2_ = register_module("conv2", pointwise(c.d_ff, c.d_model));
    projection_ = register_module(
        "projection", torch::nn::Conv1d(torch::nn::Conv1dOptions(c.d_model, c.enc_in, 3).padding(1).padding_mode(torch::kCircular).bias(false)));
  }
  // Returns the seasonal output and this layer's trend correction [B, T, c_out].
  std::pair<torch::Tensor, torch::Tensor> forward(torch::Tensor x, const torch::Tensor& cross) {
    x = x + drop(self_->forward(x, x), p_, is_training());
    auto trend1 = moving_average(x, kernel_);
    x = x - trend1;
    x = x + drop(cross_->forward(x, cross), p_, is_training());
    auto trend2 = moving_average(x, kernel_);
    x = x - trend2;
    auto y = drop(F::gelu(conv1_->forward(x.transpose(-1, 1))), p_, is_training());
    y = drop(conv2_->forward(y).transpose(-1, 1), p_, is_training());
    auto s = x + y;
    auto trend3 = moving_average(s, kernel_);
    s = s - trend3;
    auto trend = trend1 + trend2 + trend3;
    return {s, projection_->forward(trend.permute({0, 2, 1})).transpose(1, 2)};
  }

 private:
  int kernel_;
  double p_;
  AutoCorrelationLayer self_{nullptr}, cross_{nullptr};
  torch::nn::Conv1d conv1_{nullptr}, conv2_{nullptr}, projection_{nullptr};
};
TORCH_MODULE(DecoderLayer);

class AutoformerNet : public torch::nn::Module {
 public:
  explicit AutoformerNet(const ModelConfig& c) : c_(c) {
    enc_embedding_ = register_module("enc_embedding", DataEmbedding(c.enc_in, c.d_model, c.mark_features));
    auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
    enc_layers_ = encoder->register_module("attn_layers", torch::nn::ModuleList());
    for (int i = 0; i < c.e_layers; ++i) enc_layers_->push_back(EncoderLayer(c));
    enc_norm_ = encoder->register_module("norm", SeasonalNorm(c.d_model));
    dec_embedding_ = register_module("dec_embedding", DataEmbedding(c.enc_in, c.d_model, c.mark_features));
    auto decoder = register_module("decoder", std::make_shared<torch::nn::Module>());
    dec_layers_ = decoder->register_module("layers", torch::nn::ModuleList());
    for (int i = 0; i < c.d_layers; ++i) dec_layers_->push_back(DecoderLayer(c));
    dec_norm_ = decoder->register_module("norm", SeasonalNorm(c.d_model));
    projection_ = decoder->register_module("projection", torch::nn::Linear(c.d_model, c.enc_in));
  }

  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& x_mark, const torch::Tensor& dec_mark) {
    if (x_mark.defined() != dec_mark.defined())
      throw Error("Autoformer needs time features for both the lookback and the decoder window, or neither", "autoformer");
    const int64_t B = x.size(0), N = x.size(2), H = c_.pred_len, LL = c_.label_len;
    // Decoder input: the last label_len steps of the decomposed lookback, then the horizon (trend: the
    // lookback mean, seasonal: zeros).
    auto trend = moving_average(x, c_.moving_avg);
    auto seasonal = x - trend;
    auto trend_init = torch::cat({trend.narrow(1, x.size(1) - LL, LL), x.mean(1, true).expand({B, H, N})}, 1);
    auto seasonal_init = torch::cat({seasonal.narrow(1, x.size(1) - LL, LL), torch::zeros({B, H, N}, x.options())}, 1);

    auto enc = drop(enc_embedding_->forward(x, x_mark), c_.dropout, is_training());
    for (const auto& l : *enc_layers_) enc = l->as<EncoderLayerImpl>()->forward(enc);
    enc = enc_norm_->forward(enc);

    auto dec = drop(dec_embedding_->forward(seasonal_init, dec_mark), c_.dropout, is_training());
    auto trend_acc = trend_init;
    for (const auto& l : *dec_layers_) {
      auto [s, t] = l->as<DecoderLayerImpl>()->forward(dec, enc);
      dec = s;
      trend_acc = trend_acc + t;
    }
    auto out = projection_->forward(dec_norm_->forward(dec)) + trend_acc;
    return out.narrow(1, LL, H);
  }

 private:
  ModelConfig c_;
  DataEmbedding enc_embedding_{nullptr}, dec_embedding_{nullptr};
  torch::nn::ModuleList enc_layers_{nullptr}, dec_layers_{nullptr};
  SeasonalNorm enc_norm_{nullptr}, dec_norm_{nullptr};
  torch::nn::Linear projection_{nullptr};
};

class AutoformerForecaster final : public Forecaster {
 public:
  explicit AutoformerForecaster(const ModelConfig& c) : Forecaster(c), net_(std::make_shared<AutoformerNet>(c)) {}
  using Forecaster::forward;
  at::Tensor forward(const at::Tensor& x, const at::Tensor& x_mark, const at::Tensor& dec_mark) override {
    return net_->forward(x, x_mark, dec_mark);
  }
  torch::nn::Module& module() override { return *net_; }

 private:
  std::shared_ptr<AutoformerNet> net_;
};

}  // namespace

std::unique_ptr<Forecaster> make_autoformer(const ModelConfig& c) { return std::make_unique<AutoformerForecaster>(c); }

}  // namespace weft::series::detail
