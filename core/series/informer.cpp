// Informer (Zhou et al., AAAI 2021, Time-Series-Library version): an encoder-decoder transformer whose
// attention is ProbSparse: only the queries whose scores are far from uniform (measured on a random sample of
// keys) attend; the others take the mean of the values (or, causally, their running sum). Between encoder layers
// a convolution + max-pool halves the sequence ("distilling"). The decoder starts from the last label_len known
// steps followed by zeros. Module names follow the official state dict (tokenConv, downConv, conv1/conv2, ...).
//
// Two details of the reference are kept on purpose, because its checkpoints depend on them:
// - every ProbSparse output [B, H, L, D] is reshaped to [B, L, H·D] without moving heads back behind time
//   (the reference's "mixed" heads);
// - the key sample is random also at inference. Here eval mode redraws it from ModelConfig::sample_seed on every
//   forward (as torch.manual_seed(seed) before the reference call would), training draws from the global
//   generator, which the trainer seeds per epoch.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "common/rng.h"
#include "series/model_factories.h"

namespace weft::series::detail {

namespace {

namespace F = torch::nn::functional;
using Sampler = c10::optional<at::Generator>;  // nullopt: torch's global generator

torch::Tensor drop(const torch::Tensor& t, double p, bool training) {
  return F::dropout(t, F::DropoutFuncOptions().p(p).training(training));
}

// factor · ceil(ln L), at most L: how many keys are sampled per query, and how many queries attend.
int64_t sparse_budget(double factor, int64_t length) {
  const auto n = static_cast<int64_t>(factor * std::ceil(std::log(static_cast<double>(length))));
  return std::clamp<int64_t>(n, 1, length);  // at least 1: the reference fails outright when ln L rounds to 0
}

// q [B, H, LQ, D], k and v [B, H, LK, D] → [B, H, LQ, D].
torch::Tensor prob_sparse_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                    bool causal, double factor, const Sampler& sampler) {
  const int64_t B = q.size(0), H = q.size(1), LQ = q.size(2), D = q.size(3), LK = k.size(2);
  const int64_t sample_k = sparse_budget(factor, LK), top_u = sparse_budget(factor, LQ);

  // Sparsity measure of each query on a random subset of keys (one subset per query, shared by batch and heads):
  // max score minus the score sum divided by LK (the reference divides by all keys, not by the sample size).
  auto picked = torch::randint(LK, {LQ, sample_k}, sampler, torch::TensorOptions().dtype(torch::kLong));
  auto k_sample = k.index_select(2, picked.flatten()).view({B, H, LQ, sample_k, D});
  auto qk_sample = torch::matmul(q.unsqueeze(-2), k_sample.transpose(-2, -1)).squeeze(-2);
  auto sparsity = std::get<0>(qk_sample.max(-1)) - qk_sample.sum(-1) / LK;
  auto top = std::get<1>(sparsity.topk(top_u, -1, /*largest=*/true, /*sorted=*/false));  // [B, H, u]

  auto rows = top.unsqueeze(-1).expand({B, H, top_u, D});
  auto scores = torch::matmul(torch::gather(q, 2, rows), k.transpose(-2, -1)) * (1.0 / std::sqrt(double(D)));
  torch::Tensor context;
  if (causal) {
    if (LQ != LK) throw Error("causal ProbSparse attention needs as many keys as queries", "informer");
    auto later = torch::arange(LK, top.options()).view({1, 1, 1, LK}) > top.unsqueeze(-1);  // keys after the query
    scores = scores.masked_fill(later, -std::numeric_limits<float>::infinity());
    context = v.cumsum(-2);
  } else {
    context = v.mean(-2, true).expand({B, H, LQ, D}).contiguous();
  }
  auto attended = torch::matmul(torch::softmax(scores, -1), v);
  return context.scatter(2, rows, attended);  // attention dropout is declared but never used by the reference
}

class ProbAttentionLayerImpl : public torch::nn::Module {
 public:
  ProbAttentionLayerImpl(int d_model, int heads, double factor, bool causal)
      : heads_(heads), factor_(factor), causal_(causal) {
    q_ = register_module("query_projection", torch::nn::Linear(d_model, d_model));
    k_ = register_module("key_projection", torch::nn::Linear(d_model, d_model));
    v_ = register_module("value_projection", torch::nn::Linear(d_model, d_model));
    out_ = register_module("out_projection", torch::nn::Linear(d_model, d_model));
  }
  torch::Tensor forward(const torch::Tensor& queries, const torch::Tensor& keys_values, const Sampler& sampler) {
    const int64_t B = queries.size(0), L = queries.size(1), S = keys_values.size(1);
    auto q = q_->forward(queries).view({B, L, heads_, -1}).transpose(1, 2);
    auto k = k_->forward(keys_values).view({B, S, heads_, -1}).transpose(1, 2);
    auto v = v_->forward(keys_values).view({B, S, heads_, -1}).transpose(1, 2);
    auto out = prob_sparse_attention(q, k, v, causal_, factor_, sampler);
    return out_->forward(out.contiguous().view({B, L, -1}));  // heads stay in front of time (see the top)
  }

 private:
  int64_t heads_;
  double factor_;
  bool causal_;
  torch::nn::Linear q_{nullptr}, k_{nullptr}, v_{nullptr}, out_{nullptr};
};
TORCH_MODULE(ProbAttentionLayer);

// Circular kernel-3 convolution of the values + sinusoidal positions + a bias-free Linear of the time features.
class DataEmbeddingImpl : public torch::nn::Module {
 public:
  DataEmbeddingImpl(int c_in, int d_model, int marks, double p) : p_(p) {
    auto value = register_module("value_embedding", std::make_shared<torch::nn::Module>());
    conv_ = value->register_module(
        "tokenConv", torch::nn::Conv1d(torch::nn::Conv1dOptions(c_in, d_model, 3).padding(1).padding_mode(torch::kCircular).bias(false)));
    auto pos = register_module("position_embedding", std::make_shared<torch::nn::Module>());
    pe_ = pos->register_buffer("pe", sinusoid_table(d_model));
    auto temporal = register_module("temporal_embedding", std::make_shared<torch::nn::Module>());
    mark_ = temporal->register_module("embed", torch::nn::Linear(torch::nn::LinearOptions(marks, d_model).bias(false)));
  }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mark) {
    if (x.size(1) > pe_.size(1))
      throw Error("sequences longer than " + std::to_string(pe_.size(1)) + " steps have no position table", "informer");
    auto h = conv_->forward(x.permute({0, 2, 1})).transpose(1, 2);
    if (mark.defined()) h = h + mark_->forward(mark);
    return drop(h + pe_.narrow(1, 0, x.size(1)), p_, is_training());
  }

 private:
  double p_;
  torch::nn::Conv1d conv_{nullptr};
  torch::nn::Linear mark_{nullptr};
  torch::Tensor pe_;
};
TORCH_MODULE(DataEmbedding);

// Distilling: circular conv (padding 2, so L + 2 steps), BatchNorm, ELU, max-pool with stride 2 → L/2 + 1 steps.
class DistilLayerImpl : public torch::nn::Module {
 public:
  explicit DistilLayerImpl(int d_model) {
    conv_ = register_module(
        "downConv", torch::nn::Conv1d(torch::nn::Conv1dOptions(d_model, d_model, 3).padding(2).padding_mode(torch::kCircular)));
    norm_ = register_module("norm", torch::nn::BatchNorm1d(d_model));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto h = F::elu(norm_->forward(conv_->forward(x.permute({0, 2, 1}))));
    return F::max_pool1d(h, F::MaxPool1dFuncOptions(3).stride(2).padding(1)).transpose(1, 2);
  }

 private:
  torch::nn::Conv1d conv_{nullptr};
  torch::nn::BatchNorm1d norm_{nullptr};
};
TORCH_MODULE(DistilLayer);

// The position-wise feed-forward of both layer kinds: kernel-1 convolutions (conv1, conv2) with a GELU between.
torch::nn::Conv1d pointwise(int in, int out) { return torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, 1)); }

torch::Tensor feed_forward(torch::nn::Conv1d& conv1, torch::nn::Conv1d& conv2, const torch::Tensor& x, double p,
                           bool training) {
  auto y = drop(F::gelu(conv1->forward(x.transpose(-1, 1))), p, training);
  return drop(conv2->forward(y).transpose(-1, 1), p, training);
}

torch::nn::LayerNorm layer_norm(int d_model) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})); }

class EncoderLayerImpl : public torch::nn::Module {
 public:
  explicit EncoderLayerImpl(const ModelConfig& c) : p_(c.dropout) {
    attention_ = register_module("attention", ProbAttentionLayer(c.d_model, c.n_heads, c.factor, /*causal=*/false));
    conv1_ = register_module("conv1", pointwise(c.d_model, c.d_ff));
    conv2_ = register_module("conv2", pointwise(c.d_ff, c.d_model));
    norm1_ = register_module("norm1", layer_norm(c.d_model));
    norm2_ = register_module("norm2", layer_norm(c.d_model));
  }
  torch::Tensor forward(torch::Tensor x, const Sampler& sampler) {
    x = norm1_->forward(x + drop(attention_->forward(x, x, sampler), p_, is_training()));
    return norm2_->forward(x + feed_forward(conv1_, conv2_, x, p_, is_training()));
  }

 private:
  double p_;
  ProbAttentionLayer attention_{nullptr};
  torch::nn::Conv1d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
};
TORCH_MODULE(EncoderLayer);

class DecoderLayerImpl : public torch::nn::Module {
 public:
  explicit DecoderLayerImpl(const ModelConfig& c) : p_(c.dropout) {
    self_ = register_module("self_attention", ProbAttentionLayer(c.d_model, c.n_heads, c.factor, /*causal=*/true));
    cross_ = register_module("cross_attention", ProbAttentionLayer(c.d_model, c.n_heads, c.factor, /*causal=*/false));
    conv1_ = register_module("conv1", pointwise(c.d_model, c.d_ff));
    conv2_ = register_module("conv2", pointwise(c.d_ff, c.d_model));
    norm1_ = register_module("norm1", layer_norm(c.d_model));
    norm2_ = register_module("norm2", layer_norm(c.d_model));
    norm3_ = register_module("norm3", layer_norm(c.d_model));
  }
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& cross, const Sampler& sampler) {
    x = norm1_->forward(x + drop(self_->forward(x, x, sampler), p_, is_training()));
    x = norm2_->forward(x + drop(cross_->forward(x, cross, sampler), p_, is_training()));
    return norm3_->forward(x + feed_forward(conv1_, conv2_, x, p_, is_training()));
  }

 private:
  double p_;
  ProbAttentionLayer self_{nullptr}, cross_{nullptr};
  torch::nn::Conv1d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr}, norm3_{nullptr};
};
TORCH_MODULE(DecoderLayer);

class InformerNet : public torch::nn::Module {
 public:
  explicit InformerNet(const ModelConfig& c) : c_(c) {
    enc_embedding_ = register_module("enc_embedding", DataEmbedding(c.enc_in, c.d_model, c.mark_features, c.dropout));
    dec_embedding_ = register_module("dec_embedding", DataEmbedding(c.enc_in, c.d_model, c.mark_features, c.dropout));
    auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
    enc_layers_ = encoder->register_module("attn_layers", torch::nn::ModuleList());
    for (int i = 0; i < c.e_layers; ++i) enc_layers_->push_back(EncoderLayer(c));
    if (c.distil) {
      distil_layers_ = encoder->register_module("conv_layers", torch::nn::ModuleList());
      for (int i = 0; i + 1 < c.e_layers; ++i) distil_layers_->push_back(DistilLayer(c.d_model));
    }
    enc_norm_ = encoder->register_module("norm", layer_norm(c.d_model));
    auto decoder = register_module("decoder", std::make_shared<torch::nn::Module>());
    dec_layers_ = decoder->register_module("layers", torch::nn::ModuleList());
    for (int i = 0; i < c.d_layers; ++i) dec_layers_->push_back(DecoderLayer(c));
    dec_norm_ = decoder->register_module("norm", layer_norm(c.d_model));
    projection_ = decoder->register_module("projection", torch::nn::Linear(c.d_model, c.enc_in));
  }

  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& x_mark, const torch::Tensor& dec_mark,
                        const Sampler& sampler) {
    if (x_mark.defined() != dec_mark.defined())
      throw Error("Informer needs time features for both the lookback and the decoder window, or neither", "informer");
    const int64_t B = x.size(0), N = x.size(2), H = c_.pred_len, LL = c_.label_len;
    if (dec_mark.defined() && dec_mark.size(1) != LL + H)
      throw Error("the decoder time features cover " + std::to_string(dec_mark.size(1)) +
                      " steps, not label_len + pred_len = " + std::to_string(LL + H), "informer");
    // Decoder input: the last label_len known steps, then zeros for the horizon.
    auto x_dec = torch::cat({x.narrow(1, x.size(1) - LL, LL), torch::zeros({B, H, N}, x.options())}, 1);

    // Sampling order as in the reference: encoder layers, then each decoder layer's self and cross attention.
    auto enc = enc_embedding_->forward(x, x_mark);
    const int64_t n_enc = static_cast<int64_t>(enc_layers_->size());
    for (int64_t i = 0; i < n_enc; ++i) {
      enc = enc_layers_->at<EncoderLayerImpl>(std::size_t(i)).forward(enc, sampler);
      if (!distil_layers_.is_empty() && i + 1 < n_enc)
        enc = distil_layers_->at<DistilLayerImpl>(std::size_t(i)).forward(enc);
    }
    enc = enc_norm_->forward(enc);

    auto dec = dec_embedding_->forward(x_dec, dec_mark);
    for (const auto& l : *dec_layers_) dec = l->as<DecoderLayerImpl>()->forward(dec, enc, sampler);
    auto out = projection_->forward(dec_norm_->forward(dec));
    return out.narrow(1, LL, H);
  }

 private:
  ModelConfig c_;
  DataEmbedding enc_embedding_{nullptr}, dec_embedding_{nullptr};
  torch::nn::ModuleList enc_layers_{nullptr}, distil_layers_{nullptr}, dec_layers_{nullptr};
  torch::nn::LayerNorm enc_norm_{nullptr}, dec_norm_{nullptr};
  torch::nn::Linear projection_{nullptr};
};

class InformerForecaster final : public Forecaster {
 public:
  explicit InformerForecaster(const ModelConfig& c) : Forecaster(c), net_(std::make_shared<InformerNet>(c)) {}
  using Forecaster::forward;
  at::Tensor forward(const at::Tensor& x, const at::Tensor& x_mark, const at::Tensor& dec_mark) override {
    Sampler sampler;  // training: the global generator (seeded by the trainer), so each step samples anew
    if (!net_->is_training()) sampler = torch_compatible_generator(config().sample_seed);
    return net_->forward(x, x_mark, dec_mark, sampler);
  }
  torch::nn::Module& module() override { return *net_; }

 private:
  std::shared_ptr<InformerNet> net_;
};

}  // namespace

std::unique_ptr<Forecaster> make_informer(const ModelConfig& c) { return std::make_unique<InformerForecaster>(c); }

}  // namespace weft::series::detail
