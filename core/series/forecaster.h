#pragma once
// The forecasting models behind one interface. Parameter names follow the official implementations' state
// dicts (LTSF-Linear DLinear, thuml iTransformer, Time-Series-Library PatchTST, Autoformer and Informer), so
// their checkpoints load strictly. LibTorch stays out of this header: callers that run a model include torch
// themselves.
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace at {
class Tensor;
}
namespace torch::nn {
class Module;
}

namespace weft::series {

struct ModelConfig {
  std::string model = "dlinear";  // dlinear | itransformer | patchtst | autoformer | informer
  int seq_len = 96;               // lookback L
  int pred_len = 96;              // horizon H
  int enc_in = 7;                 // variates N
  // DLinear
  bool individual = false;        // one Linear pair per variate instead of one shared pair
  int moving_avg = 25;            // trend kernel of the series decomposition
  // Transformer encoders (iTransformer, PatchTST)
  int d_model = 512, n_heads = 8, e_layers = 2, d_ff = 2048;
  double dropout = 0.1;
  bool use_norm = true;           // iTransformer's per-window normalisation (PatchTST always normalises)
  int patch_len = 16, stride = 8;  // PatchTST
  int label_len = 48, d_layers = 1;  // Autoformer/Informer decoder: it starts label_len steps before the horizon
  // Autoformer: int(factor · ln L) delays are aggregated; Informer: factor · ceil(ln L) keys are sampled and as
  // many queries attend. 0 means the model's own default (attention_factor()), since the two papers differ.
  double factor = 0.0;
  bool distil = true;             // Informer: halve the sequence between encoder layers (ConvLayer)
  // Informer: seed of ProbSparse attention's key sample in eval mode (the sample is redrawn from this seed on every
  // forward, so a window's forecast never depends on what ran before); training draws from torch's global
  // generator, which the trainer seeds per epoch. Stored with the model so that its forecasts are reproducible.
  std::uint64_t sample_seed = 0;
  int mark_features = 4;          // timeF features of freq 'h'

  double attention_factor() const;  // factor, or the model's default: Autoformer 1, Informer 5

  nlohmann::json to_json() const;
  static ModelConfig from_json(const nlohmann::json&);
  void validate() const;  // throws weft::Error naming the bad field
};

class Forecaster {
 public:
  explicit Forecaster(ModelConfig c) : config_(std::move(c)) {}
  virtual ~Forecaster() = default;
  // x [B, seq_len, enc_in] → [B, pred_len, enc_in]. x_mark [B, seq_len, mark_features] holds the time features of
  // the lookback; dec_mark [B, label_len + pred_len, mark_features] those of the decoder window (Autoformer,
  // Informer). Either may be an undefined tensor: iTransformer then has no timestamp tokens, Autoformer and
  // Informer no temporal embedding (they need both or neither); DLinear and PatchTST never read them.
  virtual at::Tensor forward(const at::Tensor& x, const at::Tensor& x_mark, const at::Tensor& dec_mark) = 0;
  at::Tensor forward(const at::Tensor& x, const at::Tensor& x_mark);  // without decoder marks
  virtual torch::nn::Module& module() = 0;
  const ModelConfig& config() const { return config_; }
  long long parameter_count();

 private:
  ModelConfig config_;
};

std::unique_ptr<Forecaster> make_forecaster(const ModelConfig&);

// Loads an official-format state dict (.pth or .safetensors): every name must match, shapes included.
void load_weights(Forecaster&, const std::string& path);

}  // namespace weft::series
