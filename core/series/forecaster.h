#pragma once
// The forecasting models behind one interface. Parameter names follow the official implementations' state
// dicts (LTSF-Linear DLinear, thuml iTransformer, Time-Series-Library PatchTST), so their checkpoints load
// strictly. LibTorch stays out of this header: callers that run a model include torch themselves.
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
  std::string model = "dlinear";  // dlinear | itransformer | patchtst | autoformer
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
  int label_len = 48, d_layers = 1;  // Autoformer's decoder: it starts label_len steps before the horizon
  double factor = 1.0;            // Autoformer: int(factor · ln L) delays are aggregated
  int mark_features = 4;          // timeF features of freq 'h'

  nlohmann::json to_json() const;
  static ModelConfig from_json(const nlohmann::json&);
  void validate() const;  // throws weft::Error naming the bad field
};

class Forecaster {
 public:
  explicit Forecaster(ModelConfig c) : config_(std::move(c)) {}
  virtual ~Forecaster() = default;
  // x [B, seq_len, enc_in] → [B, pred_len, enc_in]. x_mark [B, seq_len, mark_features] holds the time features of
  // the lookback; dec_mark [B, label_len + pred_len, mark_features] those of the decoder window (Autoformer).
  // Either may be an undefined tensor: iTransformer then has no timestamp tokens, Autoformer no temporal
  // embedding (it needs both or neither); DLinear and PatchTST never read them.
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
